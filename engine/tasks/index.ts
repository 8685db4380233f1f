/**
 * The task registry: one line per task, so adding one means adding a case here and a schema in
 * options.ts. `createTask` needs the dataset's rows for `dataset` (loaded by the caller).
 */

import { additionTask, multiplicationTask, reversalTask, sortingTask } from './builtin';
import { countdownTask } from './countdown';
import { type DatasetRow, datasetTask } from './dataset';
import type { TaskOptions } from './options';
import type { Task } from './types';

export function createTask(options: TaskOptions, data?: { rows?: readonly DatasetRow[] }): Task {
  switch (options.name) {
    case 'addition':
      return additionTask(options);
    case 'multiplication':
      return multiplicationTask(options);
    case 'countdown':
      return countdownTask(options);
    case 'sorting':
      return sortingTask(options);
    case 'reversal':
      return reversalTask(options);
    case 'dataset':
      if (!data?.rows) throw new Error(`dataset task: rows of ${options.source} were not loaded`);
      return datasetTask(options, data.rows);
    default:
      return options satisfies never;
  }
}

export { countdownCorrect } from './countdown';
export { type DatasetRow, datasetText, numericMatch, parseJsonlDataset } from './dataset';
export { evaluateExpression, usesAtMostOnce } from './expression';
export * from './options';
export { drawSample, drawTrainingBatch, heldOutSet, isHeldOut, type Split } from './split';
export * from './types';

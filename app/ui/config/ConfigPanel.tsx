/**
 * The config panel: task and model first, then every other RunConfig option in groups (the first
 * ones open). Controls named in the URL's `hide=` flag are left out, for classroom handouts. The task
 * section also takes a dropped JSONL dataset (DatasetDrop).
 */
import { useMemo } from 'react';
import { useConfigStore, valueAt } from '../../state/config-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { ConfigField } from './ConfigField.js';
import {
  type FieldSpec,
  MODEL_NAME_FIELD,
  MODEL_OVERRIDES_FIELD,
  optionGroups,
  TASK_NAME_FIELD,
  taskFields,
} from './config-fields.js';
import { DatasetDrop } from './DatasetDrop.js';
import { RewardCodeEditor } from './RewardCodeEditor.js';

function visibleFields(fields: FieldSpec[], hidden: readonly string[]): FieldSpec[] {
  return fields.filter((f) => !hidden.includes(f.name) && !hidden.includes(f.path.join('.')));
}

export function ConfigPanel() {
  const hidden = useUiStore((s) => s.hidden);
  const taskName = useConfigStore((s) => String(valueAt(s, ['task', 'name']) ?? ''));
  const errors = useConfigStore((s) => s.errors);
  const groups = useMemo(() => optionGroups(), []);
  // `hide=task` hides the dataset drop with the task choice; `hide=dataset` hides only the drop
  const showDataset = !hidden.includes('task') && !hidden.includes('dataset');
  const task = visibleFields([TASK_NAME_FIELD, ...taskFields(taskName)], hidden);
  const model = visibleFields([MODEL_NAME_FIELD, MODEL_OVERRIDES_FIELD], hidden);
  return (
    <section className="config" aria-labelledby="config-title">
      <h2 id="config-title">Configuration</h2>
      {errors.length > 0 && (
        <p className="field-error" role="status">
          {errors.length} option{errors.length === 1 ? '' : 's'} need fixing before a run can start.
        </p>
      )}
      {task.length + model.length > 0 && (
        <fieldset className="group">
          <legend>Task and model</legend>
          {task.map((f) => (
            <ConfigField key={f.path.join('.')} spec={f} />
          ))}
          {showDataset && <DatasetDrop />}
          {model.map((f) => (
            <ConfigField key={f.path.join('.')} spec={f} />
          ))}
        </fieldset>
      )}
      {groups.map((g) => {
        const fields = visibleFields(g.fields, hidden);
        if (fields.length === 0) return null;
        return (
          <details key={g.title} className="group" open={g.open}>
            <summary>{g.title}</summary>
            {fields.map((f) => (
              <ConfigField key={f.path.join('.')} spec={f} />
            ))}
          </details>
        );
      })}
      {!hidden.includes('reward_code') && <RewardCodeEditor />}
    </section>
  );
}

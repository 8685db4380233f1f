/**
 * The reward sandbox in Node (CLI, tests): each user function gets a worker_threads Worker, which
 * `terminate()` stops even inside `while (true) {}`. Inside the worker the code runs in a fresh `vm`
 * context whose global sandbox-lockdown.ts empties down to JavaScript's built-ins, with no string-to-code
 * (`eval`, `new Function`). Everything that calls user code lives in that context too, and the
 * worker's own script is strict: a sloppy function of the worker's realm reached from user code (as
 * `f.caller`, or a function handed to a returned `then`) would give its Function constructor, which
 * compiles in the worker's realm, where `process` and `require` are; batches go in and results come out
 * as JSON strings, so no object crosses between the realms. Node's vm is not a security boundary against
 * a determined attacker on the same machine; it keeps honest mistakes and shared-link code from
 * reaching the network or the file system. Only *-node.ts files import node:.
 */

import { Worker } from 'node:worker_threads';
import {
  createRewardSandbox,
  EVALUATE_OUTCOME_JS,
  type FromRewardWorker,
  preferBodyError,
  type RewardSandbox,
  type RewardWorkerPort,
  rewardSourceForms,
  type SandboxOptions,
  type UserRewardCode,
} from './sandbox.js';
import { LOCKDOWN_JS, LOCKDOWN_LISTS } from './sandbox-lockdown.js';

/**
 * Evaluated in the context before any user code: locks its global down and returns
 * `runBatch(reward, inputsJson) -> outcomesJson`, holding the context's own JSON functions.
 */
const CONTEXT_HARNESS_JS = `(function (listsJson) {
  'use strict';
  ${LOCKDOWN_JS}
  ${EVALUATE_OUTCOME_JS}
  var parse = JSON.parse, stringify = JSON.stringify;
  lockDownRewardGlobal(globalThis, parse(listsJson));
  return function runBatch(reward, inputsJson) {
    var inputs = parse(inputsJson), outcomes = [];
    for (var i = 0; i < inputs.length; i++) outcomes[i] = evaluateOutcome(reward, inputs[i]);
    return stringify(outcomes);
  };
})`;

/** CommonJS run by `new Worker(..., { eval: true })`; workerData = { name, forms, bodyFirst, harness, lists }. */
const NODE_WORKER_JS = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const vm = require('node:vm');
process.on('unhandledRejection', () => {});
const context = vm.createContext(Object.create(null), {
  name: 'tabrl-reward ' + workerData.name,
  codeGeneration: { strings: false, wasm: false },
});
const runBatch = vm.runInContext(workerData.harness, context)(workerData.lists);
let reward = null;
const errors = [];
for (const form of workerData.forms) {
  try {
    reward = new vm.Script(form, { filename: 'reward:' + workerData.name }).runInContext(context);
    break;
  } catch (e) {
    errors.push(e instanceof SyntaxError ? 'SyntaxError: ' + e.message : 'threw: ' + String(e && e.message));
  }
}
if (typeof reward !== 'function') {
  parentPort.postMessage({ type: 'compile-error', message: errors[workerData.bodyFirst ? 1 : 0] || errors[0] || 'no function' });
} else {
  parentPort.on('message', (batch) => {
    let outcomes;
    try {
      const json = runBatch(reward, JSON.stringify(batch.inputs));
      outcomes = typeof json === 'string' ? JSON.parse(json) : null;
    } catch (_) {
      outcomes = null;
    }
    if (!Array.isArray(outcomes) || outcomes.length !== batch.inputs.length) {
      outcomes = batch.inputs.map(() => ({ ok: false, error: 'broke the sandbox harness (its results were unreadable)' }));
    }
    parentPort.postMessage({ type: 'results', id: batch.id, outcomes });
  });
  parentPort.postMessage({ type: 'ready' });
}
`;

function spawnNodeRewardWorker(code: UserRewardCode): RewardWorkerPort {
  const forms = rewardSourceForms(code.source);
  const worker = new Worker(NODE_WORKER_JS, {
    eval: true,
    workerData: {
      name: code.name,
      forms: [forms.expression, forms.body],
      bodyFirst: preferBodyError(code.source),
      harness: CONTEXT_HARNESS_JS,
      lists: JSON.stringify(LOCKDOWN_LISTS),
    },
    resourceLimits: { maxOldGenerationSizeMb: 256 },
    stdout: true,
    stderr: true,
  });
  worker.unref();
  let terminated = false;
  return {
    send: (batch) => worker.postMessage(batch),
    listen(onMessage, onCrash) {
      worker.on('message', (msg: FromRewardWorker) => onMessage(msg));
      worker.on('error', (err: Error) => onCrash(err.message));
      worker.on('exit', (exitCode) => {
        if (!terminated) onCrash(`the worker exited with code ${exitCode}`);
      });
    },
    terminate() {
      terminated = true;
      void worker.terminate();
    },
  };
}

/** The Node sandbox: pass it as `rewardSandbox` to createTrainingSession; dispose it with the run. */
export function createNodeRewardSandbox(options: SandboxOptions = {}): RewardSandbox {
  return createRewardSandbox(spawnNodeRewardWorker, options);
}

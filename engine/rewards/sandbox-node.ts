/**
 * The reward sandbox in Node (CLI, tests): each user function gets a worker_threads Worker, which
 * `terminate()` stops even inside `while (true) {}`. Inside the worker the code runs in a fresh `vm`
 * context: no `require`, `process` or module loader (dynamic `import()` throws), no string-to-code
 * (`eval`, `new Function`), and the network globals throw a "blocked" message. Node's vm is not a
 * security boundary against a determined attacker on the same machine; it keeps honest mistakes and
 * shared-link code from reaching the network or the file system. Only *-node.ts files import node:.
 */

import { Worker } from 'node:worker_threads';
import {
  BLOCKED_GLOBALS,
  blockedMessage,
  createRewardSandbox,
  EVALUATE_OUTCOME_JS,
  type FromRewardWorker,
  preferBodyError,
  type RewardSandbox,
  type RewardWorkerPort,
  rewardSourceForms,
  type SandboxOptions,
  UNAVAILABLE_GLOBALS,
  type UserRewardCode,
} from './sandbox.js';

/** CommonJS run by `new Worker(..., { eval: true })`; workerData = { name, forms, bodyFirst, blocked }. */
const NODE_WORKER_JS = `
const { parentPort, workerData } = require('node:worker_threads');
const vm = require('node:vm');
process.on('unhandledRejection', () => {});
const context = vm.createContext(Object.create(null), {
  name: 'tabrl-reward ' + workerData.name,
  codeGeneration: { strings: false, wasm: false },
});
// Blockers are made inside the context, so user code reaches no object of this realm through them.
vm.runInContext(
  '(function (names, messages) { for (var i = 0; i < names.length; i++) (function (m) {' +
    ' globalThis[names[i]] = function () { throw new Error(m); }; })(messages[i]); })',
  context,
)(workerData.blocked.names, workerData.blocked.messages);
vm.runInContext(
  '(function (unavailable) { unavailable.forEach(function (u) { var m = u[1];' +
    ' Object.defineProperty(globalThis, u[0], { get: function () { throw new Error(m); } }); }); })',
  context,
)(workerData.blocked.unavailable);
${EVALUATE_OUTCOME_JS}
let reward = null;
const errors = [];
for (const form of workerData.forms) {
  try {
    reward = new vm.Script(form, { filename: 'reward:' + workerData.name }).runInContext(context);
    break;
  } catch (e) {
    errors.push(e && e.name === 'SyntaxError' ? 'SyntaxError: ' + e.message : 'threw: ' + String(e && e.message));
  }
}
if (typeof reward !== 'function') {
  parentPort.postMessage({ type: 'compile-error', message: errors[workerData.bodyFirst ? 1 : 0] || errors[0] || 'no function' });
} else {
  parentPort.on('message', (batch) => {
    const outcomes = batch.inputs.map((input) => evaluateOutcome(reward, input));
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
      blocked: {
        names: [...BLOCKED_GLOBALS],
        messages: BLOCKED_GLOBALS.map(blockedMessage),
        unavailable: UNAVAILABLE_GLOBALS,
      },
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

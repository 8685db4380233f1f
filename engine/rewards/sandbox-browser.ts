/**
 * The reward sandbox in the browser: each user function gets a dedicated Worker built from a Blob URL,
 * terminated (and recreated on the next batch) when a batch overruns its time limit. Workers have no
 * DOM; before the user's code is reached the script replaces fetch, XMLHttpRequest, WebSocket,
 * EventSource, importScripts and nested workers, on the global and its prototypes, by functions that
 * throw. The user's code is part of the worker script itself, not evaluated from a string, so it runs
 * under a Content-Security-Policy without 'unsafe-eval': a Blob worker inherits the policy of the page
 * that creates it, and the lab's page (index.html) allows it no connections except to itself. Since
 * nothing can parse code without eval, a source that is not an expression is retried as a function body
 * in a second worker.
 */

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

/** The worker script for one reading of the source (`form` evaluates to the reward function). */
export function browserWorkerScript(form: string): string {
  return `(function () {
  var names = ${JSON.stringify(BLOCKED_GLOBALS)};
  var messages = ${JSON.stringify(BLOCKED_GLOBALS.map(blockedMessage))};
  for (var i = 0; i < names.length; i++) (function (name, message) {
    var blocker = function () { throw new Error(message); };
    var o = self;
    while (o) {
      if (Object.prototype.hasOwnProperty.call(o, name)) {
        try { Object.defineProperty(o, name, { value: blocker, writable: false, configurable: false }); } catch (e) {}
      }
      o = Object.getPrototypeOf(o);
    }
    if (!(name in self)) Object.defineProperty(self, name, { value: blocker, writable: false, configurable: false });
  })(names[i], messages[i]);
  var unavailable = ${JSON.stringify(UNAVAILABLE_GLOBALS)};
  for (var j = 0; j < unavailable.length; j++) (function (name, message) {
    var getter = function () { throw new Error(message); };
    var o = self;
    while (o) {
      if (Object.prototype.hasOwnProperty.call(o, name)) {
        try { Object.defineProperty(o, name, { get: getter, configurable: false }); } catch (e) {}
      }
      o = Object.getPrototypeOf(o);
    }
    try { Object.defineProperty(self, name, { get: getter, configurable: false }); } catch (e) {}
  })(unavailable[j][0], unavailable[j][1]);
})();
${EVALUATE_OUTCOME_JS}
var __tabrlPost = self.postMessage.bind(self);
self.onmessage = function (event) {
  var batch = event.data, outcomes = [];
  for (var i = 0; i < batch.inputs.length; i++) outcomes.push(evaluateOutcome(__tabrlReward, batch.inputs[i]));
  __tabrlPost({ type: 'results', id: batch.id, outcomes: outcomes });
};
var __tabrlReward = ${form};
__tabrlPost({ type: 'ready' });
`;
}

interface Attempt {
  worker: Worker;
  url: string;
}

function startAttempt(form: string, name: string): Attempt {
  const url = URL.createObjectURL(new Blob([browserWorkerScript(form)], { type: 'text/javascript' }));
  return { worker: new Worker(url, { name: `tabrl-reward-${name}` }), url };
}

function spawnBrowserRewardWorker(code: UserRewardCode): RewardWorkerPort {
  const forms = rewardSourceForms(code.source);
  let current: Attempt | null = null;
  let queued: { id: number; inputs: unknown[] }[] = [];
  let ready = false;
  let terminated = false;
  let onMessage: (msg: FromRewardWorker) => void = () => {};
  let onCrash: (message: string) => void = () => {};
  const errors: string[] = [];

  const stop = (a: Attempt | null) => {
    a?.worker.terminate();
    if (a) URL.revokeObjectURL(a.url);
  };

  const tryForm = (index: number) => {
    if (terminated) return;
    const form = index === 0 ? forms.expression : forms.body;
    const attempt = startAttempt(form, code.name);
    current = attempt;
    attempt.worker.onmessage = (event: MessageEvent<FromRewardWorker>) => {
      const msg = event.data;
      if (msg.type === 'ready') {
        ready = true;
        for (const batch of queued) attempt.worker.postMessage(batch);
        queued = [];
      }
      onMessage(msg);
    };
    attempt.worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const text = (event.message || 'the worker failed to load').replace(/^Uncaught /, '');
      if (ready) {
        onCrash(text);
        return;
      }
      errors.push(text);
      stop(attempt);
      if (index === 0 && /SyntaxError/.test(text)) tryForm(1);
      else if (/SyntaxError/.test(text)) {
        const message = errors[preferBodyError(code.source) ? 1 : 0] ?? text;
        onMessage({ type: 'compile-error', message });
      } else onCrash(text);
    };
  };

  return {
    send(batch) {
      if (ready && current) current.worker.postMessage(batch);
      else queued.push(batch);
    },
    listen(message, crash) {
      onMessage = message;
      onCrash = crash;
      tryForm(0);
    },
    terminate() {
      terminated = true;
      stop(current);
    },
  };
}

/** The browser sandbox: the lab's page makes one and runs every user reward in it. */
export function createBrowserRewardSandbox(options: SandboxOptions = {}): RewardSandbox {
  return createRewardSandbox(spawnBrowserRewardWorker, options);
}

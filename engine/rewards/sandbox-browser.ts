/**
 * The reward sandbox in the browser: each user function gets a dedicated Worker built from a data: URL,
 * terminated (and recreated on the next batch) when a batch overruns its time limit. A data: worker has
 * an opaque origin, so the origin's storage (IndexedDB, Cache Storage, navigator.storage and its private
 * file system, navigator.locks) refuses it with a SecurityError even before sandbox-lockdown.ts removes
 * every global but JavaScript's built-ins. Like a Blob worker it inherits the page's
 * Content-Security-Policy (index.html: no eval, no connections but the lab's own), which matters because
 * the user's code is part of the worker script itself, not evaluated from a string; nothing can parse
 * code without eval, so a source that is not an expression is retried as a function body in a second
 * worker.
 */

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
 * The worker script for one reading of the source (`form` evaluates to the reward function). One
 * strict closure takes what it needs (postMessage bound now, the message handler set now), locks the
 * global down and returns `start`; the form is start's argument, so it is evaluated after the lockdown
 * and no global name is read. Source that breaks out of the form runs after the lockdown too.
 */
export function browserWorkerScript(form: string): string {
  return `(function (global) {
  'use strict';
  ${LOCKDOWN_JS}
  ${EVALUATE_OUTCOME_JS}
  var post = global.postMessage.bind(global), reward = null;
  global.onmessage = function (event) {
    var batch = event.data, outcomes = [];
    if (reward === null) return;
    for (var i = 0; i < batch.inputs.length; i++) outcomes[i] = evaluateOutcome(reward, batch.inputs[i]);
    post({ type: 'results', id: batch.id, outcomes: outcomes });
  };
  lockDownRewardGlobal(global, ${JSON.stringify(LOCKDOWN_LISTS)});
  return function start(fn) {
    if (reward !== null) return;
    reward = fn;
    post({ type: 'ready' });
  };
})(this)(${form});
`;
}

interface Attempt {
  worker: Worker;
}

function startAttempt(form: string, name: string): Attempt {
  const url = `data:text/javascript;charset=utf-8,${encodeURIComponent(browserWorkerScript(form))}`;
  return { worker: new Worker(url, { name: `tabrl-reward-${name}` }) };
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

  const stop = (a: Attempt | null) => a?.worker.terminate();

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

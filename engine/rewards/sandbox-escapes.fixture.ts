/**
 * Reward functions that try to reach storage, another context or a fresh global, one per API, with
 * what the sandbox must answer. Both sandboxes run the same table: sandbox.test.ts in Node, and
 * tests/e2e/lab-reward-code.e2e.ts through the lab's "Test on sample" in Chromium. A write that got
 * through would leave a trace the e2e looks for afterwards (pwned.txt in the private file system, a
 * `pwned` database or cache, a message on the lab's BroadcastChannel, a held lock).
 */

export interface EscapeProbe {
  /** What is tried, as the report lists it. */
  api: string;
  source: string;
  /** What the outcome must read (an error text, or `0` for a number): outcomeText's output. */
  refused: RegExp;
}

const notAvailable = (name: string) => new RegExp(`threw: (Error: )?${name} is not available`);
const blocked = (name: string) => new RegExp(`threw: (Error: )?${name} is blocked`);
const notDefined = (name: string) => new RegExp(`threw: ReferenceError: ${name} is not defined`);
/** A string-to-code route: the page's CSP (browser) or codeGeneration: false (Node) refuses it. */
const noEval = /threw: EvalError/;

export const ESCAPE_PROBES: readonly EscapeProbe[] = [
  {
    api: 'navigator.storage.getDirectory (origin private file system)',
    source:
      "() => { navigator.storage.getDirectory().then((d) => d.getFileHandle('pwned.txt', { create: true })); return 1; }",
    refused: notAvailable('navigator'),
  },
  {
    api: 'navigator.storage.estimate',
    source: '() => { navigator.storage.estimate(); return 1; }',
    refused: notAvailable('navigator'),
  },
  {
    api: 'navigator.locks',
    source: "() => { navigator.locks.request('tabrl-pwned', () => new Promise(() => {})); return 1; }",
    refused: notAvailable('navigator'),
  },
  {
    api: 'globalThis.navigator',
    source: '() => globalThis.navigator.storage ? 1 : 0',
    refused: notAvailable('navigator'),
  },
  { api: 'self.navigator', source: '() => self.navigator ? 1 : 0', refused: notAvailable('self') },
  {
    api: 'this.navigator in a sloppy function',
    source: 'function () { return this.navigator ? 1 : 0; }',
    refused: notAvailable('navigator'),
  },
  {
    api: 'navigator from the global prototype chain',
    source:
      "() => { for (let o = globalThis; o; o = Object.getPrototypeOf(o)) { const d = Object.getOwnPropertyDescriptor(o, 'navigator'); if (d && o !== globalThis) return 1; } return 0; }",
    refused: /^0$/,
  },
  {
    api: 'webkitRequestFileSystem',
    source: '() => { webkitRequestFileSystem(0, 1, () => {}); return 1; }',
    refused: notDefined('webkitRequestFileSystem'),
  },
  {
    api: 'indexedDB',
    source: "() => { indexedDB.open('pwned'); return 1; }",
    refused: notAvailable('indexedDB'),
  },
  { api: 'caches', source: "() => { caches.open('pwned'); return 1; }", refused: notAvailable('caches') },
  {
    api: 'localStorage',
    source: "() => { localStorage.setItem('pwned', '1'); return 1; }",
    refused: notAvailable('localStorage'),
  },
  {
    api: 'sessionStorage',
    source: "() => { sessionStorage.setItem('pwned', '1'); return 1; }",
    refused: notAvailable('sessionStorage'),
  },
  {
    api: 'BroadcastChannel',
    source: "() => { new BroadcastChannel('tabrl').postMessage('pwned'); return 1; }",
    refused: blocked('BroadcastChannel'),
  },
  {
    api: 'MessageChannel',
    source: '() => { new MessageChannel(); return 1; }',
    refused: blocked('MessageChannel'),
  },
  {
    api: 'postMessage to the page',
    source: "() => { postMessage({ type: 'results', id: 1, outcomes: [] }); return 1; }",
    refused: notDefined('postMessage'),
  },
  {
    api: 'Worker',
    source: "() => { new Worker('data:text/javascript,1'); return 1; }",
    refused: blocked('Worker'),
  },
  {
    api: 'SharedWorker',
    source: "() => { new SharedWorker('data:text/javascript,1'); return 1; }",
    refused: blocked('SharedWorker'),
  },
  { api: 'fetch', source: "() => { fetch('http://127.0.0.1:1/'); return 1; }", refused: blocked('fetch') },
  {
    api: 'XMLHttpRequest',
    source: '() => { new XMLHttpRequest(); return 1; }',
    refused: blocked('XMLHttpRequest'),
  },
  {
    api: 'WebSocket',
    source: "() => { new WebSocket('ws://127.0.0.1:1/'); return 1; }",
    refused: blocked('WebSocket'),
  },
  {
    api: 'WebTransport',
    source: "() => { new WebTransport('https://127.0.0.1:1/'); return 1; }",
    refused: blocked('WebTransport'),
  },
  {
    api: 'EventSource',
    source: "() => { new EventSource('http://127.0.0.1:1/'); return 1; }",
    refused: blocked('EventSource'),
  },
  {
    api: 'importScripts',
    source: "() => { importScripts('http://127.0.0.1:1/x.js'); return 1; }",
    refused: blocked('importScripts'),
  },
  {
    api: 'WebAssembly',
    source: '() => { WebAssembly.compile(new Uint8Array(8)); return 1; }',
    refused: notDefined('WebAssembly'),
  },
  {
    api: 'setTimeout (string or later code)',
    source: "() => { setTimeout('1', 0); return 1; }",
    refused: notDefined('setTimeout'),
  },
  { api: 'eval', source: "() => eval('1')", refused: notDefined('eval') },
  {
    api: "Function('return this')()",
    source: "() => Function('return this')().navigator ? 1 : 0",
    refused: noEval,
  },
  {
    api: "''.constructor.constructor",
    source: "() => ''.constructor.constructor('return navigator')() ? 1 : 0",
    refused: noEval,
  },
  {
    api: '(() => {}).constructor',
    source: "() => (() => {}).constructor('return navigator')() ? 1 : 0",
    refused: noEval,
  },
  {
    api: 'async function constructor',
    source: "() => { (async () => {}).constructor('return navigator')(); return 1; }",
    refused: noEval,
  },
  {
    api: 'generator function constructor',
    source: "() => { (function* () {}).constructor('return navigator')(); return 1; }",
    refused: noEval,
  },
  {
    api: 'the caller of a sloppy reward (the sandbox harness)',
    source: 'function f() { return f.caller === null ? 0 : 1; }',
    refused: /^0$/,
  },
  {
    api: 'Error.prepareStackTrace CallSite.getFunction/getThis of the harness frames',
    source:
      '() => { Error.prepareStackTrace = (e, sites) => sites.slice(1).filter((s) => s.getFunction() !== undefined || s.getThis() !== undefined).length; return new Error().stack; }',
    refused: /^0$/,
  },
  {
    api: "the function the harness hands a returned object's then (run twice: the second run sees a leak)",
    source:
      "() => globalThis.leak !== undefined ? 1 : { then(ok, fail) { globalThis.leak = fail.constructor('return typeof process + typeof navigator')(); } }",
    refused: /returned a Promise/,
  },
];

/** How a sample's outcome reads: the number, or the error (as the lab's Test results table shows it). */
export const outcomeText = (o: { ok: true; value: number } | { ok: false; error: string }): string =>
  o.ok ? String(o.value) : o.error;

/** A reward that lists every name on the global and its prototypes (not Object.prototype), as an error. */
export const GLOBAL_NAMES_SOURCE =
  "() => { const out = []; for (let o = globalThis; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) out.push(...Object.getOwnPropertyNames(o), ...Object.getOwnPropertySymbols(o).map(String)); throw new Error('globals: ' + out.join(' ') + ' :end'); }";

/** What GLOBAL_NAMES_SOURCE reports, as names. */
export const globalNamesIn = (text: string): string[] =>
  (/globals: (.*?) :end/s.exec(text)?.[1] ?? '').split(' ').filter(Boolean);

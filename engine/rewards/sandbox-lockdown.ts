/**
 * What user reward code may touch: an allow-list of the language's own globals (Math, JSON, String...),
 * and the script that, before any user code runs, deletes everything else from the sandbox's global
 * object and its prototype chain (navigator and with it navigator.storage / OPFS and navigator.locks,
 * indexedDB, caches, BroadcastChannel, MessageChannel, Worker, fetch, WebSocket, WebAssembly, timers,
 * postMessage, eval...). Both sandboxes run the same LOCKDOWN_JS, so Node and the browser refuse the
 * same APIs. A block-list would miss whatever the next browser adds (Chromium's worker global has ~350
 * names, webkitRequestFileSystem among them); the allow-list fails closed: a property it cannot remove
 * stops the worker before the user's code is reached.
 */

/**
 * Globals reward code keeps: ECMAScript's standard built-ins (those a runtime has; the rest are
 * skipped) and console. Not here, so removed: eval (string evaluation is refused anyway), Atomics,
 * SharedArrayBuffer, WebAssembly, and every Web API.
 */
// biome-ignore format: grouped as ECMA-262 lists them
export const REWARD_GLOBALS = [
  // Values and functions of the global object (ECMA-262 19.1, 19.2).
  'globalThis', 'Infinity', 'NaN', 'undefined',
  'isFinite', 'isNaN', 'parseFloat', 'parseInt',
  'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape',
  // Constructors and namespaces (19.3, 19.4).
  'Object', 'Function', 'Boolean', 'Symbol', 'Number', 'BigInt', 'Math', 'Date', 'String', 'RegExp',
  'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Promise', 'Proxy',
  'Reflect', 'JSON', 'Intl', 'Iterator', 'Temporal', 'DisposableStack', 'AsyncDisposableStack',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError',
  'URIError', 'SuppressedError',
  'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array',
  'BigUint64Array',
  // Not ECMAScript, but output only: console.log from a reward shows in the developer tools.
  'console',
] as const;

/** Removed, then put back as functions that throw this message (a plain ReferenceError says less). */
export const BLOCKED_GLOBALS = [
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'EventSource',
  'importScripts',
  'WebTransport',
  'Worker',
  'SharedWorker',
  'BroadcastChannel',
  'MessageChannel',
  'require',
] as const;

export const blockedMessage = (name: string) =>
  `${name} is blocked: reward functions run without network access or other contexts`;

/**
 * Removed, then put back as getters that throw, with why: the page's DOM (a worker has none, but the
 * message says so plainly) and the origin's storage (the lab's runs live in IndexedDB, downloaded models
 * in Cache Storage, checkpoints in the origin private file system under navigator.storage).
 */
export const UNAVAILABLE_GLOBALS: readonly (readonly [name: string, message: string])[] = [
  ['document', 'document is not available: reward functions run without a DOM'],
  ['window', 'window is not available: reward functions run without a DOM'],
  ['self', 'self is not available: reward functions see only globalThis with the JavaScript built-ins'],
  ['navigator', 'navigator is not available: reward functions run without storage, locks or devices'],
  ['localStorage', 'localStorage is not available: reward functions run without storage'],
  ['sessionStorage', 'sessionStorage is not available: reward functions run without storage'],
  ['indexedDB', 'indexedDB is not available: reward functions run without storage'],
  ['caches', 'caches is not available: reward functions run without storage'],
];

/** The arguments LOCKDOWN_JS's function takes after the global, as JSON-able data. */
export const LOCKDOWN_LISTS = {
  allowed: [...REWARD_GLOBALS] as string[],
  blocked: BLOCKED_GLOBALS.map((name) => [name, blockedMessage(name)] as const),
  unavailable: UNAVAILABLE_GLOBALS,
};

/**
 * ES5 source of `lockDownRewardGlobal(global, lists)`, strict. It reads its tools from a literal
 * (`({}).constructor` is the real Object even if the user's code declared a global function named
 * Object, which is hoisted before any statement runs) and runs before any user statement, so nothing it
 * calls can have been replaced. It stops at Object.prototype, which every object literal reaches anyway.
 * Afterwards each non-allowed property on the global and its prototypes is gone, holds a primitive
 * (TEMPORARY, a hoisted `var` set to undefined) or is one of the throwing stand-ins; else it throws.
 */
export const LOCKDOWN_JS = `function lockDownRewardGlobal(global, lists) {
  'use strict';
  var O = ({}).constructor;
  var names = O.getOwnPropertyNames, symbols = O.getOwnPropertySymbols, protoOf = O.getPrototypeOf;
  var describe = O.getOwnPropertyDescriptor, define = O.defineProperty, freeze = O.freeze;
  var keep = O.create(null), standIn = O.create(null), levels = [], i, j, key, d;
  for (i = 0; i < lists.allowed.length; i++) keep[lists.allowed[i]] = true;
  for (var o = global; o !== null && o !== O.prototype; o = protoOf(o)) levels[levels.length] = o;
  var ownKeys = function (level) { return names(level).concat(symbols(level)); };
  for (i = 0; i < levels.length; i++) {
    var keys = ownKeys(levels[i]);
    for (j = 0; j < keys.length; j++) {
      key = keys[j];
      if (i === 0 && typeof key === 'string' && keep[key] === true) continue;
      try { delete levels[i][key]; } catch (e) {}
      d = describe(levels[i], key);
      if (d !== undefined && d.writable && d.value !== null && (typeof d.value === 'object' || typeof d.value === 'function')) {
        try { define(levels[i], key, { value: undefined }); } catch (e) {}
      }
    }
    if (i > 0) freeze(levels[i]);
  }
  var install = function (name, descriptor, fn) {
    descriptor.enumerable = false;
    descriptor.configurable = false;
    try { define(global, name, descriptor); standIn[name] = fn; } catch (e) {}
  };
  for (i = 0; i < lists.blocked.length; i++) (function (name, message) {
    var fn = function () { throw new Error(message); };
    install(name, { value: fn, writable: false }, fn);
  })(lists.blocked[i][0], lists.blocked[i][1]);
  for (i = 0; i < lists.unavailable.length; i++) (function (name, message) {
    var fn = function () { throw new Error(message); };
    install(name, { get: fn }, fn);
  })(lists.unavailable[i][0], lists.unavailable[i][1]);
  for (i = 0; i < levels.length; i++) {
    var left = ownKeys(levels[i]);
    for (j = 0; j < left.length; j++) {
      key = left[j];
      d = describe(levels[i], key);
      var named = i === 0 && typeof key === 'string';
      if (named && keep[key] === true) continue;
      if (named && standIn[key] !== undefined && (d.get === standIn[key] || d.value === standIn[key])) continue;
      if ('value' in d && (d.value === null || (typeof d.value !== 'object' && typeof d.value !== 'function'))) continue;
      throw new Error('the reward sandbox could not remove ' + String(key) + '; no user code was run');
    }
  }
}`;

/**
 * The contract every parser of outside input is fuzzed against (docs/FUZZ.md): each input either
 * parses or is refused with the parser's own error (its error class, or its `{ok: false}` result) and
 * a non-empty message - never a TypeError, RangeError or any other foreign exception - and no case
 * takes longer than SLOW_CASE_MS. Inputs come in named families (random, mutated valid, ...) and the
 * tally per family is what docs/FUZZ.md's table reports. A synchronous hang cannot be interrupted
 * in-process; the per-case clock catches what is merely slow, the test timeout what never returns.
 *
 * TABRL_FUZZ_RUNS (default 5000) sets the cases per parser, TABRL_FUZZ_SEED (default fixed) the seed,
 * TABRL_FUZZ_TIMEOUT_MS the vitest timeout of each parser's run, TABRL_FUZZ_REPORT a file that
 * receives one JSON line per parser, TABRL_FUZZ_TRACE a file that holds the input being parsed
 * (written before each case, so a hang leaves its input there; it slows the run several times),
 * TABRL_FUZZ_PATH a failure's path as printed, to replay that case alone.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';

export const FUZZ_RUNS = Number(process.env.TABRL_FUZZ_RUNS ?? 5000);
export const FUZZ_SEED = Number(process.env.TABRL_FUZZ_SEED ?? 20_260_613);
/**
 * A case that takes more CPU time than this fails the property, naming its input. CPU time, not wall
 * time, so that other processes on a loaded machine do not fail the suite.
 */
export const SLOW_CASE_MS = Number(process.env.TABRL_FUZZ_SLOW_MS ?? 2000);

/** CPU milliseconds this process has used (user + system). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
/** A vitest timeout for one parser's run: generous, and proportional to the case count. */
export const fuzzTimeout = (msPerCase = 20) =>
  Number(process.env.TABRL_FUZZ_TIMEOUT_MS ?? Math.max(120_000, FUZZ_RUNS * msPerCase));

/** What a parser did with an input that it was allowed to do. */
export type Outcome = 'parsed' | 'refused';

/** One input and the family it was drawn from. */
export interface Labeled<T> {
  family: string;
  input: T;
}

export const family = <T>(name: string, arb: fc.Arbitrary<T>): fc.Arbitrary<Labeled<T>> =>
  arb.map((input) => ({ family: name, input }));

interface FamilyTally {
  cases: number;
  parsed: number;
  refused: number;
  /** CPU time spent parsing this family's inputs (generation not included). */
  ms: number;
}

export interface FuzzReport {
  parser: string;
  seed: number;
  runs: number;
  seconds: number;
  slowestMs: number;
  families: Record<string, FamilyTally>;
}

/** A short description of an input for failure messages (strings and bytes cut to 300 characters). */
export function describeInput(input: unknown): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}... (${s.length} chars)` : s);
  if (input instanceof Uint8Array) return `bytes[${input.length}] ${cut(Buffer.from(input).toString('hex'))}`;
  try {
    return cut(JSON.stringify(input) ?? String(input));
  } catch {
    return `(not printable: ${typeof input})`;
  }
}

/** Checks a caught exception against the contract; throws a failure that names it when it breaks it. */
function checkRefusal(parser: string, err: unknown, isOwnError: (e: unknown) => boolean): void {
  if (!isOwnError(err)) {
    const kind = err instanceof Error ? err.constructor.name : typeof err;
    const message = err instanceof Error ? err.message : String(err);
    const at = err instanceof Error ? (err.stack ?? '').split('\n').slice(1, 4).join(' <- ') : '';
    throw new Error(`${parser} threw a foreign ${kind}: ${message} (${at.replace(/\s+/g, ' ').trim()})`);
  }
  if (!(err instanceof Error) || err.message.trim() === '')
    throw new Error(`${parser} refused with an empty message`);
}

/** Checks an `{ok: false}` result's messages: at least one, none empty. */
export function refusedWith(messages: readonly string[] | string): Outcome {
  const list = typeof messages === 'string' ? [messages] : messages;
  if (list.length === 0 || list.some((m) => typeof m !== 'string' || m.trim() === ''))
    throw new Error(`refused without a message: ${JSON.stringify(list)}`);
  return 'refused';
}

function newReport(parser: string): FuzzReport {
  return { parser, seed: FUZZ_SEED, runs: FUZZ_RUNS, seconds: 0, slowestMs: 0, families: {} };
}

function record(report: FuzzReport, familyName: string, outcome: Outcome, ms: number): void {
  const t = report.families[familyName] ?? { cases: 0, parsed: 0, refused: 0, ms: 0 };
  t.cases++;
  t[outcome]++;
  t.ms += ms;
  report.families[familyName] = t;
  report.slowestMs = Math.max(report.slowestMs, ms);
}

function finish(report: FuzzReport, started: number): FuzzReport {
  report.seconds = (performance.now() - started) / 1000;
  report.slowestMs = Math.round(report.slowestMs * 10) / 10;
  const families = Object.entries(report.families)
    .map(
      ([name, t]) =>
        `${name} ${t.cases} (${t.parsed} parsed, ${t.refused} refused, ${(t.ms / 1000).toFixed(1)} s)`,
    )
    .join('; ');
  console.log(
    `fuzz ${report.parser}: ${FUZZ_RUNS} cases in ${report.seconds.toFixed(1)} s, slowest ${report.slowestMs} ms: ${families}`,
  );
  if (process.env.TABRL_FUZZ_REPORT)
    appendFileSync(process.env.TABRL_FUZZ_REPORT, `${JSON.stringify(report)}\n`);
  return report;
}

/** With TABRL_FUZZ_TRACE set, the case about to run is written there (a hang leaves it behind). */
function trace(parser: string, familyName: string, input: unknown): void {
  const file = process.env.TABRL_FUZZ_TRACE;
  if (!file) return;
  const text = input instanceof Uint8Array ? Buffer.from(input).toString('base64') : describeFull(input);
  writeFileSync(file, `${parser}\n${familyName}\n${text}\n`);
}

function describeFull(input: unknown): string {
  try {
    return JSON.stringify(input) ?? String(input);
  } catch {
    return `(not printable: ${typeof input})`;
  }
}

function slowCheck(parser: string, ms: number): void {
  if (ms > SLOW_CASE_MS)
    throw new Error(`${parser} took ${ms.toFixed(0)} ms of CPU on one input (limit ${SLOW_CASE_MS})`);
}

/**
 * Runs `parse` on FUZZ_RUNS inputs; `parse` returns the outcome ('parsed', or 'refused' for a result
 * type, checked with refusedWith) or throws, and a throw must satisfy `isOwnError`.
 */
export function fuzzParser<T>(
  parser: string,
  inputs: fc.Arbitrary<Labeled<T>>,
  parse: (input: T) => Outcome,
  isOwnError: (e: unknown) => boolean = () => false,
): FuzzReport {
  const report = newReport(parser);
  const started = performance.now();
  fc.assert(
    fc.property(inputs, ({ family: name, input }) => {
      trace(parser, name, input);
      const t0 = cpuMs();
      let outcome: Outcome;
      try {
        outcome = parse(input);
      } catch (err) {
        checkRefusal(parser, err, isOwnError);
        outcome = 'refused';
      }
      const ms = cpuMs() - t0;
      slowCheck(parser, ms);
      record(report, name, outcome, ms);
    }),
    { ...replayOptions<T>(), reporter: failureReporter<T>(parser) },
  );
  return finish(report, started);
}

/** The run's seed and size, and with TABRL_FUZZ_PATH a failure's path, so that it alone is replayed. */
function replayOptions<T>(): fc.Parameters<[Labeled<T>]> {
  const path = process.env.TABRL_FUZZ_PATH;
  return { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, ...(path ? { path, endOnFailure: true } : {}) };
}

/** fuzzParser for parsers that return a promise (sharded checkpoints, reward-model folders). */
export async function fuzzParserAsync<T>(
  parser: string,
  inputs: fc.Arbitrary<Labeled<T>>,
  parse: (input: T) => Promise<Outcome>,
  isOwnError: (e: unknown) => boolean = () => false,
): Promise<FuzzReport> {
  const report = newReport(parser);
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(inputs, async ({ family: name, input }) => {
      trace(parser, name, input);
      const t0 = cpuMs();
      let outcome: Outcome;
      try {
        outcome = await parse(input);
      } catch (err) {
        checkRefusal(parser, err, isOwnError);
        outcome = 'refused';
      }
      const ms = cpuMs() - t0;
      slowCheck(parser, ms);
      record(report, name, outcome, ms);
    }),
    { ...replayOptions<T>(), reporter: failureReporter<T>(parser) },
  );
  return finish(report, started);
}

/** On failure: the shrunk input (described, not dumped), the seed and path to replay it, the error. */
function failureReporter<T>(parser: string) {
  return (details: fc.RunDetails<[Labeled<T>]>) => {
    if (!details.failed) return;
    const [example] = details.counterexample ?? [];
    const why =
      details.errorInstance instanceof Error
        ? details.errorInstance.message
        : 'interrupted or too many skips';
    throw new Error(
      `fuzz ${parser}: ${why}\n  family: ${example?.family}\n  input: ${describeInput(example?.input)}\n` +
        `  replay: TABRL_FUZZ_SEED=${details.seed} TABRL_FUZZ_PATH=${details.counterexamplePath}`,
    );
  };
}

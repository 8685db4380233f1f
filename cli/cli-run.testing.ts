/**
 * Test support: `npm run tabrl -- ARGS` as a child process without npm, with the same node flags as
 * package.json's tabrl script, run from the repository root on the machine's WebGPU.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

export interface CliRun {
  code: number | null;
  stderr: string;
  /** Wall time of the whole process. */
  seconds: number;
}

export function tabrl(args: string[]): Promise<CliRun> {
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './cli/raw-loader.mjs', 'cli/main.ts', ...args],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stderr, seconds: (performance.now() - t0) / 1000 }));
  });
}

/**
 * The page's one reward sandbox (engine/rewards/sandbox-browser.ts). User reward code always runs in
 * data: URL workers created here, by the page, so they inherit the page's Content-Security-Policy (no
 * connections, no eval) and have an opaque origin (no way into the lab's storage); the engine worker
 * asks the page to score its batches (protocol.ts), and the editor's "Test on sample" uses the same
 * sandbox.
 */
import {
  DEFAULT_REWARD_TIME_LIMIT_MS,
  type RewardSandbox,
  type SandboxOutcome,
  type UserRewardCode,
  type UserRewardInput,
} from '../../engine/rewards/sandbox.js';
import { createBrowserRewardSandbox } from '../../engine/rewards/sandbox-browser.js';

let sandbox: RewardSandbox | null = null;

export function pageRewardSandbox(): RewardSandbox {
  sandbox ??= createBrowserRewardSandbox({ timeLimitMs: DEFAULT_REWARD_TIME_LIMIT_MS });
  return sandbox;
}

export function scoreOnPage(
  functions: UserRewardCode[],
  inputs: UserRewardInput[],
): Promise<Record<string, SandboxOutcome[]>> {
  return pageRewardSandbox().score(functions, inputs);
}

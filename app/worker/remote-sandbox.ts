/**
 * The engine worker's reward sandbox: it runs no user code itself but asks the page, whose sandbox
 * (app/rewards/page-sandbox.ts) starts the data: URL workers under the page's Content-Security-Policy. A
 * nested worker started here would inherit this worker's policy, which static hosts leave empty.
 */
import type {
  RewardSandbox,
  SandboxOutcome,
  UserRewardCode,
  UserRewardInput,
} from '../../engine/rewards/sandbox.js';
import type { FromWorker } from './protocol.js';

export class RemoteRewardSandbox implements RewardSandbox {
  private nextId = 1;
  private readonly waiting = new Map<number, (outcomes: Record<string, SandboxOutcome[]>) => void>();

  constructor(private readonly post: (msg: FromWorker) => void) {}

  score(
    functions: readonly UserRewardCode[],
    inputs: readonly UserRewardInput[],
  ): Promise<Record<string, SandboxOutcome[]>> {
    const requestId = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(requestId, resolve);
      this.post({ type: 'score-user-rewards', requestId, functions: [...functions], inputs: [...inputs] });
    });
  }

  /** The page's answer to a `score-user-rewards` request. */
  answer(requestId: number, outcomes: Record<string, SandboxOutcome[]>): void {
    this.waiting.get(requestId)?.(outcomes);
    this.waiting.delete(requestId);
  }

  dispose(): void {
    this.waiting.clear();
  }
}

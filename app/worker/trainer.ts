/**
 * Finds the trainer (engine/train/session.ts) in this build. It is looked up with `import.meta.glob`
 * so the lab builds and runs before the trainer lands: until then Start and Step answer with a clear
 * "trainer not available in this build yet" error, a real state of the build and never a fake run.
 */

import type { SessionEvents } from '../../engine/train/session-types.js';
import type { Runtime } from '../../kernels/runtime/index.js';
import type { SessionLike } from './run-loop.js';

type CreateTrainingSession = (
  rt: Runtime,
  config: unknown,
  events: SessionEvents,
  options?: { kernelVariants?: Record<string, string> },
) => Promise<SessionLike>;

const trainerModules = import.meta.glob<{ createTrainingSession?: CreateTrainingSession }>(
  '../../engine/train/session.ts',
);

export const TRAINER_MISSING =
  'The trainer is not available in this build yet (engine/train/session.ts has not landed), so runs cannot start. Saved and imported runs still open.';

export async function loadTrainer(): Promise<CreateTrainingSession> {
  const load = Object.values(trainerModules)[0];
  if (!load) throw new Error(TRAINER_MISSING);
  const mod = await load();
  if (typeof mod.createTrainingSession !== 'function') throw new Error(TRAINER_MISSING);
  return mod.createTrainingSession;
}

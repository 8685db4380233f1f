/**
 * Where the live run's reward models run: one line per model with the onnxruntime-web execution
 * provider its session in the engine worker ended on, and why WebGPU refused it when it fell back to
 * WebAssembly. Before a run starts it only says that this is shown then.
 */
import type { RunConfig } from '../../engine/config/index.js';
import { describeRewardModel } from '../../engine/rewards/onnx-info.js';
import { useRunsStore } from '../state/runs-store.js';

export function RewardModelsView({ config }: { config: RunConfig }) {
  const reported = useRunsStore((s) => s.rewardModels);
  const live = useRunsStore((s) => s.worker.runId);
  const models = reported && reported.runId === live ? reported.models : null;
  const configured = config.reward_models.filter((m) => config.reward_funcs.includes(m.name));
  if (!models && configured.length === 0) return null;
  return (
    <section data-testid="reward-models" aria-labelledby="reward-models-title">
      <h3 id="reward-models-title">Reward models</h3>
      <div aria-live="polite">
        {models ? (
          <ul>
            {models.map((m) => (
              <li key={m.name} data-provider={m.executionProvider}>
                {describeRewardModel(m)}
              </li>
            ))}
          </ul>
        ) : (
          <p className="note">
            {configured.map((m) => m.name).join(', ')}: onnxruntime-web tries WebGPU, then WebAssembly; the
            provider each one gets is shown when the run starts.
          </p>
        )}
      </div>
    </section>
  );
}

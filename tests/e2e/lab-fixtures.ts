/**
 * A run file in the documented `.tabrl.json` format (app/state/run-file.ts; metric and sample rows
 * as docs/DESIGN.md's metrics.jsonl / samples.jsonl), written out by hand for the e2e tests: 40 steps of
 * metrics with awkward floats, eval rows every 10 steps, and samples with a zero-spread group and a
 * completion that looks like HTML.
 */

export function runFileFixture(name = 'imported fixture run') {
  const metrics = Array.from({ length: 40 }, (_, i) => {
    const step = i + 1;
    const row: Record<string, number> = {
      step,
      reward: 0.1 + 0.8 * (1 - Math.exp(-step / 12)) + 0.01 * Math.sin(step * 1.7),
      reward_std: 0.3 * Math.exp(-step / 30) + 1 / 3,
      'rewards/correct/mean': 0.05 + step / 50,
      entropy: 2.2 * Math.exp(-step / 25) + 0.1,
      kl: step * 1.3e-4,
      loss: -0.01 * Math.cos(step),
      'clip_ratio/low_mean': 0,
      'clip_ratio/high_mean': step % 3 === 0 ? 0.015625 : 0,
      'clip_ratio/region_mean': step % 3 === 0 ? 0.015625 : 0,
      'completions/mean_length': 6 - step / 20,
      frac_reward_zero_std: Math.max(0, 0.75 - step / 40),
      tokens_per_second: 850 + (step % 7) * 11.5,
      num_tokens: step * 1024,
    };
    if (step % 10 === 0) row['eval/pass@1'] = step / 50;
    return row;
  });
  const completion = (text: string, reward: number, advantage: number, truncated = false) => {
    const pieces = [...text];
    return {
      text,
      reward,
      rewards: { correct: reward },
      advantage,
      length: pieces.length,
      truncated,
      tokens: pieces.map((c) => c.charCodeAt(0) % 32),
      logprobs: pieces.map((_, i) => -0.3 * (i + 1)),
      entropies: pieces.map((_, i) => 0.2 * (i + 1)),
      pieces,
    };
  };
  const samples = [
    {
      step: 39,
      groups: [{ prompt: '1+1=', completions: [completion('2', 1, 0), completion('3', 0, 0)] }],
    },
    {
      step: 40,
      groups: [
        {
          prompt: '12+34=',
          completions: [
            completion('46', 1, 1.5),
            completion('<b>html</b>', 0, -0.5),
            completion('45', 0, -0.5),
            completion('4444444', 0, -0.5, true),
          ],
        },
        {
          prompt: '7+8=',
          completions: [
            completion('15', 1, 0),
            completion('15', 1, 0),
            completion('15', 1, 0),
            completion('15', 1, 0),
          ],
        },
      ],
    },
  ];
  return {
    format: 'tabrl-run',
    version: 1,
    name,
    created_at: '2026-01-02T03:04:05.000Z',
    config: { schema_version: 1, algorithm: 'grpo', seed: 7 },
    metrics,
    samples,
  };
}

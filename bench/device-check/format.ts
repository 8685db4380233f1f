/**
 * The device check's report as text: what `tabrl bench --device-check` prints, as aligned columns or
 * as Markdown tables for bench/RESULTS.md.
 */
import type { DeviceCheckReport } from './run.js';

type Style = 'text' | 'markdown';

function table(heads: string[], rows: string[][], style: Style, leftColumns: number): string {
  if (style === 'markdown') {
    const line = (xs: string[]) => `| ${xs.join(' | ')} |`;
    return [
      line(heads),
      line(heads.map((_, i) => (i < leftColumns ? '---' : '---:'))),
      ...rows.map(line),
    ].join('\n');
  }
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (xs: string[]) =>
    xs.map((x, i) => (i < leftColumns ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [line(heads), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const ms = (x: number | null) => (x === null ? '-' : x < 1 ? x.toFixed(4) : x.toFixed(2));
const num = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? '-' : x.toFixed(digits);
const gflops = (x: number | null) => (x === null ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(0));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)}`;

export function formatDeviceCheck(r: DeviceCheckReport, style: Style = 'text'): string {
  const out: string[] = [];
  const peak =
    r.peak.fp32_tflops === null
      ? 'device not in the peak table: no share of peak'
      : `${r.peak.name}, fp32 peak ${r.peak.fp32_tflops} TFLOP/s`;
  out.push(`matmul, timed by ${r.timing}; ${peak}`);
  out.push(
    table(
      ['name', 'shape', 'ours ms', 'ours GFLOP/s', 'of peak', 'tfjs ms', 'tfjs GFLOP/s', 'ratio'],
      r.matmul.map((m) => [
        m.name,
        m.shape,
        ms(m.ours_ms),
        gflops(m.ours_gflops),
        m.ours_peak_share === null ? '-' : `${(100 * m.ours_peak_share).toFixed(1)}%`,
        ms(m.peer_ms),
        gflops(m.peer_gflops),
        m.ratio === null ? '-' : `${m.ratio.toFixed(2)}x`,
      ]),
      style,
      2,
    ),
  );
  out.push('', 'models (wall clock, whole step or decode)');
  out.push(
    table(
      ['name', 'shape', 'ms', 'tokens/s', 'tfjs ms', 'tfjs tokens/s'],
      r.models.map((m) => [
        m.name,
        m.shape,
        ms(m.ours_ms),
        num(m.tokens_per_second, 0),
        ms(m.peer_ms),
        num(m.peer_tokens_per_second, 0),
      ]),
      style,
      2,
    ),
  );
  out.push('', 'one LoRA GRPO step (random weights, real config.json; seconds)');
  out.push(
    table(
      [
        'model',
        'params',
        'P x G x new',
        'setup',
        'step',
        'generate',
        'score',
        'reference',
        'train',
        'peak MiB',
      ],
      r.grpo.map((g) => [
        g.model + (Object.keys(g.overrides).length ? ' (cut)' : ''),
        `${(g.params / 1e6).toFixed(2)}M`,
        `${g.P} x ${g.G} x ${g.new_tokens}`,
        num(g.setup_seconds, 2),
        num(g.step_seconds, 2),
        num(g.generate_seconds, 2),
        num(g.score_seconds, 3),
        num(g.reference_seconds, 2),
        num(g.train_seconds, 2),
        mib(g.peak_bytes),
      ]),
      style,
      3,
    ),
  );
  const cut = r.grpo.find((g) => Object.keys(g.overrides).length > 0);
  if (cut) out.push(`(cut: config.json with ${JSON.stringify(cut.overrides)})`);
  const l = r.learning;
  const when = (c: { steps: number; seconds: number } | null) =>
    c ? `step ${c.steps} (${c.seconds.toFixed(1)} s)` : 'not reached';
  out.push(
    '',
    `time to learn (preset ${l.preset}, ${l.evals[l.evals.length - 1].steps} steps, ${l.prompts} held-out prompts every ${l.every}): ` +
      `pass@1 ${(100 * l.start).toFixed(1)}% -> ${(100 * l.final).toFixed(1)}%, +20 points ${when(l.plus20)}, ` +
      `80% ${when(l.eighty)}; steps ${l.trainSeconds.toFixed(1)} s, setup ${l.setupSeconds.toFixed(1)} s, evaluations ${l.evalSeconds.toFixed(1)} s`,
  );
  const s = r.seconds;
  out.push(
    '',
    `device check (${r.size}) took ${s.total.toFixed(0)} s: matmul ${s.matmul.toFixed(0)}, models ${s.models.toFixed(0)}, ` +
      `GRPO ${s.grpo.toFixed(0)}, learning ${s.learning.toFixed(0)}`,
  );
  return out.join('\n');
}

/** The sizes of the run, one line per part, printed before it starts. */
export function formatSizes(r: Pick<DeviceCheckReport, 'size' | 'sizes'>): string {
  const z = r.sizes;
  const models = z.models
    .map(
      (m) =>
        `${m.label}: train ${m.trainRows}x${m.trainTokens}, decode ${m.decodeRows} rows ${m.promptTokens}+${m.newTokens}${m.peer ? ', tfjs peer' : ''}`,
    )
    .join('; ');
  return [
    `sizes (${r.size}):`,
    `  matmul: squares ${z.matmul.square.join(', ')}; ${z.matmul.modelShapes} default-model shapes at B=${z.matmul.modelBatch}; ${z.matmul.warmup} warm-up + ${z.matmul.timed} timed, median`,
    `  models: ${models}`,
    `  GRPO: P=${z.grpo.prompts} G=${z.grpo.generations} ${z.grpo.newTokens} new tokens, LoRA rank ${z.grpo.rank} on q,k,v,o` +
      (Object.keys(z.grpo.overrides).length
        ? `, config.json cut with ${JSON.stringify(z.grpo.overrides)}`
        : ', real architectures'),
    `  learning: preset ${z.learning.preset}, ${z.learning.steps} steps, ${z.learning.prompts} held-out prompts every ${z.learning.every}`,
  ].join('\n');
}

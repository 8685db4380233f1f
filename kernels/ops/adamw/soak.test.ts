/**
 * Soak: 2,000 training iterations of a tiny stack built only from these kernels
 * (layernorm -> bias GELU -> squared-error loss -> backward -> global norm / clip -> all-finite ->
 * AdamW) must hold GPU memory flat: every temporary is disposed, so the live buffer count and bytes
 * after iteration 100 equal those after iteration 2,000. The loss must also fall.
 */
import { expect, it } from 'vitest';
import type { Tensor } from '../../runtime/tensor.js';
import { testRuntime } from '../../testing/gpu.js';
import { randn } from '../../testing/random.js';
import { addScaled, mul, scale } from '../elementwise/elementwise.js';
import { biasGeluBackward, biasGeluForward } from '../gelu/gelu.js';
import { layernormBackward, layernormForward } from '../layernorm/layernorm.js';
import { allFinite, globalNorm, reduceSum } from '../reduce/reduce.js';
import { adamwStep, clipScale } from './adamw.js';

const ITERATIONS = 2000;
const SYNC_EVERY = 50;
const [ROWS, COLS] = [7, 33];

it('2,000 iterations keep live buffers and bytes flat, and the loss falls', async () => {
  const rt = await testRuntime();
  const x = rt.upload(randn(1, ROWS * COLS, 2), [ROWS, COLS], 'x');
  const target = rt.upload(randn(2, ROWS * COLS), [ROWS, COLS], 'target');
  const params = ['gamma', 'beta', 'bias'].map((name, i) => ({
    param: rt.upload(
      randn(10 + i, COLS, 0.5).map((v) => (name === 'gamma' ? 1 + v : v)),
      [COLS],
      name,
    ),
    grad: rt.zeros([COLS], `${name}.grad`),
    m: rt.zeros([COLS], `${name}.m`),
    v: rt.zeros([COLS], `${name}.v`),
  }));
  const [gamma, beta, bias] = params;

  let after100: ReturnType<typeof rt.stats> | undefined;
  const losses: number[] = [];
  for (let it = 1; it <= ITERATIONS; it++) {
    for (const p of params) rt.fill(p.grad);
    const ln = layernormForward(rt, x, gamma.param, beta.param);
    const h = biasGeluForward(rt, ln.y, bias.param);
    const diff = rt.empty(h.shape, 'diff');
    rt.copy(h, diff);
    addScaled(rt, diff, target, -1); // h - target
    const squared = mul(rt, diff, diff);
    const loss = reduceSum(rt, squared); // loss = sum((h - target)^2), so dL/dh = 2 (h - target)
    const dh = scale(rt, diff, 2);
    const dlny = biasGeluBackward(rt, dh, ln.y, bias.param, { dbias: bias.grad });
    const dx = layernormBackward(rt, dlny, x, gamma.param, ln.mean, ln.rstd, {
      dgamma: gamma.grad,
      dbeta: beta.grad,
    });
    const grads = params.map((p) => p.grad);
    const norm = globalNorm(rt, grads);
    const clip = clipScale(rt, norm, 1.0);
    const finite = allFinite(rt, grads);
    for (const p of params) {
      adamwStep(rt, p, {
        lr: 1e-2,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        step: it,
        gradScale: clip,
      });
    }
    if (it === 1 || it === ITERATIONS) {
      const [l, f] = await rt.readMany([loss, finite]);
      expect(f[0]).toBe(1);
      losses.push(l[0]);
    }
    const temporaries: Tensor[] = [ln.y, ln.mean, ln.rstd, h, diff, squared, loss, dh, dlny, dx];
    temporaries.push(norm, clip, finite);
    for (const t of temporaries) t.dispose();
    if (it % SYNC_EVERY === 0) await rt.sync();
    if (it === 100) after100 = rt.stats();
  }
  await rt.sync();
  const end = rt.stats();
  console.log(
    `soak: loss ${losses[0]} -> ${losses[1]}; live ${end.liveBuffers} buffers, ${end.liveBytes} bytes`,
  );
  expect(after100).toBeDefined();
  expect(end.liveBuffers).toBe(after100?.liveBuffers);
  expect(end.liveBytes).toBe(after100?.liveBytes);
  expect(Number.isFinite(losses[1])).toBe(true);
  expect(losses[1]).toBeLessThan(losses[0]);
  for (const p of params) for (const t of [p.param, p.grad, p.m, p.v]) t.dispose();
  x.dispose();
  target.dispose();
});

/**
 * adamwInit / adamwUpdate against the float64 textbook loop (kernels/ops/adamw/adamw.ref.ts) over a
 * two-tensor parameter set, with global-norm clipping on and off: weights, moments, step count and
 * the reported norm. Also what purity promises: the state passed in is not changed (the next one is
 * returned), and a non-finite gradient returns the same state with weights and moments untouched.
 * A frozen parameter (half fine-tuning) keeps its bytes and moments; the norm and clipping cover the rest.
 */
import { describe, expect, it } from 'vitest';
import { adamwStepRef, clipScaleRef } from '../../kernels/ops/adamw/adamw.ref.js';
import { globalNormRef } from '../../kernels/ops/reduce/reduce.ref.js';
import { expectClose } from '../../kernels/testing/compare.js';
import { testRuntime } from '../../kernels/testing/gpu.js';
import { f32, randn } from '../../kernels/testing/random.js';
import { modelPreset } from '../model/config.js';
import { GpuParams } from '../model/gpu/params.js';
import { type AdamwConfig, adamwDispose, adamwInit, adamwUpdate } from './adamw.js';

const SPECS = [
  { name: 'w', shape: [7, 5] },
  { name: 'b', shape: [3] },
];
const PARAM = { atol: 2e-6, rtol: 1e-5 };
const STATE = { atol: 1e-6, rtol: 1e-5 };

type Host = Map<string, Float64Array>;

function upload(rt: Awaited<ReturnType<typeof testRuntime>>, values: Host): GpuParams {
  return GpuParams.uploadSpecs(rt, modelPreset('smoke'), SPECS, values);
}

function hostValues(seed: number, scale: number): Host {
  return new Map(
    SPECS.map((s, i) => [
      s.name,
      f32(
        randn(
          seed + i,
          s.shape.reduce((a, b) => a * b),
          scale,
        ),
      ),
    ]),
  );
}

describe('adamwInit / adamwUpdate', () => {
  for (const maxGradNorm of [0, 1]) {
    it(`three updates equal the float64 loop (max_grad_norm ${maxGradNorm})`, async () => {
      const rt = await testRuntime();
      let param = hostValues(1, 1);
      let m: Host = new Map(SPECS.map((s) => [s.name, new Float64Array(param.get(s.name)?.length ?? 0)]));
      let v: Host = new Map(m);
      const params = upload(rt, param);
      const config: AdamwConfig = {
        learningRate: 3e-2,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        weightDecay: 0.1,
        maxGradNorm,
      };
      let state = adamwInit(params);
      expect(state.steps).toBe(0);
      for (let step = 1; step <= 3; step++) {
        const grad = hostValues(10 * step, 0.8);
        const grads = upload(rt, grad);
        const before = state;
        const r = await adamwUpdate(state, params, grads, config);
        grads.dispose();
        expect(r.applied).toBe(true);
        expect(before.steps).toBe(step - 1); // the old state is not changed
        expect(r.state.steps).toBe(step);
        state = r.state;
        const norm = globalNormRef([...grad.values()]);
        expect(r.gradNorm).toBeCloseTo(norm, 5);
        const gradScale = maxGradNorm > 0 ? clipScaleRef(norm, maxGradNorm) : undefined;
        const next = SPECS.map((s) => {
          const h = { lr: 3e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step, gradScale };
          const out = adamwStepRef(
            param.get(s.name) as Float64Array,
            grad.get(s.name) as Float64Array,
            m.get(s.name) as Float64Array,
            v.get(s.name) as Float64Array,
            h,
          );
          return [s.name, out] as const;
        });
        param = new Map(next.map(([n, o]) => [n, o.param]));
        m = new Map(next.map(([n, o]) => [n, o.m]));
        v = new Map(next.map(([n, o]) => [n, o.v]));
      }
      const [gp, gm, gv] = [await params.download(), await state.m.download(), await state.v.download()];
      for (const s of SPECS) {
        expectClose(gp.get(s.name) ?? [], param.get(s.name) ?? [], PARAM, `param ${s.name}`);
        expectClose(gm.get(s.name) ?? [], m.get(s.name) ?? [], STATE, `m ${s.name}`);
        expectClose(gv.get(s.name) ?? [], v.get(s.name) ?? [], STATE, `v ${s.name}`);
      }
      adamwDispose(state);
      params.dispose();
    });
  }

  it('a NaN gradient returns the same state; weights and moments are untouched', async () => {
    const rt = await testRuntime();
    const params = upload(rt, hostValues(1, 1));
    const config: AdamwConfig = {
      learningRate: 1e-2,
      beta1: 0.9,
      beta2: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 1,
    };
    const good = upload(rt, hostValues(2, 1));
    const once = await adamwUpdate(adamwInit(params), params, good, config);
    const bad = hostValues(3, 1);
    (bad.get('b') as Float64Array)[1] = Number.NaN;
    const badGrads = upload(rt, bad);
    const snapshot = async () => [
      ...(await params.download()).values(),
      ...(await once.state.m.download()).values(),
      ...(await once.state.v.download()).values(),
    ];
    const before = await snapshot();
    const r = await adamwUpdate(once.state, params, badGrads, config);
    expect(r.applied).toBe(false);
    expect(r.state).toBe(once.state);
    expect(r.state.steps).toBe(1);
    expect(await snapshot()).toEqual(before);
    for (const p of [params, good, badGrads]) p.dispose();
    adamwDispose(once.state);
  });

  it('frozen parameters keep their bytes and moments; the norm and clip cover the others only', async () => {
    const rt = await testRuntime();
    const start = hostValues(1, 1);
    const params = upload(rt, start);
    const config: AdamwConfig = {
      learningRate: 3e-2,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weightDecay: 0.1,
      maxGradNorm: 0.5,
    };
    const grad = hostValues(7, 0.8);
    const grads = upload(rt, grad);
    const frozen = new Set(['w']);
    const r = await adamwUpdate(adamwInit(params), params, grads, config, [], { frozen });
    const b = grad.get('b') as Float64Array;
    const norm = globalNormRef([b]);
    expect(r.gradNorm).toBeCloseTo(norm, 5);
    expect(r.gradNorm).toBeLessThan(globalNormRef([...grad.values()]));
    const [gp, gm, gv] = [await params.download(), await r.state.m.download(), await r.state.v.download()];
    // bit-identical: the stored float32 weights of w, and zero moments
    expect(Array.from(gp.get('w') ?? [])).toEqual(Array.from(start.get('w') ?? []));
    expect((gm.get('w') ?? []).every((x) => x === 0)).toBe(true);
    expect((gv.get('w') ?? []).every((x) => x === 0)).toBe(true);
    const h = {
      lr: 3e-2,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weightDecay: 0.1,
      step: 1,
      gradScale: clipScaleRef(norm, 0.5),
    };
    const zeros = new Float64Array(b.length);
    const want = adamwStepRef(start.get('b') as Float64Array, b, zeros, zeros, h);
    expectClose(gp.get('b') ?? [], want.param, PARAM, 'param b');
    expectClose(gm.get('b') ?? [], want.m, STATE, 'm b');
    for (const p of [params, grads]) p.dispose();
    adamwDispose(r.state);
  });
});

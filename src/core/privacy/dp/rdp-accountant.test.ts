import { describe, expect, it } from 'vitest';
import {
  RDP_ORDERS,
  RdpAccountant,
  defaultDelta,
  epsilonForTraining,
  epsilonSpent,
  logErfc,
  maxStepsWithinBudget,
  privacyReceipt,
  rdpSampledGaussianStep,
  scheduleFor,
  sigmaForEpsilon,
} from './rdp-accountant';

describe('RDP accountant (sampled Gaussian)', () => {
  it('uses the Opacus orders', () => {
    expect(RDP_ORDERS.length).toBe(99 + 52);
    expect(RDP_ORDERS[0]).toBeCloseTo(1.1, 12);
    expect(RDP_ORDERS[98]).toBeCloseTo(10.9, 12);
    expect(RDP_ORDERS[99]).toBe(12);
    expect(RDP_ORDERS[RDP_ORDERS.length - 1]).toBe(63);
  });

  it('reproduces the published ε for MNIST-like settings', () => {
    const a = epsilonForTraining({ rows: 60000, batch: 150, sigma: 1.3, epochs: 15, delta: 1e-5 });
    expect(Math.abs(a.epsilon - 0.7242)).toBeLessThan(1e-3);
    const b = epsilonForTraining({ rows: 100000, batch: 100, sigma: 1.0, epochs: 30, delta: 1e-7 });
    expect(Math.abs(b.epsilon - 1.4155)).toBeLessThan(1e-3);
  });

  it('log erfc matches known values, including the far tail', () => {
    // erfc(0.5) = 0.4795001221869535, erfc(2) = 0.004677734981047266, erfc(-1) = 1.8427007929497148
    expect(logErfc(0.5)).toBeCloseTo(Math.log(0.4795001221869535), 13);
    expect(logErfc(2)).toBeCloseTo(Math.log(0.004677734981047266), 12);
    expect(logErfc(-1)).toBeCloseTo(Math.log(1.8427007929497148), 13);
    // asymptotic: erfc(x) ≈ e^{-x²}/(x√π)(1 − 1/(2x²)); at x = 30 the correction is ~5.6e-4
    const x = 30;
    const approx = -x * x - Math.log(x * Math.sqrt(Math.PI)) + Math.log(1 - 1 / (2 * x * x) + 3 / (4 * x ** 4));
    expect(logErfc(x)).toBeCloseTo(approx, 8);
  });

  it('fractional orders join the integer orders continuously', () => {
    for (const [q, s] of [[0.01, 1], [0.001, 0.8], [0.05, 2]] as const) {
      for (const a of [2, 3, 7]) {
        const at = rdpSampledGaussianStep(q, s, a);
        expect(rdpSampledGaussianStep(q, s, a - 1e-6)).toBeCloseTo(at, 8);
        expect(rdpSampledGaussianStep(q, s, a + 1e-6)).toBeCloseTo(at, 8);
      }
    }
  });

  it('q = 1 is the plain Gaussian mechanism α/(2σ²); q = 0 costs nothing', () => {
    expect(rdpSampledGaussianStep(1, 2, 5)).toBeCloseTo(5 / 8, 12);
    expect(rdpSampledGaussianStep(0, 2, 5)).toBe(0);
  });

  it('ε grows with steps and falls with σ', () => {
    const base = { q: 0.01, delta: 1e-5 };
    const e1 = epsilonSpent({ ...base, sigma: 1, steps: 100 }).epsilon;
    const e2 = epsilonSpent({ ...base, sigma: 1, steps: 1000 }).epsilon;
    const e3 = epsilonSpent({ ...base, sigma: 2, steps: 1000 }).epsilon;
    expect(e2).toBeGreaterThan(e1);
    expect(e3).toBeLessThan(e2);
  });

  it('sigmaForEpsilon inverts epsilonSpent', () => {
    const sched = { ...scheduleFor(10000, 100, 20), delta: defaultDelta(10000) };
    for (const target of [1, 3, 10]) {
      const sigma = sigmaForEpsilon(target, sched);
      const eps = epsilonSpent({ ...sched, sigma }).epsilon;
      expect(eps).toBeLessThanOrEqual(target);
      expect(eps).toBeGreaterThan(target * 0.999);
    }
  });

  it('maxStepsWithinBudget stops before the budget would be exceeded', () => {
    const o = { q: 0.01, sigma: 1.1, delta: 1e-5, epsilon: 2 };
    const t = maxStepsWithinBudget(o);
    expect(t).toBeGreaterThan(0);
    expect(epsilonSpent({ ...o, steps: t }).epsilon).toBeLessThanOrEqual(2);
    expect(epsilonSpent({ ...o, steps: t + 1 }).epsilon).toBeGreaterThan(2);
    const acc = new RdpAccountant(o.q, o.sigma, o.delta, o.epsilon);
    acc.step(t);
    expect(acc.canStep()).toBe(false);
    expect(acc.spent.epsilon).toBeLessThanOrEqual(2);
  });

  it('default δ is 1/(N√N)', () => {
    expect(defaultDelta(10000)).toBeCloseTo(1e-6, 15);
  });

  it('the receipt bounds membership advantage by tanh(ε/2) + δ', () => {
    const r = privacyReceipt({ epsilon: 1, delta: 1e-6, sigma: 1.2, q: 0.01, steps: 500 });
    expect(r.membershipAdvantageBound).toBeCloseTo(Math.tanh(0.5) + 1e-6, 12);
    expect(r.text).toContain('ε = 1.00');
    expect(r.text).toContain('46');
  });
});

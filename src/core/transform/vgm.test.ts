import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random';
import { digamma, fitMixture } from './vgm';

function draw(n: number, comps: { mean: number; std: number; weight: number }[], seed: number): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = comps[rng.categorical(comps.map((k) => k.weight))];
    x[i] = c.mean + c.std * rng.normal();
  }
  return x;
}

describe('digamma', () => {
  it('matches known values', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649, 9);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260, 9);
    expect(digamma(10)).toBeCloseTo(2.2517525891, 9);
    expect(digamma(1e-3)).toBeCloseTo(-1000.5755719318, 6);
  });
});

describe('fitMixture (variational Bayes, at most 10 modes)', () => {
  it('recovers a well-separated 3-component mixture and empties the spare components', () => {
    const truth = [
      { mean: -10, std: 1, weight: 0.2 },
      { mean: 0, std: 2, weight: 0.5 },
      { mean: 15, std: 0.5, weight: 0.3 },
    ];
    const m = fitMixture(draw(6000, truth, 1), { maxModes: 10 });
    expect(m.means.length).toBe(3);
    truth.forEach((t, k) => {
      expect(m.means[k]).toBeCloseTo(t.mean, 0);
      expect(Math.abs(m.stds[k] / t.std - 1)).toBeLessThan(0.1);
      expect(Math.abs(m.weights[k] - t.weight)).toBeLessThan(0.03);
    });
    expect(m.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('recovers a 2-component mixture with unequal scales', () => {
    const truth = [
      { mean: 100, std: 10, weight: 0.7 },
      { mean: 200, std: 30, weight: 0.3 },
    ];
    const m = fitMixture(draw(5000, truth, 2));
    // Extra components may split a mode, but the weight-averaged picture must match.
    const near = (c: number, lo: number, hi: number) => m.means.map((mu, k) => (mu > lo && mu < hi ? m.weights[k] : 0)).reduce((a, b) => a + b, 0);
    expect(near(0, 60, 140)).toBeGreaterThan(0.66);
    expect(near(1, 140, 320)).toBeGreaterThan(0.26);
    expect(m.means.length).toBeLessThanOrEqual(4);
  });

  it('drops components under 0.005 weight and never exceeds maxModes', () => {
    const rng = new Rng(3);
    const x = Float64Array.from({ length: 4000 }, () => rng.next() * 100); // uniform: many modes
    const m = fitMixture(x, { maxModes: 6 });
    expect(m.means.length).toBeLessThanOrEqual(6);
    for (const w of m.weights) expect(w).toBeGreaterThanOrEqual(0.005 * 0.99);
    for (let k = 1; k < m.means.length; k++) expect(m.means[k]).toBeGreaterThan(m.means[k - 1]);
  });

  it('handles a constant column, two values and many distinct values (micro-clusters)', () => {
    const c = fitMixture(new Float64Array(50).fill(7));
    expect(c.means).toEqual([7]);
    expect(c.stds[0]).toBeGreaterThan(0);
    const two = fitMixture(Float64Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? 1 : 0)));
    expect(two.means.length).toBe(2);
    expect(two.means[0]).toBeCloseTo(0, 3);
    expect(two.means[1]).toBeCloseTo(1, 3);
    expect(two.weights[1]).toBeCloseTo(0.25, 2);
    // 20k values run over micro-clusters; VB may still be merging split copies of a mode after its
    // iteration budget (harmless for the encoding), so check the mixture as a density.
    const big = fitMixture(draw(20000, [{ mean: 5, std: 1, weight: 0.5 }, { mean: 20, std: 2, weight: 0.5 }], 4));
    const lowW = big.weights.filter((_, k) => big.means[k] < 12).reduce((a, b) => a + b, 0);
    expect(lowW).toBeCloseTo(0.5, 1);
    const moment = (lo: boolean) => {
      let w = 0, m1 = 0, m2 = 0;
      big.means.forEach((mu, k) => {
        if ((mu < 12) !== lo) return;
        w += big.weights[k];
        m1 += big.weights[k] * mu;
        m2 += big.weights[k] * (big.stds[k] ** 2 + mu * mu);
      });
      return { mean: m1 / w, std: Math.sqrt(m2 / w - (m1 / w) ** 2) };
    };
    expect(moment(true).mean).toBeCloseTo(5, 1);
    expect(moment(false).mean).toBeCloseTo(20, 1);
    expect(Math.abs(moment(true).std - 1)).toBeLessThan(0.1);
    expect(Math.abs(moment(false).std - 2)).toBeLessThan(0.15);
  });

  it('is deterministic', () => {
    const x = draw(3000, [{ mean: 0, std: 1, weight: 1 }], 5);
    expect(fitMixture(x)).toEqual(fitMixture(x));
  });
});

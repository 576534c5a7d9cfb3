import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/random';
import { composeBasic, dpCategories, dpCoarseRange, dpPublicFacts, dpQuantile, releaseThreshold } from './dp-preprocess';

// DP noise is crypto-random (unseeded by design): assertions leave wide statistical margins.
describe('DP preprocessing', () => {
  const rng = new Rng(1);
  const ages = Float64Array.from({ length: 5000 }, () => Math.round(50 + 15 * rng.normal()));

  it('dpQuantile lands near the true quantile for a moderate ε', () => {
    const sorted = Float64Array.from(ages).sort();
    const med = sorted[2500];
    for (let r = 0; r < 5; r++) {
      const q = dpQuantile(ages, 0.5, 0, 120, 1);
      expect(Math.abs(q - med)).toBeLessThan(3);
    }
  });

  it('dpCategories keeps common labels and drops a label held by one patient', () => {
    const labels: (string | null)[] = [];
    for (let i = 0; i < 3000; i++) labels.push(i % 3 === 0 ? 'A' : i % 3 === 1 ? 'B' : null);
    labels.push('rare-one');
    let rareSeen = 0;
    for (let r = 0; r < 50; r++) {
      const kept = dpCategories(labels, 1, 1e-6);
      expect(kept).toContain('A');
      expect(kept).toContain('B');
      expect(kept).toContain(null);
      if (kept.includes('rare-one')) rareSeen++;
    }
    expect(rareSeen).toBe(0);
    expect(releaseThreshold(1, 1e-6)).toBeGreaterThan(13);
  });

  it('dpCoarseRange covers the bulk of the data', () => {
    const r = dpCoarseRange(ages, 1, 1e-6)!;
    expect(r.lo).toBeLessThanOrEqual(16);
    expect(r.hi).toBeGreaterThanOrEqual(64);
    expect(r.hi).toBeLessThanOrEqual(256);
  });

  it('dpPublicFacts spends nothing on public facts and reports what it spent otherwise', () => {
    const pub = dpPublicFacts(
      [
        { name: 'age', kind: 'numeric', values: ages, publicRange: [0, 120] },
        { name: 'sex', kind: 'categorical', labels: ['F', 'M'], publicCategories: ['F', 'M'] },
      ],
      0.5,
      1e-6,
    );
    expect(pub.spent).toEqual({ epsilon: 0, delta: 0 });
    expect(pub.bounds.age).toEqual({ min: 0, max: 120 });
    expect(pub.categories.sex).toEqual(['F', 'M']);
    const priv = dpPublicFacts([{ name: 'age', kind: 'numeric', values: ages }], 0.5, 1e-6);
    expect(priv.spent).toEqual({ epsilon: 0.5, delta: 1e-6 });
    expect(priv.bounds.age.min).toBeLessThan(40);
    expect(priv.bounds.age.max).toBeGreaterThan(60);
    expect(composeBasic([priv.spent, { epsilon: 2, delta: 1e-6 }]).epsilon).toBe(2.5);
  });
});

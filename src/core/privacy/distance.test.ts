import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../util/random';
import type { PrivacyColumn } from './columns';
import { encodeRows, exactD2, fitDistanceSpace, nearest, nearestBruteForce } from './distance';
import { initTestBackend } from './test-utils';

function randomColumns(n: number, rng: Rng, nullRate: number): PrivacyColumn[] {
  const num = (scale: number, shift: number) => Float64Array.from({ length: n }, () => (rng.next() < nullRate ? NaN : Math.round(rng.normal() * scale + shift)));
  const cat = (k: number) => Array.from({ length: n }, () => (rng.next() < nullRate ? null : `c${rng.int(k)}`));
  return [
    { name: 'age', kind: 'numeric', values: num(15, 50) },
    { name: 'const', kind: 'numeric', values: new Float64Array(n).fill(3) },
    { name: 'bmi', kind: 'numeric', values: Float64Array.from({ length: n }, () => rng.normal() * 5 + 27) },
    { name: 'sex', kind: 'categorical', labels: cat(2) },
    { name: 'site', kind: 'categorical', labels: cat(7) },
    { name: 'icd', kind: 'categorical', labels: cat(60) }, // wide: compared during the tile scan
  ];
}

describe('mixed distance by tiled matrix products', () => {
  beforeAll(initTestBackend);

  it('defines nulls, mismatches and constant columns as documented', () => {
    const a: PrivacyColumn[] = [
      { name: 'x', kind: 'numeric', values: Float64Array.from([0, 10, NaN, NaN]) },
      { name: 'k', kind: 'numeric', values: Float64Array.from([5, 5, 5, 5]) },
      { name: 'c', kind: 'categorical', labels: ['a', 'b', null, 'a'] },
    ];
    const sp = fitDistanceSpace(a);
    const e = encodeRows(sp, a);
    expect(exactD2(sp, e, 0, e, 1)).toBeCloseTo(1 + 1, 12); // full range + mismatch
    expect(exactD2(sp, e, 2, e, 3)).toBeCloseTo(0 + 1, 12); // null vs null, null vs 'a'
    expect(exactD2(sp, e, 0, e, 3)).toBeCloseTo(1, 12); // value vs null
    const b: PrivacyColumn[] = [
      { name: 'x', kind: 'numeric', values: Float64Array.from([0]) },
      { name: 'k', kind: 'numeric', values: Float64Array.from([99]) },
      { name: 'c', kind: 'categorical', labels: ['a'] },
    ];
    expect(exactD2(sp, e, 0, encodeRows(sp, b), 0)).toBe(0); // constant column is safe
  });

  it('matches brute force (top-2 per row and per-column minimum), across tiles', async () => {
    const rng = new Rng(11);
    const L = randomColumns(300, rng, 0.1);
    const R = randomColumns(230, rng, 0.1);
    const sp = fitDistanceSpace(R, [L]);
    expect(sp.scanned.length).toBe(1);
    const l = encodeRows(sp, L);
    const r = encodeRows(sp, R);
    const fast = await nearest(sp, l, r, { k: 2, colMin: true, tile: 64 });
    const slow = nearestBruteForce(sp, l, r);
    for (let i = 0; i < l.n; i++) {
      expect(fast.d1[i]).toBeCloseTo(slow.d1[i], 5);
      expect(fast.d2![i]).toBeCloseTo(slow.d2[i], 5);
      expect(exactD2(sp, l, i, r, fast.i1[i])).toBeCloseTo(fast.d1[i], 12);
    }
    for (let j = 0; j < r.n; j++) expect(fast.colD![j]).toBeCloseTo(slow.colD[j], 5);
  });

  it('finds exact copies at distance 0', async () => {
    const rng = new Rng(5);
    const R = randomColumns(200, rng, 0.2);
    const sp = fitDistanceSpace(R);
    const r = encodeRows(sp, R);
    const res = await nearest(sp, r, r, { k: 1 });
    for (let i = 0; i < r.n; i++) expect(res.d1[i]).toBe(0);
  });
});

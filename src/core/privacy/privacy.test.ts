/**
 * Honesty checks: the metrics must see a copy of the training rows as a leak, and a fresh real sample
 * from the same population (disjoint from train and holdout) as no leak.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../util/random';
import { evaluatePrivacy } from './index';
import { initTestBackend, loadCsv, toTable } from './test-utils';

const { rows, schema } = loadCsv('adult.csv');
const order = new Rng(2024).shuffle(Int32Array.from({ length: rows.length }, (_, i) => i));
const slice = (a: number, b: number) => order.slice(a, b);

describe('privacy evaluation honesty (adult.csv)', () => {
  beforeAll(initTestBackend);
  const opts = { sensitive: ['income'], quasiIdentifiers: ['age', 'sex', 'race', 'marital_status', 'education'], seed: 1, attacks: 600 };

  it('a copy of the training rows is flagged: share ≈ 1, every row an exact copy, MIA AUC ≈ 1', async () => {
    const trainIdx = slice(0, 1500);
    const train = toTable(rows, schema, trainIdx);
    const holdout = toTable(rows, schema, slice(1500, 3000));
    const r = await evaluatePrivacy(train, train, holdout, schema, opts);
    expect(r.exactCopies).toBe(1500);
    expect(r.dcrShare).toBeGreaterThan(0.97);
    expect(r.dcrShare).toBeGreaterThan(r.dcrPassLine);
    expect(r.mia.auc).toBeGreaterThan(0.97);
    expect(r.mia.attacks.distance.auc).toBeGreaterThan(0.97);
    expect(r.summary.level).toBe('red');
    expect(r.nndr.median).toBe(0);
    expect(r.dcr.syntheticToTrain.median).toBe(0);
    expect(r.dcr.holdoutToTrain.median).toBeGreaterThan(0);
    expect(r.kAnonymity.k).toBeGreaterThanOrEqual(1);
    // attribute inference: linking on QIs to a copy beats linking for non-members
    expect(r.attributeInference[0].main.rate).toBeGreaterThan(r.attributeInference[0].control.rate);
  });

  it('a fresh real sample stays under the pass line with MIA AUC ≈ 0.5', async () => {
    const train = toTable(rows, schema, slice(0, 1500));
    const holdout = toTable(rows, schema, slice(1500, 3000));
    const fresh = toTable(rows, schema, slice(3000, 4500));
    const r = await evaluatePrivacy(train, fresh, holdout, schema, opts);
    expect(r.dcrShare).toBeLessThan(r.dcrPassLine);
    expect(Math.abs(r.dcrShare - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(r.mia.attacks.distance.auc - 0.5)).toBeLessThan(0.05);
    expect(r.mia.attacks.density).not.toBeNull();
    expect(Math.abs(r.mia.attacks.density!.auc - 0.5)).toBeLessThan(0.05);
    expect(r.mia.low).toBeLessThan(0.5);
    // fresh real rows duplicate training rows only as often as holdout rows do
    expect(r.exactCopies).toBeLessThan(10);
    for (const a of r.attributeInference) expect(a.residualLow).toBeLessThan(0.05);
    expect(r.summary.level).not.toBe('red');
  });

  it('with the app’s 80/20 split, a copy is still caught (density reference = rest of training)', async () => {
    const trainIdx = slice(0, 4000);
    const train = toTable(rows, schema, trainIdx);
    const holdout = toTable(rows, schema, slice(4000, 5000));
    const r = await evaluatePrivacy(train, train, holdout, schema, opts);
    expect(r.sizes.equalSample).toBe(1000);
    expect(r.exactCopies).toBe(4000);
    expect(r.dcrShare).toBeGreaterThan(r.dcrPassLine);
    expect(r.mia.attacks.distance.auc).toBeGreaterThan(0.97);
    expect(r.mia.attacks.density!.auc).toBeGreaterThan(0.9);
    expect(r.kAnonymity.quasiIdentifiers).toEqual(opts.quasiIdentifiers);
    expect(r.lDiversity!.columns[0].column).toBe('income');
    expect(JSON.parse(JSON.stringify(r)).mia.roc.length).toBeGreaterThan(2);
  });
});

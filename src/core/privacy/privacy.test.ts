/**
 * Honesty checks: the metrics must see a copy of the training rows as a leak, and a fresh real sample
 * from the same population (disjoint from train and holdout) as no leak.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestText } from '../data/index';
import type { TableSchema } from '../schema/types';
import { Rng } from '../util/random';
import { evaluatePrivacy } from './index';
import { DATA_DIR, initTestBackend } from './test-utils';

// disjoint random row ranges of adult.csv, each read by the real ingest
const lines = fs.readFileSync(path.join(DATA_DIR, 'adult.csv'), 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
const body = new Rng(2024).shuffle(lines.slice(1));
const part = async (a: number, b: number) => ingestText([lines[0], ...body.slice(a, b)].join('\n'), 'adult.csv');
let schema: TableSchema;

describe('privacy evaluation honesty (adult.csv)', () => {
  beforeAll(async () => {
    await initTestBackend();
    schema = (await part(0, 1500)).schema;
  });
  const opts = { sensitive: ['income'], quasiIdentifiers: ['age', 'sex', 'race', 'marital_status', 'education'], seed: 1, attacks: 600 };

  it('a copy of the training rows is flagged: share ≈ 1, every row an exact copy, MIA AUC ≈ 1', async () => {
    const train = (await part(0, 1500)).table;
    const holdout = (await part(1500, 3000)).table;
    const r = await evaluatePrivacy(train, train, holdout, schema, opts);
    expect(r.exactCopies).toBe(1500);
    expect(r.dcrShare).toBeGreaterThan(0.97);
    expect(r.dcrShare).toBeGreaterThan(r.dcrPassLine);
    expect(r.dcrPairedShare).toBeGreaterThan(0.97);
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
    const train = (await part(0, 1500)).table;
    const holdout = (await part(1500, 3000)).table;
    const fresh = (await part(3000, 4500)).table;
    const r = await evaluatePrivacy(train, fresh, holdout, schema, opts);
    expect(r.dcrShare).toBeLessThan(r.dcrPassLine);
    expect(Math.abs(r.dcrShare - 0.5)).toBeLessThan(0.05);
    expect(r.dcrPairedShare).toBeLessThan(r.dcrPairedPassLine);
    expect(Math.abs(r.dcrPairedShare - 0.5)).toBeLessThan(0.05);
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
    const train = (await part(0, 4000)).table;
    const holdout = (await part(4000, 5000)).table;
    const r = await evaluatePrivacy(train, train, holdout, schema, opts);
    expect(r.sizes.equalSample).toBe(1000);
    expect(r.exactCopies).toBe(4000);
    expect(r.dcrShare).toBeGreaterThan(r.dcrPassLine);
    // unpaired: only a quarter of the copies fall in the equal-size member sample (≈ ¼·1 + ¾·½); paired: ≈ 1
    expect(r.dcrShare).toBeGreaterThan(0.58);
    expect(r.dcrPairedShare).toBeGreaterThan(0.97);
    expect(r.summary.level).toBe('red');
    expect(r.mia.attacks.distance.auc).toBeGreaterThan(0.97);
    expect(r.mia.attacks.density!.auc).toBeGreaterThan(0.9);
    expect(r.kAnonymity.quasiIdentifiers).toEqual(opts.quasiIdentifiers);
    expect(r.lDiversity!.columns[0].column).toBe('income');
    expect(JSON.parse(JSON.stringify(r)).mia.roc.length).toBeGreaterThan(2);
  });
});

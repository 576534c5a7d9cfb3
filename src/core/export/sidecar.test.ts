import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ingest } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { evaluateQuality } from '../evaluate/quality';
import { generationSidecar, SIDECAR_FORMAT } from './sidecar';

const DATA = path.resolve(process.cwd(), '../shared/data');

describe('generationSidecar', () => {
  it('records generator, settings, seed, version, receipt and summaries; JSON round-trips; no rows or extremes', async () => {
    const { table, schema } = await ingest(nodeFileSource(path.join(DATA, 'heart_cleveland.csv')));
    schema.target = 'num';
    schema.columns[0].quasiIdentifier = true;
    const quality = evaluateQuality(table, table.slice(0, 150), schema);
    expect(quality.charts).toBeDefined();
    const receipt = {
      epsilon: 3, delta: 1e-5, sigma: 1.1, q: 0.01, steps: 900, rows: 303, clipNorm: 1, order: 12,
      membershipAdvantageBound: 0.905, membershipAccuracyBound: 0.95, oddsRatioBound: 20.1, preset: 'balanced' as const,
      accountant: 'RDP (Mironov 2017)', text: 'ε = 3 …',
    };
    const privacy = {
      dcrShare: 0.51, dcrPassLine: 0.55, dcrPass: true, dcrShares: [0.5, 0.52], exactCopies: 0, nndr: { median: 0.9, mean: 0.88, p05: 0.6 },
      dcr: { syntheticToTrain: { median: 1, p05: 0.2 }, histogram: { edges: [0, 1, 2], synthetic: [1, 2], holdout: [2, 1] } },
      mia: { auc: 0.52, low: 0.48, high: 0.56, attack: 'distance', roc: Array.from({ length: 100 }, (_, i) => ({ fpr: i / 100, tpr: i / 100 })) },
      singlingOut: { risk: 0.01, examples: ['age = 29 AND sex = 1'] },
      kAnonymity: { k: 1, classes: 280, smallest: [{ values: ['77.0', '1.0'], count: 1 }] },
    };
    const signal = new AbortController().signal;
    const sidecar = generationSidecar({
      generator: 'tvae',
      settings: { epochs: 300, batchSize: 500, earlyStopping: false, signal, onProgress: () => 0, lr: 1e-3 },
      seed: 42,
      appVersion: '0.1.0',
      privacyReceipt: receipt,
      quality,
      privacy,
      schema,
      rows: 1000,
      createdAt: new Date(Date.UTC(2026, 10, 22, 21, 0)),
      source: { file: 'heart_cleveland.csv', rows: 303, columns: 14 },
      outputs: [{ file: 'synthetic.csv', format: 'csv' }],
    });
    const json = JSON.parse(JSON.stringify(sidecar));
    expect(json).toEqual(sidecar);
    expect(json).toMatchObject({
      format: SIDECAR_FORMAT, version: 1, createdAt: '2026-11-22T21:00:00.000Z', app: { name: 'Doppel', version: '0.1.0' },
      generator: 'tvae', seed: 42, rows: 1000, differentialPrivacy: true,
      settings: { epochs: 300, batchSize: 500, earlyStopping: false, lr: 1e-3 },
      privacyReceipt: { epsilon: 3, delta: 1e-5, accountant: 'RDP (Mironov 2017)' },
      source: { file: 'heart_cleveland.csv', rows: 303 },
    });
    expect(Object.keys(json.settings)).not.toContain('signal');
    expect(Object.keys(json.settings)).not.toContain('onProgress');
    expect(json.schema.target).toBe('num');
    expect(json.schema.columns[0]).toEqual({ name: 'age', kind: schema.columns[0].kind, excluded: false, decimals: 1, quasiIdentifier: true });
    // Quality: the scores, not the charts.
    expect(json.quality.overall).toBeCloseTo(quality.overall, 12);
    expect(json.quality.columns.age.score).toBeCloseTo(quality.columns.age.score, 12);
    expect(json.quality.charts).toBeUndefined();
    // Privacy: scalars kept, curves, histograms and record-shaped examples dropped.
    expect(json.privacy).toMatchObject({ dcrShare: 0.51, dcrPass: true, mia: { auc: 0.52, attack: 'distance' }, kAnonymity: { k: 1 } });
    expect(json.privacy.mia.roc).toBeUndefined();
    expect(json.privacy.dcr.histogram).toBeUndefined();
    expect(json.privacy.singlingOut.examples).toBeUndefined();
    expect(json.privacy.kAnonymity.smallest).toBeUndefined();
    // No real extremes or category lists leave through the schema part.
    const text = JSON.stringify(sidecar);
    expect(text).not.toContain('"min"');
    expect(text).not.toContain('"max"');
    expect(text).not.toContain('"categories"');
    expect(text.length).toBeLessThan(20_000);
  });

  it('without DP or reports: nulls, not missing keys', () => {
    const s = generationSidecar({
      generator: 'ctgan', settings: {}, seed: 0, appVersion: '0.1.0', rows: 5, createdAt: '2026-01-01T00:00:00Z',
      schema: { rows: 1, columns: [{ name: 'x', kind: 'continuous', excluded: false, missing: 0, distinct: 1, min: 1, max: 1 }] },
    });
    expect(s).toMatchObject({ privacyReceipt: null, differentialPrivacy: false, quality: null, privacy: null, notes: [] });
    expect(s.createdAt).toBe('2026-01-01T00:00:00.000Z');
  });
});

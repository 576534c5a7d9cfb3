import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestText } from '../../data/index';
import { loadGenerator } from '../../models/registry';
import { DATA_DIR, initTestBackend } from '../test-utils';
import { createDpGenerator, fitDp } from './index';

describe('DP entry', () => {
  beforeAll(initTestBackend);

  it('creates a DP generator of each kind and rejects bad budgets', async () => {
    for (const kind of ['tvae', 'ctgan', 'transformer'] as const) {
      const g = await createDpGenerator(kind);
      expect(g.kind).toBe(kind);
      g.dispose();
    }
    const { table, schema } = await ingestText('a,b\n1,x\n2,y\n3,x\n', 't.csv');
    await expect(fitDp('tvae', table, schema, { epsilon: 0 })).rejects.toThrow(/epsilon/);
    await expect(fitDp('tvae', table, schema, { epsilon: 1, delta: 2 })).rejects.toThrow(/delta/);
  });

  it('fitDp trains, returns the receipt saved with the model, and the registry loads it', async () => {
    const { table, schema } = await ingestText(fs.readFileSync(path.join(DATA_DIR, 'heart_cleveland.csv'), 'utf8'), 'heart_cleveland.csv');
    const { generator, result, receipt } = await fitDp('ctgan', table, schema, {
      epsilon: 1, epochs: 1, batchSize: 100, generatorDims: [16], criticDims: [16], noiseDim: 8, seed: 1,
    });
    expect(result.stoppedEarly).toBe(false);
    expect(receipt.epsilon).toBeLessThanOrEqual(1 + 1e-9);
    const saved = generator.save();
    expect(saved.privacy).toEqual(receipt);
    generator.dispose();
    const loaded = await loadGenerator(JSON.parse(JSON.stringify(saved)));
    expect((await loaded.sample(20, 3)).numRows).toBe(20);
    loaded.dispose();
  }, 60_000);

  it('a stopped run keeps the receipt of the steps actually taken (ε below the target)', async () => {
    const { table, schema } = await ingestText(fs.readFileSync(path.join(DATA_DIR, 'heart_cleveland.csv'), 'utf8'), 'heart_cleveland.csv');
    const stop = new AbortController();
    const { generator, result, receipt } = await fitDp(
      'transformer',
      table,
      schema,
      { epsilon: 2, epochs: 3, batchSize: 100, width: 8, heads: 2, ffn: 8, seed: 2 },
      () => stop.abort(),
      stop.signal,
    );
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochs).toBe(1);
    expect(receipt.steps).toBe(3); // round(303/100) steps of the first epoch
    expect(receipt.epsilon).toBeLessThan(2);
    expect(generator.save().privacy).toEqual(receipt);
    generator.dispose();
  }, 60_000);
});

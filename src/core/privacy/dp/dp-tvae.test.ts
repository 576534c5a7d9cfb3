import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestText } from '../../data/index';
import { TVAE } from '../../models/tvae/tvae';
import { DATA_DIR, initTestBackend } from '../test-utils';
import { DpTVAE } from './dp-tvae';
import type { PrivacyReceipt } from './rdp-accountant';

describe('DP tVAE', () => {
  beforeAll(initTestBackend);

  it('trains within the budget, saves a receipt and samples through TVAE.load', async () => {
    const { table, schema } = await ingestText(fs.readFileSync(path.join(DATA_DIR, 'heart_cleveland.csv'), 'utf8'), 'heart_cleveland.csv');
    const model = new DpTVAE();
    const progress: number[] = [];
    const res = await model.fit(
      table,
      schema,
      { epsilon: 3, epochs: 4, batchSize: 64, hidden: [32, 32], latent: 16, seed: 3, publicBounds: { age: [0, 120] } },
      (p) => progress.push(p.losses.loss),
    );
    expect(res.diverged).toBeUndefined();
    expect(res.stoppedEarly).toBe(false); // σ was chosen so the planned steps fit the budget exactly
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every(Number.isFinite)).toBe(true);
    const saved = model.save();
    const receipt = saved.privacy as PrivacyReceipt;
    expect(receipt.epsilon).toBeLessThanOrEqual(3 + 1e-9);
    expect(receipt.epsilon).toBeGreaterThan(2);
    expect(receipt.steps).toBe(5 * 4); // round(303/64) Poisson steps per epoch × 4 epochs
    expect(receipt.sigma).toBeGreaterThan(0.3);
    expect(receipt.text).toContain('differential privacy');
    // the model file carries DP aggregates only: the public age range, no counts
    const ageCol = saved.schema.columns.find((c) => c.name === 'age')!;
    expect([ageCol.min, ageCol.max]).toEqual([0, 120]);
    expect(saved.schema.columns.every((c) => c.missing === 0 && c.distinct === 0)).toBe(true);
    expect(JSON.stringify(saved.encoder)).not.toMatch(/"counts":\[\[(?!1,1\])/);
    const loaded = await TVAE.load(saved);
    const out = await loaded.sample(40, 1);
    loaded.dispose();
    expect(out.numRows).toBe(40);
    expect(out.schema.fields.map((f) => f.name)).toEqual(schema.columns.map((c) => c.name));
    const direct = await model.sample(10, 2);
    expect(direct.numRows).toBe(10);
    model.dispose();
  }, 60_000);
});

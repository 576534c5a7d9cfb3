import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestText } from '../../data/index';
import { CTGAN } from '../../models/ctgan/ctgan';
import { DATA_DIR, initTestBackend } from '../test-utils';
import { DpCTGAN } from './dp-ctgan';
import type { PrivacyReceipt } from './rdp-accountant';

describe('DP CTGAN', () => {
  beforeAll(initTestBackend);

  it('trains the critic within the budget, saves a receipt and samples through CTGAN.load', async () => {
    const { table, schema } = await ingestText(fs.readFileSync(path.join(DATA_DIR, 'heart_cleveland.csv'), 'utf8'), 'heart_cleveland.csv');
    const model = new DpCTGAN();
    const progress: number[] = [];
    const res = await model.fit(
      table,
      schema,
      { epsilon: 3, epochs: 3, batchSize: 64, generatorDims: [32, 32], criticDims: [32, 32], noiseDim: 16, seed: 5, publicBounds: { age: [0, 120] }, publicCategories: { sex: ['0.0', '1.0'] } },
      (p) => progress.push(p.losses.critic),
    );
    expect(res.diverged).toBeUndefined();
    expect(res.stoppedEarly).toBe(false);
    expect(progress.length).toBe(3);
    expect(progress.every(Number.isFinite)).toBe(true);
    const saved = model.save();
    const receipt = saved.privacy as PrivacyReceipt;
    expect(receipt.epsilon).toBeLessThanOrEqual(3 + 1e-9);
    expect(receipt.epsilon).toBeGreaterThan(2);
    expect(receipt.steps).toBe(5 * 3); // round(303/64) critic steps per epoch × 3 epochs
    expect(receipt.text).toContain('differential privacy');
    // no critic weights, no gradient penalty, no raw counts/ranges in the file
    expect(Object.keys(saved.weights).some((k) => k.startsWith('c'))).toBe(false);
    expect(saved.options.pac).toBe(1);
    const ageCol = saved.schema.columns.find((c) => c.name === 'age')!;
    expect([ageCol.min, ageCol.max]).toEqual([0, 120]);
    expect(saved.schema.columns.every((c) => c.missing === 0 && c.distinct === 0)).toBe(true);
    const json = JSON.stringify(saved);
    const firstRow = fs.readFileSync(path.join(DATA_DIR, 'heart_cleveland.csv'), 'utf8').split(/\r?\n/)[1];
    expect(json.includes(firstRow)).toBe(false);

    const loaded = await CTGAN.load(JSON.parse(json));
    const out = await loaded.sample(200, 1);
    loaded.dispose();
    expect(out.numRows).toBe(200);
    expect(out.schema.fields.map((f) => f.name)).toEqual(schema.columns.map((c) => c.name));
    // categories come from the real set
    for (const c of schema.columns.filter((c) => c.kind === 'categorical' || c.kind === 'boolean')) {
      const real = new Set<string>();
      const rv = table.getChild(c.name)!;
      for (let i = 0; i < table.numRows; i++) real.add(String(rv.get(i)));
      const sv = out.getChild(c.name)!;
      for (let i = 0; i < out.numRows; i++) {
        const v = sv.get(i);
        if (v !== null) expect(real.has(String(v)), `${c.name}=${String(v)} not in ${[...real].join(",")}`).toBe(true);
      }
    }
    // the public category list is used as given and both categories appear
    const sexes = new Set<string>();
    for (let i = 0; i < out.numRows; i++) sexes.add(String(out.getChild('sex')!.get(i)));
    expect([...sexes].sort()).toEqual(['0.0', '1.0']);
    const direct = await model.sample(10, 2);
    expect(direct.numRows).toBe(10);
    model.dispose();
  }, 60_000);
});

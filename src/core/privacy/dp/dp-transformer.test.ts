import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestText } from '../../data/index';
import { TabularTransformer } from '../../models/transformer/transformer';
import { DATA_DIR, initTestBackend } from '../test-utils';
import { DpTransformer } from './dp-transformer';
import type { PrivacyReceipt } from './rdp-accountant';

describe('DP transformer', () => {
  beforeAll(initTestBackend);

  it('trains within the budget, saves a receipt and samples through TabularTransformer.load', async () => {
    const text = fs.readFileSync(path.join(DATA_DIR, 'heart_cleveland.csv'), 'utf8');
    const { table, schema } = await ingestText(text, 'heart_cleveland.csv');
    const model = new DpTransformer();
    const progress: number[] = [];
    const res = await model.fit(
      table,
      schema,
      { epsilon: 3, epochs: 2, batchSize: 64, width: 16, heads: 2, ffn: 32, layers: 1, seed: 7, publicBounds: { age: [0, 120] }, publicCategories: { sex: ['0.0', '1.0'] } },
      (p) => progress.push(p.losses.loss),
    );
    expect(res.diverged).toBeUndefined();
    expect(res.stoppedEarly).toBe(false);
    expect(progress.length).toBe(2);
    expect(progress.every(Number.isFinite)).toBe(true);
    const saved = model.save();
    const receipt = saved.privacy as PrivacyReceipt;
    expect(receipt.epsilon).toBeLessThanOrEqual(3 + 1e-9);
    expect(receipt.epsilon).toBeGreaterThan(2);
    expect(receipt.steps).toBe(5 * 2); // round(303/64) Poisson steps per epoch × 2 epochs
    expect(receipt.text).toContain('differential privacy');
    const ageCol = saved.schema.columns.find((c) => c.name === 'age')!;
    expect([ageCol.min, ageCol.max]).toEqual([0, 120]);
    expect(saved.schema.columns.every((c) => c.missing === 0 && c.distinct === 0)).toBe(true);
    const json = JSON.stringify(saved);
    expect(json.includes(text.split(/\r?\n/)[1])).toBe(false);

    const loaded = TabularTransformer.load(JSON.parse(json));
    const out = await loaded.sample(200, 1);
    loaded.dispose();
    expect(out.numRows).toBe(200);
    expect(out.schema.fields.map((f) => f.name)).toEqual(schema.columns.map((c) => c.name));
    for (const c of schema.columns.filter((c) => c.kind === 'categorical' || c.kind === 'boolean')) {
      const real = new Set<string>();
      const rv = table.getChild(c.name)!;
      for (let i = 0; i < table.numRows; i++) real.add(String(rv.get(i)));
      const sv = out.getChild(c.name)!;
      for (let i = 0; i < out.numRows; i++) {
        const v = sv.get(i);
        if (v !== null) expect(real.has(String(v)), `${c.name}=${String(v)}`).toBe(true);
      }
    }
    // numbers stay inside the (public) bounds
    const ages = out.getChild('age')!;
    for (let i = 0; i < out.numRows; i++) {
      const a = ages.get(i) as number | null;
      if (a !== null) expect(a >= 0 && a <= 120).toBe(true);
    }
    const sexes = new Set<string>();
    for (let i = 0; i < out.numRows; i++) sexes.add(String(out.getChild('sex')!.get(i)));
    expect(sexes.has('0.0') || sexes.has('1.0')).toBe(true);
    const direct = await model.sample(10, 2);
    expect(direct.numRows).toBe(10);
    model.dispose();
  }, 60_000);
});

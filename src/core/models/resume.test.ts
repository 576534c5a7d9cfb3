import { beforeAll, describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { TVAE } from './tvae/tvae';
import { CTGAN } from './ctgan/ctgan';
import { TabularTransformer } from './transformer/transformer';
import { simpleEncoders } from './encoding';
import { syntheticTable, useWasm } from './test-utils';
import type { FitOptions, Generator, SavedModel } from './types';
import { base64ToFloats, floatsToBase64 } from './training';

// Issue 8 (nothing lost): a run interrupted after some epochs continues from its checkpoint.
const rowsOf = (t: Table) => t.toArray().map((r) => JSON.stringify(r.toJSON()));

const makers: Record<'tvae' | 'ctgan' | 'transformer', () => Generator> = {
  tvae: () => new TVAE({ encoders: simpleEncoders }),
  ctgan: () => new CTGAN({ encoders: simpleEncoders }),
  transformer: () => new TabularTransformer(),
};
const settings: Record<keyof typeof makers, FitOptions> = {
  tvae: { batchSize: 100, seed: 5 },
  ctgan: { batchSize: 100, seed: 5, pac: 10 },
  transformer: { batchSize: 100, seed: 5, width: 16, ffn: 32 },
};

describe('resuming training from a checkpoint', () => {
  const { table, schema } = syntheticTable(300, 3);
  beforeAll(async () => {
    await useWasm();
  });

  for (const kind of Object.keys(makers) as (keyof typeof makers)[]) {
    it(`${kind}: continues after the checkpoint's epoch with its weights and encoding`, async () => {
      const first = makers[kind]();
      let cp: SavedModel | null = null;
      await first.fit(table, schema, { ...settings[kind], epochs: 2 }, (p) => {
        if (p.epoch === 2) cp = first.checkpoint!();
      });
      expect(cp).not.toBeNull();
      const checkpoint = cp as unknown as SavedModel;
      // Weights and encoding, never a row: no identifier of the table is in the checkpoint.
      const bytes = JSON.stringify(checkpoint);
      const ids = table.getChild('id')!;
      for (let i = 0; i < table.numRows; i += 17) expect(bytes.includes(String(ids.get(i)))).toBe(false);

      // Nothing left to train: the resumed generator is the checkpointed one, sample for sample.
      const same = makers[kind]();
      const none = await same.fit(table, schema, { ...settings[kind], epochs: 2, resume: { model: checkpoint, epoch: 2 } });
      expect(none.epochs).toBe(2);
      expect(none.history).toHaveLength(0);
      expect(rowsOf(await same.sample(60, 9))).toEqual(rowsOf(await first.sample(60, 9)));

      // Two more epochs: numbered 3 and 4, and the model file does not embed the checkpoint.
      const more = makers[kind]();
      const r = await more.fit(table, schema, { ...settings[kind], epochs: 4, resume: { model: checkpoint, epoch: 2 } });
      expect(r.epochs).toBe(4);
      expect(r.history.map((h) => h.epoch)).toEqual([3, 4]);
      expect(r.history.every((h) => h.rowsSeen === undefined || h.rowsSeen > 0)).toBe(true);
      expect(JSON.stringify(more.save().options)).not.toContain('resume');
      expect((await more.sample(30, 1)).numRows).toBe(30);
      for (const g of [first, same, more]) g.dispose();
    }, 60_000);
  }

  it('CTGAN: a checkpoint with the older single first-layer weight (rows ⊕ conditional vector) resumes the same', async () => {
    const first = new CTGAN({ encoders: simpleEncoders });
    let cp: SavedModel | null = null;
    await first.fit(table, schema, { ...settings.ctgan, epochs: 2 }, (p) => {
      if (p.epoch === 2) cp = first.checkpoint!();
    });
    const checkpoint = cp as unknown as SavedModel;
    const [wd, wc] = [checkpoint.weights['c0/w'], checkpoint.weights['c0/wc']];
    expect(wc).toBeDefined();
    // The older layout: per pac slot, the row's D weight rows then the conditional vector's C.
    const pac = Number(settings.ctgan.pac);
    const [D, C, H] = [wd.shape[0] / pac, wc.shape[0] / pac, wd.shape[1]];
    const [fd, fc] = [base64ToFloats(wd.data), base64ToFloats(wc.data)];
    const old = new Float32Array(pac * (D + C) * H);
    for (let s = 0; s < pac; s++) {
      old.set(fd.subarray(s * D * H, (s + 1) * D * H), s * (D + C) * H);
      old.set(fc.subarray(s * C * H, (s + 1) * C * H), (s * (D + C) + D) * H);
    }
    const { 'c0/wc': _, ...rest } = checkpoint.weights;
    const older = { ...checkpoint, weights: { ...rest, 'c0/w': { shape: [pac * (D + C), H], data: floatsToBase64(old) } } };
    const a = new CTGAN({ encoders: simpleEncoders });
    const b = new CTGAN({ encoders: simpleEncoders });
    await a.fit(table, schema, { ...settings.ctgan, epochs: 3, resume: { model: checkpoint, epoch: 2 } });
    await b.fit(table, schema, { ...settings.ctgan, epochs: 3, resume: { model: older, epoch: 2 } });
    expect(rowsOf(await b.sample(40, 2))).toEqual(rowsOf(await a.sample(40, 2)));
    for (const g of [first, a, b]) g.dispose();
  }, 60_000);

  it('tVAE: the resumed run starts where the first left off, not from scratch', async () => {
    const first = new TVAE({ encoders: simpleEncoders });
    let cp: SavedModel | null = null;
    const a = await first.fit(table, schema, { batchSize: 100, seed: 5, epochs: 6 }, (p) => {
      if (p.epoch === 6) cp = first.checkpoint();
    });
    const fresh = a.history[0].losses.loss;
    const reached = a.history[5].losses.loss;
    const next = new TVAE({ encoders: simpleEncoders });
    const b = await next.fit(table, schema, { batchSize: 100, seed: 5, epochs: 7, resume: { model: cp as unknown as SavedModel, epoch: 6 } });
    const resumed = b.history[0].losses.loss;
    expect(Math.abs(resumed - reached)).toBeLessThan(Math.abs(resumed - fresh));
    first.dispose();
    next.dispose();
  }, 60_000);

  it('refuses a checkpoint of another generator or of another table', async () => {
    const g = new TVAE({ encoders: simpleEncoders });
    await g.fit(table, schema, { batchSize: 100, seed: 5, epochs: 1 });
    const cp = g.checkpoint();
    await expect(new CTGAN({ encoders: simpleEncoders }).fit(table, schema, { epochs: 2, resume: { model: cp, epoch: 1 } })).rejects.toThrow(
      /holds a tvae model; resume it with tvae/,
    );
    const other = { ...schema, columns: schema.columns.map((c) => (c.name === 'cp' ? { ...c, name: 'chest_pain' } : c)) };
    await expect(new TVAE({ encoders: simpleEncoders }).fit(table, other, { epochs: 2, resume: { model: cp, epoch: 1 } })).rejects.toThrow(
      /other columns or column kinds/,
    );
    g.dispose();
  });
});

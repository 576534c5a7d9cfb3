import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Table } from 'apache-arrow';
import { TVAE } from './tvae';
import { simpleEncoders, type EncoderFactory } from '../encoding';
import { syntheticTable, useWasm } from '../test-utils';
import type { TableEncoder } from '../../transform/types';

const rowsOf = (t: Table) => t.toArray().map((r) => JSON.stringify(r.toJSON()));

describe('tVAE', () => {
  const { table, schema } = syntheticTable(300, 7);
  beforeAll(async () => {
    await useWasm();
  });

  it('lowers its loss, keeps memory flat, and samples only real categories', async () => {
    const m = new TVAE({ encoders: simpleEncoders });
    const tensors: number[] = [];
    const r = await m.fit(table, schema, { epochs: 12, batchSize: 100, seed: 11 }, () => tensors.push(tf.memory().numTensors));
    expect(r.epochs).toBe(12);
    expect(r.diverged).toBeUndefined();
    const losses = r.history.map((h) => h.losses.loss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.6);
    expect(new Set(tensors.slice(1)).size).toBe(1); // flat across epochs
    const s = await m.sample(400, 3, { chunkSize: 150 });
    expect(s.numRows).toBe(400);
    for (const col of ['sex', 'cp', 'target']) {
      const real = new Set(schema.columns.find((c) => c.name === col)!.categories);
      const v = s.getChild(col)!;
      for (let i = 0; i < s.numRows; i++) expect(real.has(v.get(i))).toBe(true);
    }
    const age = s.getChild('age')!;
    for (let i = 0; i < s.numRows; i++) expect(Number.isInteger(age.get(i))).toBe(true);
    m.dispose();
  });

  it('repeats exactly with the same seed, and save/load gives identical samples', async () => {
    const a = new TVAE({ encoders: simpleEncoders });
    const b = new TVAE({ encoders: simpleEncoders });
    await a.fit(table, schema, { epochs: 3, batchSize: 100, seed: 5 });
    await b.fit(table, schema, { epochs: 3, batchSize: 100, seed: 5 });
    const sa = rowsOf(await a.sample(50, 9));
    expect(rowsOf(await b.sample(50, 9))).toEqual(sa);
    expect(rowsOf(await a.sample(50, 10))).not.toEqual(sa);
    const saved = JSON.parse(JSON.stringify(a.save()));
    const c = await TVAE.load(saved);
    expect(rowsOf(await c.sample(50, 9))).toEqual(sa);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('never stores a training value in the saved model', async () => {
    const m = new TVAE({ encoders: simpleEncoders });
    await m.fit(table, schema, { epochs: 2, batchSize: 100, seed: 1 });
    const bytes = JSON.stringify(m.save());
    const ids = table.getChild('id')!;
    const score = table.getChild('score')!;
    const bounds = new Set([schema.columns[6].min, schema.columns[6].max]);
    for (let i = 0; i < table.numRows; i++) {
      expect(bytes.includes(String(ids.get(i)))).toBe(false);
      // The column's observed bounds are schema aggregates (output clips to them); no other value may appear.
      if (!bounds.has(score.get(i))) expect(bytes.includes(String(score.get(i)))).toBe(false);
    }
    m.dispose();
  });

  it('stops on a NaN loss and keeps the last good weights', async () => {
    // An encoder that starts emitting NaN after two epochs' worth of batches (3 batches per epoch).
    let calls = 0;
    const poisoned: EncoderFactory = {
      fit: async (t, s, o) => {
        const enc = (await simpleEncoders.fit(t, s, o)) as TableEncoder;
        return new Proxy(enc, {
          get(target, prop, recv) {
            if (prop === 'encodeRows')
              return (...a: Parameters<TableEncoder['encodeRows']>) => {
                const out = target.encodeRows(...a);
                if (++calls > 6) out.fill(NaN);
                return out;
              };
            const v = Reflect.get(target, prop, recv);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
      },
      load: simpleEncoders.load,
    };
    const bad = new TVAE({ encoders: poisoned });
    const r = await bad.fit(table, schema, { epochs: 5, batchSize: 100, seed: 4 });
    expect(r.diverged).toMatch(/diverged at epoch 3/);
    expect(r.epochs).toBe(2);
    const good = new TVAE({ encoders: simpleEncoders });
    await good.fit(table, schema, { epochs: 2, batchSize: 100, seed: 4 });
    expect(rowsOf(await bad.sample(30, 2))).toEqual(rowsOf(await good.sample(30, 2)));
    bad.dispose();
    good.dispose();
  });

  it('cancels between steps via AbortSignal', async () => {
    const m = new TVAE({ encoders: simpleEncoders });
    const ac = new AbortController();
    const r = await m.fit(table, schema, { epochs: 50, batchSize: 100, seed: 2 }, (p) => p.epoch === 2 && ac.abort(), ac.signal);
    expect(r.epochs).toBe(2);
    expect(r.stoppedEarly).toBe(true);
    expect((await m.sample(10, 1)).numRows).toBe(10);
    m.dispose();
  });

  it('early stopping on a validation split stops before the epoch budget', async () => {
    const m = new TVAE({ encoders: simpleEncoders });
    const r = await m.fit(table, schema, { epochs: 400, batchSize: 100, seed: 2, earlyStopping: true, patience: 3 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochs).toBeLessThan(400);
    expect(r.history[0].losses.validation).toBeGreaterThan(0);
    m.dispose();
  });
});

describe('tVAE on the shared encoding', () => {
  beforeAll(async () => {
    await useWasm();
  });

  it('learns heart_cleveland (mode-specific encoding): loss falls, categories real, integers whole, seeds repeat', async () => {
    const { ingest } = await import('../../data/ingest');
    const { nodeFileSource } = await import('../../data/node-source');
    const path = await import('node:path');
    const { table, schema } = await ingest(nodeFileSource(path.resolve(process.cwd(), '../shared/data/heart_cleveland.csv')));
    const m = new TVAE();
    const r = await m.fit(table, schema, { epochs: 15, seed: 3 });
    const losses = r.history.map((h) => h.losses.loss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    const s = await m.sample(300, 1);
    expect(s.numRows).toBe(300);
    for (const col of schema.columns) {
      const v = s.getChild(col.name)!;
      if (col.kind === 'categorical' || col.kind === 'boolean') {
        const real = new Set(col.categories);
        for (let i = 0; i < s.numRows; i++) if (v.get(i) !== null) expect(real.has(String(v.get(i)))).toBe(true);
      }
      if (col.kind === 'integer')
        for (let i = 0; i < s.numRows; i++) if (v.get(i) !== null) expect(Number.isInteger(Number(v.get(i)))).toBe(true);
    }
    const again = await TVAE.load(JSON.parse(JSON.stringify(m.save())));
    expect(rowsOf(await again.sample(40, 8))).toEqual(rowsOf(await m.sample(40, 8)));
    m.dispose();
    again.dispose();
  });

  it('saves no identifier or unique value of the training table', async () => {
    const { table, schema } = syntheticTable(300, 13);
    const m = new TVAE();
    await m.fit(table, schema, { epochs: 2, batchSize: 100, seed: 1 });
    const bytes = JSON.stringify(m.save());
    const ids = table.getChild('id')!;
    const score = table.getChild('score')!;
    const bounds = new Set([schema.columns[6].min, schema.columns[6].max]);
    for (let i = 0; i < table.numRows; i++) {
      expect(bytes.includes(String(ids.get(i)))).toBe(false);
      if (!bounds.has(score.get(i))) expect(bytes.includes(String(score.get(i)))).toBe(false);
    }
    m.dispose();
  });
});

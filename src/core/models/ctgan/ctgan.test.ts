import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Table } from 'apache-arrow';
import { CTGAN } from './ctgan';
import { ConditionalVector } from './conditional-vector';
import { simpleEncoders } from '../encoding';
import { syntheticTable, useWasm } from '../test-utils';
import { Rng } from '../../util/random';
import type { DiscreteSpanInfo } from '../../transform/types';

const rowsOf = (t: Table) => t.toArray().map((r) => JSON.stringify(r.toJSON()));

describe('conditional vector', () => {
  const discrete: DiscreteSpanInfo[] = [
    { column: 'a', span: { column: 'a', role: 'category', start: 1, width: 3, activation: 'softmax' }, counts: [900, 90, 10] },
    { column: 'm', span: { column: 'm', role: 'mode', start: 4, width: 2, activation: 'softmax' }, counts: [5, 5] },
    { column: 'b', span: { column: 'b', role: 'category', start: 6, width: 2, activation: 'softmax' }, counts: [50, 50] },
  ];
  it('covers category spans only, column uniform, category ∝ log(frequency + 1) for training', () => {
    const cv = new ConditionalVector(discrete);
    expect(cv.width).toBe(5);
    const n = 60000;
    const b = cv.sampleTrain(n, new Rng(3));
    const perCol = [0, 0];
    const perSlot = [0, 0, 0];
    for (let r = 0; r < n; r++) {
      perCol[b.column[r]]++;
      if (b.column[r] === 0) perSlot[b.slot[r]]++;
      let hot = 0;
      for (let j = 0; j < cv.width; j++) hot += b.cond[r * cv.width + j];
      expect(hot).toBe(1);
    }
    expect(perCol[0] / n).toBeCloseTo(0.5, 1);
    const w = [901, 91, 11].map(Math.log);
    const total = w.reduce((a, x) => a + x, 0);
    perSlot.forEach((c, k) => expect(c / perCol[0]).toBeCloseTo(w[k] / total, 1));
    // Sampling follows the real frequencies instead.
    const o = cv.sampleOriginal(n, new Rng(4));
    let rare = 0, firstCol = 0;
    for (let r = 0; r < n; r++) if (o.column[r] === 0) { firstCol++; if (o.slot[r] === 2) rare++; }
    expect(rare / firstCol).toBeCloseTo(0.01, 2);
  });
});

describe('CTGAN', () => {
  const { table, schema } = syntheticTable(300, 9);
  beforeAll(async () => {
    await useWasm();
  });

  it('trains a few epochs with flat memory and samples valid rows', async () => {
    const m = new CTGAN({ encoders: simpleEncoders });
    const tensors: number[] = [];
    const r = await m.fit(table, schema, { epochs: 4, batchSize: 100, seed: 1 }, () => tensors.push(tf.memory().numTensors));
    expect(r.epochs).toBe(4);
    expect(r.diverged).toBeUndefined();
    expect(Object.keys(r.history[0].losses).sort()).toEqual(['critic', 'generator']);
    expect(new Set(tensors).size).toBe(1);
    const s = await m.sample(200, 2, { chunkSize: 64 });
    expect(s.numRows).toBe(200);
    for (const col of ['sex', 'cp', 'target']) {
      const real = new Set(schema.columns.find((c) => c.name === col)!.categories);
      const v = s.getChild(col)!;
      for (let i = 0; i < s.numRows; i++) expect(real.has(v.get(i))).toBe(true);
    }
    const age = s.getChild('age')!;
    const ageSchema = schema.columns[0];
    for (let i = 0; i < s.numRows; i++) {
      expect(Number.isInteger(age.get(i))).toBe(true);
      expect(age.get(i)).toBeGreaterThanOrEqual(ageSchema.min!);
      expect(age.get(i)).toBeLessThanOrEqual(ageSchema.max!);
    }
    // A categorical equality condition fixes that column.
    const c = await m.sample(50, 3, { conditions: [{ column: 'cp', op: '=', value: '1' }] });
    const cp = c.getChild('cp')!;
    for (let i = 0; i < c.numRows; i++) expect(cp.get(i)).toBe('1');
    await expect(m.sample(5, 1, { conditions: [{ column: 'cp', op: '=', value: 'nope' }] })).rejects.toThrow(/no category/);
    m.dispose();
  });

  it('repeats with the same seed, round-trips save/load, and stores no training values', async () => {
    const a = new CTGAN({ encoders: simpleEncoders });
    const b = new CTGAN({ encoders: simpleEncoders });
    await a.fit(table, schema, { epochs: 2, batchSize: 100, seed: 6 });
    await b.fit(table, schema, { epochs: 2, batchSize: 100, seed: 6 });
    const sa = rowsOf(await a.sample(40, 5));
    expect(rowsOf(await b.sample(40, 5))).toEqual(sa);
    const saved = a.save();
    const bytes = JSON.stringify(saved);
    const ids = table.getChild('id')!;
    const score = table.getChild('score')!;
    const bounds = new Set([schema.columns[6].min, schema.columns[6].max]);
    for (let i = 0; i < table.numRows; i++) {
      expect(bytes.includes(String(ids.get(i)))).toBe(false);
      if (!bounds.has(score.get(i))) expect(bytes.includes(String(score.get(i)))).toBe(false);
    }
    const c = await CTGAN.load(JSON.parse(bytes));
    expect(rowsOf(await c.sample(40, 5))).toEqual(sa);
    [a, b, c].forEach((m) => m.dispose());
  });
});

describe('CTGAN on the shared encoding', () => {
  beforeAll(async () => {
    await useWasm();
  });
  it('trains on heart_cleveland and samples real categories, with and without a condition', async () => {
    const { ingest } = await import('../../data/ingest');
    const { nodeFileSource } = await import('../../data/node-source');
    const path = await import('node:path');
    const { table, schema } = await ingest(nodeFileSource(path.resolve(process.cwd(), '../shared/data/heart_cleveland.csv')));
    const m = new CTGAN();
    const r = await m.fit(table, schema, { epochs: 3, batchSize: 100, seed: 2 });
    expect(r.diverged).toBeUndefined();
    const s = await m.sample(200, 4);
    for (const col of schema.columns) {
      if (col.kind !== 'categorical' && col.kind !== 'boolean') continue;
      const real = new Set(col.categories);
      const v = s.getChild(col.name)!;
      for (let i = 0; i < s.numRows; i++) if (v.get(i) !== null) expect(real.has(String(v.get(i)))).toBe(true);
    }
    const cat = schema.columns.find((c) => c.kind === 'categorical')!;
    const value = cat.categories![0];
    const c = await m.sample(30, 5, { conditions: [{ column: cat.name, op: '=', value }] });
    const v = c.getChild(cat.name)!;
    for (let i = 0; i < c.numRows; i++) expect(String(v.get(i))).toBe(value);
    m.dispose();
  });
});

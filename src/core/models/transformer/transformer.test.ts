import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Table } from 'apache-arrow';
import { TabularTransformer } from './transformer';
import { clinicTable } from './test-table';
import { matchesConditions, parseCondition } from '../../sample/conditions';
import type { TrainProgress } from '../types';

beforeAll(async () => {
  setWasmPaths(path.resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
  if (!(await tf.setBackend('wasm').catch(() => false))) await tf.setBackend('cpu');
  await tf.ready();
});

const small = { width: 32, layers: 1, heads: 4, ffn: 64, batchSize: 50, learningRate: 3e-3, dropout: 0 };

function column(t: Table, name: string): unknown[] {
  const v = t.getChild(name)!;
  return Array.from({ length: t.numRows }, (_, i) => v.get(i));
}

function share(values: unknown[], pred: (v: unknown) => boolean): number {
  return values.filter(pred).length / values.length;
}

describe('TabularTransformer', () => {
  const { table, schema } = clinicTable(600, 3);
  let g: TabularTransformer;
  const history: TrainProgress[] = [];
  const tensors: number[] = [];

  beforeAll(async () => {
    g = new TabularTransformer();
    await g.fit(table, schema, { ...small, epochs: 25, seed: 5 }, (p) => {
      history.push(p);
      tensors.push(tf.memory().numTensors);
    });
  }, 120_000);

  it('trains with falling loss, progress per epoch and flat memory', () => {
    expect(history.length).toBe(25);
    expect(history[24].losses.loss).toBeLessThan(history[0].losses.loss * 0.9);
    expect(history[0].epochs).toBe(25);
    expect(['wasm', 'cpu']).toContain(history[0].backend);
    expect(new Set(tensors.slice(1)).size).toBe(1);
  });

  it('samples the schema columns: categories from the training set, numbers on the grid and in bounds, fresh ids', async () => {
    const before = tf.memory().numTensors;
    const s = await g.sample(500, 9, { chunkSize: 200 });
    expect(tf.memory().numTensors).toBe(before);
    expect(s.schema.fields.map((f) => f.name)).toEqual(schema.columns.map((c) => c.name));
    expect(s.numRows).toBe(500);
    for (const v of column(s, 'sex')) expect(['F', 'M']).toContain(v);
    for (const v of column(s, 'group')) expect(['A', 'B', 'C']).toContain(v);
    const ages = column(s, 'age') as number[];
    for (const a of ages) {
      expect(Number.isInteger(a)).toBe(true);
      expect(a).toBeGreaterThanOrEqual(schema.columns[2].min!);
      expect(a).toBeLessThanOrEqual(schema.columns[2].max!);
    }
    for (const b of column(s, 'bmi') as number[]) expect(Number(b.toFixed(1))).toBe(b);
    const ids = column(s, 'id') as string[];
    expect(new Set(ids).size).toBe(500);
    const real = new Set(column(table, 'id'));
    expect(ids.some((x) => real.has(x))).toBe(false);
    expect(column(s, 'note').every((x) => x === null)).toBe(true);
    // marginal: share of F close to the real 0.6
    expect(Math.abs(share(column(s, 'sex'), (v) => v === 'F') - share(column(table, 'sex'), (v) => v === 'F'))).toBeLessThan(0.1);
  });

  it('same seed → same rows; save/load → same rows; no training row in the saved bytes', async () => {
    const a = await g.sample(200, 42);
    const b = await g.sample(200, 42);
    expect(JSON.stringify(a.toArray())).toBe(JSON.stringify(b.toArray()));
    const saved = g.save();
    const text = JSON.stringify(saved);
    const loaded = TabularTransformer.load(JSON.parse(text));
    const c = await loaded.sample(200, 42);
    expect(JSON.stringify(c.toArray())).toBe(JSON.stringify(a.toArray()));
    loaded.dispose();
    for (const id of column(table, 'id') as string[]) expect(text.includes(id)).toBe(false);
    for (const note of column(table, 'note') as string[]) expect(text.includes(note)).toBe(false);
    // bin edges lie between observed values, never on one (bmi has one decimal; edges are midpoints)
    const bmiVocab = (saved.encoder as { vocab: { name: string; edges: number[] }[] }).vocab.find((v) => v.name === 'bmi')!;
    const observed = new Set(column(table, 'bmi') as number[]);
    const inner = bmiVocab.edges.slice(1, -1);
    expect(inner.length).toBeGreaterThan(5);
    expect(inner.filter((e) => observed.has(e)).length).toBe(0);
  });

  it('conditional sampling: every row satisfies equality, set and range conditions', async () => {
    const conds = ['sex=F', 'group in A,B', 'age>=30', 'age<50', 'bmi>24.5'].map((t) => parseCondition(t, schema));
    const s = await g.sample(300, 7, { conditions: conds });
    expect(s.numRows).toBe(300);
    expect(Array.from(matchesConditions(s, conds, schema)).every((x) => x === 1)).toBe(true);
    const strict = [parseCondition('age>60', schema), parseCondition('bmi<=27', schema)];
    const t = await g.sample(200, 8, { conditions: strict });
    expect(Array.from(matchesConditions(t, strict, schema)).every((x) => x === 1)).toBe(true);
  });

  it('the other columns follow the real conditional distribution (earlier and later columns)', async () => {
    const tv = (a: unknown[], b: unknown[], labels: string[]) =>
      0.5 * labels.reduce((s, l) => s + Math.abs(share(a, (v) => v === l) - share(b, (v) => v === l)), 0);
    // condition on age (a middle column): group comes after it
    const old = [parseCondition('age>=60', schema)];
    const s = await g.sample(400, 11, { conditions: old });
    const realOld = matchesConditions(table, old, schema);
    const realGroup = column(table, 'group').filter((_, i) => realOld[i]);
    expect(tv(column(s, 'group'), realGroup, ['A', 'B', 'C'])).toBeLessThan(0.15);
    // condition on the last-but-one column: the earlier age column must follow P(age | group = C)
    const c = [parseCondition('group=C', schema)];
    const t = await g.sample(400, 12, { conditions: c });
    const realC = matchesConditions(table, c, schema);
    const realAgeOld = share(column(table, 'age').filter((_, i) => realC[i]), (a) => (a as number) >= 60);
    const synAgeOld = share(column(t, 'age'), (a) => (a as number) >= 60);
    expect(Math.abs(synAgeOld - realAgeOld)).toBeLessThan(0.15);
    // and differs from the unconditional share, so the condition really moved it
    expect(Math.abs(synAgeOld - share(column(table, 'age'), (a) => (a as number) >= 60))).toBeGreaterThan(0.15);
  });

  it('temperature and top-p knobs: low temperature concentrates on the mode', async () => {
    const cold = await g.sample(300, 3, { temperature: 0.3, topP: 0.9 });
    const warm = await g.sample(300, 3);
    expect(share(column(cold, 'sex'), (v) => v === 'F')).toBeGreaterThan(share(column(warm, 'sex'), (v) => v === 'F'));
  });

  it('stops on a NaN loss with a clear message and keeps the last good weights', async () => {
    const h = new TabularTransformer();
    const r = await h.fit(table, schema, { ...small, epochs: 3, seed: 1, learningRate: Number.NaN });
    expect(r.diverged).toMatch(/diverged at epoch 1 .*kept the weights/);
    expect(r.epochs).toBe(0);
    const s = await h.sample(50, 1);
    for (const v of column(s, 'sex')) expect(['F', 'M']).toContain(v);
    h.dispose();
  });

  it('early stopping holds out rows, reports a validation loss and stops when it no longer improves', async () => {
    const h = new TabularTransformer();
    const r = await h.fit(table, schema, { ...small, epochs: 200, seed: 1, earlyStopping: true, patience: 2, learningRate: 2e-2 });
    expect(r.history[0].losses.validation).toBeGreaterThan(0);
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochs).toBeLessThan(200);
    expect(r.history[0].rowsSeen).toBe(540);
    h.dispose();
  });

  it('stops on cancel and reports the epochs done', async () => {
    const ctl = new AbortController();
    const h = new TabularTransformer();
    const r = await h.fit(table, schema, { ...small, epochs: 50, seed: 1 }, (p) => p.epoch === 2 && ctl.abort(), ctl.signal);
    expect(r.epochs).toBe(2);
    expect(r.stoppedEarly).toBe(true);
    h.dispose();
  });
});

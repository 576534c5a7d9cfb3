import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { TableSchema } from '../../schema/types';
import { Rng } from '../../util/random';
import { labelVector, numberVector, tableFromColumns } from '../../sample/arrow';
import { fitVocab, type LabelVocab, type NumericVocab } from './vocab';
import { TabularTransformer } from './transformer';
import { matchesConditions, parseCondition } from '../../sample/conditions';

beforeAll(async () => {
  setWasmPaths(path.resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
  if (!(await tf.setBackend('wasm').catch(() => false))) await tf.setBackend('cpu');
  await tf.ready();
});

function mixedTable(n: number) {
  const rng = new Rng(4);
  const day = 86_400_000;
  const t0 = Date.UTC(2020, 0, 1);
  const date = new Float64Array(n);
  const lab = new Float64Array(n);
  const code: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    date[i] = t0 + rng.int(365) * day;
    lab[i] = rng.next() < 0.2 ? NaN : Number((5 + rng.normal()).toFixed(2));
    code.push(i < 2 ? 'r1' : i < 4 ? 'r2' : rng.next() < 0.1 ? null : rng.next() < 0.5 ? 'x' : 'y');
  }
  const finite = Array.from(lab).filter(Number.isFinite);
  const schema: TableSchema = {
    rows: n,
    columns: [
      { name: 'date', kind: 'datetime', excluded: false, missing: 0, distinct: 300, min: Math.min(...date), max: Math.max(...date), datetimeFormat: 'yyyy-mm-dd' },
      { name: 'lab', kind: 'continuous', excluded: false, missing: n - finite.length, distinct: 200, min: Math.min(...finite), max: Math.max(...finite), decimals: 2 },
      { name: 'code', kind: 'categorical', excluded: false, missing: code.filter((c) => c === null).length, distinct: 4, categories: ['x', 'y', 'r1', 'r2'] },
    ],
  };
  const table = tableFromColumns(schema, [numberVector(date, schema.columns[0]), numberVector(lab, schema.columns[1]), labelVector(code, schema.columns[2].categories)]);
  return { table, schema };
}

describe('vocabulary', () => {
  const { table, schema } = mixedTable(400);

  it('merges rare categories into a protected bucket, adds null tokens, bins numbers', () => {
    const v = fitVocab(table, schema, schema.columns, 1);
    const code = v.columns[2] as LabelVocab;
    expect(code.labels).toEqual(['x', 'y']);
    expect(code.rareMembers).toEqual(['r1', 'r2']);
    expect(code.rareToken).toBe(2);
    expect(code.nullToken).toBe(3);
    const lab = v.columns[1] as NumericVocab;
    expect(lab.nullToken).toBeGreaterThan(0);
    expect(lab.step).toBeCloseTo(0.01);
    const date = v.columns[0] as NumericVocab;
    expect(date.step).toBe(86_400_000);
    expect(v.total).toBe(v.columns.reduce((s, c) => s + c.size, 0));
    // a tiny column gets one interval only: no value of it becomes an edge
    const tiny = fitVocab(table.slice(0, 15), { ...schema, rows: 15 }, schema.columns, 1).columns[1] as NumericVocab;
    expect(tiny.points.length).toBe(0);
    expect(tiny.edges.length).toBe(2);
  });

  it('generates dates on whole days, decimals as written, nulls at about the real rate, rare bucket → a real member', async () => {
    const g = new TabularTransformer();
    await g.fit(table, schema, { epochs: 6, seed: 2, width: 32, layers: 1, ffn: 64, batchSize: 50, learningRate: 3e-3 });
    const s = await g.sample(600, 1);
    const dates = s.getChild('date')!;
    const labs = s.getChild('lab')!;
    const codes = s.getChild('code')!;
    let nulls = 0;
    for (let i = 0; i < s.numRows; i++) {
      const d = Number(dates.get(i));
      expect(d % 86_400_000).toBe(0);
      expect(d).toBeGreaterThanOrEqual(schema.columns[0].min!);
      expect(d).toBeLessThanOrEqual(schema.columns[0].max!);
      const l = labs.get(i) as number | null;
      if (l === null) nulls++;
      else expect(Number(l.toFixed(2))).toBe(l);
      const c = codes.get(i);
      if (c !== null) expect(['x', 'y', 'r1', 'r2']).toContain(c);
    }
    expect(nulls / s.numRows).toBeGreaterThan(0.1);
    expect(nulls / s.numRows).toBeLessThan(0.3);
    const conds = [parseCondition('code in r1', schema), parseCondition('date>=2020-07-01', schema), parseCondition('lab>5.5', schema)];
    const c = await g.sample(100, 3, { conditions: conds });
    expect(Array.from(matchesConditions(c, conds, schema)).every((x) => x === 1)).toBe(true);
    g.dispose();
  });
});

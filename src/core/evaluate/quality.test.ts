import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { applySdvMetadata } from '../schema';
import { evaluateQuality } from './quality';
import { ksComplement, ksStatistic, tvComplement, digitizeColumn } from './stats';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/quality');

interface ExpectedCase {
  real: string;
  synthetic: string;
  metadata: string;
  columnShapes: number;
  columnPairTrends: number;
  columnPairTrendsStrong: number | null;
  overall: number;
  columns: Record<string, number>;
  pairs: { columns: [string, string]; metric: string; score: number | null }[];
}

const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, ExpectedCase>;
const TOL = 0.002;

describe('evaluateQuality agrees with the reference fixtures', () => {
  for (const [name, exp] of Object.entries(expected)) {
    it(name, async () => {
      const real = await ingest(nodeFileSource(path.join(FIXTURES, exp.real)));
      const syn = await ingest(nodeFileSource(path.join(FIXTURES, exp.synthetic)));
      // the metadata fixes the kinds (e.g. heart's integer codes are categories, edge's "7.0" column is numerical)
      const meta = JSON.parse(readFileSync(path.join(FIXTURES, exp.metadata), 'utf8'));
      const r = applySdvMetadata(real.table, real.schema, meta);
      const s = applySdvMetadata(syn.table, syn.schema, meta);
      const q = evaluateQuality(r.table, s.table, r.schema);
      for (const c of r.schema.columns) expect(s.schema.columns.find((x) => x.name === c.name)!.kind, c.name).toBe(c.kind);
      for (const [col, score] of Object.entries(exp.columns)) {
        expect(q.columns[col], col).toBeDefined();
        expect(Math.abs(q.columns[col].score - score), `column ${col}: ${q.columns[col].score} vs ${score}`).toBeLessThan(TOL);
      }
      expect(q.pairs.length).toBe(exp.pairs.length);
      for (const p of exp.pairs) {
        const got = q.pairs.find((g) => g.columns[0] === p.columns[0] && g.columns[1] === p.columns[1]);
        expect(got, p.columns.join('×')).toBeDefined();
        expect(got!.metric, p.columns.join('×')).toBe(p.metric);
        if (p.score === null) expect(got!.score, p.columns.join('×')).toBeNull();
        else expect(Math.abs(got!.score! - p.score), `${p.columns.join('×')}: ${got!.score} vs ${p.score}`).toBeLessThan(TOL);
      }
      expect(Math.abs(q.columnShapes - exp.columnShapes)).toBeLessThan(TOL);
      expect(Math.abs(q.columnPairTrends - exp.columnPairTrends)).toBeLessThan(TOL);
      if (exp.columnPairTrendsStrong === null) expect(q.columnPairTrendsStrong).toBeNull();
      else expect(Math.abs(q.columnPairTrendsStrong! - exp.columnPairTrendsStrong)).toBeLessThan(TOL);
      expect(Math.abs(q.overall - exp.overall)).toBeLessThan(TOL);
    });
  }
});

describe('shape formulas on hand examples', () => {
  it('KS statistic steps through ties together', () => {
    // F_a jumps to 2/3 at 1 while F_b is 1/3 at 1, 1 at 2 → max gap 1/3
    expect(ksStatistic(Float64Array.of(1, 1, 3), Float64Array.of(1, 2, 2))).toBeCloseTo(1 / 3, 12);
    expect(ksStatistic(Float64Array.of(0, 1), Float64Array.of(2, 3))).toBe(1);
    expect(ksComplement(Float64Array.of(5, NaN, 1, 3), Float64Array.of(3, 1, 5, NaN, NaN))).toBe(1);
    // a: {1,2,3,4}, b: {3,4,5,6}: at 2 F_a=0.5, F_b=0; at 4 F_a=1, F_b=0.5 → 0.5
    expect(ksComplement(Float64Array.of(1, 2, 3, 4), Float64Array.of(6, 5, 4, 3))).toBe(0.5);
  });
  it('TV complement drops nulls and spans the union of values', () => {
    // real: a,a,b (null dropped); syn: b,c → ½(|2/3−0| + |1/3−1/2| + |0−1/2|) = ½(2/3+1/6+1/2) = 2/3
    expect(tvComplement(Int32Array.of(0, 0, 1, -1), Int32Array.of(1, 2), 3)).toBeCloseTo(1 - 2 / 3, 12);
    expect(tvComplement(Int32Array.of(0, 1), Int32Array.of(1, 0, -1), 2)).toBe(1);
  });
  it('digitize: number of edges ≤ x; the maximum and nulls get index 11', () => {
    const bins = digitizeColumn(Float64Array.of(0, 0.05, 0.1, 0.95, 1, NaN));
    expect(Array.from(bins)).toEqual([1, 1, 2, 10, 11, 11]);
    expect(Array.from(digitizeColumn(Float64Array.of(7, 7)))).toEqual([11, 11]);
  });
});

describe('reading Arrow columns', () => {
  it('a sliced table (offset validity bitmaps) reads as its rows', async () => {
    const { ingestText } = await import('../data/ingest');
    const { readEvalColumns } = await import('./columns');
    const rows = ['x,c,d'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 7 === 0 ? '' : i * 1.5},${i % 5 === 0 ? '' : 'k' + (i % 3)},${i % 4 === 0 ? '' : `2020-01-${String((i % 28) + 1).padStart(2, '0')}`}`);
    const { table, schema } = await ingestText(rows.join('\n'));
    const part = table.slice(13, 33);
    const whole = readEvalColumns(table, table, schema);
    const sliced = readEvalColumns(part, part, schema);
    for (let j = 0; j < whole.length; j++) {
      const w = whole[j];
      const s = sliced[j];
      const wanted = Array.from(w.real.slice(13, 33) as ArrayLike<number>, (v) => (w.type === 'discrete' ? (v < 0 ? null : w.labels[v]) : v));
      const got = Array.from(s.real as ArrayLike<number>, (v) => (s.type === 'discrete' ? (v < 0 ? null : s.labels[v]) : v));
      expect(got, w.name).toEqual(wanted);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ingestText } from '../data/ingest';
import { Rng } from '../util/random';
import { cdfDecode, cdfEncode, fitCdf } from './cdf';
import { fitEncoder } from './encoder';

function csv(n: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = ['visits,lactate,ward'];
  for (let i = 0; i < n; i++) {
    const visits = rng.next() < 0.4 ? 0 : 1 + Math.floor(-Math.log(1 - rng.next()) * 3); // many zeros: an atom
    const lactate = rng.next() < 0.2 ? 'NA' : Math.exp(0.5 + 0.4 * rng.normal()).toFixed(2);
    lines.push(`${visits},${lactate},${rng.next() < 0.5 ? 'x' : 'y'}`);
  }
  return lines.join('\n');
}

describe('coarse CDF (stochastic normalisation)', () => {
  it('knots are monotone and decode inverts encode', () => {
    const rng = new Rng(1);
    const x = Float64Array.from({ length: 5000 }, () => (rng.next() < 0.3 ? 7 : rng.normal() * 10)).sort();
    const c = fitCdf(x, 5);
    for (let j = 1; j < c.p.length; j++) {
      expect(c.p[j]).toBeGreaterThanOrEqual(c.p[j - 1]);
      expect(c.p[j] > c.p[j - 1] || c.q[j] > c.q[j - 1]).toBe(true);
      expect(c.q[j]).toBeGreaterThanOrEqual(c.q[j - 1]);
    }
    expect(c.p[0]).toBe(0);
    expect(c.p[c.p.length - 1]).toBe(1);
    expect(c.p.length).toBeLessThan(220);
    for (let i = 0; i < x.length; i += 37) expect(cdfDecode(c, cdfEncode(c, x[i], 0, rng.next()))).toBeCloseTo(x[i], 9);
    // The atom at 7 (30 % of rows) spreads over its whole interval of the CDF.
    const s = Array.from({ length: 2000 }, () => cdfEncode(c, 7, 0, rng.next()));
    expect(Math.max(...s) - Math.min(...s)).toBeGreaterThan(2 * 0.29);
    for (const v of s) expect(cdfDecode(c, v)).toBe(7);
  });
});

describe('numeric normalisation options', () => {
  it('stochastic: encoded scalars are ~uniform on [-1, 1], integers come back exactly', async () => {
    const { table, schema } = await ingestText(csv(4000, 2), 'opt.csv');
    const enc = fitEncoder(table, schema, { seed: 1, normalisation: 'stochastic' });
    expect(enc.spans.map((s) => `${s.column}:${s.role}`)).toEqual(['visits:scalar', 'lactate:scalar', 'lactate:missing', 'ward:category']);
    const n = table.numRows;
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const b = enc.encodeRows(table, rows, new Rng(3));
    const hist = new Array(10).fill(0);
    for (let r = 0; r < n; r++) hist[Math.min(9, Math.floor(((b[r * enc.width] + 1) / 2) * 10))]++;
    for (const h of hist) expect(h / n).toBeGreaterThan(0.07), expect(h / n).toBeLessThan(0.13);
    const out = enc.decode(b, n, new Rng(4));
    const visits = table.getChild('visits')!, got = out.getChild('visits')!;
    for (let i = 0; i < n; i++) expect(got.get(i)).toBe(visits.get(i));
  });

  it('minmax: min → -1, max → +1, linear in between', async () => {
    const { table, schema } = await ingestText(csv(500, 3), 'opt.csv');
    const enc = fitEncoder(table, schema, { seed: 1, normalisation: 'minmax' });
    const col = schema.columns.find((c) => c.name === 'visits')!;
    const n = table.numRows;
    const b = enc.encodeRows(table, Int32Array.from({ length: n }, (_, i) => i), new Rng(3));
    const v = table.getChild('visits')!;
    for (let i = 0; i < n; i++) expect(b[i * enc.width]).toBeCloseTo((((v.get(i) as number) - col.min!) / (col.max! - col.min!)) * 2 - 1, 6);
  });

  it('missing cells: flag [present, missing]; the value part borrows an observed value; decode → null when missing wins', async () => {
    const { table, schema } = await ingestText(csv(2000, 4), 'opt.csv');
    const enc = fitEncoder(table, schema, { seed: 1 });
    const span = enc.spans.find((s) => s.column === 'lactate' && s.role === 'missing')!;
    const scalar = enc.spans.find((s) => s.column === 'lactate' && s.role === 'scalar')!;
    const n = table.numRows;
    const b = enc.encodeRows(table, Int32Array.from({ length: n }, (_, i) => i), new Rng(3));
    const lac = table.getChild('lactate')!;
    let missing = 0;
    const valueOfMissing: number[] = [];
    for (let i = 0; i < n; i++) {
      const isNull = lac.get(i) === null;
      missing += isNull ? 1 : 0;
      expect(b[i * enc.width + span.start]).toBe(isNull ? 0 : 1);
      expect(b[i * enc.width + span.start + 1]).toBe(isNull ? 1 : 0);
      if (isNull) valueOfMissing.push(b[i * enc.width + scalar.start]);
    }
    expect(missing).toBe(schema.columns.find((c) => c.name === 'lactate')!.missing);
    // Not a constant placeholder a critic could spot.
    expect(new Set(valueOfMissing).size).toBeGreaterThan(valueOfMissing.length / 4);
    const d = enc.discrete.find((x) => x.span === span)!;
    expect(d.counts).toEqual([n - missing, missing]);
    // A generator's soft output: the larger of the two decides.
    const soft = new Float32Array(2 * enc.width);
    soft[span.start] = 0.4; soft[span.start + 1] = 0.6;
    soft[enc.width + span.start] = 0.7; soft[enc.width + span.start + 1] = 0.3;
    const out = enc.decode(soft, 2, new Rng(1)).getChild('lactate')!;
    expect(out.get(0)).toBeNull();
    expect(out.get(1)).not.toBeNull();
  });
});

/**
 * Round-trip property on every shared file: encode every row, decode, and get the data back —
 * categories exactly (rare ones as members of their bucket), numbers within the normalisation's precision,
 * nulls in the same cells (so missing rates and which columns go missing together are kept),
 * integers integral, values inside the bounds, identifiers fresh.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Table, Vector } from 'apache-arrow';
import { ingest } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { trainableColumns, type ColumnSchema, type TableSchema } from '../schema/types';
import { Rng } from '../util/random';
import { fitEncoder, type TransformEncoder } from './encoder';
import type { NumericNormalisation } from './types';

const DATA = path.resolve(process.cwd(), '../shared/data');
const files = readdirSync(DATA).filter((f) => f.endsWith('.csv') && !f.includes('IDs_mapping')).sort();
const loaded = new Map<string, Promise<{ table: Table; schema: TableSchema }>>();
const load = (f: string) => {
  if (!loaded.has(f)) loaded.set(f, ingest(nodeFileSource(path.join(DATA, f))));
  return loaded.get(f)!;
};

function roundTrip(table: Table, schema: TableSchema, normalisation: NumericNormalisation, rareCount: number) {
  const enc = fitEncoder(table, schema, { seed: 7, normalisation, rareCount });
  const n = table.numRows;
  const out: Table[] = [];
  const rng = new Rng(11);
  // In minibatches, as a generator would: the per-table column cache serves every batch.
  const batch = 4096;
  for (let s = 0; s < n; s += batch) {
    const rows = Int32Array.from({ length: Math.min(batch, n - s) }, (_, i) => s + i);
    out.push(enc.decode(enc.encodeRows(table, rows, rng), rows.length, rng));
  }
  return { enc, decoded: out };
}

/** Cell getter across decoded chunks. */
function cells(chunks: Table[], name: string): (i: number) => unknown {
  const vs: Vector[] = chunks.map((t) => t.getChild(name)!);
  const starts: number[] = [];
  let at = 0;
  for (const t of chunks) { starts.push(at); at += t.numRows; }
  return (i) => {
    let c = starts.length - 1;
    while (starts[c] > i) c--;
    return vs[c].get(i - starts[c]);
  };
}

function numberOf(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

interface Check {
  off: number;
  total: number;
}

/** Checks every cell, counting rather than asserting per cell (vitest's expect is slow over 10⁶ cells). */
function checkColumn(col: ColumnSchema, real: Vector, got: (i: number) => unknown, n: number, rare: Set<string> | null, tol: number, c: Check) {
  const numeric = col.kind === 'continuous' || col.kind === 'integer' || col.kind === 'datetime';
  const bad: string[] = [];
  const fail = (i: number, what: string) => {
    if (bad.length < 3) bad.push(`${col.name} row ${i}: ${what}`);
  };
  for (let i = 0; i < n; i++) {
    const x = real.get(i), y = got(i);
    if ((y === null) !== (x === null)) fail(i, `null ${String(x)} → ${String(y)}`);
    if (x === null || y === null) continue;
    if (numeric) {
      const a = numberOf(x)!, b = numberOf(y)!;
      if (col.kind === 'integer' && !Number.isInteger(b)) fail(i, `not whole: ${b}`);
      if (b < col.min! || b > col.max!) fail(i, `${b} outside [${col.min}, ${col.max}]`);
      c.total++;
      if (Math.abs(a - b) > tol) c.off++;
    } else if (rare && rare.has(String(x))) {
      if (!rare.has(String(y))) fail(i, `${String(y)} not in the rare bucket`);
    } else if (y !== x) fail(i, `${String(x)} → ${String(y)}`);
  }
  expect(bad).toEqual([]);
}

/** Precision of a decoded number: half the written unit, or float32's relative precision on α·4σ / the CDF. */
function tolerance(col: ColumnSchema): number {
  const range = Math.max(1, Math.abs(col.max ?? 0), Math.abs(col.min ?? 0), (col.max ?? 0) - (col.min ?? 0));
  if (col.kind === 'integer') return 0;
  if (col.kind === 'datetime') return 0;
  return Math.max(col.decimals !== undefined ? 0.5 * 10 ** -col.decimals + 1e-9 : 0, range * 1e-6);
}

function rareLabels(enc: TransformEncoder, name: string): Set<string> {
  const plan = enc.toJSON().columns.find((c) => c.name === name);
  if (!plan || plan.type !== 'discrete') return new Set();
  return new Set(plan.labels.slice(plan.frequent));
}

describe('encode → decode on every shared file', () => {
  it('finds the shared files', () => expect(files.length).toBeGreaterThanOrEqual(8));

  it.each(files)('%s (mode-specific, rare bucket)', async (f) => {
    const { table, schema } = await load(f);
    const { enc, decoded } = roundTrip(table, schema, 'mode', 5);
    const n = table.numRows;
    expect(decoded.reduce((s, t) => s + t.numRows, 0)).toBe(n);
    expect(decoded[0].schema.fields.map((x) => x.name)).toEqual(schema.columns.map((c) => c.name));
    const offBy: Record<string, number> = {};
    for (const col of schema.columns) {
      const got = cells(decoded, col.name);
      if (col.kind === 'identifier') {
        const real = new Set<string>();
        for (let i = 0; i < n; i++) real.add(String(table.getChild(col.name)!.get(i)));
        const seen = new Set<string>();
        let collisions = 0;
        for (let i = 0; i < n; i++) {
          const id = String(got(i));
          if (real.has(id)) collisions++;
          seen.add(id);
        }
        expect(collisions).toBe(0);
        expect(seen.size).toBe(n);
        continue;
      }
      if (!trainableColumns(schema).includes(col)) {
        let filled = 0;
        for (let i = 0; i < n; i++) if (got(i) !== null) filled++;
        expect(filled).toBe(0);
        continue;
      }
      const c = { off: 0, total: 0 };
      const discrete = col.kind === 'categorical' || col.kind === 'boolean';
      checkColumn(col, table.getChild(col.name)!, got, n, discrete ? rareLabels(enc, col.name) : null, tolerance(col), c);
      // Mode-specific normalisation clips α at ±0.99 (4σ of the sampled mode): far outliers of a mode
      // come back at that edge. Allow 1 % of cells.
      if (c.total) {
        offBy[col.name] = c.off;
        expect(c.off, `${f}:${col.name} cells beyond precision`).toBeLessThanOrEqual(Math.ceil(c.total * 0.01));
      }
    }
  }, 60_000);

  it.each(files)('%s (categories exact with rareCount 0; nulls and co-missingness kept)', async (f) => {
    const { table, schema } = await load(f);
    // Categories and null cells do not depend on the numeric normalisation: min-max keeps this one quick.
    const { decoded } = roundTrip(table, schema, 'minmax', 0);
    const n = table.numRows;
    const withNulls = trainableColumns(schema).filter((c) => c.missing > 0);
    const pattern = (get: (name: string, i: number) => unknown) => {
      const h = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const key = withNulls.map((c) => (get(c.name, i) === null ? '1' : '0')).join('');
        h.set(key, (h.get(key) ?? 0) + 1);
      }
      return Object.fromEntries([...h].sort());
    };
    const getters = new Map(withNulls.map((c) => [c.name, cells(decoded, c.name)]));
    expect(pattern((name, i) => getters.get(name)!(i))).toEqual(pattern((name, i) => table.getChild(name)!.get(i)));
    for (const col of trainableColumns(schema)) {
      if (col.kind !== 'categorical' && col.kind !== 'boolean') continue;
      const got = cells(decoded, col.name);
      const real = table.getChild(col.name)!;
      let off = 0;
      for (let i = 0; i < n; i++) if (got(i) !== real.get(i)) off++;
      expect(off, `${f}:${col.name}`).toBe(0);
    }
  }, 60_000);

  it.each(['heart_cleveland.csv', 'framingham.csv', 'pbcseq.csv', 'stroke.csv'])('%s (stochastic and min-max: numbers back within the written precision)', async (f) => {
    const { table, schema } = await load(f);
    for (const normalisation of ['stochastic', 'minmax'] as const) {
      const { enc, decoded } = roundTrip(table, schema, normalisation, 0);
      for (const col of trainableColumns(schema)) {
        const c = { off: 0, total: 0 };
        // The scalar is a float32 in [-1, 1] (resolution 2⁻²⁴ near ±1), scaled by the steepest part of the
        // value ↔ [-1, 1] map: the knot curve for 'stochastic', the range for 'minmax'.
        const plan = enc.toJSON().columns.find((p) => p.name === col.name);
        let slope = ((col.max ?? 0) - (col.min ?? 0)) / 2;
        if (plan?.type === 'numeric' && plan.cdf) {
          const { p, q } = plan.cdf;
          for (let j = 1; j < p.length; j++) slope = Math.max(slope, (q[j] - q[j - 1]) / (p[j] - p[j - 1]) / 2);
        }
        const tol = Math.max(tolerance(col), slope * 2 ** -23);
        checkColumn(col, table.getChild(col.name)!, cells(decoded, col.name), table.numRows, null, tol, c);
        expect(c.off, `${normalisation} ${f}:${col.name}`).toBe(0);
      }
    }
  }, 60_000);
});

/**
 * Feature spaces for the detection and utility learners, fitted on a reference sample:
 *   dense  — standardised numbers + missing flags + one-hot categories (logistic regression)
 *   binned — one small ordinal code per column (≤ 64 bins; quantile cuts for numbers, categories by frequency,
 *            null its own bin) for the gradient-boosted trees.
 * Only sampled rows are ever encoded (the callers cap rows), so matrices stay bounded.
 */
import type { Table } from 'apache-arrow';
import type { ColumnSchema } from '../schema/types';
import { discreteCodes, isNumericKind, numericValues } from './columns';

/** One column read from several tables with shared category codes. */
export type SharedColumn =
  | { name: string; schema: ColumnSchema; type: 'numeric'; data: Float64Array[] }
  | { name: string; schema: ColumnSchema; type: 'discrete'; data: Int32Array[]; labels: string[] };

export function readShared(tables: Table[], columns: ColumnSchema[], names: string[] = ['real', 'synthetic', 'holdout']): SharedColumn[] {
  return columns.map((c) => {
    const vecs = tables.map((t, i) => {
      const v = t.getChild(c.name);
      if (!v) throw new Error(`evaluation: column "${c.name}" is missing from the ${names[i] ?? 'given'} table`);
      return v;
    });
    if (isNumericKind(c)) return { name: c.name, schema: c, type: 'numeric' as const, data: vecs.map((v) => numericValues(v, c.kind === 'datetime')) };
    const index = new Map<string, number>();
    const labels: string[] = [];
    return { name: c.name, schema: c, type: 'discrete' as const, data: vecs.map((v) => discreteCodes(v, c, index, labels)), labels };
  });
}

/** A set of rows: which table (index into SharedColumn.data) and which row indices. */
export interface RowSet {
  parts: { table: number; rows: Int32Array }[];
}

export const rowSet = (...parts: { table: number; rows: Int32Array }[]): RowSet => ({ parts });
export const rowCountOf = (s: RowSet) => s.parts.reduce((a, p) => a + p.rows.length, 0);

const MAX_ONE_HOT = 30;
const MAX_BINS = 64;

interface NumericFeature {
  type: 'numeric';
  mean: number;
  std: number;
  missingFlag: boolean;
  /** Ascending cut points: bin = number of cuts ≤ x; null → cuts.length + 1. */
  cuts: Float64Array;
}
interface DiscreteFeature {
  type: 'discrete';
  /** code → one-hot slot (top categories), others → `other` slot; null → null slot. */
  slot: Int32Array;
  width: number;
}

export interface FeatureSpace {
  columns: SharedColumn[];
  features: (NumericFeature | DiscreteFeature)[];
  /** Offset of each column in the dense vector. */
  offsets: number[];
  width: number;
  /** Bins per column for the trees. */
  bins: number[];
}

function forEachRow(set: RowSet, f: (table: number, row: number, i: number) => void): void {
  let i = 0;
  for (const p of set.parts) for (let k = 0; k < p.rows.length; k++) f(p.table, p.rows[k], i++);
}

export function fitFeatureSpace(columns: SharedColumn[], reference: RowSet): FeatureSpace {
  const n = rowCountOf(reference);
  const features: (NumericFeature | DiscreteFeature)[] = [];
  const offsets: number[] = [];
  const bins: number[] = [];
  let width = 0;
  for (const c of columns) {
    offsets.push(width);
    if (c.type === 'numeric') {
      const vals: number[] = [];
      let nulls = 0;
      forEachRow(reference, (t, r) => {
        const v = c.data[t][r];
        if (v === v) vals.push(v);
        else nulls++;
      });
      const sorted = Float64Array.from(vals).sort();
      let mean = 0;
      for (const v of sorted) mean += v;
      mean = sorted.length ? mean / sorted.length : 0;
      let ss = 0;
      for (const v of sorted) ss += (v - mean) * (v - mean);
      const std = sorted.length > 1 ? Math.sqrt(ss / (sorted.length - 1)) : 0;
      const cuts: number[] = [];
      const q = MAX_BINS - 2;
      for (let k = 1; k < q; k++) {
        const v = sorted[Math.floor((k * sorted.length) / q)];
        if (v !== undefined && (cuts.length === 0 || v > cuts[cuts.length - 1])) cuts.push(v);
      }
      const missingFlag = nulls > 0 || c.data.some((d) => d.some((v) => v !== v));
      features.push({ type: 'numeric', mean, std: std > 0 ? std : 1, missingFlag, cuts: Float64Array.from(cuts) });
      width += 1 + (missingFlag ? 1 : 0);
      bins.push(cuts.length + 2);
    } else {
      const counts = new Float64Array(c.labels.length);
      forEachRow(reference, (t, r) => {
        const v = c.data[t][r];
        if (v >= 0) counts[v]++;
      });
      const order = Array.from({ length: c.labels.length }, (_, j) => j).sort((a, b) => counts[b] - counts[a] || a - b);
      const keep = Math.min(order.length, MAX_ONE_HOT);
      const slot = new Int32Array(c.labels.length).fill(keep); // other
      for (let k = 0; k < keep; k++) slot[order[k]] = k;
      // slots: top categories, other, null
      features.push({ type: 'discrete', slot, width: keep + 2 });
      width += keep + 2;
      bins.push(keep + 2);
    }
  }
  void n;
  return { columns, features, offsets, width, bins };
}

/** Row-major dense matrix of a row set. */
export function denseMatrix(space: FeatureSpace, set: RowSet): Float32Array {
  const n = rowCountOf(set);
  const w = space.width;
  const out = new Float32Array(n * w);
  space.columns.forEach((c, j) => {
    const f = space.features[j];
    const o = space.offsets[j];
    forEachRow(set, (t, r, i) => {
      if (f.type === 'numeric') {
        const v = (c.data[t] as Float64Array)[r];
        if (v === v) out[i * w + o] = Math.max(-10, Math.min(10, (v - f.mean) / f.std));
        else if (f.missingFlag) out[i * w + o + 1] = 1;
      } else {
        const v = (c.data[t] as Int32Array)[r];
        out[i * w + o + (v < 0 ? f.width - 1 : f.slot[v])] = 1;
      }
    });
  });
  return out;
}

/** Column-major bin codes (column j at [j·n, (j+1)·n)). */
export function binMatrix(space: FeatureSpace, set: RowSet): Uint8Array {
  const n = rowCountOf(set);
  const out = new Uint8Array(n * space.columns.length);
  space.columns.forEach((c, j) => {
    const f = space.features[j];
    const base = j * n;
    forEachRow(set, (t, r, i) => {
      if (f.type === 'numeric') {
        const v = (c.data[t] as Float64Array)[r];
        if (v !== v) {
          out[base + i] = f.cuts.length + 1;
          return;
        }
        let lo = 0;
        let hi = f.cuts.length;
        while (lo < hi) {
          const m = (lo + hi) >> 1;
          if (f.cuts[m] <= v) lo = m + 1;
          else hi = m;
        }
        out[base + i] = lo;
      } else {
        const v = (c.data[t] as Int32Array)[r];
        out[base + i] = v < 0 ? f.width - 1 : f.slot[v];
      }
    });
  });
  return out;
}

/**
 * Small Arrow helpers shared by the samplers: read a column as raw typed values, and build the output
 * columns in the conventions of data/types.ts.
 */
import {
  DataType, Dictionary, Float64, Int32, Table, TimestampMillisecond, Utf8, makeData, makeVector, vectorFromArray, type Vector,
} from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../schema/types';

/** A column's values as one flat view: numbers (NaN = null) or dictionary codes into `labels` (-1 = null). */
export type RawColumn =
  | { type: 'numeric'; values: Float64Array }
  | { type: 'labels'; codes: Int32Array; labels: string[] };

/**
 * Read a column once per fit (a raw copy of one column, never an encoded matrix).
 * Numbers, timestamps (ms) and dictionary labels are read directly from the Arrow buffers.
 */
export function readRawColumn(vec: Vector, col: ColumnSchema): RawColumn {
  const n = vec.length;
  const discrete = col.kind === 'categorical' || col.kind === 'boolean';
  if (discrete) {
    const labels: string[] = [];
    const index = new Map<string, number>();
    const codeOf = (s: string) => {
      let c = index.get(s);
      if (c === undefined) {
        c = labels.length;
        index.set(s, c);
        labels.push(s);
      }
      return c;
    };
    for (const s of col.categories ?? []) codeOf(s);
    const codes = new Int32Array(n);
    let row = 0;
    for (const d of vec.data) {
      const hasNulls = d.nullCount > 0;
      if (DataType.isDictionary(d.type) && d.dictionary) {
        const map = new Int32Array(d.dictionary.length).fill(-2);
        const keys = d.values as ArrayLike<number>;
        for (let i = 0; i < d.length; i++, row++) {
          if (hasNulls && !d.getValid(i)) {
            codes[row] = -1;
            continue;
          }
          const k = keys[i];
          if (map[k] === -2) {
            const s = d.dictionary.get(k);
            map[k] = s === null || s === undefined ? -1 : codeOf(String(s));
          }
          codes[row] = map[k];
        }
      } else {
        for (let i = 0; i < d.length; i++, row++) {
          const v = hasNulls && !d.getValid(i) ? null : vec.get(row);
          codes[row] = v === null || v === undefined ? -1 : codeOf(typeof v === 'number' && col.decimals ? v.toFixed(col.decimals) : String(v));
        }
      }
    }
    return { type: 'labels', codes, labels };
  }
  const values = new Float64Array(n);
  let row = 0;
  for (const d of vec.data) {
    const hasNulls = d.nullCount > 0;
    const vals = d.values as ArrayLike<number | bigint>;
    const big = d.values instanceof BigInt64Array || d.values instanceof BigUint64Array;
    const direct = big || DataType.isFloat(d.type) || (DataType.isInt(d.type) && (d.type as { bitWidth?: number }).bitWidth !== 64);
    for (let i = 0; i < d.length; i++, row++) {
      if (hasNulls && !d.getValid(i)) {
        values[row] = NaN;
        continue;
      }
      if (direct) values[row] = Number(vals[i]);
      else {
        const v = vec.get(row) as unknown;
        if (v === null || v === undefined) values[row] = NaN;
        else if (v instanceof Date) values[row] = v.getTime();
        else {
          const x = Number(typeof v === 'string' ? v.trim() : v);
          values[row] = Number.isFinite(x) ? x : NaN;
        }
      }
    }
  }
  return { type: 'numeric', values };
}

function validity(valid: (i: number) => boolean, n: number): { nullCount: number; nullBitmap?: Uint8Array } {
  const bits = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (valid(i)) bits[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return nulls ? { nullCount: nulls, nullBitmap: bits } : { nullCount: 0 };
}

/** A Dictionary<Utf8, Int32> column; the dictionary lists `categories` first, then any other label. */
export function labelVector(labels: (string | null)[], categories: readonly string[] = []): Vector {
  const dict = [...categories];
  const index = new Map(dict.map((s, i) => [s, i] as const));
  const data = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const s = labels[i];
    if (s === null) continue;
    let c = index.get(s);
    if (c === undefined) {
      c = dict.length;
      dict.push(s);
      index.set(s, c);
    }
    data[i] = c;
  }
  const { nullCount, nullBitmap } = validity((i) => labels[i] !== null, labels.length);
  return makeVector(
    makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      length: labels.length,
      nullCount,
      nullBitmap,
      data,
      dictionary: vectorFromArray(dict, new Utf8()),
    }),
  );
}

/** A numeric column of the schema's kind (NaN = null): Int32 for integers that fit, Float64, or timestamps in ms. */
export function numberVector(values: Float64Array, col: ColumnSchema): Vector {
  const n = values.length;
  const { nullCount, nullBitmap } = validity((i) => !Number.isNaN(values[i]), n);
  if (col.kind === 'datetime') {
    const data = new BigInt64Array(n);
    for (let i = 0; i < n; i++) if (!Number.isNaN(values[i])) data[i] = BigInt(Math.round(values[i]));
    return makeVector(makeData({ type: new TimestampMillisecond(), length: n, nullCount, nullBitmap, data: data as never }));
  }
  const fitsInt32 = col.kind === 'integer' && (col.min ?? 0) >= -2147483648 && (col.max ?? 0) <= 2147483647;
  if (fitsInt32) {
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) if (!Number.isNaN(values[i])) data[i] = Math.round(values[i]);
    return makeVector(makeData({ type: new Int32(), length: n, nullCount, nullBitmap, data }));
  }
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = Number.isNaN(values[i]) ? 0 : values[i];
  return makeVector(makeData({ type: new Float64(), length: n, nullCount, nullBitmap, data }));
}

/** A Utf8 column. */
export function textVector(values: (string | null)[]): Vector {
  return vectorFromArray(values, new Utf8());
}

/** Assemble a table with exactly the schema's columns, in order. */
export function tableFromColumns(schema: TableSchema, columns: Vector[]): Table {
  const named: Record<string, Vector> = {};
  schema.columns.forEach((c, i) => (named[c.name] = columns[i]));
  return new Table(named);
}

/** Rows `rows` of several tables with the schema's columns, concatenated into one table (schema conventions). */
export function takeRows(schema: TableSchema, parts: { table: Table; rows: ArrayLike<number> }[]): Table {
  const total = parts.reduce((s, p) => s + p.rows.length, 0);
  const columns = schema.columns.map((col) => {
    const discrete = col.kind === 'categorical' || col.kind === 'boolean';
    const numeric = col.kind === 'continuous' || col.kind === 'integer' || col.kind === 'datetime';
    if (discrete) {
      const out: (string | null)[] = new Array(total);
      let k = 0;
      for (const p of parts) {
        const raw = readRawColumn(p.table.getChild(col.name)!, col) as Extract<RawColumn, { type: 'labels' }>;
        for (let i = 0; i < p.rows.length; i++, k++) {
          const c = raw.codes[p.rows[i]];
          out[k] = c < 0 ? null : raw.labels[c];
        }
      }
      return labelVector(out, col.categories ?? []);
    }
    if (numeric) {
      const out = new Float64Array(total);
      let k = 0;
      for (const p of parts) {
        const raw = readRawColumn(p.table.getChild(col.name)!, col) as Extract<RawColumn, { type: 'numeric' }>;
        for (let i = 0; i < p.rows.length; i++, k++) out[k] = raw.values[p.rows[i]];
      }
      return numberVector(out, col);
    }
    const out: (string | null)[] = new Array(total);
    let k = 0;
    for (const p of parts) {
      const vec = p.table.getChild(col.name);
      for (let i = 0; i < p.rows.length; i++, k++) {
        const v = vec ? vec.get(p.rows[i]) : null;
        out[k] = v === null || v === undefined ? null : String(v);
      }
    }
    return textVector(out);
  });
  return tableFromColumns(schema, columns);
}

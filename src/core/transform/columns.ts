/**
 * Arrow column → typed arrays, read once per table so per-minibatch encoding is plain array indexing.
 * Works on any Arrow type a column may hold after a kind edit (numbers, timestamps, dictionaries, text).
 */
import { DataType, TimeUnit, type Data, type Vector } from 'apache-arrow';
import type { ColumnSchema } from '../schema/types';

export interface NumericColumn {
  /** Value per row (datetimes as ms since epoch); 0 where invalid. */
  values: Float64Array;
  /** 1 where the cell holds a number. */
  valid: Uint8Array;
}

const MS_PER_DAY = 86_400_000;

function timestampScale(unit: TimeUnit): number {
  switch (unit) {
    case TimeUnit.SECOND: return 1000;
    case TimeUnit.MILLISECOND: return 1;
    case TimeUnit.MICROSECOND: return 1e-3;
    default: return 1e-6;
  }
}

/** Label text of a cell as the evaluator writes it: numbers with the schema's fraction digits (63 → "63.0"). */
export function cellText(v: unknown, col: ColumnSchema): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    return col.decimals !== undefined ? v.toFixed(col.decimals) : String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function cellNumber(v: unknown): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  const s = String(v).trim();
  return s === '' ? NaN : Number(s);
}

/** Numbers of a column (null/NaN/unparseable → invalid). */
export function readNumeric(vec: Vector | null, n: number): NumericColumn {
  const values = new Float64Array(n);
  const valid = new Uint8Array(n);
  if (!vec) return { values, valid };
  let row = 0;
  for (const d of vec.data as Data[]) {
    const len = d.length;
    const nulls = d.nullCount > 0;
    const t = d.type;
    let scale = 1;
    let direct = false;
    if (DataType.isInt(t) || DataType.isFloat(t)) direct = true;
    else if (DataType.isTimestamp(t)) { direct = true; scale = timestampScale(t.unit); }
    else if (DataType.isDate(t)) { direct = true; scale = t.unit === 0 ? MS_PER_DAY : 1; }
    const raw = d.values as ArrayLike<number | bigint>;
    for (let i = 0; i < len; i++, row++) {
      if (nulls && !d.getValid(i)) continue;
      let x: number;
      if (direct) {
        const r = raw[d.offset + i];
        x = (typeof r === 'bigint' ? Number(r) : r) * scale;
      } else x = cellNumber(vec.get(row));
      if (!Number.isFinite(x)) continue;
      values[row] = x;
      valid[row] = 1;
    }
  }
  return { values, valid };
}

/**
 * Label per row as an index into `index` (growing it with unseen labels when `grow`), −1 for null,
 * −2 for a label not in the index (when not growing).
 */
export function readLabels(vec: Vector | null, n: number, col: ColumnSchema, index: Map<string, number>, labels: string[], grow: boolean): Int32Array {
  const out = new Int32Array(n).fill(-1);
  if (!vec) return out;
  const codeOf = (s: string): number => {
    let c = index.get(s);
    if (c === undefined) {
      if (!grow) return -2;
      c = labels.length;
      index.set(s, c);
      labels.push(s);
    }
    return c;
  };
  let row = 0;
  for (const d of vec.data as Data[]) {
    const len = d.length;
    const nulls = d.nullCount > 0;
    if (DataType.isDictionary(d.type) && d.dictionary) {
      const dict = d.dictionary;
      const keys = d.values as ArrayLike<number>;
      const cache = new Map<number, number>();
      for (let i = 0; i < len; i++, row++) {
        if (nulls && !d.getValid(i)) continue;
        const k = Number(keys[d.offset + i]);
        let c = cache.get(k);
        if (c === undefined) {
          const s = cellText(dict.get(k), col);
          c = s === null ? -1 : codeOf(s);
          cache.set(k, c);
        }
        out[row] = c;
      }
    } else {
      for (let i = 0; i < len; i++, row++) {
        if (nulls && !d.getValid(i)) continue;
        const s = cellText(vec.get(row), col);
        out[row] = s === null ? -1 : codeOf(s);
      }
    }
  }
  return out;
}

/** Non-null cells as text (identifier columns). */
export function readText(vec: Vector | null, n: number): (string | null)[] {
  const out: (string | null)[] = new Array(n).fill(null);
  if (!vec) return out;
  for (let i = 0; i < n; i++) {
    const v = vec.get(i);
    if (v !== null && v !== undefined) out[i] = typeof v === 'bigint' ? v.toString() : String(v);
  }
  return out;
}

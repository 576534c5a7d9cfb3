import { DataType, type Table, type Vector } from 'apache-arrow';
import { DISCRETE_KINDS, NUMERIC_KINDS, type ColumnSchema, type TableSchema } from '../schema/types';

/**
 * A column as the evaluator reads it, one typed array per table:
 *   numeric  (continuous, integer, datetime) → Float64Array, NaN = null; datetime in ms (every metric here is scale-free)
 *   discrete (categorical, boolean)          → Int32Array of codes into a label list shared by real and synthetic, -1 = null
 */
export type EvalColumn =
  | { name: string; schema: ColumnSchema; type: 'numeric'; real: Float64Array; synthetic: Float64Array }
  | { name: string; schema: ColumnSchema; type: 'discrete'; real: Int32Array; synthetic: Int32Array; labels: string[] };

/** Columns the fidelity metrics compare: no identifiers, text or excluded columns. */
export function evaluatedColumns(schema: TableSchema): ColumnSchema[] {
  return schema.columns.filter((c) => !c.excluded && (NUMERIC_KINDS.includes(c.kind) || DISCRETE_KINDS.includes(c.kind)));
}

export const isNumericKind = (c: ColumnSchema) => NUMERIC_KINDS.includes(c.kind);

function vectorOf(table: Table, name: string, which: string): Vector {
  const v = table.getChild(name);
  if (!v) throw new Error(`evaluation: column "${name}" is missing from the ${which} table (both tables need the schema's columns)`);
  return v;
}

/**
 * Numbers from any Arrow column: numbers, timestamps, or text parsed as numbers (for datetime columns, ISO-like
 * dates as ms since epoch); unparseable text → null.
 */
export function numericValues(vec: Vector, datetime = false): Float64Array {
  const out = new Float64Array(vec.length);
  let row = 0;
  for (const d of vec.data) {
    const len = d.length;
    const direct =
      (DataType.isFloat(d.type) || DataType.isInt(d.type)) &&
      !(d.values instanceof BigInt64Array) &&
      !(d.values instanceof BigUint64Array) &&
      (d.type as { bitWidth?: number }).bitWidth !== 64;
    const vals = d.values as ArrayLike<number>;
    const hasNulls = d.nullCount > 0;
    const bitmap = d.nullBitmap;
    const off = d.offset;
    if (direct && (!hasNulls || bitmap)) {
      // fast path: read the validity bits directly
      for (let i = 0; i < len; i++, row++) {
        const j = off + i;
        out[row] = hasNulls && !(bitmap![j >> 3] & (1 << (j & 7))) ? NaN : vals[i];
      }
      continue;
    }
    for (let i = 0; i < len; i++, row++) {
      if (hasNulls && !d.getValid(i)) {
        out[row] = NaN;
        continue;
      }
      if (direct) out[row] = vals[i];
      else {
        const v = vec.get(row) as unknown;
        if (v === null || v === undefined) out[row] = NaN;
        else if (v instanceof Date) out[row] = v.getTime();
        else if (typeof v === 'string') {
          const t = v.trim();
          let x = t === '' ? NaN : Number(t);
          if (datetime && !Number.isFinite(x) && t !== '') x = Date.parse(/^\d{4}-\d\d-\d\d$/.test(t) ? t + 'T00:00:00Z' : t);
          out[row] = Number.isFinite(x) ? x : NaN;
        } else out[row] = Number(v);
      }
    }
  }
  return out;
}

/**
 * Codes for a discrete column, growing the shared label map. Labels compare as strings exactly as written;
 * a numeric Arrow column given a discrete kind is written with the schema's fraction digits (63 → "63.0").
 */
export function discreteCodes(vec: Vector, col: ColumnSchema, index: Map<string, number>, labels: string[]): Int32Array {
  const out = new Int32Array(vec.length);
  const codeOf = (s: string) => {
    let c = index.get(s);
    if (c === undefined) {
      c = labels.length;
      index.set(s, c);
      labels.push(s);
    }
    return c;
  };
  const asText = (v: unknown): string | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'number') return col.decimals !== undefined ? v.toFixed(col.decimals) : String(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return String(v);
  };
  let row = 0;
  for (const d of vec.data) {
    const len = d.length;
    const hasNulls = d.nullCount > 0;
    if (DataType.isDictionary(d.type) && d.dictionary) {
      const dict = d.dictionary;
      const cache = new Map<number, number>();
      const keys = d.values as ArrayLike<number>;
      const bitmap = d.nullBitmap;
      const off = d.offset;
      for (let i = 0; i < len; i++, row++) {
        const j = off + i;
        if (hasNulls && (bitmap ? !(bitmap[j >> 3] & (1 << (j & 7))) : !d.getValid(i))) {
          out[row] = -1;
          continue;
        }
        const k = keys[i];
        let c = cache.get(k);
        if (c === undefined) {
          const s = asText(dict.get(k));
          c = s === null ? -1 : codeOf(s);
          cache.set(k, c);
        }
        out[row] = c;
      }
    } else {
      for (let i = 0; i < len; i++, row++) {
        const s = hasNulls && !d.getValid(i) ? null : asText(vec.get(row));
        out[row] = s === null ? -1 : codeOf(s);
      }
    }
  }
  return out;
}

/** Read the evaluated columns of both tables. Labels are ordered by first appearance (real first). */
export function readEvalColumns(real: Table, synthetic: Table, schema: TableSchema): EvalColumn[] {
  return evaluatedColumns(schema).map((c) => {
    const vr = vectorOf(real, c.name, 'real');
    const vs = vectorOf(synthetic, c.name, 'synthetic');
    if (isNumericKind(c)) return { name: c.name, schema: c, type: 'numeric' as const, real: numericValues(vr, c.kind === 'datetime'), synthetic: numericValues(vs, c.kind === 'datetime') };
    const index = new Map<string, number>();
    const labels: string[] = [];
    const r = discreteCodes(vr, c, index, labels);
    const s = discreteCodes(vs, c, index, labels);
    return { name: c.name, schema: c, type: 'discrete' as const, real: r, synthetic: s, labels };
  });
}

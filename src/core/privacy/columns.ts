import { DataType, type Table, type Vector } from 'apache-arrow';
import { DISCRETE_KINDS, NUMERIC_KINDS, type ColumnSchema, type TableSchema } from '../schema/types';

/** A column as privacy metrics read it: numbers (NaN = null) or labels (null = null). */
export type PrivacyColumn =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'categorical'; labels: (string | null)[] };

/** Columns the privacy metrics compare: everything a generator sees (no identifiers, text or excluded columns). */
export function comparedColumns(schema: TableSchema): ColumnSchema[] {
  return schema.columns.filter(
    (c) => !c.excluded && (NUMERIC_KINDS.includes(c.kind) || DISCRETE_KINDS.includes(c.kind)),
  );
}

function numericOf(vec: Vector, n: number): Float64Array {
  const out = new Float64Array(n);
  let row = 0;
  for (const d of vec.data) {
    const len = d.length;
    const direct = (DataType.isFloat(d.type) || DataType.isInt(d.type)) && !(d.values instanceof BigInt64Array) && (d.type as { bitWidth?: number }).bitWidth !== 64;
    for (let i = 0; i < len; i++, row++) {
      if (d.nullCount > 0 && !d.getValid(i)) {
        out[row] = NaN;
        continue;
      }
      if (direct) out[row] = d.values[i] as number;
      else {
        const v = vec.get(row) as unknown;
        out[row] = v === null || v === undefined ? NaN : v instanceof Date ? v.getTime() : Number(v);
      }
    }
  }
  return out;
}

function labelsOf(vec: Vector, n: number): (string | null)[] {
  const out: (string | null)[] = new Array(n);
  let row = 0;
  for (const d of vec.data) {
    const len = d.length;
    if (DataType.isDictionary(d.type) && d.dictionary) {
      const dict = d.dictionary;
      const cache: (string | null)[] = [];
      for (let i = 0; i < len; i++, row++) {
        if (d.nullCount > 0 && !d.getValid(i)) {
          out[row] = null;
          continue;
        }
        const k = d.values[i] as number;
        let s = cache[k];
        if (s === undefined) {
          const v = dict.get(k);
          s = cache[k] = v === null || v === undefined ? null : String(v);
        }
        out[row] = s;
      }
    } else {
      for (let i = 0; i < len; i++, row++) {
        const v = vec.get(row) as unknown;
        out[row] = v === null || v === undefined ? null : String(v);
      }
    }
  }
  return out;
}

/** Read the compared columns of `table` by schema name. A missing column is an error naming it. */
export function readColumns(table: Table, columns: readonly ColumnSchema[]): PrivacyColumn[] {
  const n = table.numRows;
  return columns.map((c) => {
    const vec = table.getChild(c.name);
    if (!vec) throw new Error(`privacy evaluation: column "${c.name}" is missing from a table (all tables must share the schema's columns)`);
    return NUMERIC_KINDS.includes(c.kind)
      ? { name: c.name, kind: 'numeric' as const, values: numericOf(vec, n) }
      : { name: c.name, kind: 'categorical' as const, labels: labelsOf(vec, n) };
  });
}

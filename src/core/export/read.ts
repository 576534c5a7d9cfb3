/** Fast per-batch cell access for writers (Arrow's Vector.get walks chunks and visitors per call). */
import { TimeUnit, Type, makeVector, type Data, type Table, type Vector } from 'apache-arrow';

/** Value of row i of one batch's column: number (numeric, timestamp ms), string (labels, text), boolean, or null. */
export type CellReader = (i: number) => number | string | boolean | bigint | null;

export function cellReader(data: Data): CellReader {
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  const off = data.offset;
  const valid = bitmap ? (i: number) => ((bitmap[(off + i) >> 3] >> ((off + i) & 7)) & 1) === 1 : () => true;
  const id = data.type.typeId;
  if (id === Type.Dictionary && data.dictionary) {
    const labels = Array.from(data.dictionary as Vector, (l) => (l === null || l === undefined ? null : String(l)));
    const idx = data.values as ArrayLike<number>;
    return (i) => (valid(i) ? labels[idx[i]] ?? null : null);
  }
  const half = id === Type.Float && (data.type as { precision?: number }).precision === 0;
  const stride = (data as Data & { stride?: number }).stride ?? 1;
  if ((id === Type.Int || id === Type.Float) && !half && stride === 1) {
    const vals = data.values as ArrayLike<number | bigint>;
    if (vals instanceof BigInt64Array || vals instanceof BigUint64Array) return (i) => (valid(i) ? vals[i] : null);
    return (i) => (valid(i) ? (vals[i] as number) : null);
  }
  if (id === Type.Timestamp && (data.values instanceof BigInt64Array) && (data.type as unknown as { unit: TimeUnit }).unit === TimeUnit.MILLISECOND) {
    const vals = data.values as BigInt64Array;
    return (i) => (valid(i) ? Number(vals[i]) : null);
  }
  const vec = makeVector(data);
  return (i) => {
    if (!valid(i)) return null;
    const v = vec.get(i) as unknown;
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
    return String(v);
  };
}

/** Each record batch with a reader per named column (null where the table lacks the column). */
export function* batchReaders(table: Table, names: readonly string[]): Generator<{ rows: number; readers: (CellReader | null)[] }> {
  const fields = table.schema.fields.map((f) => f.name);
  const index = names.map((n) => fields.indexOf(n));
  for (const batch of table.batches) {
    yield { rows: batch.numRows, readers: index.map((k) => (k < 0 ? null : cellReader(batch.data.children[k]))) };
  }
}

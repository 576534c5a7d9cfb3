/**
 * Accumulated column → Arrow vector of its kind (conventions in ./types.ts) + its ColumnSchema.
 */
import {
  Dictionary, Float64, Int32, TimestampMillisecond, Utf8, makeData, makeVector, vectorFromArray, type Vector,
} from 'apache-arrow';
import type { ColumnKind, ColumnSchema } from '../schema/types';
import { parseDatetime, type DatetimeFormat } from '../schema/datetime';
import { fractionDigits, parseNumber, type ColumnAccumulator } from './column-accumulator';

export interface BuiltColumn {
  vector: Vector;
  schema: ColumnSchema;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function validityBitmap(valid: Uint8Array, n: number): Uint8Array {
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (valid[i]) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}

/** Numbers per row, from the numeric track or by parsing the labels. Throws when a label is not a number. */
function numbersOf(acc: ColumnAccumulator, name: string): { values: Float64Array; valid: Uint8Array } {
  const n = acc.length;
  const valid = acc.valid.subarray(0, n);
  if (acc.nums) return { values: acc.nums.subarray(0, n), valid };
  const byCode = acc.labels.map((l) => parseNumber(l, true));
  const bad = acc.labels.findIndex((_, c) => byCode[c] === null);
  if (bad >= 0) throw new Error(`Column "${name}" has values that are not numbers (such as "${acc.labels[bad]}"), so it cannot be numeric.`);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = valid[i] ? (byCode[acc.codes![i]] as number) : NaN;
  return { values, valid };
}

export function buildColumn(
  acc: ColumnAccumulator,
  name: string,
  kind: ColumnKind,
  opts: { excluded: boolean; note?: string; datetimeFormat?: DatetimeFormat },
): BuiltColumn {
  const n = acc.length;
  const nullCount = acc.missing;
  const nullBitmap = nullCount > 0 ? validityBitmap(acc.valid, n) : undefined;
  const schema: ColumnSchema = { name, kind, excluded: opts.excluded, missing: nullCount, distinct: 0 };
  if (opts.note) schema.note = opts.note;

  if (kind === 'continuous' || kind === 'integer') {
    const { values, valid } = numbersOf(acc, name);
    let min = Infinity, max = -Infinity, allInt = true;
    for (let i = 0; i < n; i++) {
      if (!valid[i]) continue;
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
      if (allInt && !Number.isInteger(v)) allInt = false;
    }
    if (min !== Infinity) { schema.min = min; schema.max = max; }
    schema.decimals = acc.nums ? acc.decimals : acc.labels.reduce((d, l) => Math.max(d, fractionDigits(l)), 0);
    schema.distinct = acc.distinct();
    let vector: Vector;
    if (kind === 'integer' && (min === Infinity || (min >= INT32_MIN && max <= INT32_MAX))) {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) if (valid[i]) data[i] = Math.round(values[i]);
      if (!allInt) {
        schema.min = Math.round(schema.min!);
        schema.max = Math.round(schema.max!);
      }
      vector = makeVector(makeData({ type: new Int32(), length: n, nullCount, nullBitmap, data }));
    } else {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = valid[i] ? (kind === 'integer' ? Math.round(values[i]) : values[i]) : 0;
      vector = makeVector(makeData({ type: new Float64(), length: n, nullCount, nullBitmap, data }));
    }
    return { vector, schema };
  }

  if (kind === 'datetime') {
    const format = opts.datetimeFormat;
    if (!format) throw new Error(`Column "${name}": no datetime format given.`);
    schema.datetimeFormat = format;
    const data = new BigInt64Array(n);
    let min = Infinity, max = -Infinity;
    const put = (i: number, ms: number) => {
      data[i] = BigInt(ms);
      if (ms < min) min = ms;
      if (ms > max) max = ms;
    };
    if (acc.codes) {
      const byCode = acc.labels.map((l) => parseDatetime(l, format));
      const bad = byCode.findIndex((v) => v === null);
      if (bad >= 0) throw new Error(`Column "${name}" has values that are not ${format} dates (such as "${acc.labels[bad]}").`);
      for (let i = 0; i < n; i++) if (acc.valid[i]) put(i, byCode[acc.codes[i]] as number);
      schema.distinct = new Set(byCode).size;
    } else {
      for (let i = 0; i < n; i++) if (acc.valid[i]) put(i, parseDatetime(String(acc.nums![i]), format) as number);
      schema.distinct = acc.distinct();
    }
    if (min !== Infinity) { schema.min = min; schema.max = max; }
    const vector = makeVector(makeData({ type: new TimestampMillisecond(), length: n, nullCount, nullBitmap, data: data as never }));
    return { vector, schema };
  }

  if (kind === 'categorical' || kind === 'boolean') {
    if (!acc.codes) throw new Error(`Column "${name}" has too many distinct values to keep as categories.`);
    // Dictionary order = most frequent first (ties: first seen), the same order as schema.categories.
    const order = acc.labels.map((_, c) => c).sort((a, b) => acc.counts[b] - acc.counts[a] || a - b);
    const remap = new Int32Array(order.length);
    order.forEach((c, rank) => (remap[c] = rank));
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = acc.valid[i] ? remap[acc.codes[i]] : 0;
    const categories = order.map((c) => acc.labels[c]);
    schema.categories = categories;
    schema.distinct = categories.length;
    const dictionary = vectorFromArray(categories, new Utf8());
    const vector = makeVector(
      makeData({ type: new Dictionary(new Utf8(), new Int32()), length: n, nullCount, nullBitmap, data, dictionary }),
    );
    return { vector, schema };
  }

  // identifier, text: the strings as written.
  const strings: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) strings[i] = acc.text(i);
  schema.distinct = acc.distinct();
  return { vector: vectorFromArray(strings, new Utf8()), schema };
}

/**
 * A small reversible encoding (min-max scalars in [-1, 1], one-hot categories, missing flags) used by the
 * model tests as a stand-in for the shared encoder, so generators can be tested in isolation.
 * Implements the TableEncoder contract; parameters are aggregates only, never rows.
 */
import {
  Dictionary, Float64, Int32, TimestampMillisecond, Utf8, makeData, makeVector, vectorFromArray,
  Table, type Vector,
} from 'apache-arrow';
import type { DiscreteSpanInfo, EncoderParams, Span, TableEncoder } from '../transform/types';
import { trainableColumns, type TableSchema } from '../schema/types';
import type { Rng } from '../util/random';

interface ColumnParams {
  name: string;
  kind: 'numeric' | 'discrete';
  min?: number;
  max?: number;
  hasMissing?: boolean;
  categories?: string[];
}

export interface SimpleEncoderParams extends EncoderParams {
  kind: 'simple';
  columns: ColumnParams[];
  counts: number[][];
}

function cellNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export class SimpleEncoder implements TableEncoder {
  readonly spans: Span[] = [];
  readonly discrete: DiscreteSpanInfo[] = [];
  readonly width: number;
  private slotRows = new Map<string, Int32Array>();

  constructor(
    readonly schema: TableSchema,
    private readonly params: SimpleEncoderParams,
  ) {
    let at = 0;
    params.columns.forEach((c) => {
      if (c.kind === 'numeric') {
        this.spans.push({ column: c.name, role: 'scalar', start: at, width: 1, activation: 'tanh' });
        at += 1;
        if (c.hasMissing) {
          const span: Span = { column: c.name, role: 'missing', start: at, width: 2, activation: 'softmax' };
          this.spans.push(span);
          at += 2;
        }
      } else {
        const span: Span = { column: c.name, role: 'category', start: at, width: c.categories!.length, activation: 'softmax' };
        this.spans.push(span);
        at += span.width;
      }
    });
    this.width = at;
    let d = 0;
    for (const s of this.spans) if (s.activation === 'softmax') this.discrete.push({ column: s.column, span: s, counts: params.counts[d++] });
  }

  static fit(table: Table, schema: TableSchema): SimpleEncoder {
    const columns: ColumnParams[] = [];
    const counts: number[][] = [];
    for (const col of trainableColumns(schema)) {
      const v = table.getChild(col.name)!;
      if (col.kind === 'categorical' || col.kind === 'boolean') {
        const cats = new Map<string, number>();
        for (let i = 0; i < table.numRows; i++) {
          const x = v.get(i);
          const key = x === null ? '\u0000null' : String(x);
          cats.set(key, (cats.get(key) ?? 0) + 1);
        }
        const categories = [...cats.keys()];
        columns.push({ name: col.name, kind: 'discrete', categories });
        counts.push(categories.map((k) => cats.get(k)!));
      } else {
        let min = Infinity, max = -Infinity, miss = 0;
        for (let i = 0; i < table.numRows; i++) {
          const x = cellNumber(v.get(i));
          if (x === null) { miss++; continue; }
          if (x < min) min = x;
          if (x > max) max = x;
        }
        if (min === Infinity) { min = 0; max = 0; }
        columns.push({ name: col.name, kind: 'numeric', min, max, hasMissing: miss > 0 });
        if (miss > 0) counts.push([table.numRows - miss, miss]);
      }
    }
    return new SimpleEncoder(schema, { version: 1, kind: 'simple', columns, counts });
  }

  static load(schema: TableSchema, params: SimpleEncoderParams): SimpleEncoder {
    return new SimpleEncoder(schema, params);
  }

  encodeRows(table: Table, rows: ArrayLike<number>, _rng: Rng, out?: Float32Array): Float32Array {
    const n = rows.length, w = this.width;
    const o = out && out.length >= n * w ? out : new Float32Array(n * w);
    o.fill(0, 0, n * w);
    let at = 0;
    for (const c of this.params.columns) {
      const v = table.getChild(c.name)!;
      if (c.kind === 'numeric') {
        const span = c.max! - c.min!;
        for (let r = 0; r < n; r++) {
          const x = cellNumber(v.get(rows[r]));
          o[r * w + at] = x === null || span === 0 ? 0 : ((x - c.min!) / span) * 2 - 1;
          if (c.hasMissing) o[r * w + at + 1 + (x === null ? 1 : 0)] = 1;
        }
        at += c.hasMissing ? 3 : 1;
      } else {
        const idx = new Map(c.categories!.map((k, i) => [k, i]));
        for (let r = 0; r < n; r++) {
          const x = v.get(rows[r]);
          const k = idx.get(x === null ? '\u0000null' : String(x));
          if (k !== undefined) o[r * w + at + k] = 1;
        }
        at += c.categories!.length;
      }
    }
    return o;
  }

  rowsWithSlot(table: Table, d: number, slot: number): Int32Array {
    const key = `${d}:${slot}`;
    let hit = this.slotRows.get(key);
    if (!hit) {
      const span = this.discrete[d].span;
      const found: number[] = [];
      const buf = new Float32Array(this.width);
      const one = [0];
      for (let i = 0; i < table.numRows; i++) {
        one[0] = i;
        this.encodeRows(table, one, null as unknown as Rng, buf);
        if (buf[span.start + slot] === 1) found.push(i);
      }
      hit = Int32Array.from(found);
      this.slotRows.set(key, hit);
    }
    return hit;
  }

  decode(batch: Float32Array, n: number, _rng: Rng): Table {
    const w = this.width;
    const out: Record<string, Vector> = {};
    const byName = new Map(this.params.columns.map((c) => [c.name, c]));
    let at = 0;
    const starts = new Map<string, number>();
    for (const c of this.params.columns) {
      starts.set(c.name, at);
      at += c.kind === 'numeric' ? (c.hasMissing ? 3 : 1) : c.categories!.length;
    }
    for (const col of this.schema.columns) {
      const c = byName.get(col.name);
      if (!c) {
        out[col.name] = vectorFromArray(new Array(n).fill(null), new Utf8());
        continue;
      }
      const s = starts.get(c.name)!;
      const valid = new Uint8Array(n).fill(1);
      if (c.kind === 'numeric') {
        const values = new Float64Array(n);
        for (let r = 0; r < n; r++) {
          if (c.hasMissing && batch[r * w + s + 2] > batch[r * w + s + 1]) valid[r] = 0;
          const a = Math.max(-1, Math.min(1, batch[r * w + s]));
          values[r] = c.min! + ((a + 1) / 2) * (c.max! - c.min!);
        }
        out[col.name] = numericVector(col.kind, values, valid, col.decimals ?? 0);
      } else {
        const k = c.categories!.length;
        const codes = new Int32Array(n);
        const labels = c.categories!.filter((x) => x !== '\u0000null');
        const labelIdx = new Map(labels.map((x, i) => [x, i]));
        for (let r = 0; r < n; r++) {
          let best = 0;
          for (let j = 1; j < k; j++) if (batch[r * w + s + j] > batch[r * w + s + best]) best = j;
          const label = c.categories![best];
          if (label === '\u0000null') valid[r] = 0;
          else codes[r] = labelIdx.get(label)!;
        }
        const nullCount = n - valid.reduce((a, b) => a + b, 0);
        out[col.name] = makeVector(
          makeData({
            type: new Dictionary(new Utf8(), new Int32()), length: n, nullCount,
            nullBitmap: nullCount ? bitmap(valid) : undefined, data: codes, dictionary: vectorFromArray(labels, new Utf8()),
          }),
        );
      }
    }
    return new Table(out);
  }

  toJSON(): SimpleEncoderParams {
    return this.params;
  }
}

function bitmap(valid: Uint8Array): Uint8Array {
  const bits = new Uint8Array((valid.length + 7) >> 3);
  for (let i = 0; i < valid.length; i++) if (valid[i]) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}

function numericVector(kind: string, values: Float64Array, valid: Uint8Array, decimals: number): Vector {
  const n = values.length;
  const nullCount = n - valid.reduce((a, b) => a + b, 0);
  const nullBitmap = nullCount ? bitmap(valid) : undefined;
  if (kind === 'integer') {
    const data = Int32Array.from(values, (v) => Math.round(v));
    return makeVector(makeData({ type: new Int32(), length: n, nullCount, nullBitmap, data }));
  }
  if (kind === 'datetime') {
    const data = BigInt64Array.from(values, (v) => BigInt(Math.round(v)));
    return makeVector(makeData({ type: new TimestampMillisecond(), length: n, nullCount, nullBitmap, data: data as never }));
  }
  const f = 10 ** decimals;
  const data = Float64Array.from(values, (v) => Math.round(v * f) / f);
  return makeVector(makeData({ type: new Float64(), length: n, nullCount, nullBitmap, data }));
}

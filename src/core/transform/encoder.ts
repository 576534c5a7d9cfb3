/**
 * The shared reversible encoding (contract in ./types.ts): one row → one Float32 vector of spans.
 *   continuous / integer / datetime  mode-specific normalisation (Xu et al., NeurIPS 2019, §4.2): [α, mode one-hot];
 *                                    or 'minmax' / EHR-Safe 'stochastic' (one scalar in [-1, 1])
 *                                    + [present, missing] when the column had nulls
 *   categorical / boolean            one-hot: frequent labels, one protected bucket for rare labels, a null slot
 *   identifier                       not encoded; decoded as fresh ids that never collide with real ones
 *   text / excluded                  not encoded; decoded as nulls
 * Columns are read into typed arrays once per table (cached), so a minibatch is encoded by array indexing.
 * Parameters are aggregates only (mixtures, coarse CDF knots, label lists, bounds): never a row.
 */
import {
  Dictionary, Float64, Int32, Table, TimestampMillisecond, Utf8, makeData, makeVector, vectorFromArray, type Vector,
} from 'apache-arrow';
import { trainableColumns, type ColumnKind, type ColumnSchema, type TableSchema } from '../schema/types';
import { Rng } from '../util/random';
import { readLabels, readNumeric, readText, type NumericColumn } from './columns';
import { cdfDecode, cdfEncode, fitCdf, type Cdf } from './cdf';
import type { DiscreteSpanInfo, EncoderOptions, EncoderParams, NumericNormalisation, Span, TableEncoder } from './types';
import { fitMixture, type Mixture } from './vgm';

/** Non-null values a mixture is fitted on at most (a seeded subsample beyond this; see fitNumeric). */
export const MIXTURE_FIT_ROWS = 20_000;
/** Values the stochastic CDF is built from at most. */
export const CDF_FIT_ROWS = 200_000;
const ALPHA_CLIP = 0.99;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

interface NumericPlan {
  type: 'numeric';
  name: string;
  kind: 'continuous' | 'integer' | 'datetime';
  normalisation: NumericNormalisation;
  hasMissing: boolean;
  /** Output bounds (user-set or observed). */
  lo: number;
  hi: number;
  /** Output rounding step: 1 for integers, 10^-decimals for continuous, the written resolution for datetimes (ms); 0 = none. */
  unit: number;
  mixture?: Mixture;
  cdf?: Cdf;
  /** Per-slot rows with/without a value (missing span counts). */
  missingCounts?: [number, number];
}

interface DiscretePlan {
  type: 'discrete';
  name: string;
  /** Every label as written in the input: frequent ones first (slot order), then the bucket's members. */
  labels: string[];
  /** Labels[0..frequent) each own a slot; labels[frequent..] share the bucket slot. */
  frequent: number;
  hasNull: boolean;
  /** Row count per slot (aggregate, for CTGAN's conditional vector). */
  counts: number[];
}

interface IdentifierPlan {
  type: 'identifier';
  name: string;
  style: 'number' | 'prefix';
  /** number style: first fresh id (above the real maximum, rounded up so the maximum is not revealed). */
  start?: number;
  prefix?: string;
  /** Zero-padded width (0 = none). */
  width: number;
}

type ColumnPlan = NumericPlan | DiscretePlan | IdentifierPlan;

export interface TransformParams extends EncoderParams {
  kind: 'transform';
  normalisation: NumericNormalisation;
  rareCount: number;
  schema: TableSchema;
  columns: ColumnPlan[];
}

interface Layout {
  plan: ColumnPlan;
  /** scalar (numeric) or one-hot start (discrete). */
  start: number;
  modeStart: number;
  modeWidth: number;
  missingStart: number;
  width: number;
}

interface NumericFast {
  /** log w_k − log σ_k per mode. */
  logWeight: Float64Array;
  mean: Float64Array;
  std: Float64Array;
  halfInvVar: Float64Array;
  quarterInvStd: Float64Array;
  prob: Float64Array;
}

const EMPTY_FAST: NumericFast = {
  logWeight: new Float64Array(0), mean: new Float64Array(0), std: new Float64Array(0),
  halfInvVar: new Float64Array(0), quarterInvStd: new Float64Array(0), prob: new Float64Array(0),
};

interface TableCache {
  /** Per layout entry: NumericColumn, Int32Array of slots (−1 = none hot), or null. */
  cols: (NumericColumn | Int32Array | null)[];
  validRows: (Int32Array | undefined)[];
  /** Per discrete span: rows per slot. */
  slotRows: Map<number, Int32Array[]>;
}

function isNumericKind(kind: ColumnKind): kind is 'continuous' | 'integer' | 'datetime' {
  return kind === 'continuous' || kind === 'integer' || kind === 'datetime';
}

/** Schema as stored in params: notes may quote example cells, so they go. */
function storedSchema(schema: TableSchema): TableSchema {
  return { ...schema, columns: schema.columns.map(({ note: _note, ...c }) => ({ ...c })) };
}

// ---------------------------------------------------------------------------------------------- fit

function seededSubsample(values: Float64Array, valid: Uint8Array, cap: number, rng: Rng): Float64Array {
  let count = 0;
  for (let i = 0; i < valid.length; i++) count += valid[i];
  const all = new Float64Array(count);
  for (let i = 0, j = 0; i < valid.length; i++) if (valid[i]) all[j++] = values[i];
  if (count <= cap) return all;
  // Partial Fisher–Yates: a uniform seeded subsample of `cap` values.
  for (let i = 0; i < cap; i++) {
    const j = i + rng.int(count - i);
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, cap);
}

/** The resolution a datetime column was written at (ms): whole days, minutes, seconds or ms. */
function datetimeUnit(format: string | undefined): number {
  if (!format || format === 'iso' || format === 'epoch-ms') return 1;
  if (format === 'epoch-s' || format.includes('ss')) return 1000;
  if (format.includes('hh:mm')) return 60_000;
  return 86_400_000;
}

function fitNumeric(col: ColumnSchema, data: NumericColumn, normalisation: NumericNormalisation, options: Required<Pick<EncoderOptions, 'maxModes' | 'rareCount'>>, rng: Rng): NumericPlan {
  const kind = col.kind as NumericPlan['kind'];
  const n = data.valid.length;
  let lo = Infinity, hi = -Infinity, present = 0;
  for (let i = 0; i < n; i++) {
    if (!data.valid[i]) continue;
    present++;
    const x = data.values[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!present) { lo = 0; hi = 0; }
  if (col.min !== undefined && Number.isFinite(col.min)) lo = col.min;
  if (col.max !== undefined && Number.isFinite(col.max)) hi = col.max;
  if (hi < lo) hi = lo;
  const unit = kind === 'continuous' ? (col.decimals !== undefined ? 10 ** -col.decimals : 0) : kind === 'datetime' ? datetimeUnit(col.datetimeFormat) : 1;
  const plan: NumericPlan = { type: 'numeric', name: col.name, kind, normalisation, hasMissing: present < n, lo, hi, unit };
  if (plan.hasMissing) plan.missingCounts = [present, n - present];
  if (normalisation === 'mode') {
    // A seeded subsample bounds the O(n·K·iterations) fit; 20k values pin a ≤10-mode 1-D mixture far
    // more tightly than the α resolution it feeds.
    const sample = seededSubsample(data.values, data.valid, MIXTURE_FIT_ROWS, rng);
    // A mode must hold as many rows as a category needs to escape the rare bucket, so a mode's mean is
    // never one patient's value (CTGAN's 0.005 threshold alone allows one row in a table under 200).
    const minWeight = Math.max(0.005, sample.length ? options.rareCount / sample.length : 0);
    plan.mixture = sample.length ? fitMixture(sample, { maxModes: options.maxModes, minWeight }) : { means: [lo], stds: [1], weights: [1] };
  } else if (normalisation === 'stochastic') {
    const sample = seededSubsample(data.values, data.valid, CDF_FIT_ROWS, rng).sort();
    plan.cdf = sample.length ? fitCdf(sample, Math.max(options.rareCount, 2)) : { p: [0, 1], q: [lo, lo] };
  }
  return plan;
}

function fitDiscrete(col: ColumnSchema, vec: Vector | null, n: number, rareCount: number): DiscretePlan {
  const index = new Map<string, number>();
  const seen: string[] = [];
  // Schema order first (most frequent first at ingest), so labels keep a stable order.
  for (const c of col.categories ?? []) if (!index.has(c)) { index.set(c, seen.length); seen.push(c); }
  const codes = readLabels(vec, n, col, index, seen, true);
  const count = new Float64Array(seen.length);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (c < 0) nulls++;
    else count[c]++;
  }
  const order = seen.map((_, i) => i).sort((a, b) => (count[b] - count[a]) || a - b);
  const frequentIdx = order.filter((i) => count[i] >= rareCount);
  const rareIdx = order.filter((i) => count[i] < rareCount);
  const labels = [...frequentIdx, ...rareIdx].map((i) => seen[i]);
  const counts = frequentIdx.map((i) => count[i]);
  if (rareIdx.length) counts.push(rareIdx.reduce((s, i) => s + count[i], 0));
  if (nulls) counts.push(nulls);
  return { type: 'discrete', name: col.name, labels, frequent: frequentIdx.length, hasNull: nulls > 0, counts };
}

/** Round up to one significant digit above: 72940 → 80000, 9 → 10 (hides the real maximum id). */
function roundUpAbove(x: number): number {
  if (x < 1) return 1;
  const m = 10 ** Math.floor(Math.log10(x));
  return (Math.floor(x / m) + 1) * m;
}

function fitIdentifier(col: ColumnSchema, vec: Vector | null, n: number): IdentifierPlan {
  const text = readText(vec, n);
  let numeric = true, max = 0, padded = false, longest = 0, any = false;
  for (const t0 of text) {
    if (t0 === null) continue;
    const t = t0.trim();
    any = true;
    if (!/^\d{1,15}$/.test(t)) { numeric = false; break; }
    const v = Number(t);
    if (v > max) max = v;
    if (t.length > 1 && t[0] === '0') padded = true;
    if (t.length > longest) longest = t.length;
  }
  const width = Math.max(6, String(Math.max(1, n)).length + 1);
  if (numeric && any) {
    const start = roundUpAbove(max + 1);
    return { type: 'identifier', name: col.name, style: 'number', start, width: padded ? longest : 0 };
  }
  // A prefix no real id starts with, so a fresh id can never equal a real one.
  let prefix = 'SYN-';
  for (let k = 2; text.some((t) => t !== null && t.startsWith(prefix)); k++) prefix = `SYN${k}-`;
  return { type: 'identifier', name: col.name, style: 'prefix', prefix, width };
}

/** Fit the encoding on `table` (columns as in data/types.ts). */
export function fitEncoder(table: Table, schema: TableSchema, options: EncoderOptions = {}): TransformEncoder {
  const normalisation = options.normalisation ?? 'mode';
  const maxModes = options.maxModes ?? 10;
  const rareCount = options.rareCount ?? 5;
  const rng = new Rng(options.seed ?? 0);
  const n = table.numRows;
  const trainable = new Set(trainableColumns(schema).map((c) => c.name));
  const columns: ColumnPlan[] = [];
  const numericData = new Map<string, NumericColumn>();
  for (const col of schema.columns) {
    const vec = table.getChild(col.name);
    if (col.kind === 'identifier') {
      columns.push(fitIdentifier(col, vec, n));
      continue;
    }
    if (!trainable.has(col.name)) continue;
    if (isNumericKind(col.kind)) {
      const data = readNumeric(vec, n);
      numericData.set(col.name, data);
      columns.push(fitNumeric(col, data, normalisation, { maxModes, rareCount }, rng.fork()));
    } else if (col.kind === 'categorical' || col.kind === 'boolean') {
      columns.push(fitDiscrete(col, vec, n, rareCount));
    }
  }
  const params: TransformParams = { version: 1, kind: 'transform', normalisation, rareCount, schema: storedSchema(schema), columns };
  const encoder = new TransformEncoder(params);
  encoder.prime(table, numericData);
  return encoder;
}

/** Restore an encoder from `toJSON()` output. The params carry their schema; `schema` (optional) must match it. */
export function loadEncoder(params: EncoderParams, schema?: TableSchema): TransformEncoder {
  const p = params as TransformParams;
  if (p.kind !== 'transform' || !Array.isArray(p.columns) || !p.schema) throw new Error('These encoder parameters were not written by the Doppel transform (kind "transform").');
  if (schema) {
    const a = schema.columns.map((c) => c.name).join('\u0000');
    const b = p.schema.columns.map((c) => c.name).join('\u0000');
    if (a !== b) throw new Error('The schema does not match the one the encoder was fitted with (different columns).');
  }
  return new TransformEncoder(p);
}

/** Fit/load pair in the shape of models/encoding.ts's EncoderFactory. */
export const transformEncoders = {
  fit: (table: Table, schema: TableSchema, options: EncoderOptions) => fitEncoder(table, schema, options),
  load: (schema: TableSchema, params: EncoderParams) => loadEncoder(params, schema),
};

// ------------------------------------------------------------------------------------------ encoder

export class TransformEncoder implements TableEncoder {
  readonly schema: TableSchema;
  readonly spans: Span[] = [];
  readonly width: number;
  readonly discrete: DiscreteSpanInfo[] = [];
  private readonly layout: Layout[] = [];
  private readonly fast: (NumericFast | null)[] = [];
  /** discrete[d] → layout index and role. */
  private readonly discreteOf: { layout: number; role: 'category' | 'missing' }[] = [];
  private readonly cache = new WeakMap<Table, TableCache>();
  /** Next fresh id per identifier column; keeps counting across decode calls so chunks never repeat ids. */
  private idNext = new Map<string, number>();
  private readonly byName = new Map<string, number>();
  private readonly dictionaries = new Map<string, Vector>();

  constructor(private readonly params: TransformParams) {
    this.schema = params.schema;
    let at = 0;
    for (const plan of params.columns) {
      const l: Layout = { plan, start: at, modeStart: -1, modeWidth: 0, missingStart: -1, width: 0 };
      if (plan.type === 'numeric') {
        this.spans.push({ column: plan.name, role: 'scalar', start: at, width: 1, activation: 'tanh' });
        at += 1;
        if (plan.normalisation === 'mode') {
          const k = plan.mixture!.means.length;
          l.modeStart = at;
          l.modeWidth = k;
          this.spans.push({ column: plan.name, role: 'mode', start: at, width: k, activation: 'softmax' });
          at += k;
          const m = plan.mixture!;
          this.fast.push({
            logWeight: Float64Array.from(m.weights, (w, i) => Math.log(w) - Math.log(m.stds[i])),
            mean: Float64Array.from(m.means),
            std: Float64Array.from(m.stds),
            halfInvVar: Float64Array.from(m.stds, (s) => 0.5 / (s * s)),
            quarterInvStd: Float64Array.from(m.stds, (s) => 0.25 / s),
            prob: new Float64Array(k),
          });
        } else this.fast.push(null);
        if (plan.hasMissing) {
          l.missingStart = at;
          const span: Span = { column: plan.name, role: 'missing', start: at, width: 2, activation: 'softmax' };
          this.spans.push(span);
          this.discreteOf.push({ layout: this.layout.length, role: 'missing' });
          this.discrete.push({ column: plan.name, span, counts: [...(plan.missingCounts ?? [0, 0])] });
          at += 2;
        }
      } else if (plan.type === 'discrete') {
        const w = plan.counts.length;
        const span: Span = { column: plan.name, role: 'category', start: at, width: w, activation: 'softmax' };
        this.spans.push(span);
        this.discreteOf.push({ layout: this.layout.length, role: 'category' });
        this.discrete.push({ column: plan.name, span, counts: [...plan.counts] });
        at += w;
        this.fast.push(null);
      } else this.fast.push(null);
      l.width = at - l.start;
      this.layout.push(l);
    }
    this.width = at;
    this.layout.forEach((l, i) => this.byName.set(l.plan.name, i));
  }

  get normalisation(): NumericNormalisation {
    return this.params.normalisation;
  }

  /** Start fresh identifiers from the first again (e.g. at the start of each independent sample() call). */
  restartIdentifiers(): void {
    this.idNext.clear();
  }

  /** Keep the fit table's columns (already read while fitting) so the first batch needs no second pass. */
  prime(table: Table, numeric: Map<string, NumericColumn>): void {
    this.columnsOf(table, numeric);
  }

  private columnsOf(table: Table, known?: Map<string, NumericColumn>): TableCache {
    let c = this.cache.get(table);
    if (c) return c;
    const n = table.numRows;
    const cols: TableCache['cols'] = [];
    for (const l of this.layout) {
      const plan = l.plan;
      if (plan.type === 'numeric') cols.push(known?.get(plan.name) ?? readNumeric(table.getChild(plan.name), n));
      else if (plan.type === 'discrete') cols.push(this.slotsOf(plan, table, n));
      else cols.push(null);
    }
    c = { cols, validRows: [], slotRows: new Map() };
    this.cache.set(table, c);
    return c;
  }

  /** Hot slot per row (−1 = none: a null or unseen label with no slot to take it). */
  private slotsOf(plan: DiscretePlan, table: Table, n: number): Int32Array {
    const col = this.schema.columns.find((c) => c.name === plan.name)!;
    const index = new Map(plan.labels.map((s, i) => [s, i]));
    const codes = readLabels(table.getChild(plan.name), n, col, index, plan.labels.slice(), false);
    const bucket = plan.labels.length > plan.frequent ? plan.frequent : -1;
    const nullSlot = plan.hasNull ? plan.frequent + (bucket >= 0 ? 1 : 0) : -1;
    for (let i = 0; i < n; i++) {
      const c = codes[i];
      codes[i] = c === -1 ? nullSlot : c === -2 ? bucket : c < plan.frequent ? c : bucket;
    }
    return codes;
  }

  private validRows(cache: TableCache, li: number): Int32Array {
    let v = cache.validRows[li];
    if (!v) {
      const valid = (cache.cols[li] as NumericColumn).valid;
      let k = 0;
      for (let i = 0; i < valid.length; i++) k += valid[i];
      v = new Int32Array(k);
      for (let i = 0, j = 0; i < valid.length; i++) if (valid[i]) v[j++] = i;
      cache.validRows[li] = v;
    }
    return v;
  }

  encodeRows(table: Table, rows: ArrayLike<number>, rng: Rng, out?: Float32Array): Float32Array {
    const n = rows.length, w = this.width;
    const o = out && out.length >= n * w ? out : new Float32Array(n * w);
    o.fill(0, 0, n * w);
    const cache = this.columnsOf(table);
    for (let li = 0; li < this.layout.length; li++) {
      const l = this.layout[li];
      const plan = l.plan;
      if (plan.type === 'discrete') {
        const slots = cache.cols[li] as Int32Array;
        for (let r = 0, base = l.start; r < n; r++, base += w) {
          const s = slots[rows[r]];
          if (s >= 0) o[base + s] = 1;
        }
        continue;
      }
      if (plan.type !== 'numeric') continue;
      const { values, valid } = cache.cols[li] as NumericColumn;
      let donors: Int32Array | null = null;
      const f = this.fast[li];
      const k = l.modeWidth;
      const { logWeight, mean, halfInvVar, quarterInvStd, prob } = f ?? EMPTY_FAST;
      const halfUnit = plan.unit > 0 ? plan.unit * 0.45 : 0;
      const span = plan.hi - plan.lo;
      for (let r = 0, base = 0; r < n; r++, base += w) {
        const row = rows[r];
        let x: number;
        const present = valid[row] === 1;
        if (present) x = values[row];
        else {
          // A missing cell borrows a random observed value of the column (hot deck): the value part then
          // looks like any row's, and the missing flag alone says the cell is empty.
          donors ??= this.validRows(cache, li);
          x = donors.length ? values[donors[rng.int(donors.length)]] : plan.lo;
        }
        if (f) {
          // Mode sampled from its posterior responsibility, then α = (x − μ_k) / 4σ_k (CTGAN §4.2).
          let max = -Infinity;
          for (let j = 0; j < k; j++) {
            const d = x - mean[j];
            const lp = logWeight[j] - d * d * halfInvVar[j];
            prob[j] = lp;
            if (lp > max) max = lp;
          }
          let sum = 0;
          for (let j = 0; j < k; j++) {
            // Modes more than e^-30 less likely than the best never get drawn: skip their exp.
            const e = prob[j] - max;
            sum += prob[j] = e < -30 ? 0 : Math.exp(e);
          }
          let u = rng.next() * sum;
          let m = k - 1;
          for (let j = 0; j < k; j++) {
            u -= prob[j];
            if (u < 0) { m = j; break; }
          }
          let a = (x - mean[m]) * quarterInvStd[m];
          if (a > ALPHA_CLIP) a = ALPHA_CLIP;
          else if (a < -ALPHA_CLIP) a = -ALPHA_CLIP;
          o[base + l.start] = a;
          o[base + l.modeStart + m] = 1;
        } else if (plan.cdf) o[base + l.start] = cdfEncode(plan.cdf, x, halfUnit, rng.next());
        else o[base + l.start] = span > 0 ? Math.min(1, Math.max(-1, ((x - plan.lo) / span) * 2 - 1)) : 0;
        if (l.missingStart >= 0) o[base + l.missingStart + (present ? 0 : 1)] = 1;
      }
    }
    return o;
  }

  rowsWithSlot(table: Table, d: number, slot: number): Int32Array {
    const cache = this.columnsOf(table);
    let lists = cache.slotRows.get(d);
    if (!lists) {
      const { layout: li, role } = this.discreteOf[d];
      const width = this.discrete[d].span.width;
      const n = table.numRows;
      const slotOfRow = new Int32Array(n);
      if (role === 'category') slotOfRow.set(cache.cols[li] as Int32Array);
      else {
        const valid = (cache.cols[li] as NumericColumn).valid;
        for (let i = 0; i < n; i++) slotOfRow[i] = valid[i] ? 0 : 1;
      }
      const count = new Int32Array(width);
      for (let i = 0; i < n; i++) if (slotOfRow[i] >= 0) count[slotOfRow[i]]++;
      lists = Array.from(count, (c) => new Int32Array(c));
      const fill = new Int32Array(width);
      for (let i = 0; i < n; i++) {
        const s = slotOfRow[i];
        if (s >= 0) lists[s][fill[s]++] = i;
      }
      cache.slotRows.set(d, lists);
    }
    return lists[slot] ?? new Int32Array(0);
  }

  decode(batch: Float32Array, n: number, rng: Rng): Table {
    const w = this.width;
    const byName = this.byName;
    const out: Record<string, Vector> = {};
    for (const col of this.schema.columns) {
      const li = byName.get(col.name);
      if (li === undefined) {
        out[col.name] = nullVector(col, n);
        continue;
      }
      const l = this.layout[li];
      const plan = l.plan;
      if (plan.type === 'identifier') out[col.name] = this.freshIds(plan, n);
      else if (plan.type === 'discrete') out[col.name] = decodeDiscrete(plan, l, batch, n, w, rng, this.dictionaryOf(plan));
      else out[col.name] = decodeNumeric(plan, l, this.fast[li], batch, n, w);
    }
    return new Table(out);
  }

  /** One shared dictionary vector per column (tables from successive decode calls share it). */
  private dictionaryOf(plan: DiscretePlan): Vector {
    let d = this.dictionaries.get(plan.name);
    if (!d) {
      d = vectorFromArray(plan.labels, new Utf8());
      this.dictionaries.set(plan.name, d);
    }
    return d;
  }

  private freshIds(plan: IdentifierPlan, n: number): Vector {
    const next = this.idNext.get(plan.name) ?? 0;
    this.idNext.set(plan.name, next + n);
    const ids: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      if (plan.style === 'number') {
        const s = String(plan.start! + next + i);
        ids[i] = plan.width ? s.padStart(plan.width, '0') : s;
      } else ids[i] = plan.prefix + String(next + i + 1).padStart(plan.width, '0');
    }
    return vectorFromArray(ids, new Utf8());
  }

  toJSON(): TransformParams {
    return this.params;
  }
}

// ------------------------------------------------------------------------------------------- decode

function bitmap(valid: Uint8Array): Uint8Array {
  const bits = new Uint8Array((valid.length + 7) >> 3);
  for (let i = 0; i < valid.length; i++) if (valid[i]) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}

function argmax(batch: Float32Array, at: number, width: number): number {
  let best = 0, bv = batch[at];
  for (let j = 1; j < width; j++) if (batch[at + j] > bv) { bv = batch[at + j]; best = j; }
  return best;
}

function decodeNumeric(plan: NumericPlan, l: Layout, f: NumericFast | null, batch: Float32Array, n: number, w: number): Vector {
  const values = new Float64Array(n);
  const valid = new Uint8Array(n).fill(1);
  let nullCount = 0;
  const { lo, hi, unit } = plan;
  // Whole-unit bounds (integers, datetimes) so rounding never leaves the range; decimals clip to the raw bounds.
  const decimals = plan.kind === 'continuous' && unit > 0 ? Math.max(0, Math.round(-Math.log10(unit))) : 0;
  const scale = 10 ** decimals;
  const whole = unit > 0 && plan.kind !== 'continuous';
  const cl = whole ? Math.ceil(lo / unit - 1e-9) * unit : lo;
  const ch = whole ? Math.floor(hi / unit + 1e-9) * unit : hi;
  for (let r = 0, base = 0; r < n; r++, base += w) {
    if (l.missingStart >= 0 && batch[base + l.missingStart + 1] > batch[base + l.missingStart]) {
      valid[r] = 0;
      nullCount++;
      continue;
    }
    const s = Math.max(-1, Math.min(1, batch[base + l.start]));
    let x: number;
    if (f) {
      const m = argmax(batch, base + l.modeStart, l.modeWidth);
      x = s * 4 * f.std[m] + f.mean[m];
    } else if (plan.cdf) x = cdfDecode(plan.cdf, s);
    else x = plan.lo + ((s + 1) / 2) * (plan.hi - plan.lo);
    if (unit > 0) x = plan.kind === 'continuous' ? Math.round(x * scale) / scale : Math.round(x / unit) * unit;
    if (x < cl) x = cl;
    else if (x > ch) x = ch;
    if (!Number.isFinite(x)) x = lo;
    values[r] = x;
  }
  const nullBitmap = nullCount ? bitmap(valid) : undefined;
  if (plan.kind === 'datetime') {
    const data = new BigInt64Array(n);
    for (let i = 0; i < n; i++) data[i] = BigInt(Math.round(values[i]));
    return makeVector(makeData({ type: new TimestampMillisecond(), length: n, nullCount, nullBitmap, data: data as never }));
  }
  if (plan.kind === 'integer' && plan.lo >= INT32_MIN && plan.hi <= INT32_MAX) {
    return makeVector(makeData({ type: new Int32(), length: n, nullCount, nullBitmap, data: Int32Array.from(values) }));
  }
  return makeVector(makeData({ type: new Float64(), length: n, nullCount, nullBitmap, data: values }));
}

function decodeDiscrete(plan: DiscretePlan, l: Layout, batch: Float32Array, n: number, w: number, rng: Rng, dictionary: Vector): Vector {
  const codes = new Int32Array(n);
  const valid = new Uint8Array(n).fill(1);
  let nullCount = 0;
  const members = plan.labels.length - plan.frequent;
  const bucket = members > 0 ? plan.frequent : -1;
  const nullSlot = plan.hasNull ? plan.frequent + (bucket >= 0 ? 1 : 0) : -1;
  const width = plan.counts.length;
  for (let r = 0, base = l.start; r < n; r++, base += w) {
    const s = argmax(batch, base, width);
    if (s === nullSlot) {
      valid[r] = 0;
      nullCount++;
    } else if (s === bucket) codes[r] = plan.frequent + rng.int(members); // uniform: bucket frequencies stay hidden
    else codes[r] = s;
  }
  return makeVector(
    makeData({
      type: new Dictionary(new Utf8(), new Int32()), length: n, nullCount,
      nullBitmap: nullCount ? bitmap(valid) : undefined, data: codes, dictionary,
    }),
  );
}

/** An all-null column of the kind's Arrow type. */
function nullVector(col: ColumnSchema, n: number): Vector {
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  switch (col.kind) {
    case 'continuous':
      return makeVector(makeData({ type: new Float64(), length: n, nullCount: n, nullBitmap, data: new Float64Array(n) }));
    case 'integer':
      return makeVector(makeData({ type: new Int32(), length: n, nullCount: n, nullBitmap, data: new Int32Array(n) }));
    case 'datetime':
      return makeVector(makeData({ type: new TimestampMillisecond(), length: n, nullCount: n, nullBitmap, data: new BigInt64Array(n) as never }));
    case 'categorical':
    case 'boolean':
      return makeVector(
        makeData({
          type: new Dictionary(new Utf8(), new Int32()), length: n, nullCount: n, nullBitmap,
          data: new Int32Array(n), dictionary: vectorFromArray(col.categories ?? [], new Utf8()),
        }),
      );
    default:
      return vectorFromArray(new Array<string | null>(n).fill(null), new Utf8());
  }
}

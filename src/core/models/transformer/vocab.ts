/**
 * Tokenisation for the tabular transformer: every trainable column gets its own vocabulary.
 *   categorical/boolean: one token per category seen in ≥ rareCount rows, one protected bucket for the rarer
 *     ones (decodes to one of its members, chosen uniformly so their counts are not revealed), a null token.
 *   numeric (continuous, integer, datetime in ms): "point" tokens for values that carry at least a bin's worth
 *     of mass (0 in capital_gain, 40 in hours), quantile interval tokens for the rest; an exact value is drawn
 *     uniformly inside the interval on the column's grid (integers, the input's decimals, whole days), inside
 *     the schema bounds; a null token.
 * Saved parameters are aggregates only: labels already in the schema, point values shared by ≥ minBinRows
 * rows, and interval edges placed halfway between neighbouring values (never an observed value itself),
 * with at least ~minBinRows rows per interval, so a tiny column does not turn its rows into edges.
 */
import type { Table } from 'apache-arrow';
import type { ColumnKind, ColumnSchema, TableSchema } from '../../schema/types';
import { Rng } from '../../util/random';
import { readRawColumn, type RawColumn } from '../../sample/arrow';
import { numberAllowed, type ColumnConstraint } from '../../sample/conditions';

export interface VocabOptions {
  /** Most tokens for a numeric column's values (default 100). */
  maxBins?: number;
  /** Categories seen in fewer rows merge into the protected bucket (default 5). */
  rareCount?: number;
  /** Fewest rows behind a point value or an interval (default 10). */
  minBinRows?: number;
  /** Values read to place the quantiles (default 50 000). */
  quantileSample?: number;
}

interface BaseVocab {
  name: string;
  kind: ColumnKind;
  /** Tokens of this column (null token included). */
  size: number;
  /** Index of the null token, or -1. */
  nullToken: number;
}
export interface LabelVocab extends BaseVocab {
  type: 'labels';
  /** token i < labels.length → labels[i] */
  labels: string[];
  /** The protected bucket's token (-1 when no category is rare) and its members. */
  rareToken: number;
  rareMembers: string[];
}
export interface NumericVocab extends BaseVocab {
  type: 'numeric';
  /** Tokens 0…points.length-1: exact values. */
  points: number[];
  /** Interval tokens points.length + j cover [edges[j], edges[j+1]]. */
  edges: number[];
  /** Output grid (1 for integers, 10^-decimals, a day for dates; 0 = continuous). */
  step: number;
  decimals: number;
  min: number;
  max: number;
}
export type ColumnVocab = LabelVocab | NumericVocab;

export interface TableVocab {
  /** Trainable columns in schema order (one sequence position each). */
  columns: ColumnVocab[];
  /** Global token id of each column's first token. */
  offsets: number[];
  /** Total tokens across columns. */
  total: number;
}

const DATE_ONLY = new Set(['yyyy-mm-dd', 'dd/mm/yyyy', 'mm/dd/yyyy']);

function gridStep(col: ColumnSchema): { step: number; decimals: number } {
  if (col.kind === 'integer') return { step: 1, decimals: 0 };
  if (col.kind === 'datetime') {
    const f = col.datetimeFormat ?? '';
    if (DATE_ONLY.has(f)) return { step: 86_400_000, decimals: 0 };
    if (f.endsWith('hh:mm')) return { step: 60_000, decimals: 0 };
    if (f === 'epoch-ms') return { step: 1, decimals: 0 };
    return { step: 1000, decimals: 0 };
  }
  if (col.decimals !== undefined && col.decimals <= 8) return { step: 10 ** -col.decimals, decimals: col.decimals };
  return { step: 0, decimals: -1 };
}

function fitLabels(col: ColumnSchema, raw: Extract<RawColumn, { type: 'labels' }>, rareCount: number): LabelVocab {
  const counts = new Float64Array(raw.labels.length);
  let nulls = 0;
  for (let i = 0; i < raw.codes.length; i++) {
    const c = raw.codes[i];
    if (c < 0) nulls++;
    else counts[c]++;
  }
  const labels: string[] = [];
  const rareMembers: string[] = [];
  raw.labels.forEach((l, c) => {
    if (counts[c] >= rareCount) labels.push(l);
    else if (counts[c] > 0) rareMembers.push(l);
  });
  // Frequent first as in the schema; stable otherwise.
  let size = labels.length;
  const rareToken = rareMembers.length ? size++ : -1;
  const nullToken = nulls > 0 || labels.length + rareMembers.length === 0 ? size++ : -1;
  return { type: 'labels', name: col.name, kind: col.kind, size, nullToken, labels, rareToken, rareMembers };
}

function fitNumeric(col: ColumnSchema, values: Float64Array, rng: Rng, o: Required<VocabOptions>): NumericVocab {
  const { step, decimals } = gridStep(col);
  const present: number[] = [];
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) present.push(v);
    else nulls++;
  }
  const count = present.length;
  if (count === 0) {
    // An all-null column: only the null token.
    return { type: 'numeric', name: col.name, kind: col.kind, size: 1, nullToken: 0, points: [], edges: [], step, decimals, min: col.min ?? 0, max: col.max ?? 0 };
  }
  let min = col.min ?? Infinity;
  let max = col.max ?? -Infinity;
  if (col.min === undefined || col.max === undefined) for (const v of present) [min, max] = [Math.min(min, v), Math.max(max, v)];
  // Seeded sample for the quantiles.
  let sample = present;
  if (count > o.quantileSample) {
    sample = new Array(o.quantileSample);
    for (let i = 0; i < o.quantileSample; i++) sample[i] = present[rng.int(count)];
  }
  const s = Float64Array.from(sample).sort();
  const m = s.length;
  const bins = Math.max(1, Math.min(o.maxBins, Math.floor(count / o.minBinRows)));
  const scale = count / Math.max(1, m);
  const pointThreshold = Math.max(m / bins, o.minBinRows / scale);
  const points: number[] = [];
  const residual: number[] = [];
  for (let i = 0; i < m; ) {
    let j = i;
    while (j < m && s[j] === s[i]) j++;
    if (j - i >= pointThreshold && count >= o.minBinRows) points.push(s[i]);
    else for (let k = i; k < j; k++) residual.push(s[k]);
    i = j;
  }
  const edges: number[] = [];
  const R = residual.length;
  if (R > 0 || points.length === 0) {
    const intervals = Math.max(1, Math.min(bins - points.length, Math.floor((R * scale) / o.minBinRows)));
    const below = (x: number) => points.filter((p) => p < x).reduce((a, p) => Math.max(a, p), -Infinity);
    const above = (x: number) => points.filter((p) => p > x).reduce((a, p) => Math.min(a, p), Infinity);
    if (R === 0) edges.push(min, max);
    else {
      const lo = below(residual[0]);
      const hi = above(residual[R - 1]);
      edges.push(Number.isFinite(lo) ? (lo + residual[0]) / 2 : min);
      for (let k = 1; k < intervals; k++) {
        let j = Math.round((k * R) / intervals);
        // Cut between two different values so an edge is never an observed value.
        while (j < R && j > 0 && residual[j - 1] === residual[j]) j++;
        if (j <= 0 || j >= R) continue;
        let e = (residual[j - 1] + residual[j]) / 2;
        // On a grid (integers, decimals), keep edges off the grid so none equals a possible value.
        if (step > 0 && Math.abs(e / step - Math.round(e / step)) < 1e-6) e -= step / 2;
        if (e > edges[edges.length - 1]) edges.push(e);
      }
      const top = Number.isFinite(hi) ? (hi + residual[R - 1]) / 2 : max;
      if (top > edges[edges.length - 1]) edges.push(top);
      else edges[edges.length - 1] = Math.max(edges[edges.length - 1], top);
      if (edges.length === 1) edges.push(edges[0]);
    }
  }
  points.sort((a, b) => a - b);
  let size = points.length + Math.max(0, edges.length - 1);
  const nullToken = nulls > 0 || size === 0 ? size++ : -1;
  return { type: 'numeric', name: col.name, kind: col.kind, size, nullToken, points, edges, step, decimals, min, max };
}

export function fitVocab(table: Table, schema: TableSchema, trainable: ColumnSchema[], seed: number, options: VocabOptions = {}): TableVocab {
  const o: Required<VocabOptions> = {
    maxBins: options.maxBins ?? 100,
    rareCount: options.rareCount ?? 5,
    minBinRows: options.minBinRows ?? 10,
    quantileSample: options.quantileSample ?? 50_000,
  };
  const rng = new Rng(seed);
  const columns = trainable.map((col) => {
    const vec = table.getChild(col.name);
    if (!vec) throw new Error(`Column "${col.name}" of the schema is missing from the table.`);
    const raw = readRawColumn(vec, col);
    return raw.type === 'labels' ? fitLabels(col, raw, o.rareCount) : fitNumeric(col, raw.values, rng.fork(), o);
  });
  void schema;
  return withOffsets(columns);
}

export function withOffsets(columns: ColumnVocab[]): TableVocab {
  const offsets: number[] = [];
  let total = 0;
  for (const c of columns) {
    offsets.push(total);
    total += c.size;
  }
  return { columns, offsets, total };
}

/** Per column: raw value → local token, built once per fit (raw columns are read once; tokens per batch). */
export type ColumnTokeniser = (row: number) => number;

export function columnTokeniser(vocab: ColumnVocab, raw: RawColumn): ColumnTokeniser {
  if (vocab.type === 'labels') {
    if (raw.type !== 'labels') throw new Error(`Column "${vocab.name}": expected labels`);
    const index = new Map(vocab.labels.map((l, i) => [l, i] as const));
    const rare = new Set(vocab.rareMembers);
    const fallback = vocab.rareToken >= 0 ? vocab.rareToken : vocab.nullToken >= 0 ? vocab.nullToken : 0;
    const map = raw.labels.map((l) => index.get(l) ?? (rare.has(l) ? vocab.rareToken : fallback));
    const nullTok = vocab.nullToken >= 0 ? vocab.nullToken : fallback;
    const codes = raw.codes;
    return (row) => (codes[row] < 0 ? nullTok : map[codes[row]]);
  }
  if (raw.type !== 'numeric') throw new Error(`Column "${vocab.name}": expected numbers`);
  const values = raw.values;
  const pointIndex = new Map(vocab.points.map((p, i) => [p, i] as const));
  const nullTok = vocab.nullToken >= 0 ? vocab.nullToken : 0;
  return (row) => {
    const v = values[row];
    if (!Number.isFinite(v)) return nullTok;
    return numericToken(vocab, v, pointIndex);
  };
}

function numericToken(vocab: NumericVocab, v: number, pointIndex: Map<number, number>): number {
  const p = pointIndex.get(v);
  if (p !== undefined) return p;
  const e = vocab.edges;
  const intervals = e.length - 1;
  if (intervals <= 0) {
    // Only points: nearest one.
    let best = 0;
    for (let i = 1; i < vocab.points.length; i++) if (Math.abs(vocab.points[i] - v) < Math.abs(vocab.points[best] - v)) best = i;
    return best;
  }
  let lo = 0;
  let hi = intervals - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (e[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return vocab.points.length + lo;
}

/** The value range a numeric token stands for. */
export function tokenRange(vocab: NumericVocab, token: number): [number, number] {
  if (token < vocab.points.length) return [vocab.points[token], vocab.points[token]];
  const j = token - vocab.points.length;
  return [Math.max(vocab.min, vocab.edges[j]), Math.min(vocab.max, vocab.edges[j + 1])];
}

const roundTo = (x: number, decimals: number) => (decimals >= 0 ? Number(x.toFixed(decimals)) : x);

/**
 * A value inside the token's range on the column's grid and inside the constraint (if any); null when
 * no value can satisfy both (used to mask tokens before sampling).
 */
export function drawNumber(vocab: NumericVocab, token: number, rng: Rng | null, c?: ColumnConstraint): number | null {
  const [lo0, hi0] = tokenRange(vocab, token);
  let lo = lo0;
  let hi = hi0;
  if (token < vocab.points.length) {
    const v = vocab.points[token];
    return !c || numberAllowed(c, v) ? v : null;
  }
  if (c) {
    if (c.numbers) {
      // Allowed values inside this interval.
      const inside = [...c.numbers].filter((v) => v >= lo && v <= hi && numberAllowed(c, v)).sort((a, b) => a - b);
      if (!inside.length) return null;
      return rng ? inside[rng.int(inside.length)] : inside[0];
    }
    lo = Math.max(lo, c.lo);
    hi = Math.min(hi, c.hi);
  }
  if (vocab.step > 0) {
    const st = vocab.step;
    let ka = Math.ceil(lo / st - 1e-9);
    let kb = Math.floor(hi / st + 1e-9);
    const val = (k: number) => roundTo(k * st, vocab.decimals);
    while (ka <= kb && (val(ka) < lo0 - 1e-9 || (c && !numberAllowed(c, val(ka))))) ka++;
    while (kb >= ka && (val(kb) > hi0 + 1e-9 || (c && !numberAllowed(c, val(kb))))) kb--;
    if (ka > kb) return null;
    return val(rng ? ka + rng.int(kb - ka + 1) : ka);
  }
  if (lo > hi || (c && lo === hi && !numberAllowed(c, lo))) return null;
  let v = rng ? lo + rng.next() * (hi - lo) : lo;
  if (c && !numberAllowed(c, v)) v = (lo + hi) / 2;
  return c && !numberAllowed(c, v) ? null : v;
}

/** Allowed local tokens of a column under a constraint (null = all non-null tokens are allowed). */
export function allowedTokens(vocab: ColumnVocab, c: ColumnConstraint | undefined): Uint8Array | null {
  if (!c) return null;
  const ok = new Uint8Array(vocab.size);
  if (vocab.type === 'labels') {
    vocab.labels.forEach((l, i) => (ok[i] = c.labels && !c.labels.has(l) ? 0 : 1));
    if (vocab.rareToken >= 0) ok[vocab.rareToken] = vocab.rareMembers.some((l) => !c.labels || c.labels.has(l)) ? 1 : 0;
  } else {
    for (let t = 0; t < vocab.size; t++) if (t !== vocab.nullToken) ok[t] = drawNumber(vocab, t, null, c) === null ? 0 : 1;
  }
  return ok;
}

/** Decode one token: a label, a number, or null. */
export function decodeLabel(vocab: LabelVocab, token: number, rng: Rng, c?: ColumnConstraint): string | null {
  if (token === vocab.nullToken) return null;
  if (token === vocab.rareToken) {
    const members = c?.labels ? vocab.rareMembers.filter((l) => c.labels!.has(l)) : vocab.rareMembers;
    return members[rng.int(members.length)];
  }
  return vocab.labels[token] ?? null;
}

export function decodeNumber(vocab: NumericVocab, token: number, rng: Rng, c?: ColumnConstraint): number {
  if (token === vocab.nullToken) return NaN;
  const v = drawNumber(vocab, token, rng, c);
  return v === null ? NaN : v;
}

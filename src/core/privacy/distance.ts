import * as tf from '@tensorflow/tfjs';
import type { PrivacyColumn } from './columns';

/**
 * The record distance privacy metrics share. Per column:
 *   numeric      (x − y)² after scaling by the real training range (a full-range gap costs 1);
 *                a constant training column (range 0) contributes 0
 *   categorical  0 if equal, 1 if not (null is its own label)
 *   nulls        null vs null = 0, null vs value = 1 (numeric columns too)
 * d² is the sum over columns; DCR reports d = √d².
 *
 * Every term is a product of a left-row feature and a right-row feature, so the whole n×m matrix
 * of d² is ONE matrix product L·Rᵀ (no subsampling): e.g. for a nullable numeric column
 *   pₓp_y(vₓ−v_y)² − 2pₓp_y + pₓ + p_y = [pₓvₓ², pₓ, pₓvₓ]·[p_y, p_y(v_y²−2), −2p_yv_y] + pₓ + p_y,
 * with p the presence flag. Row-only terms go into a trailing (α, 1)·(1, β) pair.
 * The matrix product runs in float32 tiles on tfjs; winners are then re-measured exactly in float64.
 */

export type SpaceColumn =
  | { name: string; kind: 'numeric'; lo: number; scale: number; nullable: boolean }
  | { name: string; kind: 'categorical'; codes: Map<string | null, number> };

export interface DistanceSpace {
  columns: SpaceColumn[];
  /** Inner dimension of the matrix product. */
  dim: number;
  /**
   * Positions (among the categorical columns) of very wide categoricals (≥ 48 labels), whose
   * mismatches are added while scanning each product tile instead of inside the product. Measured on
   * wasm: one label costs ~1.8 ms of product per 4096² tile, one scanned column ~65 ms of scan.
   */
  scanned: number[];
}

const MAX_SCANNED = 3;
const MIN_SCANNED_LABELS = 48;

/** Rows of one table in the distance space (only aggregates of the space, never shared across tables). */
export interface EncodedRows {
  n: number;
  /** n × (numeric columns), scaled to about [−½, ½], NaN = null. */
  num: Float64Array;
  /** n × (categorical columns), shared codes. */
  cat: Int32Array;
  /** Exact raw-value key per row, for exact-copy counting. */
  keys: string[];
}

/**
 * Fit the space on the training columns; `others` (synthetic, holdout) only extend the category
 * codes and the nullable flags, never the numeric ranges.
 */
export function fitDistanceSpace(train: readonly PrivacyColumn[], others: readonly (readonly PrivacyColumn[])[] = []): DistanceSpace {
  const columns: SpaceColumn[] = [];
  let dim = 2;
  train.forEach((col, c) => {
    if (col.kind === 'numeric') {
      let lo = Infinity;
      let hi = -Infinity;
      let nullable = false;
      for (const v of col.values) {
        if (Number.isNaN(v)) nullable = true;
        else {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      for (const o of others) {
        const oc = o[c];
        if (oc.kind !== 'numeric') throw new Error(`column "${col.name}" is numeric in one table and not in another`);
        if (!nullable) for (const v of oc.values) if (Number.isNaN(v)) { nullable = true; break; }
      }
      if (lo === Infinity) lo = hi = 0;
      const range = hi - lo;
      columns.push({ name: col.name, kind: 'numeric', lo: (lo + hi) / 2, scale: range > 0 ? 1 / range : 0, nullable });
      dim += nullable ? 3 : 1;
    } else {
      const codes = new Map<string | null, number>();
      for (const l of col.labels) if (!codes.has(l)) codes.set(l, codes.size);
      for (const o of others) {
        const oc = o[c];
        if (oc.kind !== 'categorical') throw new Error(`column "${col.name}" is categorical in one table and not in another`);
        for (const l of oc.labels) if (!codes.has(l)) codes.set(l, codes.size);
      }
      columns.push({ name: col.name, kind: 'categorical', codes });
      dim += codes.size;
    }
  });
  const cats = columns.filter((c): c is Extract<SpaceColumn, { kind: 'categorical' }> => c.kind === 'categorical');
  const scanned = cats
    .map((c, k) => ({ k, size: c.codes.size }))
    .filter((c) => c.size >= MIN_SCANNED_LABELS)
    .sort((a, b) => b.size - a.size || a.k - b.k)
    .slice(0, MAX_SCANNED)
    .map((c) => c.k)
    .sort((a, b) => a - b);
  for (const k of scanned) dim -= cats[k].codes.size;
  return { columns, dim, scanned };
}

/** Encode the given rows (all when omitted) of a table's columns, in the space's column order. */
export function encodeRows(space: DistanceSpace, cols: readonly PrivacyColumn[], rows?: ArrayLike<number>): EncodedRows {
  const n = rows ? rows.length : cols.length ? (cols[0].kind === 'numeric' ? cols[0].values.length : cols[0].labels.length) : 0;
  const nNum = space.columns.filter((c) => c.kind === 'numeric').length;
  const nCat = space.columns.length - nNum;
  const num = new Float64Array(n * nNum);
  const cat = new Int32Array(n * nCat);
  const keys: string[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const src = rows ? rows[r] : r;
    let a = 0;
    let b = 0;
    let key = '';
    space.columns.forEach((sc, c) => {
      const col = cols[c];
      if (sc.kind === 'numeric') {
        const v = (col as Extract<PrivacyColumn, { kind: 'numeric' }>).values[src];
        num[r * nNum + a++] = Number.isNaN(v) ? NaN : (v - sc.lo) * sc.scale;
        key += Number.isNaN(v) ? '\u0001' : v;
      } else {
        const l = (col as Extract<PrivacyColumn, { kind: 'categorical' }>).labels[src];
        const code = sc.codes.get(l);
        if (code === undefined) throw new Error(`label "${l}" of column "${sc.name}" was not seen when fitting the distance space`);
        cat[r * nCat + b++] = code;
        key += '\u0002' + code;
      }
      key += '\u0000';
    });
    keys[r] = key;
  }
  return { n, num, cat, keys };
}

/** Exact d² (float64) between row i of a and row j of b. */
export function exactD2(space: DistanceSpace, a: EncodedRows, i: number, b: EncodedRows, j: number): number {
  const nNum = numCount(space);
  const nCat = space.columns.length - nNum;
  let d = 0;
  for (let c = 0; c < nNum; c++) {
    const x = a.num[i * nNum + c];
    const y = b.num[j * nNum + c];
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    if (xn || yn) d += xn && yn ? 0 : 1;
    else d += (x - y) * (x - y);
  }
  for (let c = 0; c < nCat; c++) if (a.cat[i * nCat + c] !== b.cat[j * nCat + c]) d += 1;
  return d;
}

function numCount(space: DistanceSpace): number {
  let k = 0;
  for (const c of space.columns) if (c.kind === 'numeric') k++;
  return k;
}

/** Left factor rows [r0, r1): row-major (r1−r0) × dim. */
function leftFactor(space: DistanceSpace, e: EncodedRows, r0: number, r1: number): Float32Array {
  const dim = space.dim;
  const nNum = numCount(space);
  const nCat = space.columns.length - nNum;
  const out = new Float32Array((r1 - r0) * dim);
  for (let r = r0; r < r1; r++) {
    const o = (r - r0) * dim;
    let k = 0;
    let a = 0;
    let b = 0;
    let alpha = 0;
    for (const sc of space.columns) {
      if (sc.kind === 'numeric') {
        const v = e.num[r * nNum + a++];
        const p = Number.isNaN(v) ? 0 : 1;
        const x = p ? v : 0;
        if (sc.nullable) {
          out[o + k++] = p * x * x;
          out[o + k++] = p;
          out[o + k++] = p * x;
          alpha += p;
        } else {
          out[o + k++] = x;
          alpha += x * x;
        }
      } else {
        if (space.scanned.includes(b)) {
          b++;
          continue;
        }
        out[o + k + e.cat[r * nCat + b++]] = 1;
        k += sc.codes.size;
        alpha += 1;
      }
    }
    out[o + k++] = alpha;
    out[o + k++] = 1;
  }
  return out;
}

/** Right factor rows [r0, r1), already transposed: dim × (r1−r0) row-major (explicit transpose is much faster than transposeB on wasm). */
function rightFactorT(space: DistanceSpace, e: EncodedRows, r0: number, r1: number): Float32Array {
  const dim = space.dim;
  const m = r1 - r0;
  const nNum = numCount(space);
  const nCat = space.columns.length - nNum;
  const out = new Float32Array(dim * m);
  for (let r = r0; r < r1; r++) {
    const j = r - r0;
    let k = 0;
    let a = 0;
    let b = 0;
    let beta = 0;
    for (const sc of space.columns) {
      if (sc.kind === 'numeric') {
        const v = e.num[r * nNum + a++];
        const p = Number.isNaN(v) ? 0 : 1;
        const y = p ? v : 0;
        if (sc.nullable) {
          out[k++ * m + j] = p;
          out[k++ * m + j] = p * (y * y - 2);
          out[k++ * m + j] = -2 * p * y;
          beta += p;
        } else {
          out[k++ * m + j] = -2 * y;
          beta += y * y;
        }
      } else {
        if (space.scanned.includes(b)) {
          b++;
          continue;
        }
        out[(k + e.cat[r * nCat + b++]) * m + j] = -1;
        k += sc.codes.size;
      }
    }
    out[k++ * m + j] = 1;
    out[k++ * m + j] = beta;
  }
  return out;
}

// Tile scans: simple monomorphic loops, one job each (faster in V8 than one loop doing everything).

function addMismatches(d: Float32Array, rows: number, cols: number, r0: number, c0: number, lcs: Int32Array[], rcs: Int32Array[]): void {
  for (let s = 0; s < lcs.length; s++) {
    const lc = lcs[s];
    const rc = rcs[s];
    for (let i = 0; i < rows; i++) {
      const a = lc[r0 + i];
      const o = i * cols - c0;
      for (let j = c0; j < c0 + cols; j++) if (rc[j] !== a) d[o + j] += 1;
    }
  }
}

function scanRows(
  d: Float32Array,
  rows: number,
  cols: number,
  r0: number,
  c0: number,
  b1: Float32Array,
  j1: Int32Array,
  b2: Float32Array | null,
  j2: Int32Array | null,
): void {
  for (let i = 0; i < rows; i++) {
    const gi = r0 + i;
    const o = i * cols;
    let v1 = b1[gi];
    let x1 = j1[gi];
    if (!b2 || !j2) {
      for (let j = 0; j < cols; j++) {
        const v = d[o + j];
        if (v < v1) {
          v1 = v;
          x1 = c0 + j;
        }
      }
    } else {
      let v2 = b2[gi];
      let x2 = j2[gi];
      for (let j = 0; j < cols; j++) {
        const v = d[o + j];
        if (v < v2) {
          if (v < v1) {
            v2 = v1;
            x2 = x1;
            v1 = v;
            x1 = c0 + j;
          } else {
            v2 = v;
            x2 = c0 + j;
          }
        }
      }
      b2[gi] = v2;
      j2[gi] = x2;
    }
    b1[gi] = v1;
    j1[gi] = x1;
  }
}

function scanCols(d: Float32Array, rows: number, cols: number, r0: number, c0: number, cD: Float32Array, cI: Int32Array): void {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = d[o + j];
      if (v < cD[c0 + j]) {
        cD[c0 + j] = v;
        cI[c0 + j] = r0 + i;
      }
    }
  }
}

export interface NearestResult {
  /** Per left row: nearest right row and its d² (exact, float64-refined). */
  d1: Float64Array;
  i1: Int32Array;
  /** Per left row: second-nearest (when k = 2; Infinity/−1 if the right side has one row). */
  d2?: Float64Array;
  i2?: Int32Array;
  /** Per right row: nearest left row and its d² (when colMin). */
  colD?: Float64Array;
  colI?: Int32Array;
}

export interface NearestOptions {
  k?: 1 | 2;
  colMin?: boolean;
  /** Tile edge (rows × rows per matrix product). Default 4096. */
  tile?: number;
  signal?: AbortSignal;
  onTile?: (done: number, total: number) => void;
}

/**
 * Exact nearest neighbours of every left row among the right rows (and optionally of every right
 * row among the left rows) by tiled matrix products on the current tfjs backend.
 */
export async function nearest(space: DistanceSpace, left: EncodedRows, right: EncodedRows, opts: NearestOptions = {}): Promise<NearestResult> {
  const k = opts.k ?? 1;
  const tile = opts.tile ?? 4096;
  const n = left.n;
  const m = right.n;
  const dim = space.dim;
  const b1 = new Float32Array(n).fill(Infinity);
  const j1 = new Int32Array(n).fill(-1);
  const b2 = k === 2 ? new Float32Array(n).fill(Infinity) : null;
  const j2 = k === 2 ? new Int32Array(n).fill(-1) : null;
  const cD = opts.colMin ? new Float32Array(m).fill(Infinity) : null;
  const cI = opts.colMin ? new Int32Array(m).fill(-1) : null;

  // codes of the scanned categoricals (unused slots stay 0 on both sides, so they never mismatch)
  const nCatAll = space.columns.length - numCount(space);
  const codesOf = (e: EncodedRows, slot: number) => {
    const out = new Int32Array(e.n);
    const k = space.scanned[slot];
    if (k !== undefined) for (let r = 0; r < e.n; r++) out[r] = e.cat[r * nCatAll + k];
    return out;
  };
  const scanning = space.scanned.length > 0;
  const lcs = space.scanned.map((_, s) => codesOf(left, s));
  const rcs = space.scanned.map((_, s) => codesOf(right, s));
  const rightTiles: { start: number; t: tf.Tensor2D }[] = [];
  for (let s = 0; s < m; s += tile) {
    const e = Math.min(m, s + tile);
    rightTiles.push({ start: s, t: tf.tensor2d(rightFactorT(space, right, s, e), [dim, e - s]) });
  }
  const total = Math.ceil(n / tile) * rightTiles.length;
  let done = 0;
  try {
    for (let r0 = 0; r0 < n; r0 += tile) {
      const r1 = Math.min(n, r0 + tile);
      const rows = r1 - r0;
      const lt = tf.tensor2d(leftFactor(space, left, r0, r1), [rows, dim]);
      try {
        for (const { start, t } of rightTiles) {
          if (opts.signal?.aborted) throw new DOMException('privacy evaluation cancelled', 'AbortError');
          const cols = t.shape[1];
          const prod = tf.matMul(lt, t);
          const d = (await prod.data()) as Float32Array;
          if (scanning) addMismatches(d, rows, cols, r0, start, lcs, rcs);
          scanRows(d, rows, cols, r0, start, b1, j1, b2, j2);
          if (cD && cI) scanCols(d, rows, cols, r0, start, cD, cI);
          prod.dispose();
          opts.onTile?.(++done, total);
        }
      } finally {
        lt.dispose();
      }
    }
  } finally {
    for (const { t } of rightTiles) t.dispose();
  }

  // re-measure the winners exactly (float32 cancellation leaves ~1e-6 of noise on d²)
  const d1 = new Float64Array(n);
  const i1 = new Int32Array(n);
  const d2 = k === 2 ? new Float64Array(n) : undefined;
  const i2 = k === 2 ? new Int32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    let a = j1[i] >= 0 ? exactD2(space, left, i, right, j1[i]) : Infinity;
    let ai = j1[i];
    if (d2 && i2) {
      let b = j2![i] >= 0 ? exactD2(space, left, i, right, j2![i]) : Infinity;
      let bi = j2![i];
      if (b < a) [a, ai, b, bi] = [b, bi, a, ai];
      d2[i] = b;
      i2[i] = bi;
    }
    d1[i] = a;
    i1[i] = ai;
  }
  const res: NearestResult = { d1, i1, d2, i2 };
  if (cD && cI) {
    res.colD = new Float64Array(m);
    res.colI = cI;
    for (let j = 0; j < m; j++) res.colD[j] = cI[j] >= 0 ? exactD2(space, left, cI[j], right, j) : Infinity;
  }
  return res;
}

/** Brute-force float64 reference (tests only: O(n·m·columns)). */
export function nearestBruteForce(space: DistanceSpace, left: EncodedRows, right: EncodedRows): { d1: Float64Array; d2: Float64Array; colD: Float64Array } {
  const d1 = new Float64Array(left.n).fill(Infinity);
  const d2 = new Float64Array(left.n).fill(Infinity);
  const colD = new Float64Array(right.n).fill(Infinity);
  for (let i = 0; i < left.n; i++)
    for (let j = 0; j < right.n; j++) {
      const v = exactD2(space, left, i, right, j);
      if (v < d1[i]) {
        d2[i] = d1[i];
        d1[i] = v;
      } else if (v < d2[i]) d2[i] = v;
      if (v < colD[j]) colD[j] = v;
    }
  return { d1, d2, colD };
}

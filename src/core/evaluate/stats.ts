/** Small statistics over typed arrays, following the SDMetrics (MIT) single-table formulas. */

/** Non-null values (NaN dropped), sorted ascending. */
export function sortedFinite(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  const out = new Float64Array(n);
  for (let i = 0, k = 0; i < values.length; i++) if (values[i] === values[i]) out[k++] = values[i];
  return out.sort();
}

/** Two-sample Kolmogorov–Smirnov statistic of two ascending samples: max |F_a − F_b|, ties stepped together. */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0) return na === nb ? 0 : 1;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < na && j < nb) {
    const x = a[i] <= b[j] ? a[i] : b[j];
    while (i < na && a[i] === x) i++;
    while (j < nb && b[j] === x) j++;
    const diff = Math.abs(i / na - j / nb);
    if (diff > d) d = diff;
  }
  return d;
}

/** KSComplement = 1 − KS on non-null values. */
export function ksComplement(real: Float64Array, synthetic: Float64Array): number {
  return 1 - ksStatistic(sortedFinite(real), sortedFinite(synthetic));
}

/** Counts of codes 0..k−1 (−1 = null, skipped). */
export function codeCounts(codes: Int32Array, k: number): { counts: Float64Array; total: number } {
  const counts = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c >= 0) {
      counts[c]++;
      total++;
    }
  }
  return { counts, total };
}

/** TVComplement = 1 − ½ Σ|p_syn − p_real| over non-null values. */
export function tvComplement(real: Int32Array, synthetic: Int32Array, k: number): number {
  const r = codeCounts(real, k);
  const s = codeCounts(synthetic, k);
  if (r.total === 0 || s.total === 0) return r.total === s.total ? 1 : 0;
  let tv = 0;
  for (let c = 0; c < k; c++) tv += Math.abs(r.counts[c] / r.total - s.counts[c] / s.total);
  return 1 - tv / 2;
}

/** Pearson's r over rows where both are non-null; null when fewer than 2 rows or a column is constant. */
export function pearson(x: Float64Array, y: Float64Array): number | null {
  // two passes (means, then centred sums) for numerical stability on large epoch values
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    if (a === a && b === b) {
      n++;
      sx += a;
      sy += b;
    }
  }
  if (n < 2) return null;
  const mx = sx / n;
  const my = sy / n;
  let cxx = 0;
  let cyy = 0;
  let cxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    if (a === a && b === b) {
      const da = a - mx;
      const db = b - my;
      cxx += da * da;
      cyy += db * db;
      cxy += da * db;
    }
  }
  if (cxx === 0 || cyy === 0) return null;
  const r = cxy / Math.sqrt(cxx * cyy);
  return Math.max(-1, Math.min(1, r));
}

/** The column minus its non-null mean (NaN kept), so pair correlations can run in one pass without cancellation. */
export function centred(x: Float64Array): Float64Array {
  let n = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++)
    if (x[i] === x[i]) {
      n++;
      s += x[i];
    }
  const m = n ? s / n : 0;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - m;
  return out;
}

/** Pearson's r of two centred columns (see `centred`) over rows where both are non-null, in one pass. */
export function pearsonCentred(x: Float64Array, y: Float64Array): number | null {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    if (a === a && b === b) {
      n++;
      sx += a;
      sy += b;
      sxx += a * a;
      syy += b * b;
      sxy += a * b;
    }
  }
  if (n < 2) return null;
  const cxx = sxx - (sx * sx) / n;
  const cyy = syy - (sy * sy) / n;
  const cxy = sxy - (sx * sy) / n;
  // constant within the complete rows (relative tolerance: the sums are not exact)
  if (!(cxx > 1e-12 * sxx) || !(cyy > 1e-12 * syy)) return null;
  return Math.max(-1, Math.min(1, cxy / Math.sqrt(cxx * cyy)));
}

export const PAIR_BINS = 10;

/**
 * Equal-width bin index with numpy.digitize semantics: the number of edges ≤ x, edges = linspace(min, max, 11)
 * of this table's non-null values. So the maximum gets index 11 and a null gets 11 too (as in SDMetrics).
 */
export function digitizeColumn(values: Float64Array, bins = PAIR_BINS): Int32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === v) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const out = new Int32Array(values.length);
  const nullIndex = bins + 1;
  if (lo > hi) {
    out.fill(nullIndex);
    return out;
  }
  const step = (hi - lo) / bins;
  const edges = new Float64Array(bins + 1);
  for (let e = 0; e <= bins; e++) edges[e] = e * step + lo;
  edges[bins] = hi;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) {
      out[i] = nullIndex;
      continue;
    }
    // guess from the width, then correct against the exact edges
    let k = step > 0 ? Math.floor((v - lo) / step) + 1 : bins + 1;
    if (k < 0) k = 0;
    if (k > bins + 1) k = bins + 1;
    while (k > 0 && edges[k - 1] > v) k--;
    while (k <= bins && edges[k] <= v) k++;
    out[i] = k;
  }
  return out;
}

/** Discrete codes with null as its own value k (so codes span 0..k). */
export function codesWithNull(codes: Int32Array, k: number): Int32Array {
  const out = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] < 0 ? k : codes[i];
  return out;
}

/** A joint frequency table of two code arrays (dense when small, sparse otherwise), with its margins. */
export interface JointTable {
  n: number;
  /** cell key a·kb + b → count */
  cells: Map<number, number> | Float64Array;
  rows: Float64Array;
  cols: Float64Array;
}

const DENSE_CELLS = 1 << 16;

export function jointTable(a: Int32Array, ka: number, b: Int32Array, kb: number): JointTable {
  const rows = new Float64Array(ka);
  const cols = new Float64Array(kb);
  const n = a.length;
  if (ka * kb <= DENSE_CELLS) {
    const t = new Float64Array(ka * kb);
    for (let i = 0; i < n; i++) t[a[i] * kb + b[i]]++;
    for (let x = 0; x < ka; x++)
      for (let y = 0; y < kb; y++) {
        const v = t[x * kb + y];
        rows[x] += v;
        cols[y] += v;
      }
    return { n, cells: t, rows, cols };
  }
  for (let i = 0; i < n; i++) {
    rows[a[i]]++;
    cols[b[i]]++;
  }
  const m = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = a[i] * kb + b[i];
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return { n, cells: m, rows, cols };
}

function forEachCell(t: JointTable, f: (key: number, count: number) => void): void {
  if (t.cells instanceof Float64Array) {
    const c = t.cells;
    for (let k = 0; k < c.length; k++) if (c[k] > 0) f(k, c[k]);
  } else t.cells.forEach((v, k) => f(k, v));
}

function cellCount(t: JointTable, key: number): number {
  return t.cells instanceof Float64Array ? t.cells[key] : (t.cells.get(key) ?? 0);
}

/** ContingencySimilarity = 1 − ½ Σ|P_real(a,b) − P_syn(a,b)| over the union of cells. */
export function contingencySimilarity(real: JointTable, synthetic: JointTable): number {
  if (real.n === 0 || synthetic.n === 0) return real.n === synthetic.n ? 1 : 0;
  let tv = 0;
  forEachCell(real, (k, v) => {
    tv += Math.abs(v / real.n - cellCount(synthetic, k) / synthetic.n);
  });
  forEachCell(synthetic, (k, v) => {
    if (cellCount(real, k) === 0) tv += v / synthetic.n;
  });
  return 1 - tv / 2;
}

/** Cramér's V (no continuity correction; empty rows/columns dropped): χ² = n(Σ O²/(R·C) − 1). */
export function cramersV(t: JointTable, kb: number): number {
  let r = 0;
  let c = 0;
  for (let i = 0; i < t.rows.length; i++) if (t.rows[i] > 0) r++;
  for (let i = 0; i < t.cols.length; i++) if (t.cols[i] > 0) c++;
  const m = Math.min(r, c) - 1;
  if (t.n === 0 || m <= 0) return 0;
  let s = 0;
  forEachCell(t, (k, v) => {
    const a = Math.floor(k / kb);
    const b = k - a * kb;
    s += (v * v) / (t.rows[a] * t.cols[b]);
  });
  const chi2 = t.n * (s - 1);
  return Math.sqrt(Math.max(0, chi2) / (t.n * m));
}

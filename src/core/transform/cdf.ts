/**
 * A coarse empirical CDF for EHR-Safe's stochastic normalisation (Yoon et al., npj Digit. Med. 2023):
 * a value maps to a uniform draw inside its cumulative-frequency interval; the inverse is a binary search.
 *
 * EHR-Safe keeps every unique value with its CDF interval — for a continuous column that is the list of
 * patients' values. Here the CDF is a monotone piecewise-linear curve through knots (p, q) that are
 * aggregates only:
 *   - an atom: a value shared by at least `minGroup` rows (and by enough rows to matter), with its exact
 *     interval [F(v−), F(v)] — a value many patients share identifies none of them;
 *   - between atoms, every ~n/maxKnots rows a knot at the mean of the ≥ minGroup+1 neighbouring order
 *     statistics (never a single row's value; runs shorter than that get no knot);
 *   - the two ends at the observed min and max, which the schema carries anyway (output clips to them).
 * Encoding x → F̂(x) and decoding F̂⁻¹ use the same curve, so encode → decode returns x up to float
 * precision even though the curve only approximates the data's CDF.
 */

export interface Cdf {
  /** Cumulative probability at each knot, non-decreasing from 0 to 1 (equal p: a step between adjacent atoms). */
  p: number[];
  /** Value at each knot, non-decreasing. */
  q: number[];
}

export function fitCdf(sorted: Float64Array, minGroup: number, maxKnots = 100): Cdf {
  const n = sorted.length;
  if (n === 0) return { p: [0, 1], q: [0, 0] };
  const k = Math.max(1, minGroup);
  const atomMin = Math.max(k, Math.ceil(n / (4 * maxKnots)));
  const stride = Math.max(k, Math.ceil(n / maxKnots));
  const p: number[] = [];
  const q: number[] = [];
  // Equal p with a higher q is a vertical step: a gap between two adjacent atoms that holds no rows.
  const push = (pp: number, qq: number) => {
    const last = p.length - 1;
    if (last >= 0) {
      if (pp < p[last]) pp = p[last];
      if (qq < q[last]) qq = q[last];
      if (pp === p[last] && qq === q[last]) return;
    }
    p.push(pp);
    q.push(qq);
  };
  const segment = (a: number, b: number) => {
    if (b - a < k + 1) return;
    for (let c = a + Math.floor(stride / 2); c < b; c += stride) {
      const lo = Math.max(a, c - k), hi = Math.min(b, c + k + 1);
      let s = 0;
      for (let i = lo; i < hi; i++) s += sorted[i];
      push((c + 0.5) / n, s / (hi - lo));
    }
  };
  push(0, sorted[0]);
  let pos = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    if (j - i >= atomMin) {
      segment(pos, i);
      push(i / n, sorted[i]);
      push(j / n, sorted[i]);
      pos = j;
    }
    i = j;
  }
  segment(pos, n);
  push(1, sorted[n - 1]);
  if (p.length === 1) return { p: [0, 1], q: [q[0], q[0]] };
  return { p, q };
}

/** F̂ at y approached from the left (lowest p whose curve value reaches y). */
function leftP(c: Cdf, y: number): number {
  const { p, q } = c;
  const m = q.length;
  if (y <= q[0]) return 0;
  if (y > q[m - 1]) return 1;
  let lo = 0, hi = m - 1; // first j with q[j] >= y
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (q[mid] >= y) hi = mid;
    else lo = mid + 1;
  }
  if (q[lo] === y) return p[lo];
  return p[lo - 1] + ((y - q[lo - 1]) / (q[lo] - q[lo - 1])) * (p[lo] - p[lo - 1]);
}

/** F̂ at y approached from the right (highest p whose curve value is still y). */
function rightP(c: Cdf, y: number): number {
  const { p, q } = c;
  const m = q.length;
  if (y < q[0]) return 0;
  if (y >= q[m - 1]) return 1;
  let lo = 0, hi = m - 1; // last j with q[j] <= y
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (q[mid] <= y) lo = mid;
    else hi = mid - 1;
  }
  if (q[lo] === y) return p[lo];
  return p[lo] + ((y - q[lo]) / (q[lo + 1] - q[lo])) * (p[lo + 1] - p[lo]);
}

/** Value → uniform draw in its cumulative-frequency interval, mapped to [-1, 1]. `halfUnit`: half the written precision (0.5 for integers). */
export function cdfEncode(c: Cdf, x: number, halfUnit: number, u: number): number {
  const lo = leftP(c, x - halfUnit);
  const hi = rightP(c, x + halfUnit);
  return 2 * (lo + u * (hi - lo)) - 1;
}

/** [-1, 1] → value, by binary search over the knots. */
export function cdfDecode(c: Cdf, s: number): number {
  const { p, q } = c;
  const m = p.length;
  const u = Math.min(1, Math.max(0, (s + 1) / 2));
  let lo = 0, hi = m - 2; // last segment j with p[j] <= u
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (p[mid] <= u) lo = mid;
    else hi = mid - 1;
  }
  const dp = p[lo + 1] - p[lo];
  if (dp <= 0) return q[lo];
  const t = (u - p[lo]) / dp;
  return q[lo] + Math.min(1, Math.max(0, t)) * (q[lo + 1] - q[lo]);
}

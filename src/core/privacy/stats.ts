/** Small statistics the privacy report needs: AUC with an interval, ROC points, Wilson intervals, histograms. */

export interface Interval {
  rate: number;
  low: number;
  high: number;
}

/** Wilson score interval for k successes in n trials (z = 1.96). */
export function wilson(k: number, n: number, z = 1.96): Interval {
  if (n === 0) return { rate: 0, low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const den = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / den;
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * AUC of scores (higher = "member") for positives vs negatives by the Mann–Whitney statistic
 * (ties count ½), with the Hanley & McNeil (1982) standard error and a 95% interval.
 */
export function aucWithInterval(pos: ArrayLike<number>, neg: ArrayLike<number>): { auc: number; low: number; high: number; se: number } {
  const n1 = pos.length;
  const n2 = neg.length;
  if (n1 === 0 || n2 === 0) return { auc: NaN, low: NaN, high: NaN, se: NaN };
  const all: { v: number; p: boolean }[] = [];
  for (let i = 0; i < n1; i++) all.push({ v: pos[i], p: true });
  for (let i = 0; i < n2; i++) all.push({ v: neg[i], p: false });
  all.sort((a, b) => a.v - b.v);
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k].p) rankSumPos += mid;
    i = j + 1;
  }
  const auc = (rankSumPos - (n1 * (n1 + 1)) / 2) / (n1 * n2);
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const se = Math.sqrt(Math.max(0, (auc * (1 - auc) + (n1 - 1) * (q1 - auc * auc) + (n2 - 1) * (q2 - auc * auc)) / (n1 * n2)));
  return { auc, low: Math.max(0, auc - 1.96 * se), high: Math.min(1, auc + 1.96 * se), se };
}

/** ROC curve points (FPR, TPR), thresholds descending, thinned to at most `maxPoints`. */
export function rocPoints(pos: ArrayLike<number>, neg: ArrayLike<number>, maxPoints = 101): { fpr: number; tpr: number }[] {
  const all: { v: number; p: boolean }[] = [];
  for (let i = 0; i < pos.length; i++) all.push({ v: pos[i], p: true });
  for (let i = 0; i < neg.length; i++) all.push({ v: neg[i], p: false });
  all.sort((a, b) => b.v - a.v);
  const pts: { fpr: number; tpr: number }[] = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].v === all[i].v) {
      if (all[j].p) tp++;
      else fp++;
      j++;
    }
    pts.push({ fpr: fp / Math.max(1, neg.length), tpr: tp / Math.max(1, pos.length) });
    i = j;
  }
  if (pts.length <= maxPoints) return pts;
  const out: { fpr: number; tpr: number }[] = [];
  for (let k = 0; k < maxPoints; k++) out.push(pts[Math.round((k * (pts.length - 1)) / (maxPoints - 1))]);
  return out;
}

export interface Histogram {
  /** Bin edges (length bins+1). */
  edges: number[];
  counts: number[];
}

/** Histograms of several samples over shared edges [0, max]. */
export function sharedHistograms(samples: ArrayLike<number>[], bins = 30): Histogram[] {
  let hi = 0;
  for (const s of samples) for (let i = 0; i < s.length; i++) if (Number.isFinite(s[i]) && s[i] > hi) hi = s[i];
  if (hi === 0) hi = 1;
  const edges = Array.from({ length: bins + 1 }, (_, k) => (hi * k) / bins);
  return samples.map((s) => {
    const counts = new Array(bins).fill(0);
    for (let i = 0; i < s.length; i++) {
      if (!Number.isFinite(s[i])) continue;
      counts[Math.min(bins - 1, Math.floor((s[i] / hi) * bins))]++;
    }
    return { edges, counts };
  });
}

export function quantile(values: ArrayLike<number>, p: number): number {
  const a = Float64Array.from(values as ArrayLike<number>).filter((v) => !Number.isNaN(v)).sort();
  if (a.length === 0) return NaN;
  const x = p * (a.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return a[lo] + (a[hi] - a[lo]) * (x - lo);
}

/** Random sample of k distinct indices from 0..n−1 (sorted), via a partial Fisher–Yates. */
export function sampleIndices(n: number, k: number, rng: { int(n: number): number }): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const m = Math.min(n, k);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, m).sort();
}

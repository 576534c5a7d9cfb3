/**
 * Two small seeded learners over typed arrays, shared by detection and ML utility:
 *   logistic/softmax (or linear) regression by mini-batch Adam on the dense encoding, and
 *   gradient-boosted trees on binned columns (second-order leaves and gains as in XGBoost, Chen & Guestrin 2016;
 *   categorical bins ordered by gradient ratio before the split scan, as in LightGBM, Ke et al. 2017).
 */
import type { Rng } from '../util/random';

export type Task = { type: 'classification'; classes: number } | { type: 'regression' };

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function softmaxInPlace(z: Float64Array, o: number, k: number): void {
  let m = -Infinity;
  for (let c = 0; c < k; c++) if (z[o + c] > m) m = z[o + c];
  let s = 0;
  for (let c = 0; c < k; c++) {
    z[o + c] = Math.exp(z[o + c] - m);
    s += z[o + c];
  }
  for (let c = 0; c < k; c++) z[o + c] /= s;
}

export interface LinearOptions {
  epochs?: number;
  batch?: number;
  learningRate?: number;
  l2?: number;
}

/**
 * Logistic (binary), softmax (multiclass) or ridge-like linear regression (targets standardised internally).
 * Returns weights; `linearPredict` scores a dense matrix.
 */
export function fitLinear(X: Float32Array, n: number, w: number, y: Float64Array, task: Task, rng: Rng, o: LinearOptions = {}) {
  const k = task.type === 'classification' ? (task.classes <= 2 ? 1 : task.classes) : 1;
  const epochs = o.epochs ?? 20;
  const batch = o.batch ?? 128;
  const lr = o.learningRate ?? 0.05;
  const l2 = o.l2 ?? 1e-4;
  let ym = 0;
  let ys = 1;
  if (task.type === 'regression') {
    for (let i = 0; i < n; i++) ym += y[i];
    ym /= n || 1;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (y[i] - ym) ** 2;
    ys = Math.sqrt(ss / (n || 1)) || 1;
  }
  const stride = w + 1;
  const W = new Float64Array(k * stride);
  const m1 = new Float64Array(W.length);
  const m2 = new Float64Array(W.length);
  const grad = new Float64Array(W.length);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const z = new Float64Array(k);
  // one-hot encodings are mostly zeros: keep each row's non-zeros (CSR) for the training passes
  let nnz = 0;
  for (let q = 0; q < n * w; q++) if (X[q] !== 0) nnz++;
  const rowStart = new Int32Array(n + 1);
  const nzCol = new Int32Array(nnz);
  const nzVal = new Float32Array(nnz);
  for (let i = 0, q = 0; i < n; i++) {
    rowStart[i] = q;
    for (let j = 0; j < w; j++) {
      const v = X[i * w + j];
      if (v !== 0) {
        nzCol[q] = j;
        nzVal[q++] = v;
      }
    }
  }
  rowStart[n] = nnz;
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    rng.shuffle(order);
    for (let b0 = 0; b0 < n; b0 += batch) {
      const b1 = Math.min(n, b0 + batch);
      grad.fill(0);
      for (let t = b0; t < b1; t++) {
        const i = order[t];
        const p0 = rowStart[i];
        const p1 = rowStart[i + 1];
        for (let c = 0; c < k; c++) {
          const wo = c * stride;
          let s = W[wo + w];
          for (let p = p0; p < p1; p++) s += W[wo + nzCol[p]] * nzVal[p];
          z[c] = s;
        }
        // residual (prediction − target) per output
        if (task.type === 'regression') z[0] = z[0] - (y[i] - ym) / ys;
        else if (k === 1) z[0] = sigmoid(z[0]) - y[i];
        else {
          softmaxInPlace(z, 0, k);
          z[y[i]] -= 1;
        }
        for (let c = 0; c < k; c++) {
          const r = z[c];
          if (r === 0) continue;
          const wo = c * stride;
          for (let p = p0; p < p1; p++) grad[wo + nzCol[p]] += r * nzVal[p];
          grad[wo + w] += r;
        }
      }
      step++;
      const bs = b1 - b0;
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      for (let p = 0; p < W.length; p++) {
        const g = grad[p] / bs + ((p + 1) % stride === 0 ? 0 : l2 * W[p]);
        m1[p] = 0.9 * m1[p] + 0.1 * g;
        m2[p] = 0.999 * m2[p] + 0.001 * g * g;
        W[p] -= (lr * (m1[p] / c1)) / (Math.sqrt(m2[p] / c2) + 1e-8);
      }
    }
  }
  return {
    /** Probabilities n × K (classification, K ≥ 2 columns) or values n (regression). */
    predict(Xt: Float32Array, nt: number): Float64Array {
      const K = task.type === 'classification' ? Math.max(2, task.classes) : 1;
      const out = new Float64Array(nt * K);
      for (let i = 0; i < nt; i++) {
        const xo = i * w;
        for (let c = 0; c < k; c++) {
          let s = W[c * stride + w];
          const wo = c * stride;
          for (let j = 0; j < w; j++) s += W[wo + j] * Xt[xo + j];
          z[c] = s;
        }
        if (task.type === 'regression') out[i] = z[0] * ys + ym;
        else if (k === 1) {
          const p = sigmoid(z[0]);
          out[i * 2] = 1 - p;
          out[i * 2 + 1] = p;
        } else {
          softmaxInPlace(z, 0, k);
          for (let c = 0; c < k; c++) out[i * K + c] = z[c];
        }
      }
      return out;
    },
  };
}

export interface BoostOptions {
  rounds?: number;
  depth?: number;
  learningRate?: number;
  lambda?: number;
  minLeaf?: number;
  subsample?: number;
}

interface TreeNode {
  /** −1 for a leaf */
  feature: number;
  /** bin → go left (1) */
  left?: Uint8Array;
  l?: TreeNode;
  r?: TreeNode;
  value: number;
}

interface Hist {
  g: Float64Array;
  h: Float64Array;
  c: Int32Array;
}

/** Per-feature gradient histograms of a node's rows (row-major bins, F features, MB slots per feature). */
function histogram(R: Uint8Array, F: number, MB: number, rows: Int32Array, g: Float64Array, h: Float64Array): Hist {
  const hg = new Float64Array(F * MB);
  const hh = new Float64Array(F * MB);
  const hc = new Int32Array(F * MB);
  for (let t = 0; t < rows.length; t++) {
    const i = rows[t];
    const gi = g[i];
    const hi = h[i];
    const base = i * F;
    for (let f = 0; f < F; f++) {
      const k = f * MB + R[base + f];
      hg[k] += gi;
      hh[k] += hi;
      hc[k]++;
    }
  }
  return { g: hg, h: hh, c: hc };
}

function subtract(a: Hist, b: Hist): Hist {
  return {
    g: a.g.map((v, k) => v - b.g[k]),
    h: a.h.map((v, k) => v - b.h[k]),
    c: a.c.map((v, k) => v - b.c[k]),
  };
}

interface TreeContext {
  R: Uint8Array;
  F: number;
  MB: number;
  binsPer: number[];
  discrete: boolean[];
  g: Float64Array;
  h: Float64Array;
  o: Required<BoostOptions>;
}

function buildTree(ctx: TreeContext, rows: Int32Array, hist: Hist, depth: number): TreeNode {
  const { R, F, MB, binsPer, discrete, o } = ctx;
  let G = 0;
  let H = 0;
  // totals from feature 0's histogram
  for (let b = 0; b < MB; b++) {
    G += hist.g[b];
    H += hist.h[b];
  }
  const leaf: TreeNode = { feature: -1, value: (-G / (H + o.lambda)) * o.learningRate };
  if (depth === 0 || rows.length < 2 * o.minLeaf) return leaf;
  const parent = (G * G) / (H + o.lambda);
  let best = 1e-9;
  let bestF = -1;
  let bestMask: Uint8Array | null = null;
  for (let f = 0; f < F; f++) {
    const nb = binsPer[f];
    const off = f * MB;
    const order: number[] = [];
    for (let b = 0; b < nb; b++) if (hist.c[off + b] > 0) order.push(b);
    if (order.length < 2) continue;
    if (discrete[f]) order.sort((a, b) => hist.g[off + a] / (hist.h[off + a] + o.lambda) - hist.g[off + b] / (hist.h[off + b] + o.lambda));
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let q = 0; q < order.length - 1; q++) {
      const b = off + order[q];
      gl += hist.g[b];
      hl += hist.h[b];
      cl += hist.c[b];
      const cr = rows.length - cl;
      if (cl < o.minLeaf || cr < o.minLeaf) continue;
      const gr = G - gl;
      const hr = H - hl;
      const gain = (gl * gl) / (hl + o.lambda) + (gr * gr) / (hr + o.lambda) - parent;
      if (gain > best) {
        best = gain;
        bestF = f;
        bestMask = new Uint8Array(nb);
        for (let p = 0; p <= q; p++) bestMask[order[p]] = 1;
      }
    }
  }
  if (bestF < 0 || !bestMask) return leaf;
  let nl = 0;
  for (let t = 0; t < rows.length; t++) if (bestMask[R[rows[t] * F + bestF]]) nl++;
  const lr = new Int32Array(nl);
  const rr = new Int32Array(rows.length - nl);
  for (let t = 0, a = 0, b = 0; t < rows.length; t++) {
    const i = rows[t];
    if (bestMask[R[i * F + bestF]]) lr[a++] = i;
    else rr[b++] = i;
  }
  // histogram the smaller child, the larger one is the parent minus it (LightGBM's subtraction trick)
  let hl: Hist;
  let hr: Hist;
  if (depth - 1 === 0) {
    hl = histogramTotals(lr, ctx);
    hr = histogramTotals(rr, ctx);
  } else if (lr.length <= rr.length) {
    hl = histogram(R, F, MB, lr, ctx.g, ctx.h);
    hr = subtract(hist, hl);
  } else {
    hr = histogram(R, F, MB, rr, ctx.g, ctx.h);
    hl = subtract(hist, hr);
  }
  return { feature: bestF, left: bestMask, value: 0, l: buildTree(ctx, lr, hl, depth - 1), r: buildTree(ctx, rr, hr, depth - 1) };
}

/** Leaves only need G and H: put them in slot 0 of a one-feature histogram. */
function histogramTotals(rows: Int32Array, ctx: TreeContext): Hist {
  const g = new Float64Array(ctx.MB);
  const h = new Float64Array(ctx.MB);
  const c = new Int32Array(ctx.MB);
  for (let t = 0; t < rows.length; t++) {
    g[0] += ctx.g[rows[t]];
    h[0] += ctx.h[rows[t]];
    c[0]++;
  }
  return { g, h, c };
}

function treeValue(node: TreeNode, bins: Uint8Array, n: number, i: number): number {
  while (node.feature >= 0) node = node.left![bins[node.feature * n + i]] ? node.l! : node.r!;
  return node.value;
}

/**
 * Gradient-boosted trees on column-major bins. Returns a predictor over another bin matrix with the same columns.
 */
export function fitBoosted(
  bins: Uint8Array,
  n: number,
  binsPer: number[],
  discrete: boolean[],
  y: Float64Array,
  task: Task,
  rng: Rng,
  opts: BoostOptions = {},
) {
  const o: Required<BoostOptions> = {
    rounds: opts.rounds ?? 50,
    depth: opts.depth ?? 4,
    learningRate: opts.learningRate ?? 0.15,
    lambda: opts.lambda ?? 1,
    minLeaf: opts.minLeaf ?? 10,
    subsample: opts.subsample ?? 0.8,
  };
  const K = task.type === 'classification' ? (task.classes <= 2 ? 1 : task.classes) : 1;
  const init = new Float64Array(K);
  if (task.type === 'regression') {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i];
    init[0] = s / (n || 1);
  } else if (K === 1) {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i];
    const p = Math.min(1 - 1e-6, Math.max(1e-6, s / (n || 1)));
    init[0] = Math.log(p / (1 - p));
  } else {
    const c = new Float64Array(K);
    for (let i = 0; i < n; i++) c[y[i]]++;
    for (let k = 0; k < K; k++) init[k] = Math.log((c[k] + 1) / (n + K));
  }
  const F = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) F[i * K + k] = init[k];
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const P = new Float64Array(n * K);
  const trees: TreeNode[][] = [];
  const nf = binsPer.length;
  const MB = Math.max(1, ...binsPer);
  // row-major copy so a node's histogram reads each row's bins contiguously
  const R = new Uint8Array(n * nf);
  for (let f = 0; f < nf; f++) for (let i = 0; i < n; i++) R[i * nf + f] = bins[f * n + i];
  const ctx: TreeContext = { R, F: nf, MB, binsPer, discrete, g, h, o };
  for (let r = 0; r < o.rounds; r++) {
    let m = 0;
    const sample = new Int32Array(n);
    for (let i = 0; i < n; i++) if (rng.next() < o.subsample) sample[m++] = i;
    const rows = sample.subarray(0, m);
    const round: TreeNode[] = [];
    if (K > 1) {
      P.set(F);
      for (let i = 0; i < n; i++) softmaxInPlace(P, i * K, K);
    }
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < n; i++) {
        if (task.type === 'regression') {
          g[i] = F[i] - y[i];
          h[i] = 1;
        } else if (K === 1) {
          const q = sigmoid(F[i]);
          g[i] = q - y[i];
          h[i] = Math.max(q * (1 - q), 1e-6);
        } else {
          const q = P[i * K + k];
          g[i] = q - (y[i] === k ? 1 : 0);
          h[i] = Math.max(q * (1 - q), 1e-6);
        }
      }
      round.push(buildTree(ctx, rows, histogram(R, nf, MB, rows, g, h), o.depth));
    }
    for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) F[i * K + k] += treeValue(round[k], bins, n, i);
    trees.push(round);
  }
  return {
    predict(bt: Uint8Array, nt: number): Float64Array {
      const out = new Float64Array(nt * (task.type === 'classification' ? Math.max(2, task.classes) : 1));
      const z = new Float64Array(K);
      for (let i = 0; i < nt; i++) {
        for (let k = 0; k < K; k++) z[k] = init[k];
        for (const round of trees) for (let k = 0; k < K; k++) z[k] += treeValue(round[k], bt, nt, i);
        if (task.type === 'regression') out[i] = z[0];
        else if (K === 1) {
          const q = sigmoid(z[0]);
          out[i * 2] = 1 - q;
          out[i * 2 + 1] = q;
        } else {
          softmaxInPlace(z, 0, K);
          for (let k = 0; k < K; k++) out[i * K + k] = z[k];
        }
      }
      return out;
    },
  };
}

/** ROC AUC by ranks (ties share the mean rank); 0.5 when one class is absent. */
export function rocAuc(score: ArrayLike<number>, positive: ArrayLike<number>): number {
  const n = score.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let pos = 0;
  let rankSum = 0;
  for (let s = 0; s < n; ) {
    let e = s;
    while (e + 1 < n && score[idx[e + 1]] === score[idx[s]]) e++;
    const rank = (s + e) / 2 + 1;
    for (let t = s; t <= e; t++)
      if (positive[idx[t]]) {
        pos++;
        rankSum += rank;
      }
    s = e + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return 0.5;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

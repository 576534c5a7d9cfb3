/**
 * One-dimensional variational Bayesian Gaussian mixture (Bishop, PRML §10.2, eqs. 10.46–10.63 with D = 1),
 * used for CTGAN's mode-specific normalisation (Xu et al., NeurIPS 2019, §4.2).
 * A small Dirichlet concentration lets unneeded components empty out (PRML §10.2.4); components whose
 * expected weight stays under `minWeight` are dropped.
 */

export interface Mixture {
  means: number[];
  stds: number[];
  weights: number[];
}

export interface MixtureOptions {
  /** Upper bound on components (CTGAN: 10). */
  maxModes?: number;
  /** Drop components with expected weight below this (CTGAN: 0.005). */
  minWeight?: number;
  maxIter?: number;
  /** Dirichlet concentration α0; small → sparse mixture. */
  concentration?: number;
}

/** Digamma ψ(x) for x > 0: recurrence up to 6, then the asymptotic series. */
export function digamma(x: number): number {
  let r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

const LN2 = Math.LN2;
/** Points the iterations run over at most (distinct values, or micro-clusters of sorted values). */
const MAX_POINTS = 500;
const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

/** Fit to `x` (non-empty, finite). Deterministic: initialised by 1-D k-means from evenly spaced quantiles. */
export function fitMixture(x: Float64Array, options: MixtureOptions = {}): Mixture {
  const maxModes = Math.max(1, options.maxModes ?? 10);
  const minWeight = options.minWeight ?? 0.005;
  const maxIter = options.maxIter ?? 500;
  const alpha0 = options.concentration ?? 1e-3;
  const n = x.length;
  if (n === 0) return { means: [0], stds: [1], weights: [1] };

  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i] - mean) ** 2;
  variance /= n;
  // Floor so a constant column or a single-valued mode keeps a usable scale.
  const floorVar = Math.max(variance * 1e-12, (Math.abs(mean) * 1e-9) ** 2, 1e-18);
  if (variance <= floorVar) return { means: [mean], stds: [Math.sqrt(Math.max(variance, floorVar))], weights: [1] };

  // Work on distinct values with counts: integer-like columns (ages, codes, counts) shrink to a few
  // hundred points, and the weighted updates are the same as over the raw values.
  const sorted = Float64Array.from(x).sort();
  const vals: number[] = [];
  const cnts: number[] = [];
  const wss: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) cnts[cnts.length - 1]++;
    else { vals.push(sorted[i]); cnts.push(1); wss.push(0); }
  }
  if (vals.length > MAX_POINTS) {
    // Many distinct values: summarise runs of ~n/MAX_POINTS sorted values by (count, mean, within sum of
    // squares) — micro-clusters whose sufficient statistics enter the M step exactly; only the
    // responsibilities are shared within a run.
    vals.length = cnts.length = wss.length = 0;
    const per = n / MAX_POINTS;
    for (let g = 0; g < MAX_POINTS; g++) {
      const a = Math.floor(g * per), b = Math.floor((g + 1) * per);
      if (b <= a) continue;
      let s1 = 0;
      for (let i = a; i < b; i++) s1 += sorted[i];
      const mu = s1 / (b - a);
      let ss = 0;
      for (let i = a; i < b; i++) ss += (sorted[i] - mu) ** 2;
      vals.push(mu); cnts.push(b - a); wss.push(ss);
    }
  }
  const D = vals.length;
  const v = Float64Array.from(vals);
  const c = Float64Array.from(cnts);
  const within = Float64Array.from(wss);
  const K = Math.min(maxModes, D);

  // k-means init: centres at quantiles (k + ½)/K, a few Lloyd steps.
  const centres = new Float64Array(K);
  for (let k = 0; k < K; k++) centres[k] = sorted[Math.min(n - 1, Math.floor(((k + 0.5) / K) * n))];
  const assign = new Int32Array(D);
  for (let iter = 0; iter < 20; iter++) {
    const sum = new Float64Array(K);
    const cnt = new Float64Array(K);
    for (let i = 0; i < D; i++) {
      let best = 0, bd = Infinity;
      for (let k = 0; k < K; k++) {
        const dd = Math.abs(v[i] - centres[k]);
        if (dd < bd) { bd = dd; best = k; }
      }
      assign[i] = best;
      sum[best] += c[i] * v[i];
      cnt[best] += c[i];
    }
    let moved = 0;
    for (let k = 0; k < K; k++) if (cnt[k] > 0) {
      const cc = sum[k] / cnt[k];
      moved = Math.max(moved, Math.abs(cc - centres[k]));
      centres[k] = cc;
    }
    if (moved <= 1e-9 * Math.sqrt(variance)) break;
  }

  const r = new Float64Array(D * K);
  for (let i = 0; i < D; i++) r[i * K + assign[i]] = 1;

  // Gaussian–Wishart (here Normal–Gamma) prior: m0 = data mean with a weak β0 (so a mode’s mean is its data’s
  // mean), ν0 = 1 pseudo-observation of the data variance (keeps a one-value mode from collapsing).
  const m0 = mean, beta0 = 1e-3, nu0 = 1, W0inv = variance;
  const Nk = new Float64Array(K), xbar = new Float64Array(K), Sk = new Float64Array(K);
  const alpha = new Float64Array(K), beta = new Float64Array(K), m = new Float64Array(K);
  const Winv = new Float64Array(K), nu = new Float64Array(K);
  const prevN = new Float64Array(K).fill(-1);
  const elnpi = new Float64Array(K), elnlam = new Float64Array(K), W = new Float64Array(K);

  for (let iter = 0; iter < maxIter; iter++) {
    // Uses the previous M step's estimates; the M step below then starts from the merged responsibilities.
    if (iter % 10 === 9 && mergeDuplicates(r, D, K, Nk, m, Winv, nu)) prevN.fill(-1);
    // M step (10.51–10.63)
    Nk.fill(0); xbar.fill(0); Sk.fill(0);
    for (let i = 0; i < D; i++) {
      const o = i * K;
      for (let k = 0; k < K; k++) {
        const rik = r[o + k] * c[i];
        Nk[k] += rik;
        xbar[k] += rik * v[i];
      }
    }
    for (let k = 0; k < K; k++) xbar[k] = Nk[k] > 1e-12 ? xbar[k] / Nk[k] : m0;
    for (let i = 0; i < D; i++) {
      const o = i * K;
      for (let k = 0; k < K; k++) {
        const d = v[i] - xbar[k];
        Sk[k] += r[o + k] * (c[i] * d * d + within[i]);
      }
    }
    let alphaSum = 0;
    for (let k = 0; k < K; k++) {
      Sk[k] = Nk[k] > 1e-12 ? Sk[k] / Nk[k] : 0;
      alpha[k] = alpha0 + Nk[k];
      alphaSum += alpha[k];
      beta[k] = beta0 + Nk[k];
      m[k] = (beta0 * m0 + Nk[k] * xbar[k]) / beta[k];
      Winv[k] = Math.max(W0inv + Nk[k] * Sk[k] + ((beta0 * Nk[k]) / (beta0 + Nk[k])) * (xbar[k] - m0) ** 2, floorVar);
      nu[k] = nu0 + Nk[k];
    }
    let change = 0;
    for (let k = 0; k < K; k++) change = Math.max(change, Math.abs(Nk[k] - prevN[k]));
    if (change < Math.max(1e-5 * n, 1e-2)) break;
    prevN.set(Nk);

    // E step (10.64–10.67)
    const psiSum = digamma(alphaSum);
    for (let k = 0; k < K; k++) {
      W[k] = 1 / Winv[k];
      elnpi[k] = digamma(alpha[k]) - psiSum;
      elnlam[k] = digamma(nu[k] / 2) + LN2 + Math.log(W[k]);
    }
    for (let i = 0; i < D; i++) {
      const o = i * K;
      let max = -Infinity;
      for (let k = 0; k < K; k++) {
        const d = v[i] - m[k];
        const lr = elnpi[k] + 0.5 * elnlam[k] - HALF_LN_2PI - 0.5 * (1 / beta[k] + nu[k] * W[k] * d * d);
        r[o + k] = lr;
        if (lr > max) max = lr;
      }
      let s = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(r[o + k] - max);
        r[o + k] = e;
        s += e;
      }
      for (let k = 0; k < K; k++) r[o + k] /= s;
    }
  }

  let total = 0;
  for (let k = 0; k < K; k++) total += alpha[k];
  const kept: { mean: number; std: number; weight: number }[] = [];
  for (let k = 0; k < K; k++) {
    const w = alpha[k] / total;
    if (w < minWeight) continue;
    kept.push({ mean: m[k], std: Math.sqrt(Winv[k] / nu[k]), weight: w });
  }
  if (!kept.length) {
    // Cannot happen with weights summing to 1 and minWeight ≤ 1/K, but keep a valid mixture.
    kept.push({ mean, std: Math.sqrt(variance), weight: 1 });
  }
  kept.sort((a, b) => a.mean - b.mean);
  const wsum = kept.reduce((s, c) => s + c.weight, 0);
  return { means: kept.map((c) => c.mean), stds: kept.map((c) => c.std), weights: kept.map((c) => c.weight / wsum) };
}

/**
 * VB empties a redundant copy of a mode only slowly (hundreds of iterations when k-means split one
 * mode across several components). Two components with nearly the same mean (< σ/2 apart) and scale
 * (ratio < 1.5) describe one mode: hand the second's responsibilities to the first now. A speed-up of
 * the fixed point VB is heading to, not a change of model.
 */
function mergeDuplicates(r: Float64Array, D: number, K: number, Nk: Float64Array, m: Float64Array, Winv: Float64Array, nu: Float64Array): boolean {
  let merged = false;
  const sd = Array.from({ length: K }, (_, k) => Math.sqrt(Winv[k] / nu[k]));
  for (let a = 0; a < K; a++) {
    if (Nk[a] < 0.5) continue;
    for (let b = a + 1; b < K; b++) {
      if (Nk[b] < 0.5) continue;
      const lo = Math.min(sd[a], sd[b]), hi = Math.max(sd[a], sd[b]);
      if (Math.abs(m[a] - m[b]) >= 0.5 * lo || hi > 1.5 * lo) continue;
      for (let i = 0; i < D; i++) {
        r[i * K + a] += r[i * K + b];
        r[i * K + b] = 0;
      }
      Nk[a] += Nk[b];
      Nk[b] = 0;
      merged = true;
    }
  }
  return merged;
}

/**
 * Rényi DP accountant for the Poisson-subsampled Gaussian mechanism (DP-SGD).
 *
 * - RDP of one step: Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 *   Mechanism" — §3.2 (integer α, binomial expansion) and §3.3 (fractional α, two convergent series).
 * - Composition over steps is additive in RDP (Mironov 2017, Prop. 1); Abadi et al. 2016 for DP-SGD.
 * - RDP → (ε, δ): ε = min_α [RDP(α) + log((α−1)/α) − (log δ + log α)/(α−1)]
 *   (Balle et al. 2020 "Hypothesis testing interpretations and Rényi DP", Thm 21; Canonne, Kamath, Steinke 2020).
 * Everything is summed in log space: the terms overflow doubles for large α long before the sum does.
 */

/** Orders exactly as Opacus: 1.1, 1.2, …, 10.9, then 12, 13, …, 63. */
export const RDP_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, k) => 12 + k),
];

// ---------- log-space helpers ----------

function logAdd(x: number, y: number): number {
  if (x === -Infinity) return y;
  if (y === -Infinity) return x;
  const m = Math.max(x, y);
  return m + Math.log1p(Math.exp(Math.min(x, y) - m));
}

/** log(exp(x) − exp(y)) for x ≥ y. */
function logSub(x: number, y: number): number {
  if (y === -Infinity) return x;
  if (x < y) throw new Error('rdp accountant: log-subtraction of a larger term (numerical breakdown)');
  if (x === y) return -Infinity;
  return x + Math.log(-Math.expm1(y - x));
}

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/**
 * log erfc(x), accurate to ~1e-14 relative, including the far tail (x ≫ 1) where erfc underflows.
 * erfc(x) = Γ(½, x²)/√π for x ≥ 0: a power series of the lower incomplete gamma for small x²,
 * a Lentz continued fraction of the upper one otherwise (both standard, e.g. Numerical Recipes §6.2).
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) {
    // erfc(x) = 2 − erfc(−x), and erfc(−x) < 1 here
    return Math.log(2 - Math.exp(logErfc(-x)));
  }
  const z = x * x;
  if (z < 1.5) {
    // erf(x) = P(½, x²) = e^{−z} z^{½} / Γ(3/2) · Σ z^n / ((3/2)(5/2)…(½+n))
    let ap = 0.5;
    let term = 1 / 0.5;
    let sum = term;
    for (let n = 0; n < 500; n++) {
      ap += 1;
      term *= z / ap;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    const erf = sum * Math.exp(-z + 0.5 * Math.log(z) - LOG_SQRT_PI);
    return Math.log1p(-erf);
  }
  // Q(½, z) by the continued fraction; log Γ(½, z) = −z + ½ log z − log(CF denominator)
  const a = 0.5;
  const tiny = 1e-300;
  let b = z + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return -z + a * Math.log(z) + Math.log(h) - LOG_SQRT_PI;
}

// ---------- one step of the sampled Gaussian mechanism ----------

/** log A_α for integer α (MTZ19 §3.2): A_α = Σ_i C(α,i) q^i (1−q)^{α−i} exp((i²−i)/(2σ²)). */
function logAInt(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0; // log C(α, 0)
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const s = logBinom + i * lq + (alpha - i) * l1q + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/**
 * log A_α for fractional α (MTZ19 §3.3): A_α = A_0 + A_1 with two series split at
 * z0 = σ² log(1/q − 1) + ½; binomial coefficients of a real α alternate in sign, so each
 * series is accumulated as a signed log-sum. Stops when both new terms fall below e^−30.
 */
function logAFrac(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  const s2 = Math.SQRT2 * sigma;
  let logAbsBinom = 0; // log |C(α, 0)|
  let sign = 1;
  for (let i = 0; ; i++) {
    if (i > 0) {
      const f = (alpha - i + 1) / i;
      logAbsBinom += Math.log(Math.abs(f));
      if (f < 0) sign = -sign;
    }
    const j = alpha - i;
    const logT0 = logAbsBinom + i * lq + j * l1q;
    const logT1 = logAbsBinom + j * lq + i * l1q;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / s2);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / s2);
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
    if (i > 100000) throw new Error('rdp accountant: fractional-order series did not converge');
  }
  return logAdd(logA0, logA1);
}

/** RDP ε(α) of ONE step of the Poisson-subsampled Gaussian mechanism with rate q and noise multiplier σ. */
export function rdpSampledGaussianStep(q: number, sigma: number, alpha: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate q must be in [0, 1], got ${q}`);
  if (!(alpha > 1)) throw new RangeError(`RDP order must be > 1, got ${alpha}`);
  if (q === 0) return 0;
  if (!(sigma > 0)) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (!Number.isFinite(alpha)) return Infinity;
  const logA = Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP at each order after `steps` steps (composition adds). */
export function computeRdp(q: number, sigma: number, steps: number, orders: readonly number[] = RDP_ORDERS): number[] {
  return orders.map((a) => steps * rdpSampledGaussianStep(q, sigma, a));
}

/** Best (ε, α) for a given δ from RDP values at `orders` (Balle et al. 2020 conversion). */
export function rdpToEpsilon(
  rdp: readonly number[],
  delta: number,
  orders: readonly number[] = RDP_ORDERS,
): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`δ must be in (0, 1), got ${delta}`);
  let best = Infinity;
  let bestOrder = NaN;
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k];
    const r = rdp[k];
    if (!Number.isFinite(r)) continue;
    const eps = r + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    if (eps < best) {
      best = eps;
      bestOrder = a;
    }
  }
  return { epsilon: Math.max(0, best), order: bestOrder };
}

// ---------- the questions the app asks ----------

export interface DpSchedule {
  /** Poisson sampling rate, batch / N. */
  q: number;
  /** Number of noisy gradient steps. */
  steps: number;
  delta: number;
}

/** δ default: 1/(N·√N), well below 1/N so no single patient is "allowed" to leak. */
export function defaultDelta(rows: number): number {
  if (!(rows > 0)) throw new RangeError(`row count must be positive, got ${rows}`);
  return 1 / (rows * Math.sqrt(rows));
}

/** steps = epochs·N/batch (rounded to whole steps), q = batch/N. */
export function scheduleFor(rows: number, batch: number, epochs: number): { q: number; steps: number } {
  if (!(rows > 0) || !(batch > 0) || !(epochs >= 0)) throw new RangeError('rows, batch must be positive and epochs ≥ 0');
  if (batch > rows) throw new RangeError(`batch (${batch}) is larger than the table (${rows} rows)`);
  return { q: batch / rows, steps: Math.round((epochs * rows) / batch) };
}

/** (ε, best order) spent after `steps` steps of rate q with noise multiplier σ. */
export function epsilonSpent(opts: { q: number; sigma: number; steps: number; delta: number }): { epsilon: number; order: number } {
  if (opts.steps === 0) return { epsilon: 0, order: NaN };
  return rdpToEpsilon(computeRdp(opts.q, opts.sigma, opts.steps), opts.delta);
}

/** Convenience for the CLI and tests: ε from rows/batch/σ/epochs/δ. */
export function epsilonForTraining(opts: {
  rows: number;
  batch: number;
  sigma: number;
  epochs: number;
  delta?: number;
}): { epsilon: number; order: number; q: number; steps: number; delta: number } {
  const { q, steps } = scheduleFor(opts.rows, opts.batch, opts.epochs);
  const delta = opts.delta ?? defaultDelta(opts.rows);
  return { ...epsilonSpent({ q, sigma: opts.sigma, steps, delta }), q, steps, delta };
}

/**
 * The largest number of steps whose ε stays ≤ the budget (training stops there, before the budget
 * would be exceeded). RDP is linear in steps, so one RDP evaluation serves the whole search.
 */
export function maxStepsWithinBudget(opts: { q: number; sigma: number; delta: number; epsilon: number; limit?: number }): number {
  const perStep = computeRdp(opts.q, opts.sigma, 1);
  const eps = (t: number) => rdpToEpsilon(perStep.map((r) => r * t), opts.delta).epsilon;
  if (eps(1) > opts.epsilon) return 0;
  let lo = 1;
  let hi = 2;
  const limit = opts.limit ?? 1e9;
  while (hi < limit && eps(hi) <= opts.epsilon) {
    lo = hi;
    hi *= 2;
  }
  if (hi >= limit) {
    if (eps(limit) <= opts.epsilon) return limit;
    hi = limit;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (eps(mid) <= opts.epsilon) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Smallest noise multiplier σ (to ~1e-4 relative) whose ε after `steps` steps stays ≤ targetEps.
 * ε falls monotonically as σ grows, so bisection on σ.
 */
export function sigmaForEpsilon(targetEps: number, opts: DpSchedule): number {
  if (!(targetEps > 0)) throw new RangeError(`target ε must be positive, got ${targetEps}`);
  const eps = (s: number) => epsilonSpent({ q: opts.q, sigma: s, steps: opts.steps, delta: opts.delta }).epsilon;
  let hi = 1;
  while (eps(hi) > targetEps) {
    hi *= 2;
    if (hi > 1e6) throw new RangeError(`no noise level reaches ε = ${targetEps} with δ = ${opts.delta}`);
  }
  let lo = hi / 2;
  if (eps(lo) <= targetEps) {
    // ε is already met at σ = 1/2 or lower; search down
    while (lo > 1e-3 && eps(lo) <= targetEps) lo /= 2;
    if (eps(lo) <= targetEps) return lo;
    hi = lo * 2;
  }
  while ((hi - lo) / hi > 1e-5) {
    const mid = (lo + hi) / 2;
    if (eps(mid) <= targetEps) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Tracks ε as training proceeds; `canStep()` says whether one more step keeps ε within the budget. */
export class RdpAccountant {
  private readonly perStep: number[];
  steps = 0;
  constructor(
    readonly q: number,
    readonly sigma: number,
    readonly delta: number,
    readonly budget = Infinity,
  ) {
    this.perStep = computeRdp(q, sigma, 1);
  }
  step(n = 1): void {
    this.steps += n;
  }
  epsilonAt(steps: number): { epsilon: number; order: number } {
    if (steps === 0) return { epsilon: 0, order: NaN };
    return rdpToEpsilon(this.perStep.map((r) => r * steps), this.delta);
  }
  get spent(): { epsilon: number; order: number } {
    return this.epsilonAt(this.steps);
  }
  canStep(n = 1): boolean {
    return this.epsilonAt(this.steps + n).epsilon <= this.budget;
  }
}

// ---------- the plain-language receipt ----------

export type PrivacyPreset = 'high' | 'balanced' | 'utility';

export const PRIVACY_PRESETS: Record<PrivacyPreset, { epsilon: number; label: string; description: string }> = {
  high: { epsilon: 1, label: 'High privacy', description: 'ε ≤ 1: strong guarantee, noticeably lower fidelity.' },
  balanced: { epsilon: 3, label: 'Balanced', description: 'ε ≈ 3: a common compromise for research sharing.' },
  utility: { epsilon: 10, label: 'Utility', description: 'ε ≈ 10: weak formal guarantee, close to non-private fidelity.' },
};

export interface PrivacyReceipt {
  epsilon: number;
  delta: number;
  sigma?: number;
  q?: number;
  steps?: number;
  rows?: number;
  clipNorm?: number;
  /** Best Rényi order used for the conversion. */
  order?: number;
  /** Upper bound on any attacker's membership advantage (TPR − FPR): tanh(ε/2) + δ. */
  membershipAdvantageBound: number;
  /** Upper bound on the attacker's accuracy at guessing membership with a 50/50 prior. */
  membershipAccuracyBound: number;
  /** Upper bound on how much any single patient's record can multiply the odds of any outcome: e^ε. */
  oddsRatioBound: number;
  preset?: PrivacyPreset;
  accountant: string;
  text: string;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
}

/** A receipt saved with a DP model and shown in the report, in words a clinician can repeat to a committee. */
export function privacyReceipt(r: {
  epsilon: number;
  delta: number;
  sigma?: number;
  q?: number;
  steps?: number;
  rows?: number;
  clipNorm?: number;
  order?: number;
  preset?: PrivacyPreset;
}): PrivacyReceipt {
  const adv = Math.min(1, Math.tanh(r.epsilon / 2) + r.delta);
  const acc = Math.min(1, (1 + adv) / 2);
  const odds = Math.exp(r.epsilon);
  const deltaText = r.delta < 1e-3 ? r.delta.toExponential(1) : String(r.delta);
  const lines = [
    `This model was trained with differential privacy: ε = ${r.epsilon.toFixed(2)}, δ = ${deltaText}.`,
    `Whether or not any one patient's record was in the training data changes the probability of anything the model ` +
      `produces by at most a factor of ${odds < 100 ? odds.toFixed(2) : odds.toExponential(1)} (except with probability δ).`,
    `So an attacker holding the model and all other records can tell whether a given patient was included ` +
      `with an advantage of at most ${pct(adv)} over guessing (accuracy ≤ ${pct(acc)} when inclusion is a coin flip).`,
    `This bound holds for every patient and every attack, including attackers with unlimited side information; ` +
      `ε counts everything computed from the data — training and any value ranges or category lists estimated from it; ` +
      `ranges and lists the user declared public are assumed to be public knowledge.`,
  ];
  if (r.sigma !== undefined && r.steps !== undefined && r.q !== undefined)
    lines.push(
      `Mechanism: DP-SGD, ${r.steps} steps, each row sampled with probability ${r.q.toPrecision(3)}, ` +
        `gradients clipped${r.clipNorm !== undefined ? ` to norm ${r.clipNorm}` : ''} and noised with σ = ${r.sigma.toPrecision(3)}; ` +
        `accounted with Rényi DP of the sampled Gaussian mechanism.`,
    );
  return {
    epsilon: r.epsilon,
    delta: r.delta,
    sigma: r.sigma,
    q: r.q,
    steps: r.steps,
    rows: r.rows,
    clipNorm: r.clipNorm,
    order: r.order,
    preset: r.preset,
    membershipAdvantageBound: adv,
    membershipAccuracyBound: acc,
    oddsRatioBound: odds,
    accountant: 'RDP, Poisson-subsampled Gaussian (Mironov et al. 2019), ε conversion of Balle et al. 2020',
    text: lines.join(' '),
  };
}

/**
 * DP estimates of the facts an encoder needs (numeric bounds, category lists) so that preprocessing
 * does not leak outside the budget. Neighbouring tables differ by adding or removing one row (the
 * same relation the RDP accountant uses). Costs compose with DP-SGD by basic composition:
 * ε_total = ε_preprocessing + ε_training, δ_total = δ_preprocessing + δ_training.
 *
 * - Quantiles: exponential mechanism over a range (Smith 2011, "Privacy-preserving statistical
 *   estimation with optimal convergence rates"): pure ε.
 * - Coarse range when the user gives none: thresholded Laplace histogram over signed powers of two.
 * - Category lists: thresholded Laplace counts (Korolova et al. 2009; Wilson et al. 2020): a label is
 *   released only if count + Lap(1/ε) > 1 + ln(1/(2δ))/ε, so a label held by one patient shows up with
 *   probability ≤ δ.
 */
import type { Table } from 'apache-arrow';
import { trainableColumns, type ColumnSchema, type TableSchema } from '../../schema/types';
import { readColumns, type PrivacyColumn } from '../columns';
import { cryptoLaplace, cryptoUniform } from './crypto-random';

function logSumExp(xs: Float64Array): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return m;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/**
 * ε-DP p-quantile of `values` (nulls removed) within a public range [lo, hi] by the exponential
 * mechanism: interval k between consecutive sorted values has utility −|k − p·n| (sensitivity 1) and
 * is chosen with probability ∝ width·exp(ε·u/2); the answer is uniform inside it.
 */
export function dpQuantile(values: ArrayLike<number>, p: number, lo: number, hi: number, epsilon: number): number {
  if (!(hi > lo)) return lo;
  const xs = Float64Array.from(values as ArrayLike<number>)
    .filter((v) => !Number.isNaN(v))
    .map((v) => Math.min(hi, Math.max(lo, v)))
    .sort();
  const n = xs.length;
  const edges = new Float64Array(n + 2);
  edges[0] = lo;
  edges.set(xs, 1);
  edges[n + 1] = hi;
  const logw = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) {
    const width = edges[k + 1] - edges[k];
    logw[k] = (width > 0 ? Math.log(width) : -Infinity) - (epsilon / 2) * Math.abs(k - p * n);
  }
  const total = logSumExp(logw);
  let u = cryptoUniform();
  for (let k = 0; k <= n; k++) {
    u -= Math.exp(logw[k] - total);
    if (u <= 0 || k === n) return edges[k] + cryptoUniform() * (edges[k + 1] - edges[k]);
  }
  return hi;
}

/** Threshold for releasing a Laplace-noised count under (ε, δ). */
export function releaseThreshold(epsilon: number, delta: number): number {
  return 1 + Math.log(1 / (2 * delta)) / epsilon;
}

/**
 * (ε, δ)-DP list of the labels present in a column (nulls as null), most frequent (noisy) first.
 * Labels rarer than ~ln(1/δ)/ε rows are dropped: they could single a patient out.
 */
export function dpCategories(labels: ArrayLike<string | null>, epsilon: number, delta: number): (string | null)[] {
  const counts = new Map<string | null, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  const tau = releaseThreshold(epsilon, delta);
  const out: { l: string | null; c: number }[] = [];
  for (const [l, c] of counts) {
    const noisy = c + cryptoLaplace(1 / epsilon);
    if (noisy > tau) out.push({ l, c: noisy });
  }
  out.sort((a, b) => b.c - a.c);
  return out.map((o) => o.l);
}

/**
 * (ε, δ)-DP coarse range of a numeric column when the user gave no public bounds: counts over the
 * bins ±[2^k, 2^{k+1}) (and {0}), thresholded like dpCategories; the range spans the released bins.
 * Returns null when no bin clears the threshold (too few rows for this ε).
 */
export function dpCoarseRange(values: ArrayLike<number>, epsilon: number, delta: number): { lo: number; hi: number } | null {
  const bin = (v: number) => (v === 0 ? '0' : `${v < 0 ? '-' : '+'}${Math.floor(Math.log2(Math.abs(v)))}`);
  const labels: string[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) labels.push(bin(values[i]));
  const kept = dpCategories(labels, epsilon, delta);
  if (!kept.length) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const k of kept as string[]) {
    if (k === '0') {
      lo = Math.min(lo, 0);
      hi = Math.max(hi, 0);
      continue;
    }
    const e = Number(k.slice(1));
    const a = 2 ** e;
    const b = 2 ** (e + 1);
    if (k[0] === '+') {
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    } else {
      lo = Math.min(lo, -b);
      hi = Math.max(hi, -a);
    }
  }
  return { lo, hi };
}

export type DpColumnInput =
  | { name: string; kind: 'numeric'; values: ArrayLike<number>; publicRange?: [number, number] }
  | { name: string; kind: 'categorical'; labels: ArrayLike<string | null>; publicCategories?: string[] };

export interface DpPublicFacts {
  bounds: Record<string, { min: number; max: number }>;
  categories: Record<string, (string | null)[]>;
  /** What this preprocessing spent (0 when everything was public). */
  spent: { epsilon: number; delta: number };
  notes: string[];
}

/**
 * Public facts for a DP encoder: user-given bounds and category lists are used as given and cost nothing; everything else
 * is estimated under (epsilon, delta) split evenly over the queries (basic composition). Numeric
 * bounds are the DP 1st and 99th percentiles (clipping the tails is what lets a bounded encoding
 * exist at all).
 */
export function dpPublicFacts(columns: DpColumnInput[], epsilon: number, delta: number): DpPublicFacts {
  // queries that need budget: a numeric column without public bounds = coarse range + 2 quantiles
  type Q = { col: DpColumnInput; parts: number };
  const queries: Q[] = [];
  let parts = 0;
  for (const c of columns) {
    if (c.kind === 'numeric') {
      const p = c.publicRange ? 0 : 3;
      queries.push({ col: c, parts: p });
      parts += p;
    } else if (!c.publicCategories) {
      queries.push({ col: c, parts: 1 });
      parts += 1;
    } else queries.push({ col: c, parts: 0 });
  }
  const deltaQueries = columns.filter((c) => (c.kind === 'numeric' && !c.publicRange) || (c.kind === 'categorical' && !c.publicCategories)).length;
  const epsEach = parts ? epsilon / parts : 0;
  const deltaEach = deltaQueries ? delta / deltaQueries : 0;
  const facts: DpPublicFacts = { bounds: {}, categories: {}, spent: { epsilon: parts ? epsilon : 0, delta: deltaQueries ? delta : 0 }, notes: [] };
  for (const { col } of queries) {
    if (col.kind === 'categorical') {
      if (col.publicCategories) facts.categories[col.name] = col.publicCategories.slice();
      else {
        const kept = dpCategories(col.labels, epsEach, deltaEach);
        facts.categories[col.name] = kept;
        facts.notes.push(`${col.name}: ${kept.length} categories released under DP (rare ones merged away)`);
      }
      continue;
    }
    if (col.publicRange) {
      facts.bounds[col.name] = { min: col.publicRange[0], max: col.publicRange[1] };
      continue;
    }
    let range = dpCoarseRange(col.values, epsEach, deltaEach);
    if (!range) {
      facts.notes.push(`${col.name}: too few rows to estimate a range under DP; give public bounds`);
      range = { lo: 0, hi: 1 };
    }
    const lo = dpQuantile(col.values, 0.01, range.lo, range.hi, epsEach);
    const hi = dpQuantile(col.values, 0.99, range.lo, range.hi, epsEach);
    facts.bounds[col.name] = { min: Math.min(lo, hi), max: Math.max(lo, hi) };
  }
  return facts;
}

/** Basic composition of (ε, δ) parts. */
export function composeBasic(parts: { epsilon: number; delta: number }[]): { epsilon: number; delta: number } {
  return parts.reduce((a, p) => ({ epsilon: a.epsilon + p.epsilon, delta: a.delta + p.delta }), { epsilon: 0, delta: 0 });
}

/**
 * Every DP generator's first step: read its trainable columns and get their ranges and category lists from
 * what the user declared public, or from DP estimates (spending ε, δ). Returns the raw columns for training.
 */
export function trainingColumnFacts(
  table: Table,
  schema: TableSchema,
  declared: { publicBounds?: Record<string, [number, number]>; publicCategories?: Record<string, string[]> },
  epsilon: number,
  delta: number,
): { cols: ColumnSchema[]; read: PrivacyColumn[]; facts: DpPublicFacts } {
  const cols = trainableColumns(schema);
  const read = readColumns(table, cols);
  const inputs: DpColumnInput[] = read.map((c) =>
    c.kind === 'numeric'
      ? { name: c.name, kind: 'numeric', values: c.values, publicRange: declared.publicBounds?.[c.name] }
      : { name: c.name, kind: 'categorical', labels: c.labels, publicCategories: declared.publicCategories?.[c.name] },
  );
  return { cols, read, facts: dpPublicFacts(inputs, epsilon, delta) };
}

/**
 * The user's declaration that every trainable column's range and category list is public knowledge
 * (clinical ranges, code lists): DP training then spends no ε estimating them. Only true for such domains;
 * the privacy receipt's guarantee rests on it.
 */
export function declaredPublicDomain(schema: TableSchema): {
  publicBounds: Record<string, [number, number]>;
  publicCategories: Record<string, string[]>;
} {
  const publicBounds: Record<string, [number, number]> = {};
  const publicCategories: Record<string, string[]> = {};
  for (const c of trainableColumns(schema)) {
    if ((c.kind === 'continuous' || c.kind === 'integer' || c.kind === 'datetime') && c.min !== undefined && c.max !== undefined)
      publicBounds[c.name] = [c.min, c.max];
    if ((c.kind === 'categorical' || c.kind === 'boolean') && c.categories) publicCategories[c.name] = c.categories;
  }
  return { publicBounds, publicCategories };
}

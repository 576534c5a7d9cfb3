/**
 * Aggregates the report draws (UI and standalone HTML), so neither needs the raw tables:
 * per-column real vs synthetic distributions, association matrices, missingness.
 */
import type { EvalColumn } from './columns';
import type { PairQuality, QualityOptions } from './quality';

export type ColumnChart =
  | {
      name: string;
      type: 'histogram';
      kind: string;
      /** Shared bin edges over both tables' non-null range (datetime in ms since epoch). */
      edges: number[];
      /** Share of non-null values per bin. */
      real: number[];
      synthetic: number[];
    }
  | {
      name: string;
      type: 'bars';
      kind: string;
      /** Most frequent labels (by real+synthetic share), then "other" when labels were folded. */
      labels: string[];
      real: number[];
      synthetic: number[];
      /** How many labels the "other" bar holds (0 when none). */
      otherCount: number;
    };

export interface AssociationMatrices {
  /** Column order of the matrices. */
  columns: string[];
  /**
   * One association measure per pair: Pearson r (signed, −1..1) when both columns are numeric/datetime,
   * otherwise Cramér's V (0..1) of the contingency table (numbers cut into 10 equal-width bins, nulls kept) —
   * the same tables Column Pair Trends compares. Diagonal 1; null when undefined (constant column).
   */
  real: (number | null)[][];
  synthetic: (number | null)[][];
  /** synthetic − real. */
  difference: (number | null)[][];
  /** 'r' for Pearson cells, 'v' for Cramér's V cells. */
  measure: ('r' | 'v' | '')[][];
}

export interface ChartData {
  columns: ColumnChart[];
  associations: AssociationMatrices;
  missingness: { name: string; real: number; synthetic: number }[];
}

function numericHistogram(c: Extract<EvalColumn, { type: 'numeric' }>, bins: number): ColumnChart {
  let lo = Infinity;
  let hi = -Infinity;
  for (const arr of [c.real, c.synthetic])
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (v === v) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  if (lo > hi) return { name: c.name, type: 'histogram', kind: c.schema.kind, edges: [], real: [], synthetic: [] };
  // integer-valued columns with few values: one bin per integer, so 0/1 codes don't split oddly
  const integral = c.schema.kind === 'integer' && hi - lo < bins;
  const nb = hi === lo ? 1 : integral ? hi - lo + 1 : bins;
  const start = integral ? lo - 0.5 : lo;
  const width = hi === lo ? 1 : integral ? 1 : (hi - lo) / nb;
  const edges = Array.from({ length: nb + 1 }, (_, e) => start + e * width);
  const count = (arr: Float64Array) => {
    const h = new Array<number>(nb).fill(0);
    let n = 0;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (v !== v) continue;
      let k = Math.floor((v - start) / width);
      if (k >= nb) k = nb - 1;
      if (k < 0) k = 0;
      h[k]++;
      n++;
    }
    return n ? h.map((x) => x / n) : h;
  };
  return { name: c.name, type: 'histogram', kind: c.schema.kind, edges, real: count(c.real), synthetic: count(c.synthetic) };
}

function categoryBars(c: Extract<EvalColumn, { type: 'discrete' }>, top: number): ColumnChart {
  const k = c.labels.length;
  const share = (codes: Int32Array) => {
    const h = new Float64Array(k);
    let n = 0;
    for (let i = 0; i < codes.length; i++)
      if (codes[i] >= 0) {
        h[codes[i]]++;
        n++;
      }
    if (n) for (let j = 0; j < k; j++) h[j] /= n;
    return h;
  };
  const r = share(c.real);
  const s = share(c.synthetic);
  const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => r[b] + s[b] - (r[a] + s[a]) || (c.labels[a] < c.labels[b] ? -1 : 1));
  const shown = order.slice(0, k > top ? top - 1 : top);
  const rest = order.slice(shown.length);
  const labels = shown.map((j) => c.labels[j]);
  const real = shown.map((j) => r[j]);
  const synthetic = shown.map((j) => s[j]);
  if (rest.length) {
    labels.push(`other (${rest.length})`);
    real.push(rest.reduce((a, j) => a + r[j], 0));
    synthetic.push(rest.reduce((a, j) => a + s[j], 0));
  }
  return { name: c.name, type: 'bars', kind: c.schema.kind, labels, real, synthetic, otherCount: rest.length };
}

function missingShare(c: EvalColumn, which: 'real' | 'synthetic'): number {
  const a = c[which];
  if (!a.length) return 0;
  let k = 0;
  if (c.type === 'numeric') {
    const v = a as Float64Array;
    for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) k++;
  } else {
    const v = a as Int32Array;
    for (let i = 0; i < v.length; i++) if (v[i] < 0) k++;
  }
  return k / a.length;
}

export function buildCharts(cols: EvalColumn[], pairs: PairQuality[], options: QualityOptions = {}): ChartData {
  const bins = options.histogramBins ?? 20;
  const top = Math.max(2, options.topCategories ?? 12);
  const columns = cols.map((c) => (c.type === 'numeric' ? numericHistogram(c, bins) : categoryBars(c, top)));
  const names = cols.map((c) => c.name);
  const index = new Map(names.map((n, i) => [n, i]));
  const n = names.length;
  const grid = <T,>(fill: T) => Array.from({ length: n }, () => new Array<T>(n).fill(fill));
  const real = grid<number | null>(null);
  const synthetic = grid<number | null>(null);
  const difference = grid<number | null>(null);
  const measure = grid<'r' | 'v' | ''>('');
  for (let i = 0; i < n; i++) {
    real[i][i] = synthetic[i][i] = 1;
    difference[i][i] = 0;
  }
  for (const p of pairs) {
    const i = index.get(p.columns[0])!;
    const j = index.get(p.columns[1])!;
    const m = p.metric === 'CorrelationSimilarity' ? 'r' : 'v';
    real[i][j] = real[j][i] = p.realAssociation;
    synthetic[i][j] = synthetic[j][i] = p.syntheticAssociation;
    const d = p.realAssociation === null || p.syntheticAssociation === null ? null : p.syntheticAssociation - p.realAssociation;
    difference[i][j] = difference[j][i] = d;
    measure[i][j] = measure[j][i] = m;
  }
  return {
    columns,
    associations: { columns: names, real, synthetic, difference, measure },
    missingness: cols.map((c) => ({ name: c.name, real: missingShare(c, 'real'), synthetic: missingShare(c, 'synthetic') })),
  };
}

/**
 * Fairness and representation for a protected attribute: does every group keep its share and its shape in the
 * synthetic table, and does a model trained on synthetic rows treat groups as one trained on real rows does?
 * Demographic parity and equalized odds as in Hardt et al. 2016 / fairlearn (max − min over groups).
 */
import type { SharedColumn } from './features';
import { ksComplement, tvComplement } from './stats';
import type { UtilityRun } from './utility';

export interface GroupShare {
  group: string;
  realShare: number;
  syntheticShare: number;
  realRows: number;
  syntheticRows: number;
  /** Mean Column Shapes score of the other columns within the group; null when a side has < 5 rows. */
  columnShapes: number | null;
}

export interface GroupRates {
  group: string;
  rows: number;
  /** P(ŷ = positive) */
  selectionRate: number;
  truePositiveRate: number | null;
  falsePositiveRate: number | null;
}

export interface ModelFairness {
  demographicParityDifference: number;
  equalizedOddsDifference: number;
  groups: GroupRates[];
}

export interface FairnessReport {
  protected: string;
  /** How groups were formed: labels, or bands for a numeric column. */
  grouping: string;
  groups: GroupShare[];
  /** Largest |real share − synthetic share| over groups. */
  maxShareDifference: number;
  /** Groups present in real rows but absent (0 rows) from the synthetic table. */
  erasedGroups: string[];
  /** For the utility classifier, on the real test rows; absent without a classification target. */
  utility?: {
    /** What counts as the "positive" outcome. */
    positive: string;
    real: ModelFairness;
    synthetic: ModelFairness;
    /** Groups with fewer than 10 test rows, left out of the differences. */
    smallGroups: string[];
  };
}

const NULL_GROUP = '(missing)';

/** Decade bands for ages, else bands at the real column's quartiles. */
function numericBands(col: Extract<SharedColumn, { type: 'numeric' }>): { edges: number[]; labels: string[]; grouping: string } {
  const real = Array.from(col.data[0]).filter((v) => v === v).sort((a, b) => a - b);
  if (/(^|_|\b)age($|_|\b)/i.test(col.name)) {
    const edges = [30, 40, 50, 60, 70, 80];
    const labels = ['<30', '30–39', '40–49', '50–59', '60–69', '70–79', '80+'];
    return { edges, labels, grouping: 'age bands (<30, decades, 80+)' };
  }
  const q = (p: number) => real[Math.min(real.length - 1, Math.floor(p * real.length))];
  const edges = [...new Set([q(0.25), q(0.5), q(0.75)])].filter((v) => v !== undefined);
  const fmt = (v: number) => String(+v.toPrecision(4));
  const labels = edges.length
    ? [`<${fmt(edges[0])}`, ...edges.slice(1).map((e, i) => `${fmt(edges[i])}–<${fmt(e)}`), `≥${fmt(edges[edges.length - 1])}`]
    : ['all'];
  return { edges, labels, grouping: 'quartile bands of the real column' };
}

/** Group label index per row for each table; groups[] names them (the last may be "(missing)"). */
export function groupRows(col: SharedColumn): { groups: string[]; of: Int32Array[]; grouping: string } {
  if (col.type === 'discrete') {
    const k = col.labels.length;
    const of = col.data.map((d) => Int32Array.from(d, (v) => (v < 0 ? k : v)));
    return { groups: [...col.labels, NULL_GROUP], of, grouping: 'labels' };
  }
  const { edges, labels, grouping } = numericBands(col);
  const of = col.data.map((d) =>
    Int32Array.from(d, (v) => {
      if (v !== v) return labels.length;
      let b = 0;
      while (b < edges.length && v >= edges[b]) b++;
      return b;
    }),
  );
  return { groups: [...labels, NULL_GROUP], of, grouping };
}

function subset<T extends Float64Array | Int32Array>(a: T, mask: Int32Array, g: number): T {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === g) n++;
  const out = new (a.constructor as { new (n: number): T })(n);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] === g) out[k++] = a[i];
  return out;
}

function modelFairness(pred: Int32Array, y: Float64Array, group: Int32Array, groups: string[], isPositive: (c: number) => boolean, minRows: number, small: Set<string>): ModelFairness {
  const rates: GroupRates[] = [];
  for (let g = 0; g < groups.length; g++) {
    let n = 0;
    let sel = 0;
    let pos = 0;
    let tp = 0;
    let neg = 0;
    let fp = 0;
    for (let i = 0; i < pred.length; i++) {
      if (group[i] !== g) continue;
      n++;
      const p = isPositive(pred[i]);
      const t = isPositive(y[i]);
      if (p) sel++;
      if (t) {
        pos++;
        if (p) tp++;
      } else {
        neg++;
        if (p) fp++;
      }
    }
    if (n === 0) continue;
    if (n < minRows) {
      small.add(groups[g]);
      continue;
    }
    rates.push({ group: groups[g], rows: n, selectionRate: sel / n, truePositiveRate: pos ? tp / pos : null, falsePositiveRate: neg ? fp / neg : null });
  }
  const spread = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length > 1 ? Math.max(...v) - Math.min(...v) : 0;
  };
  return {
    demographicParityDifference: spread(rates.map((r) => r.selectionRate)),
    equalizedOddsDifference: Math.max(spread(rates.map((r) => r.truePositiveRate)), spread(rates.map((r) => r.falsePositiveRate))),
    groups: rates,
  };
}

/**
 * Fairness of a synthetic table for `protectedName`. `columns` are shared columns of (real, synthetic[, holdout]);
 * `utility` (a classification run) adds the model fairness on its test rows.
 */
export function fairnessFromColumns(columns: SharedColumn[], protectedName: string, utility?: UtilityRun): FairnessReport {
  const col = columns.find((c) => c.name === protectedName);
  if (!col) throw new Error(`fairness: protected column "${protectedName}" is not among the evaluated columns`);
  const { groups, of, grouping } = groupRows(col);
  const nR = of[0].length;
  const nS = of[1].length;
  const others = columns.filter((c) => c !== col);
  const shares: GroupShare[] = [];
  for (let g = 0; g < groups.length; g++) {
    let r = 0;
    let s = 0;
    for (const v of of[0]) if (v === g) r++;
    for (const v of of[1]) if (v === g) s++;
    if (r === 0 && s === 0) continue;
    let columnShapes: number | null = null;
    if (r >= 5 && s >= 5 && others.length) {
      let sum = 0;
      for (const c of others) {
        sum +=
          c.type === 'numeric'
            ? ksComplement(subset(c.data[0] as Float64Array, of[0], g), subset(c.data[1] as Float64Array, of[1], g))
            : tvComplement(subset(c.data[0] as Int32Array, of[0], g), subset(c.data[1] as Int32Array, of[1], g), c.labels.length);
      }
      columnShapes = sum / others.length;
    }
    shares.push({ group: groups[g], realShare: nR ? r / nR : 0, syntheticShare: nS ? s / nS : 0, realRows: r, syntheticRows: s, columnShapes });
  }
  const report: FairnessReport = {
    protected: col.name,
    grouping,
    groups: shares,
    maxShareDifference: shares.reduce((m, x) => Math.max(m, Math.abs(x.realShare - x.syntheticShare)), 0),
    erasedGroups: shares.filter((x) => x.realRows > 0 && x.syntheticRows === 0).map((x) => x.group),
  };
  if (utility?.predicted && utility.realClassCounts && utility.report.classes) {
    const counts = utility.realClassCounts;
    const K = counts.length;
    let majority = 0;
    for (let c = 1; c < K; c++) if (counts[c] > counts[majority]) majority = c;
    const labels = utility.report.classes;
    // binary: the rarer class is the outcome of interest (disease, >50K); multiclass: anything but the most common
    let isPositive: (c: number) => boolean;
    let positive: string;
    if (K === 2) {
      const minority = 1 - majority;
      isPositive = (c) => c === minority;
      positive = `${utility.report.target} = ${labels[minority]}`;
    } else {
      isPositive = (c) => c !== majority;
      positive = `${utility.report.target} ≠ ${labels[majority]}`;
    }
    const testGroup = new Int32Array(utility.y.length);
    let i = 0;
    for (const p of utility.test.parts) for (const r of p.rows) testGroup[i++] = of[p.table][r];
    const small = new Set<string>();
    report.utility = {
      positive,
      real: modelFairness(utility.predicted.real, utility.y, testGroup, groups, isPositive, 10, small),
      synthetic: modelFairness(utility.predicted.synthetic, utility.y, testGroup, groups, isPositive, 10, small),
      smallGroups: [...small],
    };
  }
  return report;
}

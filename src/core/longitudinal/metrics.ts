import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import { ksComplement, pearson } from '../evaluate/stats';
import {
  classifyColumns,
  groupByEntity,
  numericColumn,
  summariseSequences,
  textColumn,
  type EntityGroups,
} from './structure';

/**
 * Temporal fidelity for longitudinal records: what row-wise metrics cannot see. Each entry holds the real
 * value beside the synthetic one, so the report can show the reference next to every number.
 */
export interface TemporalReport {
  visitsPerPatient: { real: number[]; synthetic: number[]; ksComplement: number };
  gaps: { realMedian: number; syntheticMedian: number; ksComplement: number };
  /** Lag-1 autocorrelation of each numeric time-varying column within patients. */
  autocorrelation: Record<string, { real: number; synthetic: number }>;
  /** Mean change from first to last visit per numeric time-varying column. */
  firstLastShift: Record<string, { real: number; synthetic: number }>;
  /** Categorical time-varying columns: 1 − total variation distance between visit-to-visit transition frequencies. */
  transitions: Record<string, { tvComplement: number }>;
  /** Per time-varying column, share of visits where it is missing. */
  missingRate: Record<string, { real: number; synthetic: number }>;
  staticColumns: string[];
  timeVaryingColumns: string[];
}

export function evaluateTemporal(real: Table, synthetic: Table, schema: TableSchema): TemporalReport {
  const id = schema.idColumn;
  if (!id) throw new Error('Longitudinal evaluation needs the patient id column (--id)');
  const gReal = groupByEntity(real, id, schema.timeColumn);
  const gSyn = groupByEntity(synthetic, id, schema.timeColumn);
  const roles = classifyColumns(real, schema, gReal);
  const sReal = summariseSequences(gReal);
  const sSyn = summariseSequences(gSyn);
  const maxLen = Math.max(sReal.length.max, sSyn.length.max, 1);

  const report: TemporalReport = {
    visitsPerPatient: {
      real: histogram(sReal.lengths, maxLen),
      synthetic: histogram(sSyn.lengths, maxLen),
      ksComplement: ksComplement(Float64Array.from(sReal.lengths), Float64Array.from(sSyn.lengths)),
    },
    gaps: {
      realMedian: sReal.gap.median,
      syntheticMedian: sSyn.gap.median,
      ksComplement: ksComplement(sReal.gaps, sSyn.gaps),
    },
    autocorrelation: {},
    firstLastShift: {},
    transitions: {},
    missingRate: {},
    staticColumns: roles.static,
    timeVaryingColumns: roles.timeVarying,
  };

  const kinds = new Map(schema.columns.map((c) => [c.name, c.kind]));
  for (const name of roles.timeVarying) {
    if (!synthetic.getChild(name)) continue;
    const kind = kinds.get(name);
    if (kind === 'continuous' || kind === 'integer' || kind === 'datetime') {
      const r = numericColumn(real, name);
      const s = numericColumn(synthetic, name);
      report.autocorrelation[name] = { real: lag1Autocorrelation(r, gReal), synthetic: lag1Autocorrelation(s, gSyn) };
      report.firstLastShift[name] = { real: firstLastShift(r, gReal), synthetic: firstLastShift(s, gSyn) };
      report.missingRate[name] = { real: nanRate(r), synthetic: nanRate(s) };
    } else {
      const r = textColumn(real, name);
      const s = textColumn(synthetic, name);
      report.transitions[name] = { tvComplement: 1 - tvDistance(transitionCounts(r, gReal), transitionCounts(s, gSyn)) };
      report.missingRate[name] = { real: nullRate(r), synthetic: nullRate(s) };
    }
  }
  return report;
}

function histogram(lengths: Int32Array, max: number): number[] {
  const h = new Array<number>(max + 1).fill(0);
  for (const l of lengths) h[l]++;
  return h;
}

/** Pearson correlation of (x_t, x_{t+1}) pairs pooled over patients. */
function lag1Autocorrelation(values: Float64Array, g: EntityGroups): number {
  const pairs = g.order.length - g.ids.length;
  const prev = new Float64Array(pairs);
  const next = new Float64Array(pairs);
  let n = 0;
  for (let e = 0; e < g.ids.length; e++) {
    for (let k = g.offsets[e] + 1; k < g.offsets[e + 1]; k++, n++) {
      prev[n] = values[g.order[k - 1]];
      next[n] = values[g.order[k]];
    }
  }
  return pearson(prev, next) ?? NaN;
}

/** Mean over patients of (last observed − first observed) value. */
function firstLastShift(values: Float64Array, g: EntityGroups): number {
  let sum = 0;
  let n = 0;
  for (let e = 0; e < g.ids.length; e++) {
    let first = NaN;
    let last = NaN;
    for (let k = g.offsets[e]; k < g.offsets[e + 1]; k++) {
      const v = values[g.order[k]];
      if (Number.isNaN(v)) continue;
      if (Number.isNaN(first)) first = v;
      last = v;
    }
    if (g.offsets[e + 1] - g.offsets[e] > 1 && !Number.isNaN(first)) {
      sum += last - first;
      n++;
    }
  }
  return n ? sum / n : NaN;
}

function transitionCounts(values: (string | null)[], g: EntityGroups): Map<string, number> {
  const counts = new Map<string, number>();
  for (let e = 0; e < g.ids.length; e++) {
    for (let k = g.offsets[e] + 1; k < g.offsets[e + 1]; k++) {
      const key = `${values[g.order[k - 1]] ?? '∅'}→${values[g.order[k]] ?? '∅'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function tvDistance(a: Map<string, number>, b: Map<string, number>): number {
  let na = 0;
  let nb = 0;
  for (const v of a.values()) na += v;
  for (const v of b.values()) nb += v;
  if (na === 0 || nb === 0) return na === nb ? 0 : 1;
  let d = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) d += Math.abs((a.get(k) ?? 0) / na - (b.get(k) ?? 0) / nb);
  return d / 2;
}

function nanRate(v: Float64Array): number {
  let n = 0;
  for (const x of v) if (Number.isNaN(x)) n++;
  return v.length ? n / v.length : 0;
}

function nullRate(v: (string | null)[]): number {
  let n = 0;
  for (const x of v) if (x === null) n++;
  return v.length ? n / v.length : 0;
}

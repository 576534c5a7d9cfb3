/**
 * SDMetrics-style QualityReport (MIT formulas): Column Shapes and Column Pair Trends, plus the data the
 * report charts need. One pass per column / per pair over typed arrays.
 */
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import { evaluatedColumns, readEvalColumns, type EvalColumn } from './columns';
import { buildCharts, type ChartData } from './charts';
import {
  PAIR_BINS,
  codesWithNull,
  contingencySimilarity,
  cramersV,
  digitizeColumn,
  jointTable,
  ksComplement,
  centred,
  pearsonCentred,
  tvComplement,
} from './stats';

export type ShapeMetric = 'KSComplement' | 'TVComplement';
export type PairMetric = 'CorrelationSimilarity' | 'ContingencySimilarity';

export interface ColumnQuality {
  metric: ShapeMetric;
  score: number;
  kind: string;
  /** Share of null cells in each table and |difference|. */
  missingReal: number;
  missingSynthetic: number;
  missingDifference: number;
}

export interface PairQuality {
  columns: [string, string];
  metric: PairMetric;
  /** null when the pair has no score (a constant column, or too few complete rows). */
  score: number | null;
  /** Association in each table: Pearson r for CorrelationSimilarity pairs, Cramér's V of the (binned) contingency table otherwise. */
  realAssociation: number | null;
  syntheticAssociation: number | null;
  /** |r_real| > 0.5 or Cramér's V_real > 0.3 (SDMetrics ≥ 0.27 only averages these). */
  strong: boolean;
}

export interface QualityReport {
  /** Mean per-column shape score. */
  columnShapes: number;
  /** Mean over all scored pairs (SDMetrics ≤ 0.26, used by published benchmarks). */
  columnPairTrends: number;
  /** Mean over pairs with a strong real association (SDMetrics ≥ 0.27); null when no pair is strong. */
  columnPairTrendsStrong: number | null;
  /** Mean of columnShapes and columnPairTrends (all pairs). */
  overall: number;
  columns: Record<string, ColumnQuality>;
  pairs: PairQuality[];
  /** Columns not evaluated (identifiers, free text, excluded), with the reason. */
  skipped: { name: string; reason: string }[];
  rows: { real: number; synthetic: number };
  /** Histograms, correlation matrices, missingness for the report charts. Absent when options.charts is false. */
  charts?: ChartData;
  elapsedMs: number;
}

export interface QualityOptions {
  /** Compute chart data (default true). */
  charts?: boolean;
  /** Bars shown per categorical column before "other" (default 12). */
  topCategories?: number;
  /** Histogram bins for numeric columns (default 20). */
  histogramBins?: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function nullShare(col: EvalColumn, which: 'real' | 'synthetic'): number {
  const a = col[which];
  if (a.length === 0) return 0;
  let k = 0;
  if (col.type === 'numeric') {
    const v = a as Float64Array;
    for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) k++;
  } else {
    const v = a as Int32Array;
    for (let i = 0; i < v.length; i++) if (v[i] < 0) k++;
  }
  return k / a.length;
}

/** Codes for contingency tables: numeric → digitized bins (0..11), discrete → code with null as its own value. */
interface PairCodes {
  real: Int32Array;
  synthetic: Int32Array;
  k: number;
}

function pairCodes(col: EvalColumn): PairCodes {
  if (col.type === 'numeric')
    return { real: digitizeColumn(col.real, PAIR_BINS), synthetic: digitizeColumn(col.synthetic, PAIR_BINS), k: PAIR_BINS + 2 };
  const k = col.labels.length;
  return { real: codesWithNull(col.real, k), synthetic: codesWithNull(col.synthetic, k), k: k + 1 };
}

export function evaluateQualityColumns(cols: EvalColumn[], schema: TableSchema, options: QualityOptions = {}): QualityReport {
  const t0 = Date.now();
  const columns: Record<string, ColumnQuality> = {};
  const shapeScores: number[] = [];
  for (const c of cols) {
    const score = c.type === 'numeric' ? ksComplement(c.real, c.synthetic) : tvComplement(c.real, c.synthetic, c.labels.length);
    const mr = nullShare(c, 'real');
    const ms = nullShare(c, 'synthetic');
    columns[c.name] = {
      metric: c.type === 'numeric' ? 'KSComplement' : 'TVComplement',
      score,
      kind: c.schema.kind,
      missingReal: mr,
      missingSynthetic: ms,
      missingDifference: Math.abs(mr - ms),
    };
    shapeScores.push(score);
  }

  const codes: (PairCodes | null)[] = cols.map(() => null);
  const cent: ({ real: Float64Array; synthetic: Float64Array } | null)[] = cols.map(() => null);
  const centOf = (i: number) => {
    const c = cols[i] as Extract<EvalColumn, { type: 'numeric' }>;
    return (cent[i] ??= { real: centred(c.real), synthetic: centred(c.synthetic) });
  };
  const codesOf = (i: number) => (codes[i] ??= pairCodes(cols[i]));
  const pairs: PairQuality[] = [];
  for (let i = 0; i < cols.length; i++) {
    for (let j = i + 1; j < cols.length; j++) {
      const a = cols[i];
      const b = cols[j];
      if (a.type === 'numeric' && b.type === 'numeric') {
        const ca = centOf(i);
        const cb = centOf(j);
        const rr = pearsonCentred(ca.real, cb.real);
        const rs = pearsonCentred(ca.synthetic, cb.synthetic);
        const score = rr === null || rs === null ? null : 1 - Math.abs(rr - rs) / 2;
        pairs.push({
          columns: [a.name, b.name],
          metric: 'CorrelationSimilarity',
          score,
          realAssociation: rr,
          syntheticAssociation: rs,
          strong: rr !== null && Math.abs(rr) > 0.5,
        });
      } else {
        const ca = codesOf(i);
        const cb = codesOf(j);
        const tr = jointTable(ca.real, ca.k, cb.real, cb.k);
        const ts = jointTable(ca.synthetic, ca.k, cb.synthetic, cb.k);
        const vReal = cramersV(tr, cb.k);
        pairs.push({
          columns: [a.name, b.name],
          metric: 'ContingencySimilarity',
          score: contingencySimilarity(tr, ts),
          realAssociation: vReal,
          syntheticAssociation: cramersV(ts, cb.k),
          strong: vReal > 0.3,
        });
      }
    }
  }

  const scored = pairs.filter((p) => p.score !== null).map((p) => p.score as number);
  const strong = pairs.filter((p) => p.score !== null && p.strong).map((p) => p.score as number);
  const columnShapes = mean(shapeScores);
  const columnPairTrends = scored.length ? mean(scored) : NaN;
  // a one-column table has no pairs: overall falls back to the shapes alone
  const overall = scored.length ? (columnShapes + columnPairTrends) / 2 : columnShapes;
  const evaluated = new Set(cols.map((c) => c.name));
  const skipped = schema.columns
    .filter((c) => !evaluated.has(c.name))
    .map((c) => ({ name: c.name, reason: c.excluded ? 'excluded' : c.kind === 'identifier' ? 'identifier' : c.kind === 'text' ? 'free text' : 'not compared' }));
  const report: QualityReport = {
    columnShapes,
    columnPairTrends,
    columnPairTrendsStrong: strong.length ? mean(strong) : null,
    overall,
    columns,
    pairs,
    skipped,
    rows: { real: cols.length ? cols[0].real.length : 0, synthetic: cols.length ? cols[0].synthetic.length : 0 },
    elapsedMs: 0,
  };
  if (options.charts !== false) report.charts = buildCharts(cols, pairs, options);
  report.elapsedMs = Date.now() - t0;
  return report;
}

/** Column Shapes, Column Pair Trends and overall quality of `synthetic` against `real` (both shaped by `schema`). */
export function evaluateQuality(real: Table, synthetic: Table, schema: TableSchema, options: QualityOptions = {}): QualityReport {
  if (evaluatedColumns(schema).length === 0) throw new Error('evaluation: the schema has no columns to compare (all excluded, identifiers or text)');
  const report = evaluateQualityColumns(readEvalColumns(real, synthetic, schema), schema, options);
  report.rows = { real: real.numRows, synthetic: synthetic.numRows };
  return report;
}

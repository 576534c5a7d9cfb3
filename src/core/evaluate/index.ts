/**
 * Fidelity evaluation: quality (SDMetrics-style), detection, ML utility, fairness — one report the UI, the CLI
 * and the standalone HTML export share. DOM-free; run it in a worker for the UI.
 */
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import { evaluatedColumns } from './columns';
import { detectFromColumns, type DetectionReport } from './detection';
import { fairnessFromColumns, type FairnessReport } from './fairness';
import { readShared } from './features';
import { evaluateQuality, type QualityOptions, type QualityReport } from './quality';
import { utilityFromColumns, type UtilityReport, type UtilityRun } from './utility';

export { evaluateQuality, evaluateQualityColumns } from './quality';
export type { QualityReport, ColumnQuality, PairQuality, QualityOptions } from './quality';
export { evaluateDetection, detectionScore } from './detection';
export type { DetectionReport, DetectionOptions } from './detection';
export { evaluateUtility } from './utility';
export type { UtilityReport, UtilityOptions, UtilityMetrics, ClassificationMetrics, RegressionMetrics } from './utility';
export type { FairnessReport, GroupShare, ModelFairness } from './fairness';
export type { ChartData, ColumnChart, AssociationMatrices } from './charts';
export { renderReportHtml } from './report-html';

export interface EvaluationOptions extends QualityOptions {
  seed?: number;
  /** Utility target column. */
  target?: string;
  /** Protected attribute for the fairness section. */
  protected?: string;
  /** Real rows the generator never saw (utility test set). */
  holdout?: Table;
  /** Run detection (default true). */
  detection?: boolean;
  /** Rows per table for detection (default 10 000). */
  detectionMaxRows?: number;
  /** Rows per training/test set for utility (default 10 000). */
  utilityMaxRows?: number;
  onProgress?: (stage: 'quality' | 'detection' | 'utility' | 'fairness', done: number, total: number) => void;
}

export interface EvaluationReport {
  quality: QualityReport;
  detection?: DetectionReport;
  utility?: UtilityReport;
  fairness?: FairnessReport;
  /** Filled by callers that run the privacy evaluation (see src/core/privacy). */
  privacy?: unknown;
  /** Things the reader must know (sampling, missing holdout, skipped sections). */
  notes: string[];
  meta: { rows: { real: number; synthetic: number; holdout?: number }; seed: number; columns: number; generatedAt: string; title?: string };
}

/** Everything the fidelity report shows. Sections that need a target / protected column are skipped without one. */
export function evaluateAll(real: Table, synthetic: Table, schema: TableSchema, options: EvaluationOptions = {}): EvaluationReport {
  const seed = options.seed ?? 0;
  const notes: string[] = [];
  const stages = 1 + (options.detection !== false ? 1 : 0) + (options.target ? 1 : 0) + (options.protected ? 1 : 0);
  let done = 0;
  const step = (s: 'quality' | 'detection' | 'utility' | 'fairness') => options.onProgress?.(s, ++done, stages);
  const quality = evaluateQuality(real, synthetic, schema, options);
  step('quality');
  if (quality.skipped.length) notes.push(`Not compared: ${quality.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}.`);
  const tables = options.holdout ? [real, synthetic, options.holdout] : [real, synthetic];
  const columns = readShared(tables, evaluatedColumns(schema));
  const sizes = tables.map((t) => t.numRows);
  const report: EvaluationReport = {
    quality,
    notes,
    meta: {
      rows: { real: real.numRows, synthetic: synthetic.numRows, ...(options.holdout ? { holdout: options.holdout.numRows } : {}) },
      seed,
      columns: evaluatedColumns(schema).length,
      generatedAt: new Date().toISOString(),
    },
  };
  if (options.detection !== false) {
    report.detection = detectFromColumns(columns.map((c) => ({ ...c, data: c.data.slice(0, 2) }) as typeof c), real.numRows, synthetic.numRows, {
      seed,
      maxRows: options.detectionMaxRows,
    });
    if (report.detection.subsampled)
      notes.push(`Detection used a random ${report.detection.rows.real.toLocaleString('en')} real and ${report.detection.rows.synthetic.toLocaleString('en')} synthetic rows (cap ${report.detection.maxRows.toLocaleString('en')} per table).`);
    step('detection');
  }
  let run: UtilityRun | undefined;
  if (options.target) {
    run = utilityFromColumns(columns, sizes, { target: options.target, holdout: options.holdout, seed, maxRows: options.utilityMaxRows });
    report.utility = run.report;
    if (run.report.test.source === 'split') notes.push(run.report.test.note);
    if (run.report.rows.subsampled) notes.push(`Utility models trained on at most ${run.report.rows.maxRows.toLocaleString('en')} rows per table.`);
    step('utility');
  } else notes.push('No target column chosen: ML utility not computed.');
  if (options.protected) {
    report.fairness = fairnessFromColumns(columns, options.protected, run?.report.task === 'classification' ? run : undefined);
    step('fairness');
  }
  return report;
}

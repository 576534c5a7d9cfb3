/**
 * Evaluation worker: the fidelity report (quality, detection, utility, fairness), its standalone HTML,
 * and the privacy report — all off the page's thread.
 */
import * as Comlink from 'comlink';
import { tableFromIPC, type Table } from 'apache-arrow';
import { evaluateAll, renderReportHtml, type EvaluationReport } from '../src/core/evaluate';
import type { TableSchema } from '../src/core/schema/types';
import { takeRows } from '../src/core/sample/arrow';
import { initBackend } from '../src/core/models/backend';
import { tfjsWasmPaths } from '../src/offline/wasm-paths';
import { evaluateTemporal, type TemporalReport } from '../src/core/longitudinal/metrics';
import { patientRecords } from '../src/core/longitudinal/flatten';

export interface EvaluateRequest {
  /** The whole loaded table (Arrow IPC). */
  realIpc: Uint8Array;
  syntheticIpc: Uint8Array;
  schema: TableSchema;
  /** Rows the generator trained on and rows held back (absent: trained on every row). */
  trainRows?: Int32Array;
  holdoutRows?: Int32Array;
  target?: string;
  protected?: string;
  seed?: number;
  title?: string;
}

function split(req: EvaluateRequest): { train: Table; holdout?: Table; synthetic: Table } {
  const real = tableFromIPC(req.realIpc);
  const synthetic = tableFromIPC(req.syntheticIpc);
  if (!req.trainRows || !req.holdoutRows || req.holdoutRows.length === 0) return { train: real, synthetic };
  return {
    train: takeRows(req.schema, [{ table: real, rows: req.trainRows }]),
    holdout: takeRows(req.schema, [{ table: real, rows: req.holdoutRows }]),
    synthetic,
  };
}

const api = {
  async evaluate(
    req: EvaluateRequest,
    onProgress?: (stage: string, done: number, total: number) => void,
  ): Promise<{ report: EvaluationReport; html: string }> {
    const { train, holdout, synthetic } = split(req);
    let last: unknown;
    const report = evaluateAll(train, synthetic, req.schema, {
      seed: req.seed ?? 0,
      ...(req.target ? { target: req.target } : {}),
      ...(req.protected ? { protected: req.protected } : {}),
      ...(holdout ? { holdout } : {}),
      onProgress: (s, d, t) => void (last = onProgress?.(s, d, t)),
    });
    if (req.title) report.meta.title = req.title;
    await last;
    return { report, html: renderReportHtml(report, req.title ? { title: req.title } : {}) };
  },

  /** Temporal fidelity of longitudinal records (needs schema.idColumn): visits per patient, gaps, lag-1 autocorrelation, missingness. */
  temporal(req: Pick<EvaluateRequest, 'realIpc' | 'syntheticIpc' | 'schema'>): TemporalReport {
    return evaluateTemporal(tableFromIPC(req.realIpc), tableFromIPC(req.syntheticIpc), req.schema);
  },

  /** Disclosure risk against the held-back rows (needs a holdout). Uses tfjs for the distance products. */
  async privacy(req: EvaluateRequest, onProgress?: (stage: string, done: number, total: number) => void): Promise<unknown> {
    const { train, holdout, synthetic } = split(req);
    if (!holdout) throw new Error('The privacy checks need rows the generator never saw: turn on "Hold back 20% of rows" and train again.');
    await initBackend('wasm', { wasmPaths: tfjsWasmPaths() });
    const { evaluatePrivacy } = await import('../src/core/privacy');
    const schema = req.schema;
    const sensitive = schema.columns.filter((c) => c.sensitive).map((c) => c.name);
    const quasi = schema.columns.filter((c) => c.quasiIdentifier).map((c) => c.name);
    let last: unknown;
    if (schema.idColumn) {
      // A patient is the unit of membership: each patient's visits, as recorded, become one record.
      const real = patientRecords(train, schema);
      const report = await evaluatePrivacy(real.wide, real.records(synthetic), real.records(holdout), real.wideSchema, {
        seed: req.seed ?? 0,
        onProgress: (s, d, t) => void (last = onProgress?.(s, d, t)),
      });
      await last;
      return { ...report, unit: 'patient' };
    }
    const report = await evaluatePrivacy(train, synthetic, holdout, schema, {
      seed: req.seed ?? 0,
      ...(sensitive.length ? { sensitive } : {}),
      ...(quasi.length ? { quasiIdentifiers: quasi } : {}),
      onProgress: (s, d, t) => void (last = onProgress?.(s, d, t)),
    });
    await last;
    return report;
  },
};

export type EvaluateWorkerApi = typeof api;
Comlink.expose(api);

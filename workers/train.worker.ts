/**
 * Training worker: initialises the tfjs backend (WebGPU / wasm / cpu; wasm binaries served from the
 * app's own origin), fits a generator with progress and Cancel, samples in chunks and writes CSV.
 */
import * as Comlink from 'comlink';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import * as tf from '@tensorflow/tfjs';
import { browserProductHelper, initBackend as initCoreBackend } from '../src/core/models/backend';
import { offerReplica } from './replica-thread';
import { productThreads } from '../src/core/models/wasm-gemm/install';
import { createGenerator } from '../src/core/models/registry';
import type { BackendName, BackendPreference, FitOptions, FitResult, Generator, GeneratorKind, SavedModel, TrainProgress } from '../src/core/models/types';
import type { TableSchema } from '../src/core/schema/types';
import { writeCsv } from '../src/core/export/csv';
import { tfjsWasmPaths } from '../src/offline/wasm-paths';
import { splitHoldout, splitPatients } from '../src/core/privacy/holdout';
import { textColumn } from '../src/core/longitudinal/structure';
import { takeRows } from '../src/core/sample/arrow';
import { loadGenerator } from '../src/core/models/registry';
import type { Condition } from '../src/core/models/types';
import { ConditionTooRareError, sampleWithRejection } from '../src/core/sample/rejection';
import { toArrowIpc } from '../src/core/export/arrow-ipc';
import { toParquet } from '../src/core/export/parquet';
import { toPostgresScript } from '../src/core/export/postgres';
import { generationSidecar, type SidecarInput } from '../src/core/export/sidecar';
import type { PrivacyReceipt } from '../src/core/privacy/dp/rdp-accountant';
import { LongitudinalGenerator, type ModelFile, type SavedLongitudinalModel } from '../src/core/longitudinal/generator';
import { trainingCheckpoints } from '../src/offline/checkpoint';
import { patientTable } from '../src/core/longitudinal/static-table';
import { createDpGenerator, type DpGenerator } from '../src/core/privacy/dp';
import { declaredPublicDomain } from '../src/core/privacy/dp/dp-preprocess';

export interface TrainRequest {
  ipc: Uint8Array;
  schema: TableSchema;
  kind: GeneratorKind;
  backend: BackendPreference;
  options: FitOptions;
  /** Share of rows held back from training for the privacy and utility checks (0 = train on all). */
  holdoutFraction?: number;
  /** Differential privacy: target ε (DP-SGD), and whether ranges and category lists are declared public. */
  privacy?: { epsilon: number; publicDomain: boolean };
  /** Continue an interrupted run from its checkpoint (same table, kind and options); its checkpoint is replaced. */
  resume?: { model: SavedModel; epoch: number; runId: string };
}

export interface TrainOutcome {
  backend: BackendName;
  epochs: number;
  stoppedEarly: boolean;
  diverged?: string;
  cancelled: boolean;
  /** Threads the training ran on (2: the tVAE's replica took half of each batch, or the product helper was on; same numbers as 1). */
  threads: number;
  /** Rows trained on and rows held back (indices into the loaded table), when a holdout was kept. */
  trainRows?: Int32Array;
  holdoutRows?: Int32Array;
  /** The privacy receipt when trained with differential privacy. */
  receipt?: PrivacyReceipt;
}

export interface SampleOutcome {
  /** UTF-8 CSV bytes (transferred). */
  csv: Uint8Array;
  /** Arrow IPC bytes of the synthetic table, for the report (transferred). */
  ipc: Uint8Array;
  rows: number;
}

/**
 * One operation at a time: fit, sample and save all touch the same weights, and on WebGPU a save (which
 * reads every weight back) interleaved with a sampling run broke the device in testing.
 */
let queue: Promise<unknown> = Promise.resolve();
function exclusive<R>(f: () => Promise<R>): Promise<R> {
  const run = queue.then(f, f);
  queue = run.catch(() => undefined);
  return run;
}

/** A row generator, or (when the schema names a patient id) a longitudinal one: same sample(n, seed) signature, n counts patients. */
let generator: Generator | LongitudinalGenerator | null = null;
let schema: TableSchema | null = null;
/** The privacy receipt of the generator in use, when it came from a model file. */
let privacyReceipt: unknown = null;
let controller: AbortController | null = null;
/** The last synthetic table, kept for the other export formats (never sent back whole). */
let lastSynthetic: { table: Table; seed: number; conditions: Condition[] } | null = null;

export type ExportFormat = 'csv' | 'arrow' | 'parquet' | 'postgres';

export interface ExportRequest {
  format: ExportFormat;
  /** CSV: neutralise spreadsheet formulas in text cells (default true). */
  formulaGuard?: boolean;
  /** PostgreSQL: the table to create. */
  tableName?: string;
}

/** What the page adds to the sidecar (the worker knows the generator, schema, seed and receipt). */
export type SidecarRequest = Pick<SidecarInput, 'settings' | 'appVersion' | 'quality' | 'privacy' | 'source' | 'outputs' | 'notes'>;

/** Direct conditioning: the transformer (any conditions), CTGAN (one category equality); else rejection sampling. */
function conditionsDirect(g: Generator, s: TableSchema, conditions: readonly Condition[]): boolean {
  const c = conditions.length === 1 && conditions[0].op === '=' ? s.columns.find((col) => col.name === conditions[0].column) : undefined;
  return g.kind === 'transformer' || (g.kind === 'ctgan' && !!c && (c.kind === 'categorical' || c.kind === 'boolean'));
}

/**
 * The backend, and where this page can run them (cross-origin isolated, 2+ cores) a second thread: the
 * product helper (used while it is the faster way, same numbers) and the tVAE's replica.
 */
async function initBackend(pref: BackendPreference, opts: { wasmPaths: Record<string, string> }): Promise<BackendName> {
  const used = await initCoreBackend(pref, { ...opts, productHelper: browserProductHelper() });
  offerReplica(used);
  return used;
}

const api = {
  /** Initialise a backend and say which one is really in use. */
  async initBackend(pref: BackendPreference): Promise<BackendName> {
    return initBackend(pref, { wasmPaths: tfjsWasmPaths() });
  },

  train(req: TrainRequest, onProgress?: (p: TrainProgress) => void): Promise<TrainOutcome> {
    controller?.abort();
    return exclusive(() => fitNow(req, onProgress));
  },

  cancel(): void {
    controller?.abort();
  },

  /** Sample n rows in chunks (memory stays flat) and write them as CSV laid out like the input. */
  sample(n: number, seed: number, onProgress?: (done: number, total: number) => void, conditions: Condition[] = []): Promise<SampleOutcome> {
    return exclusive(() => sampleNow(n, seed, onProgress, conditions));
  },

  /** A synthetic table kept from before a reload becomes the one the exports are built from. */
  keepSynthetic(ipc: Uint8Array, seed: number, conditions: Condition[]): Promise<void> {
    return exclusive(async () => {
      lastSynthetic = { table: tableFromIPC(ipc), seed, conditions };
    });
  },

  /** The last synthetic table in another format (bytes transferred). */
  exportTable(req: ExportRequest): Promise<Uint8Array> {
    return exclusive(async () => {
      if (!lastSynthetic || !schema) throw new Error('Generate synthetic rows first.');
      const t = lastSynthetic.table;
      let bytes: Uint8Array;
      if (req.format === 'csv') bytes = new TextEncoder().encode(writeCsv(t, schema, { formulaGuard: req.formulaGuard ?? true }));
      else if (req.format === 'arrow') bytes = toArrowIpc(t, 'file');
      else if (req.format === 'parquet') bytes = toParquet(t, schema, { createdBy: 'Doppel' });
      else bytes = new TextEncoder().encode(toPostgresScript(t, schema, { tableName: req.tableName || 'synthetic' }));
      return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
    });
  },

  /**
   * The static columns of the last synthetic patients as their own CSV, one row per patient with the same
   * fresh ids as the long table: the two-file layout the real data came in.
   */
  exportPatients(req: { columns: string[]; formulaGuard?: boolean }): Promise<Uint8Array> {
    return exclusive(async () => {
      if (!lastSynthetic || !schema?.idColumn) throw new Error('Generate synthetic patients first.');
      const p = patientTable(lastSynthetic.table, schema, schema.idColumn, req.columns);
      const bytes = new TextEncoder().encode(writeCsv(p.table, p.schema, { formulaGuard: req.formulaGuard ?? true }));
      return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
    });
  },

  /** The generation metadata sidecar (JSON bytes): never rows. */
  sidecar(req: SidecarRequest): Promise<Uint8Array> {
    return exclusive(async () => {
      if (!lastSynthetic || !schema || !generator) throw new Error('Generate synthetic rows first.');
      const receipt = (privacyReceipt ?? null) as PrivacyReceipt | null;
      const notes = [...(req.notes ?? [])];
      if (lastSynthetic.conditions.length) notes.push(`Generated only rows where ${lastSynthetic.conditions.map((c) => JSON.stringify(c)).join(' and ')}.`);
      const doc = generationSidecar({
        ...req,
        notes,
        generator: generator.kind,
        seed: lastSynthetic.seed,
        privacyReceipt: receipt,
        schema,
        rows: lastSynthetic.table.numRows,
        createdAt: new Date(),
      });
      const bytes = new TextEncoder().encode(JSON.stringify(doc, null, 2));
      return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
    });
  },

  /** Load a model file (a generator handed over without its data) so Generate works without training. */
  loadModel(saved: SavedModel | SavedLongitudinalModel, backend: BackendPreference): Promise<{ kind: GeneratorKind; schema: TableSchema; backend: BackendName; longitudinal: boolean }> {
    controller?.abort();
    return exclusive(async () => {
      const format = saved && typeof saved === 'object' ? (saved as { format?: unknown }).format : undefined;
      if (format !== 'doppel-model' && format !== 'doppel-longitudinal')
        throw new Error('This is not a Doppel model file (expected "format": "doppel-model").');
      const used = await initBackend(backend, { wasmPaths: tfjsWasmPaths() });
      const g = format === 'doppel-longitudinal' ? await LongitudinalGenerator.load(saved as SavedLongitudinalModel) : await loadGenerator(saved as SavedModel);
      generator?.dispose();
      generator = g;
      schema = saved.schema;
      privacyReceipt = ('privacy' in saved ? saved.privacy : (saved as SavedLongitudinalModel).model?.privacy) ?? null;
      lastSynthetic = null;
      return { kind: g.kind, schema: saved.schema, backend: used, longitudinal: format === 'doppel-longitudinal' };
    });
  },

  /** The trained generator as a model file (weights + encoding, never rows); longitudinal models save their layout too. */
  save(): Promise<ModelFile> {
    return exclusive(async () => {
      if (!generator) throw new Error('Train a model first.');
      // save() reads weights synchronously. On WebGPU that read goes through canvas readback, which in
      // testing (SwiftShader) left the device unable to create buffers for the next sampling run; an
      // async read first caches every weight on the CPU, so save() never takes that path.
      if (tf.getBackend() === 'webgpu') await Promise.all(Object.values(tf.engine().registeredVariables).map((v) => v.data()));
      return generator.save();
    });
  },
};

async function fitNow(req: TrainRequest, onProgress?: (p: TrainProgress) => void): Promise<TrainOutcome> {
  const ac = new AbortController();
  controller = ac;
  const backend = await initBackend(req.backend, { wasmPaths: tfjsWasmPaths() });
  generator?.dispose();
  generator = null;
  privacyReceipt = null;
  lastSynthetic = null;
  let table: Table = tableFromIPC(req.ipc);
  let rows: { train: Int32Array; holdout: Int32Array } | null = null;
  const longitudinal = !!req.schema.idColumn;
  const fraction = req.holdoutFraction ?? 0;
  if (fraction > 0 && table.numRows >= 10) {
    const seed = Number(req.options.seed ?? 0);
    // Longitudinal: whole patients are held back (a row holdout would split a patient's visits).
    rows = longitudinal ? splitPatients(textColumn(table, req.schema.idColumn!), fraction, seed) : splitHoldout(table.numRows, fraction, seed);
    table = takeRows(req.schema, [{ table, rows: rows.train }]);
  }
  // A DP run's receipt would not count the epochs before the checkpoint, so only non-private row models resume.
  if (req.resume && (req.privacy || longitudinal)) throw new Error('Only a run without differential privacy and without a patient id can be continued; train anew.');
  const options: FitOptions = req.privacy
    ? { ...req.options, epsilon: req.privacy.epsilon, ...(req.privacy.publicDomain ? declaredPublicDomain(req.schema) : {}) }
    : { ...req.options, ...(req.resume ? { resume: { model: req.resume.model, epoch: req.resume.epoch } } : {}) };
  const g = longitudinal
    ? new LongitudinalGenerator(req.kind)
    : req.privacy
      ? await createDpGenerator(req.kind)
      : await createGenerator(req.kind);
  // The page's progress callback is a Comlink proxy on its own channel: wait for the last report to
  // land before answering, so the page never sees "done" before the final epoch.
  let lastReport: unknown = undefined;
  // Checkpoints (issue 8, nothing lost) save the weights every few seconds so a closed tab can resume. Not on
  // WebGPU: save() reads weights synchronously, which there broke later sampling (see save below), and an async
  // read mid-training would be stale by the time it lands. Not for longitudinal models (the store holds row models).
  const rowGenerator = g instanceof LongitudinalGenerator ? null : g;
  const cp =
    rowGenerator && backend !== 'webgpu'
      ? trainingCheckpoints({
          epochs: req.options.epochs ?? 300,
          settings: { kind: req.kind, ...req.options, holdoutFraction: fraction, ...(req.privacy ? { privacy: req.privacy } : {}) },
          ...(req.resume ? { replaces: req.resume.runId } : {}),
        })
      : null;
  try {
    const result: FitResult = await g.fit(
      table,
      req.schema,
      options,
      (p) => {
        lastReport = onProgress?.(p);
        if (cp && rowGenerator) void cp.epoch(rowGenerator, p);
      },
      ac.signal,
    );
    await lastReport;
    await cp?.finish();
    generator = g;
    schema = req.schema;
    const out: TrainOutcome = { backend: result.backend ?? backend, epochs: result.epochs, stoppedEarly: result.stoppedEarly, cancelled: false, threads: Math.max(result.threads ?? 1, productThreads()) };
    const receipt = g instanceof LongitudinalGenerator ? g.receipt : ((g as Partial<DpGenerator>).receipt ?? null);
    if (receipt) {
      privacyReceipt = receipt;
      out.receipt = receipt;
    }
    if (result.diverged) out.diverged = result.diverged;
    if (rows) {
      out.trainRows = rows.train;
      out.holdoutRows = rows.holdout;
    }
    return out;
  } catch (e) {
    if (ac.signal.aborted) {
      await cp?.finish();
      g.dispose();
      return { backend, epochs: 0, stoppedEarly: false, cancelled: true, threads: 1 };
    }
    g.dispose();
    throw e instanceof Error ? e : new Error(String(e));
  } finally {
    if (controller === ac) controller = null;
  }
}

async function sampleNow(n: number, seed: number, onProgress?: (done: number, total: number) => void, conditions: Condition[] = []): Promise<SampleOutcome> {
  if (!generator || !schema) throw new Error('Train a model first.');
  const ac = new AbortController();
  controller = ac;
  try {
    let lastReport: unknown = undefined;
    const report = (d: number, t: number) => void (lastReport = onProgress?.(d, t));
    if (conditions.length && generator instanceof LongitudinalGenerator) throw new Error('Conditions are not supported for longitudinal models yet.');
    const table =
      conditions.length && !(generator instanceof LongitudinalGenerator) && !conditionsDirect(generator, schema, conditions)
        ? await sampleWithRejection(generator, n, seed, conditions, { schema, chunkSize: 2000, signal: ac.signal, onProgress: report }).catch((e) => {
            // The honest message as is (how many matched, what to do), without a stack of wrappers.
            throw e instanceof ConditionTooRareError ? new Error(e.message) : e;
          })
        : await generator.sample(n, seed, { chunkSize: 2000, signal: ac.signal, onProgress: report, ...(conditions.length ? { conditions } : {}) });
    await lastReport;
    lastSynthetic = { table, seed, conditions };
    const csv = new TextEncoder().encode(writeCsv(table, schema, { formulaGuard: true }));
    const ipc = tableToIPC(table, 'stream');
    return Comlink.transfer({ csv, ipc, rows: table.numRows }, [csv.buffer as ArrayBuffer, ipc.buffer as ArrayBuffer]);
  } finally {
    if (controller === ac) controller = null;
  }
}

export type TrainWorkerApi = typeof api;
Comlink.expose(api);

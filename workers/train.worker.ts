/**
 * Training worker: initialises the tfjs backend (WebGPU / wasm / cpu; wasm binaries served from the
 * app's own origin), fits a generator with progress and Cancel, samples in chunks and writes CSV.
 */
import * as Comlink from 'comlink';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/models/backend';
import { createGenerator } from '../src/core/models/registry';
import type { BackendName, BackendPreference, FitOptions, FitResult, Generator, GeneratorKind, SavedModel, TrainProgress } from '../src/core/models/types';
import type { TableSchema } from '../src/core/schema/types';
import { writeCsv } from '../src/core/export/csv';
import { tfjsWasmPaths } from '../src/offline/wasm-paths';
import { splitHoldout } from '../src/core/privacy/holdout';
import { takeRows } from '../src/core/sample/arrow';

export interface TrainRequest {
  ipc: Uint8Array;
  schema: TableSchema;
  kind: GeneratorKind;
  backend: BackendPreference;
  options: FitOptions;
  /** Share of rows held back from training for the privacy and utility checks (0 = train on all). */
  holdoutFraction?: number;
}

export interface TrainOutcome {
  backend: BackendName;
  epochs: number;
  stoppedEarly: boolean;
  diverged?: string;
  cancelled: boolean;
  /** Rows trained on and rows held back (indices into the loaded table), when a holdout was kept. */
  trainRows?: Int32Array;
  holdoutRows?: Int32Array;
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

let generator: Generator | null = null;
let schema: TableSchema | null = null;
let controller: AbortController | null = null;

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
  sample(n: number, seed: number, onProgress?: (done: number, total: number) => void): Promise<SampleOutcome> {
    return exclusive(() => sampleNow(n, seed, onProgress));
  },

  /** The trained generator as a model file (weights + encoding, never rows). */
  save(): Promise<SavedModel> {
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
  let table: Table = tableFromIPC(req.ipc);
  let rows: { train: Int32Array; holdout: Int32Array } | null = null;
  const fraction = req.holdoutFraction ?? 0;
  if (fraction > 0 && table.numRows >= 10) {
    rows = splitHoldout(table.numRows, fraction, Number(req.options.seed ?? 0));
    table = takeRows(req.schema, [{ table, rows: rows.train }]);
  }
  const g = await createGenerator(req.kind);
  // The page's progress callback is a Comlink proxy on its own channel: wait for the last report to
  // land before answering, so the page never sees "done" before the final epoch.
  let lastReport: unknown = undefined;
  try {
    const result: FitResult = await g.fit(table, req.schema, req.options, (p) => void (lastReport = onProgress?.(p)), ac.signal);
    await lastReport;
    generator = g;
    schema = req.schema;
    const out: TrainOutcome = { backend: result.backend ?? backend, epochs: result.epochs, stoppedEarly: result.stoppedEarly, cancelled: false };
    if (result.diverged) out.diverged = result.diverged;
    if (rows) {
      out.trainRows = rows.train;
      out.holdoutRows = rows.holdout;
    }
    return out;
  } catch (e) {
    if (ac.signal.aborted) {
      g.dispose();
      return { backend, epochs: 0, stoppedEarly: false, cancelled: true };
    }
    g.dispose();
    throw e instanceof Error ? e : new Error(String(e));
  } finally {
    if (controller === ac) controller = null;
  }
}

async function sampleNow(n: number, seed: number, onProgress?: (done: number, total: number) => void): Promise<SampleOutcome> {
  if (!generator || !schema) throw new Error('Train a model first.');
  const ac = new AbortController();
  controller = ac;
  try {
    let lastReport: unknown = undefined;
    const table = await generator.sample(n, seed, {
      chunkSize: 2000,
      signal: ac.signal,
      onProgress: (d, t) => void (lastReport = onProgress?.(d, t)),
    });
    await lastReport;
    const csv = new TextEncoder().encode(writeCsv(table, schema, { formulaGuard: true }));
    const ipc = tableToIPC(table, 'stream');
    return Comlink.transfer({ csv, ipc, rows: table.numRows }, [csv.buffer as ArrayBuffer, ipc.buffer as ArrayBuffer]);
  } finally {
    if (controller === ac) controller = null;
  }
}

export type TrainWorkerApi = typeof api;
Comlink.expose(api);

/** The page's handles on its workers (Comlink). All parsing, training and evaluation happens there. */
import * as Comlink from 'comlink';
import type { IngestWorkerApi } from '../../workers/ingest.worker';
import type { TrainWorkerApi } from '../../workers/train.worker';
import type { EvaluateWorkerApi } from '../../workers/evaluate.worker';

interface Handle<T> {
  worker: Worker;
  api: Comlink.Remote<T>;
}

let ingest: Handle<IngestWorkerApi> | null = null;
let train: Handle<TrainWorkerApi> | null = null;
let evaluate: Handle<EvaluateWorkerApi> | null = null;

export function evaluateWorker(): Comlink.Remote<EvaluateWorkerApi> {
  if (!evaluate) {
    const worker = new Worker(new URL('../../workers/evaluate.worker.ts', import.meta.url), { type: 'module', name: 'doppel-evaluate' });
    evaluate = { worker, api: Comlink.wrap<EvaluateWorkerApi>(worker) };
  }
  return evaluate.api;
}

/** Stop a running evaluation (the report has no cooperative cancel): throw the worker away. */
export function resetEvaluateWorker(): void {
  evaluate?.worker.terminate();
  evaluate = null;
}

export function ingestWorker(): Comlink.Remote<IngestWorkerApi> {
  if (!ingest) {
    const worker = new Worker(new URL('../../workers/ingest.worker.ts', import.meta.url), { type: 'module', name: 'doppel-ingest' });
    ingest = { worker, api: Comlink.wrap<IngestWorkerApi>(worker) };
  }
  return ingest.api;
}

export function trainWorker(): Comlink.Remote<TrainWorkerApi> {
  if (!train) {
    const worker = new Worker(new URL('../../workers/train.worker.ts', import.meta.url), { type: 'module', name: 'doppel-train' });
    train = { worker, api: Comlink.wrap<TrainWorkerApi>(worker) };
  }
  return train.api;
}

/** Throw the training worker away (stuck device or crash); the next call starts a fresh one. */
export function resetTrainWorker(): void {
  train?.worker.terminate();
  train = null;
}

export { Comlink };

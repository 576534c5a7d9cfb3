/** The page's handles on its workers (Comlink). All parsing, training and evaluation happens there. */
import * as Comlink from 'comlink';
import type { IngestWorkerApi } from '../../workers/ingest.worker';
import type { TrainWorkerApi } from '../../workers/train.worker';
import type { EvaluateWorkerApi } from '../../workers/evaluate.worker';
import { SupervisedWorker, type WorkerCrashError } from '../offline/supervise';

interface Handle<T> {
  worker: Worker;
  api: Comlink.Remote<T>;
}

let ingest: Handle<IngestWorkerApi> | null = null;
let train: SupervisedWorker<Comlink.Remote<TrainWorkerApi>> | null = null;
let onTrainCrash: ((e: WorkerCrashError) => void) | null = null;

/** Where a training-worker crash is reported (the store shows it; the loaded table stays). */
export function setTrainCrashHandler(f: (e: WorkerCrashError) => void): void {
  onTrainCrash = f;
}
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

function supervisedTrain(): SupervisedWorker<Comlink.Remote<TrainWorkerApi>> {
  if (!train)
    train = new SupervisedWorker(
      () => new Worker(new URL('../../workers/train.worker.ts', import.meta.url), { type: 'module', name: 'doppel-train' }),
      {
        wrap: (w) => Comlink.wrap<TrainWorkerApi>(w),
        // The training worker holds only the model; the page re-sends the table with every run.
        onCrash: (e) => onTrainCrash?.(e),
      },
    );
  return train;
}

export function trainWorker(): Comlink.Remote<TrainWorkerApi> {
  return supervisedTrain().api;
}

/** A call that rejects with WorkerCrashError if the worker dies meanwhile (it is restarted). */
export function trainCall<R>(f: (api: Comlink.Remote<TrainWorkerApi>) => Promise<R>): Promise<R> {
  return supervisedTrain().call(f);
}

export { Comlink };

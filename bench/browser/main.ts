/**
 * The bench page: one Web Worker (like the app's training worker) runs each case; the page relays its
 * epoch reports to Playwright's exposed window.__benchProgress so the driver can read CPU time per epoch.
 */
import * as Comlink from 'comlink';
import type { TrainProgress } from '../../src/core/models/types';
import type { BenchPageApi, CaseRequest, CaseResult, PhaseBinding, ProgressBinding } from './protocol';
import type { BenchWorkerApi } from './bench.worker';

declare global {
  interface Window {
    doppelBench?: BenchPageApi;
    __benchProgress?: ProgressBinding;
    __benchPhase?: PhaseBinding;
  }
}

const api: BenchPageApi = {
  async run(req: CaseRequest): Promise<CaseResult> {
    const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module', name: 'doppel-bench' });
    const remote = Comlink.wrap<BenchWorkerApi>(worker);
    try {
      return await remote.run(
        req,
        Comlink.proxy((p: TrainProgress) => window.__benchProgress?.(p)),
        Comlink.proxy((phase: 'fit') => window.__benchPhase?.(phase)),
      );
    } finally {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    }
  },
};

window.doppelBench = api;

/**
 * The browser's tVAE replica factory (core/models/tvae/replica.ts): a module worker running
 * tvae-replica.worker.ts. Only where it can work — inside a worker (the link waits with Atomics.wait) of a
 * cross-origin-isolated page (SharedArrayBuffer) with two or more cores, on wasm or cpu. Elsewhere (file://,
 * a host without COOP/COEP, one core) training runs on one thread and gives the very same numbers. The
 * single-file build uses replica-thread.single.ts instead (file:// is never isolated).
 */
import { setReplicaFactory, type ReplicaFactory } from '../src/core/models/tvae/replica';
import type { BackendName } from '../src/core/models/types';
import { tfjsWasmPaths } from '../src/offline/wasm-paths';
import { canStartSecondThread } from '../src/core/models/backend';

function browserReplica(backend: 'wasm' | 'cpu'): ReplicaFactory {
  return (init) => {
    const worker = new Worker(new URL('./tvae-replica.worker.ts', import.meta.url), { type: 'module', name: 'doppel-tvae-replica' });
    let alive = true;
    worker.onerror = () => (alive = false);
    worker.onmessageerror = () => (alive = false);
    worker.postMessage({ init, backend, wasmPaths: tfjsWasmPaths() });
    return {
      alive: () => alive,
      terminate: () => {
        alive = false;
        worker.terminate();
      },
    };
  };
}

/** After initBackend: offer the tVAE a replica thread when this context can run one. */
export function offerReplica(backend: BackendName): void {
  setReplicaFactory(backend !== 'webgpu' && canStartSecondThread() ? browserReplica(backend as 'wasm' | 'cpu') : null);
}

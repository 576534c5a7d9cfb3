/**
 * A tVAE replica thread in the browser (core/models/tvae/replica.ts), started by the training worker
 * (replica-thread.ts). One message — the shared buffers and the network's shape — then it serves steps,
 * blocked in Atomics.wait between them, until the training thread stops it.
 */
import { initBackend } from '../src/core/models/backend';
import { TVAE } from '../src/core/models/tvae/tvae';
import { serveTvaeReplica, type TvaeReplicaInit } from '../src/core/models/tvae/replica';

interface Start {
  init: TvaeReplicaInit;
  backend: 'wasm' | 'cpu';
  wasmPaths: Record<string, string>;
}

self.onmessage = async (e: MessageEvent<Start>) => {
  const { init, backend, wasmPaths } = e.data;
  try {
    await initBackend(backend, { wasmPaths });
    serveTvaeReplica(init, TVAE.replicaNetwork(init));
  } catch (err) {
    // FAILED (replica.ts's control slot 4): the training thread goes on alone.
    Atomics.store(new Int32Array(init.control), 4, 1);
    console.warn('tVAE replica thread failed:', err);
  }
};

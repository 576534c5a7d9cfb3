/**
 * Data-parallel tVAE steps on a second thread. The replica holds a copy of the network; each step it takes
 * the loss gradients of the batch's second half while this thread takes the first half's, and the step's
 * gradient is their row-weighted mean. Exact: the loss is a mean over rows plus Σ log σ, which does not
 * depend on the rows.
 *
 * Why whole steps and not split products (wasm-gemm/parallel.ts): two syncs a step (~130 an epoch) instead
 * of one per product (~3,300), and every part of the step — products, element-wise kernels, tfjs's own
 * bookkeeping — runs on both threads. Weights go out and gradients come back through one
 * SharedArrayBuffer; two Atomics counters sync. No Node or DOM imports: the thread is started by the
 * caller's ReplicaFactory (src/cli/tf-node.ts for Node).
 */
import * as tf from '@tensorflow/tfjs';
import type { Span } from '../../transform/types';
import { heapFloats } from '../wasm-gemm/install';

/** What a replica thread needs to build the network (no rows, no encoder). */
export interface TvaeReplicaInit {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
  width: number;
  spans: Span[];
  hidden: number[];
  latent: number;
  lossFactor: number;
  /** Variable names and sizes, in the order of the weight and gradient blocks. */
  variables: [string, number][];
  maxRows: number;
}

/** A running replica thread: `alive` turns false if it exits or fails. */
export interface ReplicaThread {
  alive(): boolean;
  terminate(): void;
}
/** Starts a thread that runs serveTvaeReplica(init) on a backend like this thread's. */
export type ReplicaFactory = (init: TvaeReplicaInit) => ReplicaThread;

let factory: ReplicaFactory | null = null;
/** Set by the runtime's backend setup (Node with two or more cores, unless DOPPEL_THREADS=1); null for one thread. */
export function setReplicaFactory(f: ReplicaFactory | null): void {
  factory = f;
}
export function replicaFactory(): ReplicaFactory | null {
  return typeof SharedArrayBuffer === 'undefined' ? null : factory;
}

// Control block (Int32 slots).
const JOB = 0; // step counter, −1 = stop
const DONE = 1; // last finished step
const ROWS = 2;
const SEED = 3; // a uint32 in an Int32 slot: read back with >>> 0
const FAILED = 4; // 1 after an error in the replica
const READY = 5; // 1 once the replica's backend and network are up
const VALUE = 6; // the half's loss (float32 bits)
const SCALE = 7; // the half's share of the batch's rows (float32 bits)

/** Float offsets of the blocks in `data`: weights, gradients, then the rows. */
function layout(init: Pick<TvaeReplicaInit, 'variables' | 'maxRows' | 'width'>): { params: number; total: number } {
  const params = init.variables.reduce((s, [, n]) => s + n, 0);
  return { params, total: 2 * params + init.maxRows * init.width };
}

/** What of the network a replica needs besides its variables. */
export interface ReplicaShape {
  width: number;
  spans: readonly Span[];
  hidden: readonly number[];
  latent: number;
  lossFactor: number;
}

/** The shared buffers and shape for a replica of a network with these variables, for up to `maxRows` rows a step. */
export function replicaInit(vars: Record<string, { size: number }>, shape: ReplicaShape, maxRows: number): TvaeReplicaInit {
  const variables = Object.entries(vars).map(([k, v]) => [k, v.size] as [string, number]);
  const { total } = layout({ variables, maxRows, width: shape.width });
  return {
    control: new SharedArrayBuffer(64), data: new SharedArrayBuffer(4 * total),
    width: shape.width, spans: [...shape.spans], hidden: [...shape.hidden], latent: shape.latent, lossFactor: shape.lossFactor,
    variables, maxRows,
  };
}

/** This thread's end of the link. */
export class TvaeReplicaLink {
  private readonly c: Int32Array;
  private readonly f: Float32Array;
  private readonly data: Float32Array;
  private readonly params: number;
  private seq = 0;

  private constructor(
    private readonly init: TvaeReplicaInit,
    private readonly thread: ReplicaThread,
  ) {
    this.c = new Int32Array(init.control);
    this.f = new Float32Array(init.control);
    this.data = new Float32Array(init.data);
    this.params = layout(init).params;
  }

  /** Start a replica and wait until it is ready (null if it fails, takes over `timeoutMs` or `signal` aborts). */
  static async open(make: ReplicaFactory, init: TvaeReplicaInit, timeoutMs = 60_000, signal?: AbortSignal): Promise<TvaeReplicaLink | null> {
    let thread: ReplicaThread;
    try {
      thread = make(init);
    } catch {
      return null;
    }
    const link = new TvaeReplicaLink(init, thread);
    const started = Date.now();
    while (Atomics.load(link.c, READY) !== 1) {
      if (Atomics.load(link.c, FAILED) || !thread.alive() || Date.now() - started > timeoutMs || signal?.aborted) {
        thread.terminate();
        return null;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return link;
  }

  /**
   * Send the current weights and `rows` encoded rows; the replica starts on them at once. Its loss and
   * gradients come back multiplied by `scale` (the half's share of the batch), so the caller only adds.
   */
  start(vars: Record<string, tf.Variable>, x: Float32Array, rows: number, seed: number, scale = 1): void {
    let at = 0;
    for (const [name, n] of this.init.variables) {
      const v = vars[name];
      this.data.set(heapFloats(v) ?? (v.dataSync() as Float32Array), at);
      at += n;
    }
    this.data.set(x.subarray(0, rows * this.init.width), 2 * this.params);
    this.c[ROWS] = rows;
    this.c[SEED] = seed;
    this.f[SCALE] = scale;
    Atomics.store(this.c, JOB, ++this.seq);
    Atomics.notify(this.c, JOB);
  }

  /** Wait for the replica's gradients (by variable name, as tensors) and loss; null if it failed or died. */
  finish(): { value: number; grads: Record<string, tf.Tensor> } | null {
    const started = Date.now();
    for (;;) {
      const done = Atomics.load(this.c, DONE);
      if (done === this.seq) break;
      // alive() may lag (Node reports an exit on the event loop), hence also a bound far above any step's time.
      if (Atomics.load(this.c, FAILED) || !this.thread.alive() || Date.now() - started > 60_000) return null;
      Atomics.wait(this.c, DONE, done, 1000);
    }
    if (Atomics.load(this.c, FAILED)) return null;
    const grads: Record<string, tf.Tensor> = {};
    // wasm copies a tensor's values into its heap at once; cpu keeps the array, so it gets a copy of its own
    const inPlace = tf.getBackend() === 'wasm';
    let at = this.params;
    for (const [name, n] of this.init.variables) {
      grads[name] = tf.tensor(inPlace ? this.data.subarray(at, at + n) : this.data.slice(at, at + n));
      at += n;
    }
    return { value: this.f[VALUE], grads };
  }

  close(): void {
    Atomics.store(this.c, JOB, -1);
    Atomics.notify(this.c, JOB);
    this.thread.terminate();
  }
}

/** The network the replica trains with: the mean loss over `x` times `scale`, and its gradients. */
export interface ReplicaNetwork {
  vars: Record<string, tf.Variable>;
  gradients(x: tf.Tensor2D, seed: number, scale: number): { value: tf.Scalar; grads: Record<string, tf.Tensor> };
}

/**
 * The replica's loop (runs on its own thread, after its backend is initialised; blocks that thread until
 * JOB is −1). `network` builds the same network as the training thread's (TVAE.replicaNetwork).
 */
export function serveTvaeReplica(init: TvaeReplicaInit, network: ReplicaNetwork): void {
  const c = new Int32Array(init.control);
  const f = new Float32Array(init.control);
  const data = new Float32Array(init.data);
  const { params } = layout(init);
  const shapes = Object.fromEntries(Object.entries(network.vars).map(([k, v]) => [k, v.shape]));
  Atomics.store(c, READY, 1);
  let seen = 0;
  // After the first step's assign the variables own their data, so later steps write the weights in place.
  let own = false;
  for (;;) {
    Atomics.wait(c, JOB, seen);
    const job = Atomics.load(c, JOB);
    if (job === -1) return;
    if (job === seen) continue;
    seen = job;
    try {
      tf.tidy(() => {
        let at = 0;
        for (const [name, n] of init.variables) {
          const v = network.vars[name];
          const heap = own ? heapFloats(v) : null;
          if (heap) heap.set(data.subarray(at, at + n));
          else v.assign(tf.tensor(data.subarray(at, at + n), shapes[name]));
          at += n;
        }
        own = true;
        const rows = c[ROWS];
        const x = tf.tensor2d(data.subarray(2 * params, 2 * params + rows * init.width), [rows, init.width]);
        const { value, grads } = network.gradients(x, c[SEED] >>> 0, f[SCALE]);
        at = params;
        for (const [name, n] of init.variables) {
          const g = grads[name];
          data.set(heapFloats(g) ?? (g.dataSync() as Float32Array), at);
          at += n;
        }
        f[VALUE] = value.dataSync()[0];
      });
    } catch {
      Atomics.store(c, FAILED, 1);
    }
    Atomics.store(c, DONE, seen);
    Atomics.notify(c, DONE);
  }
}

/**
 * A second thread for large matrix products: the helper computes the lower rows of C while this thread
 * computes the upper rows, so a product takes about half the time on two free cores.
 *
 * Why copies: tfjs-wasm's memory is not shared, so the helper cannot read the tensors in place. Its
 * operands are copied into a shared memory (memcpy-fast, a few % of the product), the helper runs
 * Doppel's kernel module instantiated on that memory, and its rows of C are copied back.
 * Synchronisation is two Atomics counters; the helper sleeps in Atomics.wait between products.
 *
 * Where it runs: Node with two cores (worker_threads; DOPPEL_THREADS=1 turns it off) and the app's training
 * worker on a cross-origin-isolated page (SharedArrayBuffer). Whether a product uses it is timed, window by
 * window (install.ts): on this project's 2-core hosts it made CTGAN 1.3× faster one day and 10–20% slower
 * another. The thread is created by the caller (HelperFactory), so this file stays free of Node and DOM imports.
 */

/** A running helper thread: `alive` turns false if it exits or fails. It lives as long as the process/page. */
export interface HelperThread {
  alive(): boolean;
}
/** Starts a thread running `source` (plain JS) and posts it one message. */
export type HelperFactory = (source: string, message: unknown) => HelperThread;

// Control block (Int32 slots): 0 job counter, 1 done counter, then the job's parameters.
const JOB = 0;
const DONE = 1;
const P = 2; // a, b, c, M, N, K, sai, sak, bias, act, alpha (f32 bits), bRaw (0 unless Bᵀ)
const READY = 15; // 1 once the helper has its module and waits for jobs

/** The helper's code, for worker_threads (eval) and for a Blob worker alike. */
const HELPER_SOURCE = `
function serve(data) {
  const ex = new WebAssembly.Instance(data.module, { env: { memory: data.memory }, Math: { log: Math.log } }).exports;
  const c = new Int32Array(data.control);
  const f = new Float32Array(data.control);
  Atomics.store(c, ${READY}, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(c, ${JOB}, seen);
    seen = Atomics.load(c, ${JOB});
    const p = ${P};
    // Bᵀ: the raw [N, K] block is transposed into the [K, N] slot first.
    if (c[p + 11]) ex.transpose(c[p + 11], c[p + 1], c[p + 4], c[p + 5]);
    ex.gemm(c[p], c[p + 1], c[p + 2], c[p + 3], c[p + 4], c[p + 5], c[p + 6], c[p + 7], c[p + 8], c[p + 9], f[p + 10]);
    Atomics.store(c, ${DONE}, seen);
    Atomics.notify(c, ${DONE});
  }
}
if (typeof process !== 'undefined' && process.versions && process.versions.node) {
  require('node:worker_threads').parentPort.once('message', serve);
} else {
  self.onmessage = (e) => serve(e.data);
}
`;

export interface ProductJob {
  /** Float32 views of the operands in the backend's heap. */
  a: Float32Array;
  b: Float32Array;
  bias: Float32Array | null;
  M: number;
  N: number;
  K: number;
  transposeA: boolean;
  transposeB: boolean;
  act: number;
  alpha: number;
  /** First row the helper computes. */
  from: number;
}

const align = (n: number) => (n + 15) & ~15;

export class ProductHelper {
  private readonly memory: WebAssembly.Memory;
  private readonly control = new SharedArrayBuffer(64);
  private readonly c = new Int32Array(this.control);
  private readonly f = new Float32Array(this.control);
  private readonly thread: HelperThread;
  private seq = 0;
  private pending: { job: ProductJob; cOffset: number } | null = null;

  constructor(module: WebAssembly.Module, factory: HelperFactory) {
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: 16384, shared: true });
    this.thread = factory(HELPER_SOURCE, { module, memory: this.memory, control: this.control });
  }

  /**
   * Wait, yielding, until the helper thread is up (false if it fails or takes over `timeoutMs`). Needed before
   * the first product: a nested worker in a browser may not start while its parent is blocked in
   * Atomics.wait (measured: the first product waited its whole time-out, then gave the helper up).
   */
  async ready(timeoutMs = 15_000): Promise<boolean> {
    const started = Date.now();
    while (Atomics.load(this.c, READY) !== 1) {
      if (!this.thread.alive() || Date.now() - started > timeoutMs) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /** Copy the operands in and start the helper on rows [from, M). */
  start(job: ProductJob): void {
    const { M, N, K } = job;
    const rows = M - job.from;
    const total = align(4 * M * K) + align(4 * K * N) * (job.transposeB ? 2 : 1) + (job.bias ? align(4 * N) : 0) + align(4 * rows * N);
    const have = this.memory.buffer.byteLength;
    if (total > have) this.memory.grow(Math.ceil((total - have) / 65536));
    const heap = new Float32Array(this.memory.buffer);
    let at = 0;
    const reserve = (bytes: number) => {
      const off = at;
      at += align(bytes);
      return off;
    };
    const put = (src: Float32Array) => {
      const off = reserve(4 * src.length);
      heap.set(src, off / 4);
      return off;
    };
    const a = put(job.a);
    // Bᵀ: the raw [N, K] block goes beside an empty [K, N] slot the helper transposes it into.
    const bSlot = job.transposeB ? reserve(4 * K * N) : put(job.b);
    const bRaw = job.transposeB ? put(job.b) : 0;
    const bias = job.bias ? put(job.bias) : 0;
    const cOffset = at;
    const [sai, sak] = job.transposeA ? [4, 4 * M] : [4 * K, 4];
    const params = [a + job.from * sai, bSlot, cOffset, rows, N, K, sai, sak, bias, job.act, 0, bRaw];
    for (let i = 0; i < params.length; i++) this.c[P + i] = params[i];
    this.f[P + 10] = job.alpha;
    this.pending = { job, cOffset };
    Atomics.store(this.c, JOB, ++this.seq);
    Atomics.notify(this.c, JOB);
  }

  /**
   * Wait for the helper and copy its rows into `out` (the whole C in the backend's heap). False if the
   * helper thread is gone (the caller then computes those rows itself, and stops using the helper).
   */
  finish(out: Float32Array): boolean {
    const started = Date.now();
    for (;;) {
      const done = Atomics.load(this.c, DONE);
      if (done === this.seq) break;
      // alive() may lag (Node reports a thread's exit on the event loop), hence also a bound far above any
      // product's time (the largest here take ~10 ms).
      if (!this.thread.alive() || Date.now() - started > 30_000) {
        this.pending = null;
        return false;
      }
      Atomics.wait(this.c, DONE, done, 1000);
    }
    const { job, cOffset } = this.pending!;
    const n = (job.M - job.from) * job.N;
    out.set(new Float32Array(this.memory.buffer, cOffset, n), job.from * job.N);
    this.pending = null;
    return true;
  }

}

import * as tf from '@tensorflow/tfjs';
import { GEMM_SHARED_WASM_BASE64, GEMM_WASM_BASE64 } from './binary';
import { ProductHelper, type HelperFactory } from './parallel';

/**
 * Doppel's kernels on the tfjs wasm backend (the module's text and the why are in wat.ts):
 * - BatchMatMul and _FusedMatMul go to the relaxed-SIMD product. Cases it does not cover (non-float,
 *   rank > 3, mismatched batches, PReLU and other activations, odd bias shapes) go to tfjs's kernels.
 * - New kernels the generators call when wasmKernelsActive(): ADAM_STEP, SPAN_MAX, ACTIVATION_GRAD,
 *   TVAE_RECON, LATENT, RANDOM, SPARSE_PRODUCT, CONCAT_COLUMNS, SLICE_COLUMNS, BATCH_NORM_RELU(_GRAD), SPAN_ACTIVATE(_GRAD), SPAN_LOG_SOFTMAX(_GRAD).
 * - Identity and same-type Cast share the input's data instead of copying it (any engine).
 */

interface GemmExports {
  gemm(a: number, b: number, c: number, M: number, N: number, K: number, sai: number, sak: number, bias: number, act: number, alpha: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  adam(w: number, g: number, m: number, v: number, wo: number, mo: number, vo: number, n: number,
    lr: number, b1: number, b2: number, eps: number, wd: number): void;
  spanMax(x: number, out: number, B: number, D: number, spans: number, S: number): void;
  activationGrad(dy: number, y: number, out: number, n: number, alpha: number): void;
  tvaeRecon(o: number, x: number, sigma: number, mask: number, soft: number, spans: number, S: number, B: number, D: number,
    dO: number, dS: number, res: number): void;
  flush(src: number, dst: number, n: number): number;
  random(out: number, n: number, seed: number, seed2: number, kind: number, a: number, b: number): void;
  spanActivate(x: number, u: number, mask: number, soft: number, spans: number, S: number, B: number, D: number, invTau: number, y: number): void;
  spanActivateGrad(dy: number, y: number, mask: number, spans: number, S: number, B: number, D: number, invTau: number, dx: number): void;
  spanLogSoftmax(x: number, soft: number, spans: number, S: number, B: number, D: number, out: number, prob: number): void;
  spanLogSoftmaxGrad(dy: number, prob: number, spans: number, S: number, B: number, D: number, dx: number): void;
  latent(mu: number, lv: number, eps: number, n: number, z: number, g: number, k: number, res: number): void;
  copyColumns(src: number, srcStride: number, dst: number, dstStride: number, rows: number, width: number): void;
  batchNormRelu(a: number, gamma: number, beta: number, B: number, H: number, eps: number, y: number, xhat: number, mean: number,
    variance: number, invstd: number): void;
  batchNormReluGrad(dy: number, y: number, xhat: number, invstd: number, gamma: number, B: number, H: number, da: number,
    dgamma: number, dbeta: number): void;
  sparseCompress(a: number, M: number, K: number, byColumn: number, list: number, starts: number): void;
  sparseRegroup(rowList: number, rowStarts: number, M: number, K: number, list: number, starts: number): void;
  sparseProduct(list: number, starts: number, R: number, b: number, c: number, N: number, bias: number, biasStride: number, act: number,
    alpha: number): void;
}

/** Kernel names of the other fused steps (wasm only; callers check wasmKernelsActive()). */
export const SPAN_MAX = 'DoppelSpanMax'; // inputs {x} [B, D], attrs {spans: [start, width, …]}, output [B, S]
export const ACTIVATION_GRAD = 'DoppelActivationGrad'; // inputs {dy, y}, attrs {alpha}: dy where y > 0 else alpha·dy
/** inputs {o, x} [B, D], {sigma, mask, soft} [D]; attrs {spans}; outputs [[G, CE], dG+dCE/dO [B, D], dG/dσ [D]] (wat.ts). */
export const TVAE_RECON = 'DoppelTvaeRecon';
/** No inputs; attrs {shape, seed, kind: 0 uniform [a, b) | 1 normal (mean a, sd b) | 2 b where u > a else 0, a, b}; one float32 output. */
export const RANDOM = 'DoppelRandom';

/**
 * Products with a mostly-zero A [M, K] (wat.ts). inputs {a, b, bias? [N] | addTo? [M, N]}, attrs {transposeA,
 * activation, alpha}: transposeA false → act(a·b + bias or addTo) [M, N] with b [K, N]; true → aᵀ·b [K, N] with
 * b [M, N].
 */
export const SPARSE_PRODUCT = 'DoppelSparseProduct';

/**
 * The generator's output activation (wat.ts): inputs {x [B, D], mask [D] (1 on tanh columns), soft [D] (1 on
 * softmax columns), u? [B, D] uniforms for Gumbel noise}, attrs {spans, tau} → y. Its gradient: inputs {dy, y, mask}, same attrs → dx.
 */
export const SPAN_ACTIVATE = 'DoppelSpanActivate';
export const SPAN_ACTIVATE_GRAD = 'DoppelSpanActivateGrad';
/** Log-softmax per span, 0 elsewhere: inputs {x, soft}, attrs {spans} → [log-softmax, softmax]; gradient {dy, prob} → dx. */
export const SPAN_LOG_SOFTMAX = 'DoppelSpanLogSoftmax';
export const SPAN_LOG_SOFTMAX_GRAD = 'DoppelSpanLogSoftmaxGrad';

/** The tVAE's latent step (wat.ts): inputs {mu, logvar, eps} [B, L] → [z, ∂z/∂logvar, ∂KL/∂logvar, KL [1]]. */
export const LATENT = 'DoppelLatent';

/**
 * Column blocks of [B, ·] matrices (tfjs-wasm's Concat and its gradient's SplitV ran ~0.5 and ~1.5 ms on CTGAN's
 * [500, 473–729] residual blocks). CONCAT_COLUMNS: inputs {t0, t1, …} → [B, Σ widths]. SLICE_COLUMNS: inputs {x},
 * attrs {widths} → one [B, width] output per width, left to right.
 */
export const CONCAT_COLUMNS = 'DoppelConcatColumns';
export const SLICE_COLUMNS = 'DoppelSliceColumns';

/**
 * Batch norm + ReLU over [B, H] rows, H a multiple of 4 (wat.ts): inputs {a, gamma, beta}, attrs {eps} →
 * [y, xhat, mean, variance, invstd]; the gradient: inputs {dy, y, xhat, invstd, gamma} → [da, dgamma, dbeta].
 */
export const BATCH_NORM_RELU = 'DoppelBatchNormRelu';
export const BATCH_NORM_RELU_GRAD = 'DoppelBatchNormReluGrad';

/** Kernel name of the fused Adam step: inputs {w, g, m, v}, attrs AdamStepAttrs, outputs [w, m, v]. */
export const ADAM_STEP = 'DoppelAdamStep';
export interface AdamStepAttrs {
  stepSize: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory }; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export type WasmGemmStatus = 'active' | 'unsupported' | 'not-installed';

let compiled: WebAssembly.Module | null = null;
let status: WasmGemmStatus = 'not-installed';
const instances = new WeakMap<object, GemmExports | null>();
let helper: ProductHelper | null = null;
/**
 * Data written by a Doppel kernel that flushes tiny values (products, Adam, …): a product need not scan it for
 * subnormals. The scan of every operand cost ~3% of a CTGAN epoch, mostly re-reading weights. Keyed by tfjs
 * data ids, which are never reused (a variable's assign adopts its new value's id).
 */
const clean = new WeakSet<object>();
/**
 * By-row sparse lists of the last few sparse products' A, kept for the backward pass: the weight gradient Aᵀ·dy
 * needs A's lists by column, and regrouping the by-row ones (O(nonzeros)) is cheaper than scanning A again
 * (O(M·K), two thirds of the compress time on the tVAE's input). Keyed by data id (never reused; tensors are
 * immutable), at most ROW_LISTS of them, oldest freed first.
 */
interface RowLists {
  backend: WasmBackendLike;
  M: number;
  K: number;
  list: number;
  starts: number;
  nonzeros: number;
}
const rowLists = new Map<object, RowLists>();
const ROW_LISTS = 4;

function keepRowLists(backend: WasmBackendLike, dataId: object, list: number, starts: number, M: number, K: number): void {
  const nonzeros = new Int32Array(backend.wasm.asm!.memory!.buffer, starts + 4 * M, 1)[0];
  // the list was allocated for a dense A: keep an exact copy
  const exact = backend.wasm._malloc(8 * Math.max(1, nonzeros));
  const heap = new Uint8Array(backend.wasm.asm!.memory!.buffer);
  heap.copyWithin(exact, list, list + 8 * nonzeros);
  backend.wasm._free(list);
  const old = rowLists.get(dataId);
  if (old) freeRowLists(old);
  rowLists.delete(dataId);
  rowLists.set(dataId, { backend, M, K, list: exact, starts, nonzeros });
  while (rowLists.size > ROW_LISTS) {
    const [first, entry] = rowLists.entries().next().value as [object, RowLists];
    freeRowLists(entry);
    rowLists.delete(first);
  }
}

function freeRowLists(entry: RowLists): void {
  try {
    entry.backend.wasm._free(entry.list);
    entry.backend.wasm._free(entry.starts);
  } catch {
    // that backend is gone, and its memory with it
  }
}

/** Products of at least this many multiply-adds are split with the helper thread (copies and wake-up cost ~50 µs). */
const PARALLEL_MIN_MACS = 4_000_000;

function bytes(b64 = GEMM_WASM_BASE64): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Byte offset of a tensor's data in the backend's heap. */
function offset(backend: WasmBackendLike, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

/** The product module bound to one backend's memory (tensors are read and written in place). */
function exportsFor(backend: WasmBackendLike): GemmExports | null {
  if (instances.has(backend)) return instances.get(backend)!;
  const memory = backend.wasm?.asm?.memory;
  let ex: GemmExports | null = null;
  if (compiled && memory instanceof WebAssembly.Memory) {
    try {
      ex = new WebAssembly.Instance(compiled, { env: { memory }, Math: { log: Math.log } })
        .exports as unknown as GemmExports;
    } catch {
      ex = null;
    }
  }
  instances.set(backend, ex);
  return ex;
}

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, leakyrelu: 2 };

/** Rows, inner and columns of one (possibly transposed) operand: [outer, inner] as the product sees it. */
function dims(shape: number[], transposed: boolean): { batch: number; outer: number; inner: number } | null {
  if (shape.length < 2 || shape.length > 3) return null;
  const batch = shape.length === 3 ? shape[0] : 1;
  const r = shape[shape.length - 2];
  const c = shape[shape.length - 1];
  return transposed ? { batch, outer: c, inner: r } : { batch, outer: r, inner: c };
}

interface ProductCall {
  backend: WasmBackendLike;
  ex: GemmExports;
  M: number;
  N: number;
  K: number;
  /** Batch sizes of A and B (1 = broadcast) and of C. */
  batchA: number;
  batchB: number;
  batch: number;
  transposeA: boolean;
  transposeB: boolean;
  a: number;
  b: number;
  c: number;
  bias: number;
  act: number;
  alpha: number;
}

function product(
  backend: WasmBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: tf.TensorInfo | undefined,
  act: number,
  alpha: number,
): tf.TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const da = dims(a.shape, transposeA);
  // B's "outer" is its column count N once transposed into [K, N].
  const db = dims(b.shape, !transposeB);
  if (!da || !db || da.inner !== db.inner) return null;
  if (da.batch !== db.batch && da.batch !== 1 && db.batch !== 1) return null;
  const [M, K, N] = [da.outer, da.inner, db.outer];
  if (bias && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== N || bias.shape.slice(0, -1).some((d) => d !== 1)))
    return null;
  const ex = exportsFor(backend);
  if (!ex) return null;
  const batch = Math.max(da.batch, db.batch);
  const out = backend.makeOutput(a.shape.length === 3 || b.shape.length === 3 ? [batch, M, N] : [M, N], 'float32');
  const ptr = (t: tf.TensorInfo) => offset(backend, t);
  // Operands holding subnormals (from other kernels) are multiplied from a copy with tiny values as 0 (see
  // FLT_MIN in wat.ts): x86 runs arithmetic on subnormals through microcode (~250× slower products).
  // The scan costs ~1% of the product.
  const copies: number[] = [];
  const operand = (t: tf.TensorInfo, n: number) => {
    const p = ptr(t);
    if (!n || clean.has(t.dataId) || !ex.flush(p, 0, n)) return p;
    const copy = backend.wasm._malloc(4 * n);
    ex.flush(p, copy, n);
    copies.push(copy);
    return copy;
  };
  try {
    run({
      backend, ex, M, N, K, batchA: da.batch, batchB: db.batch, batch, transposeA, transposeB,
      a: operand(a, da.batch * M * K), b: operand(b, db.batch * K * N), c: ptr(out), bias: bias ? ptr(bias) : 0, act, alpha,
    });
  } finally {
    for (const p of copies) backend.wasm._free(p);
  }
  clean.add(out.dataId);
  return out;
}

/**
 * Whether large products use the helper is decided by timing, which cannot change a result: the helper gives
 * the very same numbers (each thread computes whole rows of C with the same kernel; tested). Measured: on one
 * day's 2-core host the helper made CTGAN 1.3× faster, on another's 10–20% slower (bench/README.md), and
 * within one process its gain comes and goes. So products run in windows of WINDOW: one window with the
 * helper, one without, then EXPLOIT windows the faster way, then again. A window's figure is its wall time
 * per multiply-add from its first product to its last, so the work between products (and any slowing of it
 * by a busy second core) counts. A window with a gap over GAP_MS (an epoch's report, a pause between runs)
 * is not counted.
 */
const WINDOW = 160;
const EXPLOIT = 16;
const GAP_MS = 40;
/** A probe: two windows each way, in the order on, off, off, on (a drift in the host's speed cancels). */
const PROBE = [true, false, false, true];
const windows = {
  // the first windows warm up the step's shapes (with the helper, usually the faster way), then a probe
  probe: -1, left: 4, best: true, on: 0, off: 0, count: 0, start: 0, last: 0, macs: 0,
};
/** False with DOPPEL_THREADS=2 (the helper for every large product, as the tests of its path need). */
let adaptive = true;

function helperForNext(macs: number, now: number): boolean {
  const w = windows;
  if (w.count > 0 && now - w.last > GAP_MS) w.count = 0; // start this window again
  if (w.count === 0) {
    w.start = now;
    w.macs = 0;
  }
  w.count++;
  w.macs += macs;
  return w.probe >= 0 ? PROBE[w.probe] : w.best;
}

function productDone(now: number): void {
  const w = windows;
  w.last = now;
  if (w.count < WINDOW) return;
  const rate = (now - w.start) / w.macs;
  w.count = 0;
  if (w.probe >= 0) {
    if (PROBE[w.probe]) w.on += rate;
    else w.off += rate;
    if (++w.probe === PROBE.length) {
      w.best = w.on <= w.off;
      w.probe = -1;
      w.left = EXPLOIT;
    }
  } else if (--w.left <= 0) {
    w.probe = 0;
    w.on = w.off = 0;
  }
}

function run(p: ProductCall): void {
  const { M, N, K } = p;
  const eligible = helper !== null && !helperPaused && p.batch === 1 && M >= 16 && M * N * K >= PARALLEL_MIN_MACS;
  if (!eligible || !adaptive) {
    runProduct(p, eligible);
    return;
  }
  runProduct(p, helperForNext(M * N * K, performance.now()));
  productDone(performance.now());
}

function runProduct(p: ProductCall, parallel: boolean): void {
  const { backend, ex, M, N, K } = p;
  if (!parallel && p.transposeB && p.batch === 1 && !p.bias && M >= 8 && K > 0 && M * (K + N) < N * K) {
    transposedProduct(p);
    return;
  }
  const [sai, sak] = p.transposeA ? [4, 4 * M] : [4 * K, 4];
  const scratch = p.transposeB && K * N > 0 ? backend.wasm._malloc(4 * K * N) : 0;
  try {
    if (parallel && helper) {
      // The helper takes the lower half of the rows (views made after the malloc above: growth detaches).
      const from = (M >> 3) << 2;
      const heap = new Float32Array(backend.wasm.asm!.memory!.buffer);
      helper.start({
        a: heap.subarray(p.a / 4, p.a / 4 + M * K),
        b: heap.subarray(p.b / 4, p.b / 4 + K * N),
        bias: p.bias ? heap.subarray(p.bias / 4, p.bias / 4 + N) : null,
        M, N, K, transposeA: p.transposeA, transposeB: p.transposeB, act: p.act, alpha: p.alpha, from,
      });
      if (scratch) ex.transpose(p.b, scratch, N, K);
      ex.gemm(p.a, scratch || p.b, p.c, from, N, K, sai, sak, p.bias, p.act, p.alpha);
      if (helper.finish(new Float32Array(backend.wasm.asm!.memory!.buffer, p.c, M * N))) return;
      // The helper thread died: its rows here, and one thread from now on.
      helper = null;
      ex.gemm(p.a + from * sai, scratch || p.b, p.c + from * 4 * N, M - from, N, K, sai, sak, p.bias, p.act, p.alpha);
      return;
    }
    for (let t = 0; t < p.batch; t++) {
      const at = p.a + (p.batchA === 1 ? 0 : t * 4 * M * K);
      let bt = p.b + (p.batchB === 1 ? 0 : t * 4 * K * N);
      if (scratch && (t === 0 || p.batchB !== 1)) ex.transpose(bt, scratch, N, K);
      if (scratch) bt = scratch;
      ex.gemm(at, bt, p.c + t * 4 * M * N, M, N, K, sai, sak, p.bias, p.act, p.alpha);
    }
  } finally {
    if (scratch) backend.wasm._free(scratch);
  }
}

/**
 * A·Bᵀ for a wide B (CTGAN's critic input gradient: [50, 256]·[2170, 256]ᵀ) as (B·Aᵀ)ᵀ: transposing A and
 * the result moves fewer floats than transposing B, and B is then read row by row instead of as 8-column
 * strips 8.7 KB apart (measured ~8 GFLOP/s that way). No bias (it would be per row of the result).
 */
function transposedProduct(p: ProductCall): void {
  const { backend, ex, M, N, K } = p;
  // Aᵀ as [K, M] row-major: A stored transposed already is exactly that.
  const aT = p.transposeA ? 0 : backend.wasm._malloc(4 * K * M);
  const cT = backend.wasm._malloc(4 * N * M);
  try {
    if (aT) ex.transpose(p.a, aT, M, K);
    ex.gemm(p.b, aT || p.a, cT, N, M, K, 4 * K, 4, 0, p.act, p.alpha);
    ex.transpose(cT, p.c, N, M);
  } finally {
    if (aT) backend.wasm._free(aT);
    backend.wasm._free(cT);
  }
}

/** Run f with the (start, width) span pairs copied into the backend's heap for the call. */
function withSpanTable(be: WasmBackendLike, spans: number[], f: (table: number) => void): void {
  const table = be.wasm._malloc(4 * Math.max(1, spans.length));
  try {
    new Int32Array(be.wasm.asm!.memory!.buffer, table, spans.length).set(spans);
    f(table);
  } finally {
    be.wasm._free(table);
  }
}

interface BoundKernel {
  inputs: Record<string, tf.TensorInfo>;
  be: WasmBackendLike;
  ex: GemmExports;
  attrs: Record<string, unknown>;
  ptr: (t: tf.TensorInfo) => number;
}

interface KernelArgs {
  inputs: Record<string, tf.TensorInfo | undefined>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}

function override(name: string, make: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(name, 'wasm');
  if (!original) return;
  const kernelFunc = make(original.kernelFunc);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
}

/**
 * Install once the wasm backend is registered. Returns 'active' when the product runs here, 'unsupported'
 * when this engine lacks relaxed SIMD (tfjs's own kernels stay).
 */
export async function installWasmGemm(opts: { helper?: HelperFactory; helperAlways?: boolean } = {}): Promise<WasmGemmStatus> {
  if (status !== 'not-installed') return status;
  // For A/B benchmarks: DOPPEL_TFJS_KERNELS=1 keeps every tfjs kernel as registered.
  if ((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.DOPPEL_TFJS_KERNELS === '1') {
    status = 'unsupported';
    return status;
  }
  // tfjs-wasm's Identity copies the tensor; the engine runs one for every tensor a gradient saves (~90 per
  // tVAE step). Sharing the data, as its Reshape and the cpu backend's Identity do, is enough: wasm
  // kernels never write into an input.
  const share = (args: unknown): tf.TensorInfo | null => {
    const { inputs, backend } = args as KernelArgs;
    const x = inputs.x!;
    if (x.dtype === 'string') return null;
    (backend as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  override(tf.Identity, (original) => (args) => share(args) ?? original(args));
  // Its Cast copies too, also to the same dtype: the gradient of each saved tensor is one such Cast.
  override(tf.Cast, (original) => (args) => {
    const { inputs, attrs } = args as unknown as KernelArgs;
    return (attrs?.dtype === inputs.x!.dtype ? share(args) : null) ?? original(args);
  });
  // Relaxed SIMD: Chromium ≥ 114; Node 20 only with --experimental-wasm-relaxed-simd (tf-node.ts sets it).
  const own = bytes();
  if (!WebAssembly.validate(own) || !tf.getKernel(tf.BatchMatMul, 'wasm')) {
    status = 'unsupported';
    return status;
  }
  compiled = await WebAssembly.compile(own);
  if (opts.helper && typeof SharedArrayBuffer !== 'undefined') {
    try {
      helper = new ProductHelper(await WebAssembly.compile(bytes(GEMM_SHARED_WASM_BASE64)), opts.helper);
      if (!(await helper.ready())) helper = null;
    } catch {
      helper = null; // e.g. no shared WebAssembly.Memory here: one thread
    }
  }
  override(tf.BatchMatMul, (original) => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const r = product(backend as WasmBackendLike, inputs.a!, inputs.b!, !!attrs?.transposeA, !!attrs?.transposeB, undefined, 0, 0);
    return r ?? original(args);
  });
  override(tf._FusedMatMul, (original) => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const act = ACTIVATIONS[String(attrs?.activation ?? 'linear')];
    if (act === undefined || inputs.preluActivationWeights) return original(args);
    const alpha = Number(attrs?.leakyreluAlpha ?? 0.2);
    const r = product(
      backend as WasmBackendLike,
      inputs.a!,
      inputs.b!,
      !!attrs?.transposeA,
      !!attrs?.transposeB,
      inputs.bias,
      act,
      alpha,
    );
    return r ?? original(args);
  });
  // Doppel's own kernels: each gets the module bound to the calling backend and a tensor → offset function.
  const register = (kernelName: string, f: (k: BoundKernel) => tf.TensorInfo | tf.TensorInfo[]) =>
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: (args) => {
        const { inputs, backend, attrs } = args as unknown as KernelArgs;
        const be = backend as WasmBackendLike;
        const ex = exportsFor(be);
        if (!ex) throw new Error('Doppel wasm kernels are not available on this backend');
        return f({ inputs: inputs as Record<string, tf.TensorInfo>, be, ex, attrs: attrs ?? {}, ptr: (t) => offset(be, t) });
      },
    });
  register(ADAM_STEP, ({ inputs: { w, g, m, v }, be, ex, attrs, ptr }) => {
    const a = attrs as unknown as AdamStepAttrs;
    const outs = [be.makeOutput(w.shape, 'float32'), be.makeOutput(w.shape, 'float32'), be.makeOutput(w.shape, 'float32')];
    ex.adam(ptr(w), ptr(g), ptr(m), ptr(v), ptr(outs[0]), ptr(outs[1]), ptr(outs[2]), tf.util.sizeFromShape(w.shape),
      a.stepSize, a.beta1, a.beta2, a.eps, a.weightDecay);
    for (const o of outs) clean.add(o.dataId);
    return outs;
  });
  register(SPAN_MAX, ({ inputs, be, ex, attrs, ptr }) => {
    const spans = attrs.spans as number[];
    const [B, D] = inputs.x.shape;
    const S = spans.length / 2;
    const out = be.makeOutput([B, S], 'float32');
    withSpanTable(be, spans, (table) => ex.spanMax(ptr(inputs.x), ptr(out), B, D, table, S));
    return out;
  });
  register(TVAE_RECON, ({ inputs, be, ex, attrs, ptr }) => {
    const spans = attrs.spans as number[];
    const [B, D] = inputs.o.shape;
    const outs = [be.makeOutput([2], 'float32'), be.makeOutput([B, D], 'float32'), be.makeOutput([D], 'float32')];
    withSpanTable(be, spans, (table) =>
      ex.tvaeRecon(ptr(inputs.o), ptr(inputs.x), ptr(inputs.sigma), ptr(inputs.mask), ptr(inputs.soft), table, spans.length / 2, B, D,
        ptr(outs[1]), ptr(outs[2]), ptr(outs[0])),
    );
    return outs;
  });
  register(RANDOM, ({ be, ex, attrs, ptr }) => {
    const shape = attrs.shape as number[];
    const seed = Number(attrs.seed);
    const out = be.makeOutput(shape, 'float32');
    ex.random(ptr(out), tf.util.sizeFromShape(shape), seed | 0, Math.floor(seed / 4294967296) | 0, Number(attrs.kind),
      Number(attrs.a), Number(attrs.b));
    // Draws are multiples of 2^-24 (uniforms) or ≥ 2^-23 in magnitude (normals before scaling): with a and b each 0
    // or ≥ 1e-6 in magnitude, every value is 0 or above ~1e-14, far from FLT_MIN.
    if ([Number(attrs.a), Number(attrs.b)].every((c) => c === 0 || Math.abs(c) >= 1e-6)) clean.add(out.dataId);
    return out;
  });
  register(SPARSE_PRODUCT, ({ inputs: { a, b, bias, addTo }, be, ex, attrs, ptr }) => {
    const [M, K] = a.shape;
    const byColumn = !!attrs.transposeA;
    const [R, N] = [byColumn ? K : M, b.shape[1]];
    const out = be.makeOutput([R, N], 'float32');
    // (index, value) per nonzero of A, and R + 1 group starts (mallocs first: growth detaches views)
    const found = byColumn ? rowLists.get(a.dataId) : undefined;
    const kept = found && found.backend === be && found.M === M && found.K === K ? found : undefined;
    const list = be.wasm._malloc(8 * Math.max(1, kept ? kept.nonzeros : M * K));
    const starts = be.wasm._malloc(4 * (R + 1));
    let keep = false;
    try {
      if (kept) ex.sparseRegroup(kept.list, kept.starts, M, K, list, starts);
      else ex.sparseCompress(ptr(a), M, K, byColumn ? 1 : 0, list, starts);
      const [base, stride] = byColumn ? [0, 0] : addTo ? [ptr(addTo), 4 * N] : [bias ? ptr(bias) : 0, 0];
      ex.sparseProduct(list, starts, R, ptr(b), ptr(out), N, base, stride,
        byColumn ? 0 : (ACTIVATIONS[String(attrs.activation ?? 'linear')] ?? 0), Number(attrs.alpha ?? 0));
      keep = !byColumn;
    } finally {
      if (keep) keepRowLists(be, a.dataId, list, starts, M, K);
      else {
        be.wasm._free(list);
        be.wasm._free(starts);
      }
    }
    clean.add(out.dataId);
    return out;
  });
  const spanKernel = (attrs: Record<string, unknown>, be: WasmBackendLike, f: (table: number, S: number) => void) => {
    const spans = attrs.spans as number[];
    withSpanTable(be, spans, (table) => f(table, spans.length / 2));
  };
  register(SPAN_ACTIVATE, ({ inputs: { x, u, mask, soft }, be, ex, attrs, ptr }) => {
    const [B, D] = x.shape;
    const y = be.makeOutput([B, D], 'float32');
    spanKernel(attrs, be, (table, S) =>
      ex.spanActivate(ptr(x), u ? ptr(u) : 0, ptr(mask), ptr(soft), table, S, B, D, 1 / Number(attrs.tau ?? 1), ptr(y)));
    return y;
  });
  register(SPAN_ACTIVATE_GRAD, ({ inputs: { dy, y, mask }, be, ex, attrs, ptr }) => {
    const [B, D] = dy.shape;
    const dx = be.makeOutput([B, D], 'float32');
    spanKernel(attrs, be, (table, S) => ex.spanActivateGrad(ptr(dy), ptr(y), ptr(mask), table, S, B, D, 1 / Number(attrs.tau ?? 1), ptr(dx)));
    return dx;
  });
  register(SPAN_LOG_SOFTMAX, ({ inputs: { x, soft }, be, ex, attrs, ptr }) => {
    const [B, D] = x.shape;
    const outs = [be.makeOutput([B, D], 'float32'), be.makeOutput([B, D], 'float32')];
    spanKernel(attrs, be, (table, S) => ex.spanLogSoftmax(ptr(x), ptr(soft), table, S, B, D, ptr(outs[0]), ptr(outs[1])));
    return outs;
  });
  register(SPAN_LOG_SOFTMAX_GRAD, ({ inputs: { dy, prob }, be, ex, attrs, ptr }) => {
    const [B, D] = dy.shape;
    const dx = be.makeOutput([B, D], 'float32');
    spanKernel(attrs, be, (table, S) => ex.spanLogSoftmaxGrad(ptr(dy), ptr(prob), table, S, B, D, ptr(dx)));
    return dx;
  });
  register(LATENT, ({ inputs: { mu, logvar, eps }, be, ex, ptr }) => {
    const outs = [be.makeOutput(mu.shape, 'float32'), be.makeOutput(mu.shape, 'float32'), be.makeOutput(mu.shape, 'float32'),
      be.makeOutput([1], 'float32')];
    ex.latent(ptr(mu), ptr(logvar), ptr(eps), tf.util.sizeFromShape(mu.shape), ptr(outs[0]), ptr(outs[1]), ptr(outs[2]), ptr(outs[3]));
    return outs;
  });
  register(CONCAT_COLUMNS, ({ inputs, be, ex, ptr }) => {
    const parts = Object.keys(inputs).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).map((k) => inputs[k]);
    const B = parts[0].shape[0];
    const total = parts.reduce((n, t) => n + t.shape[1], 0);
    const out = be.makeOutput([B, total], 'float32');
    let col = 0;
    for (const t of parts) {
      ex.copyColumns(ptr(t), 4 * t.shape[1], ptr(out) + 4 * col, 4 * total, B, t.shape[1]);
      col += t.shape[1];
    }
    if (parts.every((t) => clean.has(t.dataId))) clean.add(out.dataId);
    return out;
  });
  register(SLICE_COLUMNS, ({ inputs: { x }, be, ex, attrs, ptr }) => {
    const [B, total] = x.shape;
    let col = 0;
    return (attrs.widths as number[]).map((w) => {
      const out = be.makeOutput([B, w], 'float32');
      ex.copyColumns(ptr(x) + 4 * col, 4 * total, ptr(out), 4 * w, B, w);
      col += w;
      if (clean.has(x.dataId)) clean.add(out.dataId);
      return out;
    });
  });
  register(BATCH_NORM_RELU, ({ inputs: { a, gamma, beta }, be, ex, attrs, ptr }) => {
    const [B, H] = a.shape;
    const outs = [be.makeOutput([B, H], 'float32'), be.makeOutput([B, H], 'float32'), be.makeOutput([H], 'float32'),
      be.makeOutput([H], 'float32'), be.makeOutput([H], 'float32')];
    ex.batchNormRelu(ptr(a), ptr(gamma), ptr(beta), B, H, Number(attrs.eps), ...(outs.map(ptr) as [number, number, number, number, number]));
    return outs;
  });
  register(BATCH_NORM_RELU_GRAD, ({ inputs: { dy, y, xhat, invstd, gamma }, be, ex, ptr }) => {
    const [B, H] = dy.shape;
    const outs = [be.makeOutput([B, H], 'float32'), be.makeOutput([H], 'float32'), be.makeOutput([H], 'float32')];
    ex.batchNormReluGrad(ptr(dy), ptr(y), ptr(xhat), ptr(invstd), ptr(gamma), B, H, ptr(outs[0]), ptr(outs[1]), ptr(outs[2]));
    return outs;
  });
  register(ACTIVATION_GRAD, ({ inputs, be, ex, attrs, ptr }) => {
    const out = be.makeOutput(inputs.dy.shape, 'float32');
    ex.activationGrad(ptr(inputs.dy), ptr(inputs.y), ptr(out), tf.util.sizeFromShape(inputs.dy.shape), Number(attrs.alpha ?? 0));
    clean.add(out.dataId);
    return out;
  });
  status = 'active';
  adaptive = !opts.helperAlways;
  if (helper) warmHelper();
  return status;
}

/** Whether Doppel's wasm kernels (product, Adam, span max, activation gradient, tVAE loss, random) run on the current backend. */
export function wasmKernelsActive(): boolean {
  return status === 'active' && tf.getBackend() === 'wasm';
}

/**
 * A float32 tensor's values in place in the wasm backend's heap (null on other backends), to read or overwrite
 * without dataSync's extra copy. Overwrite only data that no other live tensor shares.
 */
export function heapFloats(t: tf.Tensor): Float32Array | null {
  if (tf.getBackend() !== 'wasm' || t.dtype !== 'float32') return null;
  const b = tf.backend() as unknown as Partial<WasmBackendLike>;
  const memory = b.wasm?.asm?.memory;
  const d = b.dataIdMap?.get(t.dataId);
  return memory && d ? new Float32Array(memory.buffer, d.memoryOffset, t.size) : null;
}

/** For the benchmark and the UI's backend line. */
export function wasmGemmStatus(): WasmGemmStatus {
  return status;
}

let helperPaused = false;
/** While a generator runs its own second thread (the tVAE's replica), products stay on one thread. */
export function pauseProductHelper(paused: boolean): void {
  helperPaused = paused;
}

/** Threads large products may use now: 2 with the helper thread (unless the tVAE's replica has paused it), else 1. */
export function productThreads(): number {
  return status === 'active' && helper && !helperPaused ? 2 : 1;
}

/**
 * Start the helper thread and bring its code to V8's optimising tier (it starts in the baseline tier), so
 * the first timings of training's products are not a cold thread's.
 */
function warmHelper(): void {
  const a = tf.randomUniform([256, 384], -1, 1, 'float32', 1);
  const b = tf.randomUniform([384, 256], -1, 1, 'float32', 2);
  const was = adaptive;
  adaptive = false;
  try {
    for (let i = 0; i < 24; i++) tf.matMul(a, b).dispose();
  } finally {
    adaptive = was;
    a.dispose();
    b.dispose();
  }
}

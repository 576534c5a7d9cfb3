/** What the Node driver (bench/browser/run.ts) asks the bench page for, and what comes back. Types only. */
import type { GeneratorKind, TrainProgress } from '../../src/core/models/types';

export type BrowserBackend = 'wasm' | 'webgpu';

export interface CaseRequest {
  model: GeneratorKind;
  backend: BrowserBackend;
  epochs: number;
  seed: number;
  /** Train on a seeded random subset of this many rows (the WebGPU timing run); absent = the whole table. */
  subsetRows?: number;
  /** Rows to sample after training (default: as many as the training table). */
  sampleRows?: number;
  /** Run the evaluator's quality score (Column Shapes / Column Pair Trends) on the sampled rows. */
  fidelity: boolean;
  /** The CSV on the bench server. */
  dataUrl: string;
}

export interface WasmInfo {
  /** tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'): false since initBackend never takes tfjs's threaded build (earlier records: true when isolated). */
  multithreadSupport: boolean;
  simdSupport: boolean;
  /**
   * getThreadsCount() from @tensorflow/tfjs-backend-wasm after init: XNNPACK's thread pool (1 = single-threaded).
   * tfjs 4.22 caps it at navigator.hardwareConcurrency / 2 (and 8), whatever setThreadsCount asks.
   */
  threads: number | null;
  /** Doppel's relaxed-SIMD kernels (src/core/models/wasm-gemm): 'active', or 'unsupported' (tfjs's own). */
  doppelKernels: string;
  /** Threads Doppel's large products use (2 with the helper thread: cross-origin-isolated pages only). */
  productThreads: number;
}

export interface WebGpuInfo {
  /** navigator.gpu.requestAdapter(): SwiftShader reports a fallback adapter. */
  isFallbackAdapter: boolean | null;
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

export interface WorkerEnv {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  userAgent: string;
  wasm?: WasmInfo;
  webgpu?: WebGpuInfo;
}

export interface CaseResult {
  model: GeneratorKind;
  /** The backend really in use (initBackend's answer). */
  backend: string;
  epochs: number;
  fullRows: number;
  trainRows: number;
  /** Wall seconds of every epoch, from the generator's own progress clock (inside the worker). */
  secondsPerEpochAll: number[];
  /** Threads the training steps ran on (2 with the tVAE's replica: isolated pages only). */
  trainThreads: number;
  ingestSeconds: number;
  sampleRows: number;
  sampleSeconds: number;
  evaluateSeconds: number | null;
  peakTensorMB: number;
  /** The wasm module's linear memory at the end (it only grows). */
  wasmHeapMB: number | null;
  finalLosses: Record<string, number>;
  columnShapes: number | null;
  columnPairTrends: number | null;
  env: WorkerEnv;
  note?: string;
}

/** What the bench page puts on window for Playwright. */
export interface BenchPageApi {
  run(req: CaseRequest): Promise<CaseResult>;
}

/** Exposed by Playwright (page.exposeFunction) and called by the page on every epoch. */
export type ProgressBinding = (p: TrainProgress) => Promise<void>;

/** Also exposed by Playwright: the worker is about to call fit (the driver's CPU mark for epoch 1). */
export type PhaseBinding = (phase: 'fit') => Promise<void>;

/**
 * Bench worker: the same core the app's training worker uses (initBackend with same-origin wasm binaries,
 * createGenerator, the evaluator), one case per worker: load the CSV, train, sample, score.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { bytesSource, ingest } from '../../src/core/data';
import { evaluateQuality } from '../../src/core/evaluate';
import { browserProductHelper, initBackend } from '../../src/core/models/backend';
import { offerReplica } from '../../workers/replica-thread';
import { productThreads, wasmGemmStatus } from '../../src/core/models/wasm-gemm/install';
import { createGenerator } from '../../src/core/models/registry';
import type { TrainProgress } from '../../src/core/models/types';
import { takeRows } from '../../src/core/sample/arrow';
import { tfjsWasmPaths } from '../../src/offline/wasm-paths';
import type { CaseRequest, CaseResult, WebGpuInfo, WorkerEnv } from './protocol';

const MB = 2 ** 20;

/** A seeded random subset of k row indices out of n, in table order (partial Fisher–Yates, mulberry32). */
function subset(n: number, k: number, seed: number): Int32Array {
  let s = (seed ^ 0x9e3779b9) >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, k).sort();
}

interface AdapterLike {
  info?: Partial<WebGpuInfo>;
  isFallbackAdapter?: boolean;
}

async function webgpuInfo(): Promise<WebGpuInfo> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  if (!adapter) return { isFallbackAdapter: null, description: gpu ? 'requestAdapter() returned null' : 'no navigator.gpu' };
  const info = adapter.info ?? {};
  return {
    isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? null,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
  };
}

function wasmHeapBytes(): number | null {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.buffer.byteLength ?? null;
}

const api = {
  async run(req: CaseRequest, onProgress?: (p: TrainProgress) => unknown, onPhase?: (phase: 'fit') => unknown): Promise<CaseResult> {
    const env: WorkerEnv = {
      crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated ?? false,
      hardwareConcurrency: navigator.hardwareConcurrency,
      userAgent: navigator.userAgent,
    };
    if (req.backend === 'webgpu') env.webgpu = await webgpuInfo();
    // A pthread worker that dies during wasm init leaves initBackend pending forever: fail instead.
    const backend = await Promise.race([
      initBackend(req.backend, { wasmPaths: tfjsWasmPaths(), productHelper: browserProductHelper() }), // as the app's training worker
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${req.backend} backend did not initialise within 120 s`)), 120_000)),
    ]);
    offerReplica(backend); // as the app's training worker does
    if (backend === 'wasm')
      env.wasm = {
        multithreadSupport: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
        simdSupport: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
        threads: (() => {
          try {
            return getThreadsCount();
          } catch {
            return null;
          }
        })(),
        doppelKernels: wasmGemmStatus(),
        productThreads: productThreads(),
      };

    let t = performance.now();
    const res = await fetch(req.dataUrl);
    if (!res.ok) throw new Error(`${req.dataUrl}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const { table: full, schema } = await ingest(bytesSource(bytes, req.dataUrl.split('/').pop() ?? 'data.csv'));
    const ingestSeconds = (performance.now() - t) / 1000;
    const table = req.subsetRows && req.subsetRows < full.numRows ? takeRows(schema, [{ table: full, rows: subset(full.numRows, req.subsetRows, req.seed) }]) : full;

    let peakTensor = tf.memory().numBytes;
    const epochTimes: number[] = [];
    let last = 0;
    let losses: Record<string, number> = {};
    let lastReport: unknown;
    const gen = await createGenerator(req.model);
    await onPhase?.('fit');
    const result = await gen.fit(table, schema, { epochs: req.epochs, seed: req.seed }, (p) => {
      epochTimes.push((p.elapsedMs - last) / 1000);
      last = p.elapsedMs;
      losses = p.losses;
      peakTensor = Math.max(peakTensor, tf.memory().numBytes);
      lastReport = onProgress?.(p);
    });
    await lastReport;

    const sampleRows = req.sampleRows ?? table.numRows;
    t = performance.now();
    const synthetic = await gen.sample(sampleRows, req.seed + 1);
    const sampleSeconds = (performance.now() - t) / 1000;
    peakTensor = Math.max(peakTensor, tf.memory().numBytes);
    gen.dispose();

    let shapes: number | null = null;
    let pairs: number | null = null;
    let evaluateSeconds: number | null = null;
    const notes: string[] = [];
    if (req.fidelity) {
      t = performance.now();
      try {
        const q = evaluateQuality(table, synthetic, schema, { charts: false });
        shapes = q.columnShapes;
        pairs = q.columnPairTrends;
      } catch (e) {
        notes.push(`evaluator failed: ${(e as Error).message}`);
      }
      evaluateSeconds = (performance.now() - t) / 1000;
    }
    if (result.diverged) notes.push(result.diverged);
    const heap = backend === 'wasm' ? wasmHeapBytes() : null;
    return {
      model: req.model,
      backend: result.backend ?? backend,
      epochs: result.epochs,
      fullRows: full.numRows,
      trainRows: table.numRows,
      trainThreads: result.threads ?? 1,
      secondsPerEpochAll: epochTimes.map((x) => Math.round(x * 1000) / 1000),
      ingestSeconds,
      sampleRows: synthetic.numRows,
      sampleSeconds,
      evaluateSeconds,
      peakTensorMB: peakTensor / MB,
      wasmHeapMB: heap === null ? null : heap / MB,
      finalLosses: losses,
      columnShapes: shapes,
      columnPairTrends: pairs,
      env,
      ...(notes.length ? { note: notes.join('; ') } : {}),
    };
  },
};

export type BenchWorkerApi = typeof api;
Comlink.expose(api);

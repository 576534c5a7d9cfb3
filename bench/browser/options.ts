/**
 * Options, result types and the stdout table of the browser bench (no Vite or Playwright here, so bench/run.ts
 * can parse its flags without loading them). The run itself is in driver.ts.
 */
import path from 'node:path';
import { flag, numberFlag, type ParsedArgs } from '../../src/cli/args';
import type { GeneratorKind } from '../../src/core/models/types';
import type { BrowserBackend, WorkerEnv } from './protocol';

export type BenchMode = 'quick' | 'standard' | 'full';

export interface BrowserBenchOptions {
  mode: BenchMode;
  models: GeneratorKind[];
  backends: BrowserBackend[];
  /** wasm epochs for every model (default per mode, see WASM_EPOCHS). */
  epochs?: number;
  /** Generators also timed on WebGPU (a subset of models; the transformer is slow on SwiftShader). */
  webgpuModels: GeneratorKind[];
  /** WebGPU: minibatches of 500 per epoch (default per model, see WEBGPU_STEPS), and epochs (the first is warm-up: shader compilation). */
  webgpuSteps?: number;
  webgpuEpochs: number;
  /** WebGPU: rows sampled for the rows/s figure, and whether to score fidelity (of a model trained on a few batches). */
  webgpuSampleRows: number;
  webgpuFidelity: boolean;
  /** Serve with COOP/COEP so the page and its workers are cross-origin isolated (threaded wasm). */
  isolated: boolean;
  data: string;
  seed: number;
  chromiumPath: string;
  /** A case still running after this many seconds fails (and its browser is closed). */
  caseTimeoutSeconds: number;
}

/** Browser wasm epochs by mode: short by default (the Node bench's --quick epochs); --full takes the Node standard. */
export const WASM_EPOCHS: Record<BenchMode, Record<GeneratorKind, number>> = {
  quick: { tvae: 3, ctgan: 2, transformer: 1 },
  standard: { tvae: 3, ctgan: 2, transformer: 1 },
  full: { tvae: 30, ctgan: 10, transformer: 3 },
};

/**
 * WebGPU minibatches per epoch by default. Measured on SwiftShader here (2-core box, load 3–5): a step takes
 * ~4–6 s (tVAE), ~20 s (CTGAN), ~75 s (transformer); the first epoch adds ~8–15 s, ~20–50 s, ~15–60 s of shader compilation.
 */
export const WEBGPU_STEPS: Record<GeneratorKind, number> = { tvae: 3, ctgan: 1, transformer: 1 };

export const BATCH = 500;

export function browserOptions(args: ParsedArgs, mode: BenchMode): BrowserBenchOptions {
  const list = (name: string, fallback: string) => (flag(args, name) ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
  const backends = list('backends', 'wasm,webgpu') as BrowserBackend[];
  for (const b of backends) if (b !== 'wasm' && b !== 'webgpu') throw new Error(`--backends: "${b}" (choose wasm, webgpu)`);
  const models = list('models', 'tvae,ctgan,transformer') as GeneratorKind[];
  return {
    mode,
    models,
    backends,
    epochs: numberFlag(args, 'epochs'),
    webgpuModels: (flag(args, 'webgpu-models') ? list('webgpu-models', '') : ['tvae', 'ctgan']).filter((m) => models.includes(m as GeneratorKind)) as GeneratorKind[],
    webgpuSteps: numberFlag(args, 'webgpu-steps'),
    webgpuEpochs: Math.max(2, numberFlag(args, 'webgpu-epochs', 2)!),
    webgpuSampleRows: numberFlag(args, 'webgpu-sample-rows', 2000)!,
    webgpuFidelity: flag(args, 'webgpu-fidelity') === 'true',
    isolated: flag(args, 'isolated') === 'true',
    data: path.resolve(flag(args, 'data') ?? path.resolve(process.cwd(), '../shared/data/adult.csv')),
    seed: numberFlag(args, 'seed', 0)!,
    chromiumPath: flag(args, 'chromium') ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    caseTimeoutSeconds: numberFlag(args, 'case-timeout', 1800)!,
  };
}

/** Boolean switches of the browser bench (for parseArgs). */
export const BROWSER_SWITCHES = ['isolated', 'webgpu-fidelity'] as const;

export interface BrowserRow {
  model: GeneratorKind;
  runtime: 'chromium';
  requestedBackend: BrowserBackend;
  backend: string;
  epochs: number;
  fullRows: number;
  trainRows: number;
  /** s/epoch for the full table: median after the first epoch (warm-up); extrapolated on WebGPU. */
  secondsPerEpoch: number;
  /** CPU s/epoch of the Chromium process tree (renderer, GPU process, browser), same treatment (with one epoch, that epoch and the encoding fit). */
  cpuSecondsPerEpoch: number | null;
  extrapolated: boolean;
  extrapolation?: {
    method: string;
    measuredSecondsPerEpoch: number;
    measuredCpuSecondsPerEpoch: number | null;
    stepsMeasured: number;
    stepsFullEpoch: number;
    factor: number;
    secondsPerStep: number;
  };
  secondsPerEpochAll: number[];
  cpuSecondsPerEpochAll: number[];
  /** Training threads (2: the tVAE's replica worker on an isolated page). */
  trainThreads?: number;
  sampleRows: number;
  sampleRowsPerSecond: number;
  /** Peak summed PSS of the Chromium process tree, and its split by process type at that moment. */
  peakMemoryMB: number;
  peakMemoryByProcessMB: Record<string, number>;
  peakTensorMB: number;
  wasmHeapMB: number | null;
  ingestSeconds: number;
  evaluateSeconds: number | null;
  finalLosses: Record<string, number>;
  columnShapes: number | null;
  columnPairTrends: number | null;
  env: WorkerEnv;
  wallSeconds: number;
  loadAverage: { start: number[]; end: number[] };
  note?: string;
}

export interface BrowserFailure {
  model: GeneratorKind;
  requestedBackend: BrowserBackend;
  error: string;
}

export interface BrowserRecord {
  date: string;
  mode: BenchMode;
  runtime: 'chromium';
  chromium: string;
  data: string;
  isolated: boolean;
  settings: Omit<BrowserBenchOptions, 'data' | 'chromiumPath'>;
  cpus: number;
  loadAverage: { start: number[]; end: number[] };
  results: BrowserRow[];
  failures: BrowserFailure[];
}

// --- the stdout table (shared with bench/run.ts) ---

export interface SummaryRow {
  model: string;
  runtime: string;
  backend: string;
  epochs: number;
  /** Shown instead of the epoch count (e.g. the WebGPU timing run's steps). */
  epochsLabel?: string;
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number | null;
  extrapolated?: boolean;
  sampleRowsPerSecond: number;
  peakMemoryMB: number;
  peakTensorMB: number;
  columnShapes: number | null;
  columnPairTrends: number | null;
  threads?: string;
}

export function browserSummary(rows: BrowserRow[]): SummaryRow[] {
  return rows.map((r) => ({
    model: r.model,
    runtime: 'chromium',
    backend: r.backend,
    epochs: r.epochs,
    ...(r.extrapolation ? { epochsLabel: `${r.epochs}×${r.extrapolation.stepsMeasured} steps` } : {}),
    secondsPerEpoch: r.secondsPerEpoch,
    cpuSecondsPerEpoch: r.cpuSecondsPerEpoch,
    extrapolated: r.extrapolated,
    sampleRowsPerSecond: r.sampleRowsPerSecond,
    peakMemoryMB: r.peakMemoryMB,
    peakTensorMB: r.peakTensorMB,
    columnShapes: r.columnShapes,
    columnPairTrends: r.columnPairTrends,
    threads: r.env.wasm ? `${Math.max(r.trainThreads ?? 1, r.env.wasm.productThreads ?? 1)}${r.env.wasm.multithreadSupport ? ' (mt)' : ''}` : r.env.webgpu ? (r.env.webgpu.isFallbackAdapter ? 'fallback' : 'hw') : '',
  }));
}

export function formatTable(rows: SummaryRow[]): string {
  const fmt = (v: number | null | undefined, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));
  const head = ['model', 'runtime', 'backend', 'threads/adapter', 'epochs', 's/epoch', 'cpu s/epoch', 'sample rows/s', 'peak MB', 'tensors MB', 'shapes', 'pairs'];
  const body = rows.map((r) => [
    r.model,
    r.runtime,
    r.backend,
    r.threads ?? '',
    r.epochsLabel ?? String(r.epochs),
    (r.extrapolated ? '~' : '') + fmt(r.secondsPerEpoch, 2),
    (r.extrapolated && r.cpuSecondsPerEpoch !== null ? '~' : '') + fmt(r.cpuSecondsPerEpoch, 2),
    fmt(r.sampleRowsPerSecond, 0),
    fmt(r.peakMemoryMB, 0),
    fmt(r.peakTensorMB, 1),
    fmt(r.columnShapes),
    fmt(r.columnPairTrends),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j])).join('  ').trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  if (rows.some((r) => r.extrapolated))
    out.push('~ extrapolated: WebGPU (SwiftShader here) timed on a few minibatches, scaled to a full epoch (epochs × steps of 500 rows, the first epoch warm-up); no fidelity');
  if (rows.some((r) => r.threads?.includes('(mt)'))) out.push('(mt): cross-origin isolated, threaded wasm build (XNNPACK threads capped at hardwareConcurrency / 2)');
  if (rows.some((r) => r.runtime === 'chromium'))
    out.push('chromium: peak MB = summed PSS of the Chromium process tree, cpu s = its CPU time; node: peak RSS, process CPU');
  return out.join('\n');
}

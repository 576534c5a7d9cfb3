/**
 * npm run bench [-- --quick | --full] [--models tvae,ctgan,transformer] [--epochs N] [--backend wasm|cpu] [--data file.csv]
 *   [--browser [browser options, see bench/browser/run.ts]]
 * Per generator on adult.csv (../shared/data): seconds per epoch, sampling rows/s, peak memory, and fidelity
 * (the evaluator's Column Shapes / Column Pair Trends) after a fixed number of epochs.
 * --browser: then the same in headless Chromium, wasm and WebGPU (bench/browser/driver.ts), in the same JSON and table.
 * Writes bench/results/<time>-<mode>[-browser].json and a table to stdout. A benchmark, not a test: no assertions.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Table } from 'apache-arrow';
import { flag, numberFlag, parseArgs } from '../src/cli/args';
import { loadCsv } from '../src/cli/commands/profile';
import { initNodeBackend } from '../src/cli/tf-node';
import { hostSpeed, type HostSpeed } from './host-speed';
import { createGenerator } from '../src/core/models/registry';
import { productThreads, wasmGemmStatus } from '../src/core/models/wasm-gemm/install';
import { BROWSER_SWITCHES, browserOptions, browserSummary, formatTable, type BrowserRecord, type SummaryRow } from './browser/options';
import type { BackendPreference, GeneratorKind, TrainProgress } from '../src/core/models/types';
import type { TableSchema } from '../src/core/schema/types';

interface BenchRow {
  model: GeneratorKind;
  backend: string;
  threads: number;
  epochs: number;
  secondsPerEpoch: number;
  secondsPerEpochAll: number[];
  /** Process CPU seconds per epoch (median after the first): a load-independent proxy on a shared box. */
  cpuSecondsPerEpoch: number;
  sampleRowsPerSecond: number;
  peakRssMB: number;
  peakTensorMB: number;
  finalLosses: Record<string, number>;
  columnShapes: number | null;
  columnPairTrends: number | null;
  note?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

async function fidelity(real: Table, synthetic: Table, schema: TableSchema): Promise<{ shapes: number | null; pairs: number | null; note?: string }> {
  try {
    const spec = '../src/core/evaluate/index';
    const mod = (await import(spec)) as {
      evaluateQuality?: (r: Table, s: Table, sc: TableSchema, o?: { charts?: boolean }) => { columnShapes: number; columnPairTrends: number };
    };
    if (!mod.evaluateQuality) return { shapes: null, pairs: null, note: 'evaluator not available' };
    const q = mod.evaluateQuality(real, synthetic, schema, { charts: false });
    return { shapes: q.columnShapes, pairs: q.columnPairTrends };
  } catch (e) {
    return { shapes: null, pairs: null, note: `evaluator failed: ${(e as Error).message}` };
  }
}

async function benchOne(model: GeneratorKind, epochs: number, table: Table, schema: TableSchema, seed: number): Promise<BenchRow> {
  const gen = await createGenerator(model);
  let peakRss = process.memoryUsage().rss;
  let peakTensor = tf.memory().numBytes;
  const epochTimes: number[] = [];
  const cpuTimes: number[] = [];
  let lastCpu = process.cpuUsage();
  let last = 0;
  let lastLosses: Record<string, number> = {};
  const onProgress = (p: TrainProgress) => {
    epochTimes.push((p.elapsedMs - last) / 1000);
    const cpu = process.cpuUsage(lastCpu);
    cpuTimes.push((cpu.user + cpu.system) / 1e6);
    lastCpu = process.cpuUsage();
    last = p.elapsedMs;
    lastLosses = p.losses;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakTensor = Math.max(peakTensor, tf.memory().numBytes);
    process.stderr.write(
      `  ${model} epoch ${p.epoch}/${p.epochs} ${Object.entries(p.losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' ')} ${epochTimes[epochTimes.length - 1].toFixed(2)} s (cpu ${cpuTimes[cpuTimes.length - 1].toFixed(2)} s)\n`,
    );
  };
  const result = await gen.fit(table, schema, { epochs, seed }, onProgress);
  const t0 = performance.now();
  const synthetic = await gen.sample(table.numRows, seed + 1);
  const sampleSeconds = (performance.now() - t0) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  peakTensor = Math.max(peakTensor, tf.memory().numBytes);
  gen.dispose();
  const f = await fidelity(table, synthetic, schema);
  // The first epoch includes warm-up (kernel compilation, lazy indexes): report the median of the rest.
  const steady = epochTimes.length > 1 ? epochTimes.slice(1) : epochTimes;
  return {
    model,
    backend: result.backend,
    // training threads (2 when the tVAE's replica ran: the default in Node with two cores); CPU seconds count all of them
    // (or the product helper's 2 for CTGAN and the transformer, when it ran: products use it while it is faster)
    threads: Math.max(result.threads ?? 1, productThreads()),
    epochs: result.epochs,
    secondsPerEpoch: median(steady),
    secondsPerEpochAll: epochTimes.map((t) => Math.round(t * 1000) / 1000),
    cpuSecondsPerEpoch: median(cpuTimes.length > 1 ? cpuTimes.slice(1) : cpuTimes),
    sampleRowsPerSecond: table.numRows / sampleSeconds,
    peakRssMB: peakRss / 2 ** 20,
    peakTensorMB: peakTensor / 2 ** 20,
    finalLosses: lastLosses,
    columnShapes: f.shapes,
    columnPairTrends: f.pairs,
    ...(f.note || result.diverged ? { note: [f.note, result.diverged].filter(Boolean).join('; ') } : {}),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['quick', 'full', 'browser', ...BROWSER_SWITCHES]);
  const withBrowser = flag(args, 'browser') === 'true';
  const quick = flag(args, 'quick') === 'true';
  const full = flag(args, 'full') === 'true';
  const mode = full ? 'full' : quick ? 'quick' : 'standard';
  const models = (flag(args, 'models') ?? 'tvae,ctgan,transformer').split(',').map((m) => m.trim()) as GeneratorKind[];
  const defaultEpochs: Record<string, Record<GeneratorKind, number>> = {
    quick: { tvae: 3, ctgan: 2, transformer: 1 },
    standard: { tvae: 30, ctgan: 10, transformer: 3 },
    full: { tvae: 300, ctgan: 300, transformer: 30 },
  };
  const epochsFlag = numberFlag(args, 'epochs');
  const data = flag(args, 'data') ?? path.resolve(process.cwd(), '../shared/data/adult.csv');
  const seed = numberFlag(args, 'seed', 0)!;
  const backend = await initNodeBackend((flag(args, 'backend') ?? 'wasm') as BackendPreference);
  const { table, schema } = await loadCsv(data);
  process.stderr.write(`bench (${mode}): ${path.basename(data)} ${table.numRows} rows × ${schema.columns.length} columns on ${backend}\n`);
  const speed: HostSpeed[] = [hostSpeed()];
  process.stderr.write(`  host: products ${speed[0].productGflops} GFLOP/s, scalar ${speed[0].scalarMops} M op/s (${speed[0].cpuModel})\n`);
  const rows: BenchRow[] = [];
  for (const model of models) {
    const epochs = epochsFlag ?? defaultEpochs[mode][model];
    try {
      rows.push(await benchOne(model, epochs, table, schema, seed));
    } catch (e) {
      process.stderr.write(`  ${model}: failed: ${(e as Error).message}\n`);
    }
  }
  // At the end of the Node runs (the browser record keeps its own).
  const loadAverage = (await import('node:os')).loadavg();
  speed.push(hostSpeed());
  let browser: BrowserRecord | null = null;
  if (withBrowser) {
    try {
      // Loaded only here: the driver pulls in Vite and Playwright.
      const { runBrowserBench } = await import('./browser/driver');
      browser = await runBrowserBench(browserOptions(args, mode));
    } catch (e) {
      process.stderr.write(`  browser bench failed: ${(e as Error).message}\n`);
    }
  }
  const outDir = path.resolve(process.cwd(), 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mode}${withBrowser ? '-browser' : ''}.json`);
  const record = {
    date: new Date().toISOString(),
    mode,
    data: path.basename(data),
    rows: table.numRows,
    node: process.version,
    // Doppel's relaxed-SIMD wasm kernels (src/core/models/wasm-gemm); DOPPEL_TFJS_KERNELS=1 for tfjs's own.
    doppelKernels: wasmGemmStatus(),
    productThreads: productThreads(),
    cpus: (await import('node:os')).cpus().length,
    loadAverage,
    // The host's speed before and after the runs (bench/host-speed.ts): compare s/epoch across days with it.
    hostSpeed: speed,
    results: rows,
    reference: { note: "SDV's PyTorch on a 2-core CI-class machine, one thread", tvaeSecondsPerEpoch: 0.7, ctganSecondsPerEpoch: [4.4, 5.3] },
    ...(withBrowser ? { browser } : {}),
  };
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  if (withBrowser) {
    const nodeRows: SummaryRow[] = rows.map((r) => ({
      model: r.model,
      runtime: 'node',
      backend: r.backend,
      threads: String(r.threads),
      epochs: r.epochs,
      secondsPerEpoch: r.secondsPerEpoch,
      cpuSecondsPerEpoch: r.cpuSecondsPerEpoch,
      sampleRowsPerSecond: r.sampleRowsPerSecond,
      peakMemoryMB: r.peakRssMB,
      peakTensorMB: r.peakTensorMB,
      columnShapes: r.columnShapes,
      columnPairTrends: r.columnPairTrends,
    }));
    process.stdout.write(formatTable([...nodeRows, ...browserSummary(browser?.results ?? [])]) + '\n');
    for (const f of browser?.failures ?? []) process.stdout.write(`failed: ${f.model}/chromium ${f.requestedBackend}: ${f.error}\n`);
    process.stdout.write(`written ${path.relative(process.cwd(), file)}\n`);
    return;
  }
  const fmt = (v: number | null, d = 3) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(d));
  const head = ['model', 'backend', 'threads', 'epochs', 's/epoch', 'cpu s/epoch', 'sample rows/s', 'peak RSS MB', 'tensors MB', 'shapes', 'pairs'];
  const body = rows.map((r) => [
    r.model, r.backend, String(r.threads), String(r.epochs), fmt(r.secondsPerEpoch, 2), fmt(r.cpuSecondsPerEpoch, 2), fmt(r.sampleRowsPerSecond, 0), fmt(r.peakRssMB, 0), fmt(r.peakTensorMB, 1),
    fmt(r.columnShapes), fmt(r.columnPairTrends),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j])).join('  ');
  process.stdout.write([line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n');
  process.stdout.write(`host: products ${speed.map((h) => h.productGflops).join(' → ')} GFLOP/s, scalar ${speed.map((h) => h.scalarMops).join(' → ')} M op/s\n`);
  process.stdout.write(`written ${path.relative(process.cwd(), file)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

/**
 * Browser bench driver (Node): builds the bench page (bench/browser/, its own Vite config, a temporary
 * outDir), serves it with `vite preview`, and for every generator × backend launches a fresh headless
 * Chromium (--enable-unsafe-webgpu) that trains in a Web Worker with the app's core. Per case: seconds per
 * epoch (the generator's clock in the worker), CPU seconds per epoch and peak memory (PSS) of the whole
 * Chromium process tree read from /proc, sampling rows/s, peak tensor memory, and fidelity.
 *
 * wasm runs real epochs on the whole table. WebGPU in headless Chromium here is SwiftShader (CPU
 * emulation, far slower), so it trains a few minibatches (a seeded subset of steps × 500 rows) and the
 * epoch time is extrapolated to the full table: measured s/epoch × full-epoch steps / measured steps.
 * Used by bench/browser/run.ts (`npm run bench:browser`) and bench/run.ts (`npm run bench -- --browser`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';
import type { GeneratorKind, TrainProgress } from '../../src/core/models/types';
import { BATCH, WASM_EPOCHS, WEBGPU_STEPS, type BrowserBenchOptions, type BrowserFailure, type BrowserRecord, type BrowserRow } from './options';
import type { BrowserBackend, CaseRequest, CaseResult } from './protocol';
import { benchViteConfig, DATA_PATH } from './vite.config';
import { CHROMIUM_ARGS } from '../../e2e/chromium';

// --- the Chromium process tree, from /proc (Linux) ---

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Proc {
  pid: number;
  ppid: number;
  cpuTicks: number;
}

function readProcs(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields after the name: state ppid … utime(14) stime(15) cutime(16) cstime(17) (1-based in proc(5))
      out.push({ pid: Number(d), ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Descendants of this Node process: the Chromium it launched (vite preview runs in-process). */
function chromiumTree(): Proc[] {
  const procs = readProcs();
  const children = new Map<number, Proc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: Proc[] = [];
  const stack = [process.pid];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

/** CPU seconds of the tree (its reaped children included via cutime/cstime). */
const treeCpuSeconds = () => chromiumTree().reduce((s, p) => s + p.cpuTicks, 0) / CLK_TCK;

function processType(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const m = /--type=([\w-]+)/.exec(cmd);
    if (!m) return 'browser';
    const sub = /--utility-sub-type=([\w.]+)/.exec(cmd);
    return m[1] === 'utility' && sub ? `utility:${sub[1].split('.').pop()}` : m[1];
  } catch {
    return 'gone';
  }
}

function treeMemory(): { totalMB: number; byType: Record<string, number> } {
  const byType: Record<string, number> = {};
  let total = 0;
  for (const p of chromiumTree()) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p.pid}/smaps_rollup`, 'utf8'));
      if (!m) continue;
      const mb = Number(m[1]) / 1024;
      const t = processType(p.pid);
      byType[t] = (byType[t] ?? 0) + mb;
      total += mb;
    } catch {
      /* gone */
    }
  }
  return { totalMB: total, byType };
}

// --- helpers ---

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const steady = (xs: number[]) => (xs.length > 1 ? xs.slice(1) : xs);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const stepsFor = (model: GeneratorKind, rows: number) => (model === 'ctgan' ? Math.max(1, Math.floor(rows / BATCH)) : Math.ceil(rows / BATCH));

const BENCH_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS,
  // A long case must not be throttled as a background tab/worker.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

async function runCase(url: string, opts: BrowserBenchOptions, model: GeneratorKind, backend: BrowserBackend, log: (s: string) => void): Promise<{ row: BrowserRow; version: string }> {
  const webgpu = backend === 'webgpu';
  const req: CaseRequest = {
    model,
    backend,
    epochs: webgpu ? opts.webgpuEpochs : (opts.epochs ?? WASM_EPOCHS[opts.mode][model]),
    seed: opts.seed,
    fidelity: webgpu ? opts.webgpuFidelity : true,
    dataUrl: new URL(DATA_PATH.slice(1), url).href,
    ...(webgpu ? { subsetRows: (opts.webgpuSteps ?? WEBGPU_STEPS[model]) * BATCH, sampleRows: opts.webgpuSampleRows } : {}),
  };
  const loadStart = os.loadavg();
  const t0 = performance.now();
  let browser: Browser | null = null;
  let peak = { totalMB: 0, byType: {} as Record<string, number> };
  const sample = () => {
    const m = treeMemory();
    if (m.totalMB > peak.totalMB) peak = m;
  };
  const timer = setInterval(sample, 500);
  try {
    browser = await chromium.launch({ executablePath: opts.chromiumPath, headless: true, args: BENCH_CHROMIUM_ARGS });
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`    page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log(`    console.${m.type()}: ${m.text().slice(0, 300)}`);
    });
    const cpuMarks: number[] = [];
    // cpuMarks[0]: just before fit (so epoch 1's CPU also counts fitting the encoding); then one per epoch.
    await page.exposeFunction('__benchPhase', () => {
      cpuMarks.length = 0;
      cpuMarks.push(treeCpuSeconds());
    });
    await page.exposeFunction('__benchProgress', (p: TrainProgress) => {
      cpuMarks.push(treeCpuSeconds());
      sample();
      const i = cpuMarks.length - 1;
      const cpu = cpuMarks[i] - cpuMarks[i - 1];
      log(
        `  ${model}/${backend} epoch ${p.epoch}/${p.epochs} ${Object.entries(p.losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' ')}` +
          ` ${(p.elapsedMs / 1000).toFixed(1)} s elapsed${Number.isFinite(cpu) ? ` (cpu ${cpu.toFixed(2)} s this epoch)` : ''}`,
      );
    });
    await page.goto(url);
    await page.waitForFunction(() => !!window.doppelBench);
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const r: CaseResult = await Promise.race([
      page.evaluate((q) => window.doppelBench!.run(q), req),
      new Promise<never>((_, reject) => {
        timeout = setTimeout(() => reject(new Error(`still running after ${opts.caseTimeoutSeconds} s (--case-timeout)`)), opts.caseTimeoutSeconds * 1000);
      }),
    ]).finally(() => clearTimeout(timeout));
    sample();
    const cpuPerEpoch = cpuMarks.slice(1).map((c, i) => c - cpuMarks[i]);
    const measured = median(steady(r.secondsPerEpochAll));
    const measuredCpu = cpuPerEpoch.length ? median(steady(cpuPerEpoch)) : null;
    const stepsMeasured = stepsFor(model, r.trainRows);
    const stepsFull = stepsFor(model, r.fullRows);
    const extrapolated = r.trainRows < r.fullRows;
    const factor = stepsFull / stepsMeasured;
    const notes = [r.note, r.epochs < 2 ? 'one epoch: s/epoch includes warm-up (and its CPU the encoding fit)' : undefined].filter(Boolean);
    const row: BrowserRow = {
      model,
      runtime: 'chromium',
      requestedBackend: backend,
      backend: r.backend,
      epochs: r.epochs,
      fullRows: r.fullRows,
      trainRows: r.trainRows,
      secondsPerEpoch: round(extrapolated ? measured * factor : measured),
      cpuSecondsPerEpoch: measuredCpu === null ? null : round(extrapolated ? measuredCpu * factor : measuredCpu),
      extrapolated,
      ...(extrapolated
        ? {
            extrapolation: {
              method: `median epoch time after the first on ${r.trainRows} of ${r.fullRows} rows (${stepsMeasured} steps of ${BATCH}) × ${stepsFull}/${stepsMeasured} steps`,
              measuredSecondsPerEpoch: round(measured),
              measuredCpuSecondsPerEpoch: measuredCpu === null ? null : round(measuredCpu),
              stepsMeasured,
              stepsFullEpoch: stepsFull,
              factor: round(factor, 4),
              secondsPerStep: round(measured / stepsMeasured),
            },
          }
        : {}),
      secondsPerEpochAll: r.secondsPerEpochAll,
      trainThreads: r.trainThreads,
      cpuSecondsPerEpochAll: cpuPerEpoch.map((c) => round(c, 2)),
      sampleRows: r.sampleRows,
      sampleRowsPerSecond: round(r.sampleRows / r.sampleSeconds, 1),
      peakMemoryMB: round(peak.totalMB, 1),
      peakMemoryByProcessMB: Object.fromEntries(Object.entries(peak.byType).map(([k, v]) => [k, round(v, 1)])),
      peakTensorMB: round(r.peakTensorMB, 2),
      wasmHeapMB: r.wasmHeapMB === null ? null : round(r.wasmHeapMB, 1),
      ingestSeconds: round(r.ingestSeconds, 2),
      evaluateSeconds: r.evaluateSeconds === null ? null : round(r.evaluateSeconds, 2),
      finalLosses: r.finalLosses,
      columnShapes: r.columnShapes,
      columnPairTrends: r.columnPairTrends,
      env: r.env,
      wallSeconds: round((performance.now() - t0) / 1000, 1),
      loadAverage: { start: loadStart, end: os.loadavg() },
      ...(notes.length ? { note: notes.join('; ') } : {}),
    };
    return { row, version: browser.version() };
  } finally {
    clearInterval(timer);
    await browser?.close().catch(() => undefined);
  }
}

export async function runBrowserBench(opts: BrowserBenchOptions, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<BrowserRecord> {
  if (!existsSync(opts.chromiumPath)) throw new Error(`no Chromium at ${opts.chromiumPath} (apt-get install -y chromium, or --chromium / CHROMIUM_PATH)`);
  if (!existsSync(opts.data)) throw new Error(`no data file ${opts.data}`);
  const loadStart = os.loadavg();
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'doppel-bench-browser-'));
  const config = benchViteConfig({ data: opts.data, outDir, isolated: opts.isolated });
  let server: PreviewServer | null = null;
  const results: BrowserRow[] = [];
  const failures: BrowserFailure[] = [];
  let version = '';
  try {
    const tb = performance.now();
    await build(config);
    log(`browser bench: page built in ${((performance.now() - tb) / 1000).toFixed(1)} s`);
    server = await preview(config);
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite preview did not report a URL');
    log(`browser bench (${opts.mode}): ${path.basename(opts.data)} at ${url}${opts.isolated ? ' (cross-origin isolated)' : ''}`);
    for (const model of opts.models)
      for (const backend of opts.backends) {
        if (backend === 'webgpu' && !opts.webgpuModels.includes(model)) {
          log(`  ${model}/webgpu: skipped (not in --webgpu-models)`);
          continue;
        }
        try {
          const { row, version: v } = await runCase(url, opts, model, backend, log);
          version = v;
          results.push(row);
        } catch (e) {
          const error = (e as Error).message.split('\n')[0];
          log(`  ${model}/${backend}: failed: ${error}`);
          failures.push({ model, requestedBackend: backend, error });
        }
      }
  } finally {
    await server?.close().catch(() => undefined);
    rmSync(outDir, { recursive: true, force: true });
  }
  const { data, chromiumPath, ...settings } = opts;
  void chromiumPath;
  return {
    date: new Date().toISOString(),
    mode: opts.mode,
    runtime: 'chromium',
    chromium: version,
    data: path.basename(data),
    isolated: opts.isolated,
    settings,
    cpus: os.cpus().length,
    loadAverage: { start: loadStart, end: os.loadavg() },
    results,
    failures,
  };
}

/**
 * npm run bench:browser [-- --quick | --full] [--models tvae,ctgan,transformer] [--backends wasm,webgpu] [--epochs N]
 *   [--webgpu-models tvae,ctgan] [--webgpu-steps N] [--webgpu-epochs N] [--webgpu-sample-rows N] [--webgpu-fidelity]
 *   [--isolated] [--data file.csv] [--seed N] [--chromium /usr/bin/chromium] [--case-timeout seconds]
 * The generators in headless Chromium (wasm and WebGPU, in a Web Worker like the app): see driver.ts.
 * Writes bench/results/<time>-browser-<mode>.json and a table to stdout. A benchmark, not a test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { flag, parseArgs } from '../../src/cli/args';
import { runBrowserBench } from './driver';
import { BROWSER_SWITCHES, browserOptions, browserSummary, formatTable, type BenchMode } from './options';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['quick', 'full', ...BROWSER_SWITCHES]);
  const mode: BenchMode = flag(args, 'full') === 'true' ? 'full' : flag(args, 'quick') === 'true' ? 'quick' : 'standard';
  const record = await runBrowserBench(browserOptions(args, mode));
  const outDir = path.resolve(process.cwd(), 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${record.date.replace(/[:.]/g, '-')}-browser-${mode}${record.isolated ? '-isolated' : ''}.json`);
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  process.stdout.write(formatTable(browserSummary(record.results)) + '\n');
  for (const f of record.failures) process.stdout.write(`failed: ${f.model}/${f.requestedBackend}: ${f.error}\n`);
  process.stdout.write(`load average ${record.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} → ${record.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} on ${record.cpus} cpus\n`);
  process.stdout.write(`written ${path.relative(process.cwd(), file)}\n`);
  if (!record.results.length) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e) => {
    process.stderr.write(`bench:browser: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

import path from 'node:path';
import { createRequire } from 'node:module';
import os from 'node:os';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { HelperFactory } from '../core/models/wasm-gemm/parallel';
import { setReplicaFactory, type ReplicaFactory } from '../core/models/tvae/replica';
import { initBackend } from '../core/models/backend';
import type { BackendName, BackendPreference } from '../core/models/types';

/** node_modules/@tensorflow/tfjs-backend-wasm/dist/ resolved from wherever the package is installed. */
export function wasmDistDir(): string {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('@tensorflow/tfjs-backend-wasm');
    // main is …/dist/tf-backend-wasm.node.js
    return path.dirname(main) + path.sep;
  } catch {
    return path.resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep;
  }
}

/** A worker_threads worker running `source`, unref'd so it never keeps the process alive. */
function nodeThread(source: string, options: { workerData?: unknown } = {}): { worker: Worker; alive: () => boolean } {
  const worker = new Worker(source, { eval: true, ...options });
  let alive = true;
  worker.on('exit', () => (alive = false));
  worker.on('error', () => (alive = false));
  worker.unref();
  return { worker, alive: () => alive };
}

/**
 * The product helper thread (wasm-gemm/parallel.ts) with two or more cores; products use it while timed
 * windows say it is the faster way (install.ts: it made CTGAN 1.3× faster on one day's host and 10–20% slower
 * on a slower day's; the numbers are the same either way). DOPPEL_THREADS=1: none; DOPPEL_THREADS=2: every large product.
 */
function nodeProductHelper(): HelperFactory | undefined {
  if (os.cpus().length < 2 || process.env.DOPPEL_THREADS === '1') return undefined;
  return (source, message) => {
    const t = nodeThread(source);
    t.worker.postMessage(message);
    return { alive: t.alive };
  };
}

/** The tVAE's replica thread (core/models/tvae/replica.ts) running tvae-replica.ts, through tsx when this file is TypeScript. */
function nodeReplica(backend: BackendName): ReplicaFactory {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './tvae-replica.ts' : './tvae-replica.js', import.meta.url).href;
  const tsx = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : '';
  const source =
    (tsx ? `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })` : `import(${JSON.stringify(entry)})`) +
    '.catch((e) => { console.error(e); process.exit(1); });';
  return (init) => {
    const t = nodeThread(source, { workerData: { init, backend } });
    return { alive: t.alive, terminate: () => void t.worker.terminate() };
  };
}

/**
 * Initialise tfjs for Node (CLI, bench, tests): wasm by default, cpu on request or as fallback.
 * The wasm module (Emscripten) installs process 'uncaughtException'/'unhandledRejection' handlers that
 * rethrow with a stack; we remove those it added so CLI errors still print one line and exit.
 */
export async function initNodeBackend(pref: BackendPreference = 'wasm', opts: { threads?: number } = {}): Promise<BackendName> {
  // Node 20's V8 has relaxed SIMD behind a flag (Chromium ≥ 114 has it on); Doppel's matrix product needs it.
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const before = {
    ue: new Set(process.listeners('uncaughtException')),
    ur: new Set(process.listeners('unhandledRejection')),
  };
  const p: BackendPreference = pref === 'webgpu' ? 'webgpu' : pref;
  let name: BackendName;
  try {
    name = await initBackend(p === 'auto' ? 'wasm' : p, {
      wasmPaths: wasmDistDir(),
      productHelper: opts.threads === 1 ? undefined : nodeProductHelper(),
      helperAlways: process.env.DOPPEL_THREADS === '2',
    });
  } catch (e) {
    if (pref === 'auto') name = await initBackend('cpu');
    else throw e;
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!before.ue.has(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection'))
      if (!before.ur.has(l)) process.removeListener('unhandledRejection', l as (...a: unknown[]) => void);
  }
  // The tVAE's replica thread, on by default with two cores: it gives the same numbers as one thread (tvae.ts
  // takes every batch as two halves either way). DOPPEL_THREADS=1 turns it off.
  const replicas = opts.threads !== 1 && os.cpus().length >= 2 && process.env.DOPPEL_THREADS !== '1';
  setReplicaFactory(replicas && name !== 'webgpu' ? nodeReplica(name) : null);
  return name;
}

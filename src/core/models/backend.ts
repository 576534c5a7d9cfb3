import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendName, BackendPreference } from './types';
import { installWasmGemm } from './wasm-gemm/install';
import type { HelperFactory } from './wasm-gemm/parallel';

interface GpuAdapterLike {
  info?: { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

let webgpuRegistered: Promise<boolean> | null = null;

/** Does this context have a real (non-fallback) WebGPU adapter? SwiftShader reports isFallbackAdapter. */
export async function hasHardwareWebGPU(): Promise<boolean> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } } }).navigator?.gpu;
  if (!gpu) return false;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return false;
    const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    return !fallback;
  } catch {
    return false;
  }
}

function hasWebGPUApi(): boolean {
  return !!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
}

// Dynamic import so Node (CLI, tests) never loads the webgpu backend.
async function registerWebGPU(): Promise<boolean> {
  if (!webgpuRegistered) {
    webgpuRegistered = (async () => {
      if (!hasWebGPUApi()) return false;
      try {
        await import('@tensorflow/tfjs-backend-webgpu');
        return tf.findBackendFactory('webgpu') != null;
      } catch {
        return false;
      }
    })();
  }
  return webgpuRegistered;
}

/**
 * Can this browser context run a second training thread? Only inside a worker (the threads wait with
 * Atomics.wait, which a page's main thread may not) of a cross-origin-isolated page (SharedArrayBuffer),
 * with two or more cores. Shared by the product helper and the tVAE's replica (workers/replica-thread.ts).
 */
export function canStartSecondThread(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean; WorkerGlobalScope?: unknown; Worker?: unknown; navigator?: { hardwareConcurrency?: number } };
  return (
    !!g.crossOriginIsolated && g.WorkerGlobalScope !== undefined && typeof g.Worker === 'function' &&
    typeof SharedArrayBuffer !== 'undefined' && (g.navigator?.hardwareConcurrency ?? 1) >= 2
  );
}

/**
 * The product helper thread (wasm-gemm/parallel.ts) as a Blob worker: only inside a worker (it waits with
 * Atomics.wait, which a page's main thread may not) of a cross-origin-isolated page (SharedArrayBuffer).
 * Passed as `productHelper` by the app's training worker; products use it while it is the faster way
 * (wasm-gemm/install.ts), and the tVAE's replica pauses it.
 */
export function browserProductHelper(): HelperFactory | undefined {
  if (!canStartSecondThread()) return undefined;
  const W = (globalThis as { Worker?: new (url: string) => { postMessage(m: unknown): void; onerror: unknown } }).Worker!;
  return (source, message) => {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const w = new W(url);
    URL.revokeObjectURL(url);
    let alive = true;
    w.onerror = () => (alive = false);
    w.postMessage(message);
    return { alive: () => alive };
  };
}

async function trySet(name: BackendName): Promise<boolean> {
  if (tf.getBackend() === name) {
    await tf.ready();
    return true;
  }
  try {
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Pick and initialise the tfjs backend. Auto: WebGPU only on a hardware adapter, else wasm, else cpu.
 * A forced backend is honoured or fails with a message saying why.
 */
export async function initBackend(
  pref: BackendPreference,
  opts: { wasmPaths?: string | Record<string, string>; productHelper?: HelperFactory; helperAlways?: boolean } = {},
): Promise<BackendName> {
  const productHelper = opts.productHelper;
  // Never tfjs's own threaded wasm build (chosen on isolated pages): Doppel's kernels do the products, it
  // sized its pool at half the cores, failed in a minified bundle and gained nothing on 2 cores
  // (bench/README.md); the second core goes to the tVAE's replica. Read when wasm first loads.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // Paths matter only before the wasm module first loads.
  if (opts.wasmPaths && !tf.findBackend('wasm')) setWasmPaths(opts.wasmPaths as string);
  if (pref === 'webgpu') {
    if (!hasWebGPUApi()) throw new Error('WebGPU backend unavailable: this browser has no navigator.gpu (choose wasm or cpu)');
    if (!(await registerWebGPU()) || !(await trySet('webgpu')))
      throw new Error('WebGPU backend unavailable: no adapter could be initialised (choose wasm or cpu)');
    return 'webgpu';
  }
  if (pref === 'wasm') {
    if (!(await trySet('wasm'))) throw new Error('wasm backend unavailable: the WebAssembly module could not be loaded (choose cpu)');
    await installWasmGemm({ helper: productHelper, helperAlways: opts.helperAlways });
    return 'wasm';
  }
  if (pref === 'cpu') {
    if (!(await trySet('cpu'))) throw new Error('cpu backend unavailable');
    return 'cpu';
  }
  if ((await hasHardwareWebGPU()) && (await registerWebGPU()) && (await trySet('webgpu'))) return 'webgpu';
  if (await trySet('wasm')) {
    await installWasmGemm({ helper: productHelper, helperAlways: opts.helperAlways });
    return 'wasm';
  }
  if (await trySet('cpu')) return 'cpu';
  throw new Error('No TensorFlow.js backend could be initialised');
}

/** The backend in use now. */
export function currentBackend(): BackendName {
  const b = tf.getBackend();
  return b === 'webgpu' || b === 'wasm' ? b : 'cpu';
}

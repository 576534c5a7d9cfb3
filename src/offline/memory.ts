/**
 * Estimate the memory a training run needs, and compare it with what this machine can give a tab.
 * Deliberately coarse (float32 everywhere, Adam's two moments, a few activation copies per layer):
 * its job is to warn before a run that clearly won't fit, not to predict the heap to the megabyte.
 */

export type RunModel = 'tvae' | 'ctgan' | 'transformer' | 'dp-tvae' | (string & {});

export interface MemoryEnv {
  /** navigator.deviceMemory in GiB (Chromium caps it at 8 and rounds down). */
  deviceMemoryGiB?: number;
  /** performance.memory (Chromium only). */
  jsHeapSizeLimit?: number;
  usedJSHeapSize?: number;
}

export interface MemoryBudget {
  bytes: number | null;
  source: 'performance.memory' | 'deviceMemory' | 'unknown';
}

export interface MemoryEstimate {
  bytes: number;
  parts: { table: number; batch: number; parameters: number; optimizer: number; activations: number; sampling: number };
  budget: MemoryBudget;
  /** false only when a budget is known and the estimate exceeds it. */
  fits: boolean;
  /** A sentence for the UI, or null when the run fits (or nothing is known about the machine). */
  warning: string | null;
}

const F32 = 4;
/** Raw Arrow table: one float64/int32/dictionary index per cell plus validity bitmaps, ~8 bytes a cell. */
const TABLE_BYTES_PER_CELL = 8;
/** tfjs/backends keep a few extra copies (wasm heap growth, staging buffers, fragmentation). */
const RUNTIME_OVERHEAD = 1.5;
/** Fixed cost of tfjs + wasm module + React page, measured order of magnitude. */
const BASE_BYTES = 64 * 1024 * 1024;
/** Share of a device's RAM one tab can reasonably take when performance.memory is unavailable. */
const DEVICE_SHARE = 0.5;

function parameterCount(model: RunModel, width: number): { params: number; activationWidth: number } {
  const w = Math.max(1, width);
  switch (model) {
    case 'ctgan': {
      // Generator: 128 noise + cond → residual 256,256 (concatenating) → width; critic pac 10: (w+cond)*10 → 256 → 256 → 1.
      const cond = w;
      const g = (128 + cond) * 256 + (128 + cond + 256) * 256 + (128 + cond + 512) * w;
      const d = (w + cond) * 10 * 256 + 256 * 256 + 256;
      return { params: g + d, activationWidth: 2 * (512 + 128 + cond + w) + (w + cond) * 2 };
    }
    case 'transformer': {
      // Per-column tokens; a few layers of d=64..128 with 4x feed-forward; vocab ~ width.
      const d = 128;
      const layers = 3;
      const perLayer = 4 * d * d + 2 * 4 * d * d;
      return { params: layers * perLayer + 2 * w * d, activationWidth: 8 * d * Math.max(1, Math.ceil(w / 8)) };
    }
    case 'dp-tvae':
    case 'tvae':
    default: {
      // Xu et al. 2019 tVAE: encoder w→128→128→(μ,logσ 128), decoder 128→128→128→w plus per-output σ.
      const enc = w * 128 + 128 * 128 + 128 * 256;
      const dec = 128 * 128 + 128 * 128 + 128 * w + w;
      const perExample = model === 'dp-tvae' ? 4 : 1; // DP keeps per-example gradient norms
      return { params: enc + dec, activationWidth: perExample * (3 * w + 6 * 128) };
    }
  }
}

/** What this machine can give the tab (null bytes when the browser says nothing). */
export function memoryBudget(env: MemoryEnv = readMemoryEnv()): MemoryBudget {
  if (env.jsHeapSizeLimit && env.jsHeapSizeLimit > 0) {
    // The JS heap limit bounds JS objects; wasm/GPU memory lives outside it, so allow the device share too.
    const heapLeft = env.jsHeapSizeLimit - (env.usedJSHeapSize ?? 0);
    const device = env.deviceMemoryGiB ? env.deviceMemoryGiB * 2 ** 30 * DEVICE_SHARE : 0;
    return { bytes: Math.max(heapLeft, device), source: 'performance.memory' };
  }
  if (env.deviceMemoryGiB && env.deviceMemoryGiB > 0) return { bytes: env.deviceMemoryGiB * 2 ** 30 * DEVICE_SHARE, source: 'deviceMemory' };
  return { bytes: null, source: 'unknown' };
}

/** Read navigator.deviceMemory / performance.memory where they exist (browser, worker); empty in Node. */
export function readMemoryEnv(): MemoryEnv {
  const g = globalThis as {
    navigator?: { deviceMemory?: number };
    performance?: { memory?: { jsHeapSizeLimit?: number; usedJSHeapSize?: number } };
  };
  const env: MemoryEnv = {};
  if (typeof g.navigator?.deviceMemory === 'number') env.deviceMemoryGiB = g.navigator.deviceMemory;
  const pm = g.performance?.memory;
  if (pm && typeof pm.jsHeapSizeLimit === 'number') {
    env.jsHeapSizeLimit = pm.jsHeapSizeLimit;
    env.usedJSHeapSize = pm.usedJSHeapSize;
  }
  return env;
}

export function formatMiB(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(bytes / 2 ** 20))} MB`;
}

/**
 * Memory a run needs: the loaded table, one encoded minibatch (the encoder streams, so never the whole
 * encoded matrix), weights + gradients + Adam moments, activations for forward and backward, and
 * one sampling chunk.
 * @param rows training rows
 * @param encodedWidth width of one encoded row (sum of span widths); pass the column count if unknown
 * @param model generator kind
 * @param batch minibatch size
 */
export function estimateRunMemory(
  rows: number,
  encodedWidth: number,
  model: RunModel,
  batch: number,
  opts: { columns?: number; sampleChunk?: number; env?: MemoryEnv } = {},
): MemoryEstimate {
  const columns = opts.columns ?? encodedWidth;
  const b = Math.max(1, Math.min(batch, Math.max(1, rows)));
  const { params, activationWidth } = parameterCount(model, encodedWidth);
  const table = rows * columns * TABLE_BYTES_PER_CELL;
  const batchBytes = b * encodedWidth * F32 * 2; // encoded batch + its mask/target copy
  const parameters = params * F32 * 2; // weights + gradients
  const optimizer = params * F32 * 2; // Adam m and v
  const activations = b * activationWidth * F32 * 2; // forward kept for backward
  const chunk = opts.sampleChunk ?? 2000;
  const sampling = chunk * (encodedWidth + columns) * F32;
  const bytes = Math.round(BASE_BYTES + RUNTIME_OVERHEAD * (table + batchBytes + parameters + optimizer + activations + sampling));
  const budget = memoryBudget(opts.env ?? readMemoryEnv());
  const fits = budget.bytes == null || bytes <= budget.bytes;
  const warning = fits
    ? null
    : `This run needs about ${formatMiB(bytes)} of memory but this browser can give it about ${formatMiB(budget.bytes!)}. ` +
      `Use fewer rows or a smaller batch, or close other tabs, before training.`;
  return {
    bytes,
    parts: { table, batch: batchBytes, parameters, optimizer, activations, sampling },
    budget,
    fits,
    warning,
  };
}

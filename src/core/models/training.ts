/**
 * Training utilities shared by every generator (tVAE, CTGAN, transformer): Adam with weight decay,
 * weight snapshots for the NaN guard, (de)serialisation of weights, progress/ETA, yielding, early stopping.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName, FitOptions, GeneratorKind, ResumePoint, SavedModel, TrainProgress } from './types';
import { sameColumns, type TableSchema } from '../schema/types';
import { currentBackend } from './backend';
import { ADAM_STEP, wasmKernelsActive, type AdamStepAttrs } from './wasm-gemm/install';

export type NamedVariables = Record<string, tf.Variable>;

/**
 * Adam (Kingma & Ba 2015) with L2 weight decay added to the gradient (the classic, non-decoupled form:
 * g ← g + λw), as the papers' PyTorch setups use.
 * onHost runs the update in JS over each weight (fewer tiny kernels); measured no faster on wasm here
 * (read-back and re-upload cost as much), so the device path is the default.
 */
export class Adam {
  private m = new Map<string, tf.Variable | Float32Array>();
  private v = new Map<string, tf.Variable | Float32Array>();
  private t = 0;
  readonly onHost: boolean;
  constructor(
    readonly lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly weightDecay = 0,
    readonly eps = 1e-8,
    onHost?: boolean,
  ) {
    this.onHost = onHost ?? false;
  }

  /** Apply gradients (the caller disposes them, e.g. by its tidy). */
  apply(vars: NamedVariables, grads: Record<string, tf.Tensor>): void {
    this.t++;
    if (this.onHost) this.applyHost(vars, grads);
    else this.applyDevice(vars, grads);
  }

  private applyHost(vars: NamedVariables, grads: Record<string, tf.Tensor>): void {
    const { beta1: b1, beta2: b2, weightDecay: wd } = this;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = 1 - b2 ** this.t;
    const stepSize = (this.lr * Math.sqrt(bc2)) / bc1;
    const eps = this.eps * Math.sqrt(bc2);
    for (const [name, gt] of Object.entries(grads)) {
      const w = vars[name];
      if (!w || !gt) continue;
      const g = gt.dataSync() as Float32Array;
      const x = Float32Array.from(w.dataSync() as Float32Array);
      let m = this.m.get(name) as Float32Array | undefined;
      let v = this.v.get(name) as Float32Array | undefined;
      if (!m) {
        m = new Float32Array(x.length);
        v = new Float32Array(x.length);
        this.m.set(name, m);
        this.v.set(name, v);
      }
      for (let i = 0; i < x.length; i++) {
        const gi = wd ? g[i] + wd * x[i] : g[i];
        const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
        const vi = (v![i] = b2 * v![i] + (1 - b2) * gi * gi);
        x[i] -= (stepSize * mi) / (Math.sqrt(vi) + eps);
      }
      const t = tf.tensor(x, w.shape, 'float32');
      w.assign(t);
      t.dispose();
    }
  }

  private applyDevice(vars: NamedVariables, grads: Record<string, tf.Tensor>): void {
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    const stepSize = this.lr * Math.sqrt(bc2) / bc1;
    const fused = wasmKernelsActive();
    const attrs: AdamStepAttrs = {
      stepSize, beta1: this.beta1, beta2: this.beta2, eps: this.eps * Math.sqrt(bc2), weightDecay: this.weightDecay,
    };
    tf.tidy(() => {
      for (const [name, g0] of Object.entries(grads)) {
        const w = vars[name];
        if (!w || !g0) continue;
        let m = this.m.get(name) as tf.Variable | undefined;
        let v = this.v.get(name) as tf.Variable | undefined;
        if (!m) {
          m = tf.variable(tf.zerosLike(w), false);
          v = tf.variable(tf.zerosLike(w), false);
          this.m.set(name, m);
          this.v.set(name, v);
        }
        if (fused) {
          // One wasm pass per weight instead of ~15 small kernels (wasm-gemm/wat.ts).
          const [w1, m1, v1] = tf.engine().runKernel(ADAM_STEP, { w, g: g0, m, v: v! }, attrs as never) as tf.Tensor[];
          m.assign(m1);
          v!.assign(v1);
          w.assign(w1);
          continue;
        }
        const g = this.weightDecay ? tf.add(g0, tf.mul(w, this.weightDecay)) : g0;
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v1 = tf.add(tf.mul(v!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(m1);
        v!.assign(v1);
        w.assign(tf.sub(w, tf.div(tf.mul(m1, stepSize), tf.add(tf.sqrt(v1), this.eps * Math.sqrt(bc2)))));
      }
    });
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) if (!(x instanceof Float32Array)) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Gradients of f with respect to the named variables; f's value is returned and kept. */
export function gradients(f: () => tf.Scalar, vars: NamedVariables): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const names = Object.keys(vars);
  const { value, grads } = tf.variableGrads(f, names.map((n) => vars[n]));
  const byName: Record<string, tf.Tensor> = {};
  // variableGrads keys by variable name; map back to our names.
  for (const n of names) byName[n] = grads[vars[n].name];
  return { value, grads: byName };
}

/** A copy of the weights (for NaN recovery and early stopping). */
export function snapshot(vars: NamedVariables): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [n, v] of Object.entries(vars)) out[n] = tf.clone(v);
  return out;
}

export function restore(vars: NamedVariables, snap: Record<string, tf.Tensor>): void {
  for (const [n, v] of Object.entries(vars)) if (snap[n]) v.assign(snap[n]);
}

/**
 * f's tensor, computed in a tidy, as values. Not `tidy(() => t.dataSync())`: tidy looks for tensors in what
 * its function returns, and walks a typed array value by value (~20 ms for 128k values, measured).
 */
export function readTidy(f: () => tf.Tensor): Float32Array {
  const t = tf.tidy(f);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

export function disposeAll(x: Record<string, tf.Tensor> | null | undefined): void {
  if (x) for (const t of Object.values(x)) t.dispose();
}

// --- base64 Float32 (browser and Node) ---

export function floatsToBase64(data: Float32Array): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const B = (globalThis as { Buffer?: { from(b: Uint8Array): { toString(enc: string): string } } }).Buffer;
  if (B) return B.from(bytes).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function base64ToFloats(b64: string): Float32Array {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  let bytes: Uint8Array;
  if (B) bytes = new Uint8Array(B.from(b64, 'base64'));
  else {
    const s = atob(b64);
    bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  }
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  return new Float32Array(aligned.buffer);
}

export function serialiseWeights(vars: NamedVariables): SavedModel['weights'] {
  const out: SavedModel['weights'] = {};
  for (const [n, v] of Object.entries(vars)) out[n] = { shape: v.shape.slice(), data: floatsToBase64(v.dataSync() as Float32Array) };
  return out;
}

/** Assign saved weights to existing variables (shapes must match). */
export function assignWeights(vars: NamedVariables, weights: SavedModel['weights']): void {
  for (const [n, v] of Object.entries(vars)) {
    const w = weights[n];
    if (!w) throw new Error(`Model file is missing weight "${n}"`);
    if (w.shape.join('x') !== v.shape.join('x'))
      throw new Error(`Model file weight "${n}" has shape ${w.shape.join('×')}, expected ${v.shape.join('×')}`);
    tf.tidy(() => v.assign(tf.tensor(base64ToFloats(w.data), w.shape)));
  }
}

/** Options as saved: JSON values only (callbacks and objects such as encoders dropped). */
export function jsonOptions(options: FitOptions): FitOptions {
  const out: FitOptions = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || typeof v === 'function' || k === 'resume') continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) continue;
    out[k] = v;
  }
  return JSON.parse(JSON.stringify(out));
}

// --- event loop, progress, cancellation ---

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

let channel: MessageChannel | null = null;
/** Let the event loop run (Comlink messages, cancel clicks) without setTimeout's 1–4 ms clamp. */
export function yieldToEventLoop(): Promise<void> {
  const si = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
  if (si) return new Promise((r) => si(r));
  if (typeof MessageChannel !== 'undefined') {
    channel ??= new MessageChannel();
    const ch = channel;
    return new Promise((r) => {
      ch.port1.onmessage = () => r();
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

/** Yields at most every `everyMs` so a worker stays responsive without paying per step. */
export class Yielder {
  private last = now();
  constructor(private readonly everyMs = 30) {}
  async maybe(): Promise<void> {
    if (now() - this.last >= this.everyMs) {
      await yieldToEventLoop();
      this.last = now();
    }
  }
}

export class TrainClock {
  readonly start = now();
  readonly backend: BackendName = currentBackend();
  history: TrainProgress[] = [];
  /** `done`: epochs a resumed run had already completed (they took no time in this run). */
  constructor(private readonly done = 0) {}
  progress(epoch: number, epochs: number, losses: Record<string, number>, rowsSeen?: number): TrainProgress {
    const elapsedMs = now() - this.start;
    const ran = epoch - this.done;
    const etaMs = ran > 0 ? (elapsedMs / ran) * (epochs - epoch) : 0;
    const p: TrainProgress = { epoch, epochs, losses, elapsedMs, etaMs, backend: this.backend };
    if (rowsSeen !== undefined) p.rowsSeen = rowsSeen;
    this.history.push(p);
    return p;
  }
}

export function isAborted(signal?: AbortSignal): boolean {
  return !!signal?.aborted;
}

/** Every value finite? */
export function finiteLosses(losses: Record<string, number>): boolean {
  return Object.values(losses).every((v) => Number.isFinite(v));
}

/**
 * A finite loss can still diverge: seen on adult.csv at tVAE epoch ~120, the loss jumped from 2 to 7e5 and on
 * to 1e11 without ever becoming NaN. A jump to more than 10,000× the scale of the lowest loss so far counts.
 */
export function lossExploded(loss: number, lowest: number): boolean {
  return Number.isFinite(lowest) && loss > lowest + 1e4 * (1 + Math.abs(lowest));
}

export function divergedMessage(epoch: number, losses: Record<string, number>, lowest?: number): string {
  const bad = Object.entries(losses)
    .filter(([, v]) => !Number.isFinite(v) || (lowest !== undefined && lossExploded(v, lowest)))
    .map(([k, v]) => `${k}=${Number.isFinite(v) ? v.toPrecision(3) : v}`)
    .join(', ');
  return `Training diverged at epoch ${epoch} (${bad}); stopped and kept the weights of the last good epoch. Try a lower learning rate or a smaller batch.`;
}

/** Stops when the validation loss has not improved by minDelta for `patience` epochs. */
export class EarlyStopping {
  best = Infinity;
  bestEpoch = 0;
  private wait = 0;
  constructor(
    readonly patience = 10,
    readonly minDelta = 1e-4,
  ) {}
  /** Returns { improved, stop }. */
  update(epoch: number, value: number): { improved: boolean; stop: boolean } {
    if (!Number.isFinite(this.best) || value < this.best - this.minDelta * Math.max(1, Math.abs(this.best))) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      return { improved: true, stop: false };
    }
    this.wait++;
    return { improved: false, stop: this.wait >= this.patience };
  }
}

/** Seeded split of row indices into training and validation (early stopping). */
export function splitRows(n: number, validationFraction: number, rng: { shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T }): {
  train: Int32Array;
  validation: Int32Array;
} {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (validationFraction <= 0) return { train: idx, validation: new Int32Array(0) };
  rng.shuffle(idx);
  const nv = Math.max(1, Math.min(n - 1, Math.round(n * validationFraction)));
  return { train: idx.slice(nv), validation: idx.slice(0, nv) };
}

/**
 * The run to continue, checked against the table about to be trained: same generator, same columns with the
 * same kinds. A checkpoint from another table would decode into the wrong columns, so it is refused.
 */
export function resumePoint(options: FitOptions, kind: GeneratorKind, schema: TableSchema): ResumePoint | null {
  const r = options.resume;
  if (!r) return null;
  const m = r.model;
  if (m?.format !== 'doppel-model' || !m.weights) throw new Error('The checkpoint to resume from is not a Doppel model.');
  if (m.kind !== kind) throw new Error(`The checkpoint holds a ${m.kind} model; resume it with ${m.kind}, not ${kind}.`);
  if (!sameColumns(m.schema, schema))
    throw new Error('The checkpoint was trained on a table with other columns or column kinds; load that table (with the same schema) or train anew.');
  if (!Number.isInteger(r.epoch) || r.epoch < 0) throw new Error(`The checkpoint's epoch count (${r.epoch}) is not a whole number.`);
  return r;
}

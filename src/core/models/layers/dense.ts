import * as tf from '@tensorflow/tfjs';
import { ACTIVATION_GRAD, CONCAT_COLUMNS, SLICE_COLUMNS, SPARSE_PRODUCT, wasmKernelsActive } from '../wasm-gemm/install';
import { tfjsSeed } from './random';

export type DenseActivation = 'linear' | 'relu' | 'leakyrelu';

/**
 * Products with a transposed operand, a·bᵀ (tB) or aᵀ·b (tA). tfjs-wasm's own kernels run these 10–15×
 * slower than an explicit transpose then a plain product; Doppel's wasm product (wasm-gemm/) reads aᵀ
 * in place and transposes b with SIMD shuffles, so there the flags go straight to the kernel.
 */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D, tA: boolean, tB: boolean): tf.Tensor2D {
  if (wasmKernelsActive()) return tf.matMul(a, b, tA, tB);
  return tf.matMul(tA ? (tf.transpose(a) as tf.Tensor2D) : a, tB ? (tf.transpose(b) as tf.Tensor2D) : b);
}

/**
 * Fully connected layer y = act(x·W + b) with a hand-written gradient whose products go through matMulT
 * (tfjs's own matMul gradient uses the transposed forms, slow on tfjs-wasm).
 * Forward uses the fused kernel (matMul + bias + activation in one op).
 */
export function dense(
  x: tf.Tensor2D,
  w: tf.Variable | tf.Tensor2D,
  b: tf.Variable | tf.Tensor1D,
  activation: DenseActivation = 'linear',
  alpha = 0.2,
  /**
   * false for a network's input layer: skips the dx product nobody uses. 'sparse' for an input layer whose
   * rows are mostly zeros (one-hot encoded): on wasm its two products then skip the zeros.
   */
  inputGrad: boolean | 'sparse' = true,
  /** false where only the input's gradient is wanted (CTGAN's critic in the generator step): w and b get zeros. */
  weightGrad = true,
): tf.Tensor2D {
  const sparse = inputGrad === 'sparse' && wasmKernelsActive();
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    // On wasm the fused kernel is called directly: inside a gradient tape tf.fused.matMul runs a non-linear
    // activation unfused (product, bias add, activation: three kernels), and this layer has its own gradient.
    const y = sparse
      ? (tf.engine().runKernel(SPARSE_PRODUCT, { a: xi, b: wi, bias: bi }, { transposeA: false, activation, alpha }) as tf.Tensor2D)
      : wasmKernelsActive()
        ? (tf.engine().runKernel(tf._FusedMatMul, { a: xi, b: wi, bias: bi },
            { transposeA: false, transposeB: false, activation, leakyreluAlpha: alpha }) as tf.Tensor2D)
        : tf.fused.matMul({ a: xi as tf.Tensor2D, b: wi as tf.Tensor2D, bias: bi, activation, leakyreluAlpha: alpha });
    save([xi, wi, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved;
        const g = activationGrad(dy, ys, activation, alpha);
        const dx = inputGrad === true ? matMulT(g as tf.Tensor2D, ws as tf.Tensor2D, false, true) : tf.zerosLike(xs);
        if (!weightGrad) return [dx, tf.zerosLike(ws), tf.zerosLike(bi)];
        const dw = sparse
          ? (tf.engine().runKernel(SPARSE_PRODUCT, { a: xs, b: g }, { transposeA: true }) as tf.Tensor2D)
          : matMulT(xs as tf.Tensor2D, g as tf.Tensor2D, true, false);
        return [dx, dw, biasGrad(g)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, w, b) as tf.Tensor2D;
}

/**
 * y = act(x·W + h·V + b) for a second input h that is one-hot (CTGAN's conditional vector in the critic's
 * pac groups): the same as dense() on [x, h] with [W; V], but on wasm h·V and hᵀ·dy skip h's zeros (~40% of the
 * critic's first-layer products on adult). h is a constant: its gradient is zeros.
 */
export function denseWithOneHot(
  x: tf.Tensor2D,
  w: tf.Variable | tf.Tensor2D,
  h: tf.Tensor2D,
  v: tf.Variable | tf.Tensor2D,
  b: tf.Variable | tf.Tensor1D,
  activation: DenseActivation,
  alpha: number,
  inputGrad: boolean,
  weightGrad = true,
): tf.Tensor2D {
  const wasm = wasmKernelsActive();
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, hi: tf.Tensor, vi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    let y: tf.Tensor;
    if (wasm) {
      const t = tf.engine().runKernel(tf._FusedMatMul, { a: xi, b: wi, bias: bi }, { transposeA: false, transposeB: false, activation: 'linear' }) as tf.Tensor;
      y = tf.engine().runKernel(SPARSE_PRODUCT, { a: hi, b: vi, addTo: t }, { transposeA: false, activation, alpha }) as tf.Tensor;
      t.dispose();
    } else {
      const pre = tf.add(tf.fused.matMul({ a: xi as tf.Tensor2D, b: wi as tf.Tensor2D, bias: bi }), tf.matMul(hi as tf.Tensor2D, vi as tf.Tensor2D));
      y = activation === 'linear' ? pre : activation === 'relu' ? tf.relu(pre) : tf.leakyRelu(pre, alpha);
    }
    save([xi, wi, hi, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, hs, ys] = saved;
        const g = activationGrad(dy, ys, activation, alpha);
        const dx = inputGrad ? matMulT(g as tf.Tensor2D, ws as tf.Tensor2D, false, true) : tf.zerosLike(xs);
        if (!weightGrad) return [dx, tf.zerosLike(ws), tf.zerosLike(hs), tf.zerosLike(vi), tf.zerosLike(bi)];
        const dv = wasm
          ? (tf.engine().runKernel(SPARSE_PRODUCT, { a: hs, b: g }, { transposeA: true }) as tf.Tensor)
          : matMulT(hs as tf.Tensor2D, g as tf.Tensor2D, true, false);
        const dw = matMulT(xs as tf.Tensor2D, g as tf.Tensor2D, true, false);
        return [dx, dw, tf.zerosLike(hs), dv, biasGrad(g)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, w, h, v, b) as tf.Tensor2D;
}

/** A bias's gradient, the column sums of g, as 1·g (see onesRow). */
function biasGrad(g: tf.Tensor): tf.Tensor {
  return tf.reshape(tf.matMul(onesRow(g.shape[0]), g as tf.Tensor2D), [-1]);
}

/** dy through relu / leaky relu, from the layer's output (its sign is the pre-activation's for alpha > 0). */
function activationGrad(dy: tf.Tensor, y: tf.Tensor, activation: DenseActivation, alpha: number): tf.Tensor {
  if (activation === 'linear') return dy;
  const a = activation === 'relu' ? 0 : alpha;
  if (wasmKernelsActive()) return tf.engine().runKernel(ACTIVATION_GRAD, { dy, y }, { alpha: a }) as tf.Tensor;
  if (activation === 'relu') return tf.mul(dy, tf.step(y));
  return tf.mul(dy, tf.add(tf.mul(tf.step(y), 1 - alpha), alpha));
}

/**
 * tf.concat(parts, 1) for float32 [B, ·] matrices; on wasm a row-by-row block copy each way (tfjs-wasm's Concat
 * and the SplitV of its gradient cost ~2 ms a CTGAN residual layer).
 */
export function concatColumns(parts: tf.Tensor2D[]): tf.Tensor2D {
  if (!wasmKernelsActive() || parts.some((p) => p.dtype !== 'float32')) return tf.concat(parts, 1) as tf.Tensor2D;
  const widths = parts.map((p) => p.shape[1]);
  const f = tf.customGrad(((...args: unknown[]) => {
    const inputs = Object.fromEntries(args.slice(0, parts.length).map((t, i) => [`t${i}`, t as tf.Tensor]));
    return {
      value: tf.engine().runKernel(CONCAT_COLUMNS, inputs, {}) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => tf.engine().runKernel(SLICE_COLUMNS, { x: dy }, { widths }) as tf.Tensor[],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(...parts) as tf.Tensor2D;
}

let nextId = 0;
/** tfjs variable names are global: make each one unique so several models can coexist. */
export function uniqueName(name: string): string {
  return `${name}#${++nextId}`;
}

/** Glorot-uniform weights and zero bias from a seed (so a seed fixes the whole network). */
export function denseParams(
  name: string,
  inDim: number,
  outDim: number,
  seed: number,
): { w: tf.Variable<tf.Rank.R2>; b: tf.Variable<tf.Rank.R1> } {
  const limit = Math.sqrt(6 / (inDim + outDim));
  return tf.tidy(() => ({
    w: tf.variable(tf.randomUniform([inDim, outDim], -limit, limit, 'float32', tfjsSeed(seed)) as tf.Tensor2D, true, uniqueName(`${name}/w`)),
    b: tf.variable(tf.zeros([outDim]) as tf.Tensor1D, true, uniqueName(`${name}/b`)),
  }));
}

/**
 * x·C for a constant matrix C (e.g. a span-membership matrix), with the gradient dy·Cᵀ taken from a
 * pre-transposed copy (see dense() for why).
 */
export function matMulConst(x: tf.Tensor2D, c: tf.Tensor2D, cT: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((xi: tf.Tensor) => ({
    value: tf.matMul(xi as tf.Tensor2D, c),
    gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, cT)],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}

/** a·b with a gradient through matMulT (both inputs trainable or derived). */
export function matMulFast(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((ai: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ai, bi]);
    return {
      value: tf.matMul(ai as tf.Tensor2D, bi as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        matMulT(dy as tf.Tensor2D, saved[1] as tf.Tensor2D, false, true),
        matMulT(saved[0] as tf.Tensor2D, dy as tf.Tensor2D, true, false),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(a, b) as tf.Tensor2D;
}

/**
 * a·bᵀ with gradients dy·b and dyᵀ·a, so only b and the small dy are ever transposed (matMulFast on T(b)
 * would transpose the large b-shaped arrays twice more).
 */
export function matMulTransB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((ai: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ai, bi]);
    return {
      value: matMulT(ai as tf.Tensor2D, bi as tf.Tensor2D, false, true),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, saved[1] as tf.Tensor2D),
        matMulT(dy as tf.Tensor2D, saved[0] as tf.Tensor2D, true, false),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(a, b) as tf.Tensor2D;
}

/**
 * Mean over rows, [B, C] → [C], as (1/B)·1ᵀx: tfjs-wasm runs Mean over axis 0 as transpose + reduce
 * (~0.9 ms for CTGAN's [500, 256] batch norm, ten per step); the gradient is the outer product 1·(dy/B).
 */
export function columnMean(x: tf.Tensor2D): tf.Tensor1D {
  const f = tf.customGrad(((xi: tf.Tensor) => {
    const n = xi.shape[0];
    return {
      value: tf.reshape(tf.mul(tf.matMul(onesRow(n), xi as tf.Tensor2D), 1 / n), [-1]),
      gradFunc: (dy: tf.Tensor) => [tf.matMul(keptOnes(n, 1), tf.reshape(tf.mul(dy, 1 / n), [1, -1]) as tf.Tensor2D)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor1D;
}

const ones = new Map<string, tf.Tensor2D>();
/** A kept [rows, cols] block of ones (created once per shape). */
function keptOnes(rows: number, cols: number): tf.Tensor2D {
  const key = `${rows}x${cols}`;
  let t = ones.get(key);
  if (!t || t.isDisposed) {
    t = tf.tidy(() => tf.keep(tf.ones([rows, cols]) as tf.Tensor2D));
    ones.set(key, t);
  }
  return t;
}

/**
 * A kept [1, n] row of ones: a bias gradient as 1·g (one small matMul) instead of a sum over axis 0,
 * which tfjs-wasm runs as transpose + reduce (measured ~2.5× slower).
 */
function onesRow(n: number): tf.Tensor2D {
  return keptOnes(1, n);
}

/**
 * tanh(x) = 2σ(2x) − 1 with gradient 1 − y²: tfjs-wasm's Sigmoid (XNNPACK) measured ~6× faster than its Tanh.
 */
export function fastTanh(x: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = tf.sub(tf.mul(tf.sigmoid(tf.mul(xi, 2)), 2), 1);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, tf.sub(1, tf.square(saved[0])))],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}

/**
 * exp(x) for x ≤ 0 (e.g. after a max shift) as σ(x)/(1 − σ(x)), gradient dy·eˣ: tfjs-wasm's Exp measured
 * ~3× slower than Sigmoid + Sub + Div. Accurate only where 1 − σ(x) does not cancel, hence x ≤ 0.
 */
export function expNonPositive(x: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const s = tf.sigmoid(xi);
    const e = tf.div(s, tf.sub(1, s));
    save([e]);
    return { value: e, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[0])] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}

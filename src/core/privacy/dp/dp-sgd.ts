/**
 * DP-SGD machinery (Abadi et al. 2016): Poisson-sampled batches, per-example clipping to norm C,
 * Gaussian noise σ·C. Per-example gradient norms of dense layers come without a per-example loop
 * (Goodfellow 2015, "Efficient per-example gradient computations"; "ghost clipping", Li et al. 2022):
 * for Z = A·W + b and G = ∂L/∂Z (row i = example i),
 *   ∇W_i = a_i g_iᵀ  ⇒  ‖∇W_i‖² = ‖a_i‖²·‖g_i‖²,   ∇b_i = g_i  ⇒  ‖∇b_i‖² = ‖g_i‖²,
 * and the sum of clipped per-example gradients is Aᵀ·diag(s)·G with s_i = min(1, C/‖∇θ_i‖).
 * No batch norm in DP networks: it mixes examples, so per-example gradients stop being per-example.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/random';
import { cryptoNormal } from './crypto-random';

/**
 * Poisson sampling: each of n rows joins the batch independently with probability q (what the RDP
 * accountant assumes; a fixed-size shuffled batch would not match it). Geometric gaps, so O(q·n).
 */
export function poissonSample(n: number, q: number, rng: Rng): Int32Array {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate must be in [0, 1], got ${q}`);
  if (q === 0 || n === 0) return new Int32Array(0);
  if (q === 1) return Int32Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const logQ = Math.log1p(-q);
  let i = -1;
  for (;;) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    i += 1 + Math.floor(Math.log(u) / logQ);
    if (i >= n) break;
    out.push(i);
  }
  return Int32Array.from(out);
}

export { cryptoNormal };

/**
 * Per-example squared gradient norms of a dense layer Z = A·W (+ b), from its input activations
 * A (batch × in) and output gradients G (batch × out): ‖a_i‖²‖g_i‖² (+ ‖g_i‖² for the bias).
 */
export function denseGhostNormsSq(A: tf.Tensor2D, G: tf.Tensor2D, bias = true): tf.Tensor1D {
  return tf.tidy(() => {
    const g2 = tf.sum(tf.square(G), 1);
    const w = tf.mul(tf.sum(tf.square(A), 1), g2);
    return (bias ? tf.add(w, g2) : w) as tf.Tensor1D;
  });
}

/**
 * Per-example squared norms for a dense layer applied at every position of a sequence
 * (A: batch × T × in, G: batch × T × out, shared weights): ∇W_i = Σ_t a_it g_itᵀ, so
 * ‖∇W_i‖² = Σ_{t,s} (a_it·a_is)(g_it·g_is) — two T×T Gram matrices instead of an in×out gradient.
 */
export function sequenceGhostNormsSq(A: tf.Tensor3D, G: tf.Tensor3D, bias = true): tf.Tensor1D {
  return tf.tidy(() => {
    const ga = tf.matMul(A, tf.transpose(A, [0, 2, 1]));
    const gg = tf.matMul(G, tf.transpose(G, [0, 2, 1]));
    const w = tf.sum(tf.mul(ga, gg), [1, 2]);
    if (!bias) return w as tf.Tensor1D;
    const gb = tf.sum(G, 1); // ∇b_i = Σ_t g_it
    return tf.add(w, tf.sum(tf.square(gb), 1)) as tf.Tensor1D;
  });
}

/** s_i = min(1, C/‖∇θ_i‖) from per-example squared norms summed over all parameters. */
export function clipScales(normsSq: tf.Tensor1D, clipNorm: number): tf.Tensor1D {
  return tf.tidy(() => tf.minimum(1, tf.div(clipNorm, tf.add(tf.sqrt(normsSq), 1e-12))) as tf.Tensor1D);
}

/**
 * Sum over the batch of clipped per-example gradients of a dense layer: Aᵀ·diag(s)·G and Σ_i s_i g_i.
 * (Explicit transpose: matMul with transposeA is much slower on the wasm backend.)
 */
export function clippedDenseGrads(A: tf.Tensor2D, G: tf.Tensor2D, scales: tf.Tensor1D): { dW: tf.Tensor2D; db: tf.Tensor1D } {
  return tf.tidy(() => {
    const sg = tf.mul(G, tf.expandDims(scales, 1)) as tf.Tensor2D;
    return { dW: tf.matMul(tf.transpose(A), sg), db: tf.sum(sg, 0) as tf.Tensor1D };
  });
}

/** Sequence version of clippedDenseGrads: Σ_i s_i Σ_t a_it g_itᵀ and Σ_i s_i Σ_t g_it. */
export function clippedSequenceGrads(A: tf.Tensor3D, G: tf.Tensor3D, scales: tf.Tensor1D): { dW: tf.Tensor2D; db: tf.Tensor1D } {
  return tf.tidy(() => {
    const [b, t, i] = A.shape;
    const o = G.shape[2];
    const sg = tf.mul(G, tf.reshape(scales, [b, 1, 1]));
    const a2 = tf.reshape(A, [b * t, i]);
    const g2 = tf.reshape(sg, [b * t, o]);
    return { dW: tf.matMul(tf.transpose(a2), g2), db: tf.sum(g2, 0) as tf.Tensor1D };
  });
}

/**
 * Noisy average of a clipped gradient sum: (Σ clipped + N(0, σ²C²)) / expectedBatch. With Poisson
 * sampling the denominator is the EXPECTED batch size q·N, not the realised one (which is private).
 */
export function addNoise(sum: tf.Tensor, sigma: number, clipNorm: number, expectedBatch: number): tf.Tensor {
  return tf.tidy(() => {
    const noise = tf.tensor(cryptoNormal(sum.size, sigma * clipNorm), sum.shape, 'float32');
    return tf.div(tf.add(sum, noise), expectedBatch);
  });
}

/** One dense layer's contribution to a DP step. */
export interface DenseLayerTrace {
  /** Input activations, batch × in (or batch × T × in for a layer applied along a sequence). */
  A: tf.Tensor2D | tf.Tensor3D;
  /** Gradient of the summed loss w.r.t. the layer's pre-activation output, same leading shape. */
  G: tf.Tensor2D | tf.Tensor3D;
  bias?: boolean;
}

export interface DpStepResult {
  /** Noisy mean gradients per layer (same order as the traces): dW (in × out) and db (out). */
  grads: { dW: tf.Tensor2D; db: tf.Tensor1D | null }[];
  /** Share of examples whose gradient was clipped (a tuning signal; not private, keep it out of reports). */
  clippedShare: number;
}

/**
 * The DP step over a network made of dense layers: joint per-example norms over all layers, one
 * clip factor per example, clipped sums, noise σ·C on every parameter. Caller disposes the results.
 */
export function dpDenseStep(traces: DenseLayerTrace[], opts: { clipNorm: number; sigma: number; expectedBatch: number }): DpStepResult {
  const { clipNorm, sigma, expectedBatch } = opts;
  if (!traces.length) return { grads: [], clippedShare: 0 };
  const batch = traces[0].A.shape[0];
  if (batch === 0) {
    // an empty Poisson batch still releases (pure) noise, and still counts as a step for the accountant
    return {
      grads: traces.map((t) => {
        const i = t.A.shape[t.A.rank - 1];
        const o = t.G.shape[t.G.rank - 1];
        return {
          dW: tf.tidy(() => addNoise(tf.zeros([i, o]), sigma, clipNorm, expectedBatch)) as tf.Tensor2D,
          db: t.bias !== false ? (tf.tidy(() => addNoise(tf.zeros([o]), sigma, clipNorm, expectedBatch)) as tf.Tensor1D) : null,
        };
      }),
      clippedShare: 0,
    };
  }
  const scales = tf.tidy(() => {
    let normsSq: tf.Tensor1D | null = null;
    for (const t of traces) {
      const n =
        t.A.rank === 3
          ? sequenceGhostNormsSq(t.A as tf.Tensor3D, t.G as tf.Tensor3D, t.bias !== false)
          : denseGhostNormsSq(t.A as tf.Tensor2D, t.G as tf.Tensor2D, t.bias !== false);
      normsSq = normsSq ? (tf.add(normsSq, n) as tf.Tensor1D) : n;
    }
    return clipScales(normsSq!, clipNorm);
  });
  const s = scales.dataSync();
  let c = 0;
  for (const v of s) if (v < 1) c++;
  const grads = traces.map((t) => {
    const g =
      t.A.rank === 3
        ? clippedSequenceGrads(t.A as tf.Tensor3D, t.G as tf.Tensor3D, scales)
        : clippedDenseGrads(t.A as tf.Tensor2D, t.G as tf.Tensor2D, scales);
    const dW = addNoise(g.dW, sigma, clipNorm, expectedBatch) as tf.Tensor2D;
    const db = t.bias !== false ? (addNoise(g.db, sigma, clipNorm, expectedBatch) as tf.Tensor1D) : null;
    g.dW.dispose();
    g.db.dispose();
    return { dW, db };
  });
  scales.dispose();
  return { grads, clippedShare: c / s.length };
}

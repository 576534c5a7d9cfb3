/**
 * Span-wise activations over an encoded row: tanh on scalar spans, softmax inside each softmax span.
 * Softmax spans are gathered into a padded [B, S, Wmax] block (pads at -1e9) so every span gets its own
 * max-shifted softmax in one kernel; gathers carry hand-written gradients (wasm has no scatter kernel).
 */
import * as tf from '@tensorflow/tfjs';
import type { Span } from '../../transform/types';

export class SpanLayout {
  readonly width: number;
  readonly softSpans: Span[];
  readonly spanCount: number;
  readonly maxWidth: number;
  /** padded position → source column (width = pad, takes the filler column). */
  private fwd: tf.Tensor1D;
  /** source column → padded position (S·Wmax = the filler column). */
  private inv: tf.Tensor1D;
  readonly scalarMask: tf.Tensor2D;
  readonly softmaxMask: tf.Tensor2D;
  /** Host copies, for JS-side sampling. */
  readonly scalarIndex: Int32Array;

  constructor(spans: readonly Span[], width: number) {
    this.width = width;
    this.softSpans = spans.filter((s) => s.activation === 'softmax');
    this.spanCount = this.softSpans.length;
    this.maxWidth = Math.max(1, ...this.softSpans.map((s) => s.width));
    const P = this.spanCount * this.maxWidth;
    const fwd = new Int32Array(P).fill(width);
    const inv = new Int32Array(width).fill(P);
    this.softSpans.forEach((s, k) => {
      for (let j = 0; j < s.width; j++) {
        fwd[k * this.maxWidth + j] = s.start + j;
        inv[s.start + j] = k * this.maxWidth + j;
      }
    });
    const scalar = new Float32Array(width);
    const soft = new Float32Array(width);
    const scalarIdx: number[] = [];
    for (const s of spans)
      for (let j = 0; j < s.width; j++) {
        if (s.activation === 'tanh') { scalar[s.start + j] = 1; scalarIdx.push(s.start + j); }
        else soft[s.start + j] = 1;
      }
    this.scalarIndex = Int32Array.from(scalarIdx);
    this.fwd = tf.tensor1d(fwd, 'int32');
    this.inv = tf.tensor1d(inv, 'int32');
    this.scalarMask = tf.tensor2d(scalar, [1, width]);
    this.softmaxMask = tf.tensor2d(soft, [1, width]);
  }

  /** [B, D] → [B, S, Wmax] with pads filled by `fill`. */
  pad(x: tf.Tensor2D, fill: number): tf.Tensor3D {
    const B = x.shape[0];
    const { fwd, inv, spanCount: S, maxWidth: W } = this;
    const f = tf.customGrad(((xi: tf.Tensor) => ({
      value: tf.reshape(tf.gather(tf.concat([xi, tf.fill([B, 1], fill)], 1), fwd, 1), [B, S, W]),
      gradFunc: (dy: tf.Tensor) => [tf.gather(tf.concat([tf.reshape(dy, [B, S * W]), tf.zeros([B, 1])], 1), inv, 1)],
    })) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(x) as tf.Tensor3D;
  }

  /** [B, S, Wmax] → [B, D]; non-softmax columns are 0. */
  unpad(p: tf.Tensor3D): tf.Tensor2D {
    const B = p.shape[0];
    const { fwd, inv, spanCount: S, maxWidth: W } = this;
    const f = tf.customGrad(((pi: tf.Tensor) => ({
      value: tf.gather(tf.concat([tf.reshape(pi, [B, S * W]), tf.zeros([B, 1])], 1), inv, 1),
      gradFunc: (dy: tf.Tensor) => [tf.reshape(tf.gather(tf.concat([dy, tf.zeros([B, 1])], 1), fwd, 1), [B, S, W])],
    })) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(p) as tf.Tensor2D;
  }

  /** Log-softmax within each softmax span, [B, D] (0 at scalar columns). */
  logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
    if (!this.spanCount) return tf.zerosLike(logits);
    return this.unpad(tf.logSoftmax(this.pad(logits, -1e9)) as tf.Tensor3D);
  }

  /**
   * The generator's output activation: tanh on scalars; softmax per span of (logits + gumbel)/τ
   * (Gumbel-softmax, Jang et al. 2017) when gumbelSeed is given, plain softmax otherwise.
   */
  activate(logits: tf.Tensor2D, tau = 1, gumbelSeed?: number): tf.Tensor2D {
    const scalars = tf.mul(tf.tanh(logits), this.scalarMask);
    if (!this.spanCount) return scalars as tf.Tensor2D;
    let z = this.pad(logits, -1e9);
    if (gumbelSeed !== undefined) {
      // Clip away from 1: float32 rounding can yield u = 1, and −log(−log 1) = +∞.
      const u = tf.clipByValue(tf.randomUniform(z.shape, 1e-10, 1, 'float32', gumbelSeed), 1e-10, 1 - 1e-6);
      z = tf.add(z, tf.neg(tf.log(tf.neg(tf.log(u))))) as tf.Tensor3D;
    }
    if (tau !== 1) z = tf.div(z, tau) as tf.Tensor3D;
    return tf.add(scalars, this.unpad(tf.softmax(z) as tf.Tensor3D)) as tf.Tensor2D;
  }

  dispose(): void {
    this.fwd.dispose();
    this.inv.dispose();
    this.scalarMask.dispose();
    this.softmaxMask.dispose();
  }
}

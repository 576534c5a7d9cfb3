/**
 * Span-wise activations over an encoded row: tanh on scalar spans, softmax inside each softmax span.
 * Softmax spans are laid out in a padded [B, S, Wmax] block (pads at -1e9) so every span gets its own
 * max-shifted softmax in one kernel. The layout moves by products with constant 0/1 matrices: on tfjs-wasm
 * GatherV2 along axis 1 measured 20–80 ms for a 500×113 batch, the product about 1 ms.
 */
import * as tf from '@tensorflow/tfjs';
import type { Span } from '../../transform/types';
import { fastTanh, matMulConst } from './dense';

export class SpanLayout {
  readonly width: number;
  readonly softSpans: Span[];
  readonly spanCount: number;
  readonly maxWidth: number;
  /** [D, S·Wmax]: column d → its padded slot. */
  private toPadded: tf.Tensor2D;
  /** [S·Wmax, D] = toPaddedᵀ. */
  private fromPadded: tf.Tensor2D;
  /** [1, S·Wmax]: 0 at real slots, -1e9 at pads. */
  private padBias: tf.Tensor2D;
  readonly scalarMask: tf.Tensor2D;
  readonly softmaxMask: tf.Tensor2D;
  /** Host copies, for JS-side sampling. */
  readonly scalarIndex: Int32Array;

  constructor(spans: readonly Span[], width: number) {
    this.width = width;
    this.softSpans = spans.filter((s) => s.activation === 'softmax');
    this.spanCount = this.softSpans.length;
    this.maxWidth = Math.max(1, ...this.softSpans.map((s) => s.width));
    const P = Math.max(1, this.spanCount * this.maxWidth);
    const to = new Float32Array(width * P);
    const bias = new Float32Array(P).fill(-1e9);
    this.softSpans.forEach((s, k) => {
      for (let j = 0; j < s.width; j++) {
        to[(s.start + j) * P + k * this.maxWidth + j] = 1;
        bias[k * this.maxWidth + j] = 0;
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
    this.toPadded = tf.tensor2d(to, [width, P]);
    this.fromPadded = tf.tidy(() => tf.transpose(this.toPadded) as tf.Tensor2D);
    this.padBias = tf.tensor2d(bias, [1, P]);
    this.scalarMask = tf.tensor2d(scalar, [1, width]);
    this.softmaxMask = tf.tensor2d(soft, [1, width]);
  }

  /** [B, D] → [B, S, Wmax]; pads at -1e9. */
  pad(x: tf.Tensor2D): tf.Tensor3D {
    const B = x.shape[0];
    const p = tf.add(matMulConst(x, this.toPadded, this.fromPadded), this.padBias);
    return tf.reshape(p, [B, this.spanCount, this.maxWidth]);
  }

  /** [B, S, Wmax] → [B, D]; non-softmax columns are 0. */
  unpad(p: tf.Tensor3D): tf.Tensor2D {
    const B = p.shape[0];
    return matMulConst(tf.reshape(p, [B, this.spanCount * this.maxWidth]) as tf.Tensor2D, this.fromPadded, this.toPadded);
  }

  /** Log-softmax within each softmax span, [B, D] (0 at scalar columns). */
  logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
    if (!this.spanCount) return tf.zerosLike(logits);
    return this.unpad(tf.logSoftmax(this.pad(logits)) as tf.Tensor3D);
  }

  /**
   * The generator's output activation: tanh on scalars; softmax per span of (logits + gumbel)/τ
   * (Gumbel-softmax, Jang et al. 2017) when gumbelSeed is given, plain softmax otherwise.
   */
  activate(logits: tf.Tensor2D, tau = 1, gumbelSeed?: number): tf.Tensor2D {
    const scalars = tf.mul(fastTanh(logits), this.scalarMask);
    if (!this.spanCount) return scalars as tf.Tensor2D;
    let x = logits;
    if (gumbelSeed !== undefined) {
      // Gumbel noise on the D real columns only (not on the padded block). Clip away from 1: float32
      // rounding can yield u = 1, and −log(−log 1) = +∞.
      const u = tf.clipByValue(tf.randomUniform(logits.shape, 1e-10, 1, 'float32', gumbelSeed), 1e-10, 1 - 1e-6);
      x = tf.sub(logits, tf.log(tf.neg(tf.log(u)))) as tf.Tensor2D;
    }
    let z = this.pad(x);
    if (tau !== 1) z = tf.div(z, tau) as tf.Tensor3D;
    return tf.add(scalars, this.unpad(tf.softmax(z) as tf.Tensor3D)) as tf.Tensor2D;
  }

  dispose(): void {
    this.toPadded.dispose();
    this.fromPadded.dispose();
    this.padBias.dispose();
    this.scalarMask.dispose();
    this.softmaxMask.dispose();
  }
}

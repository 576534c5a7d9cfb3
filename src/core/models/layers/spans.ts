/**
 * Span-wise operations over an encoded row [B, D]: tanh on scalar spans, softmax / log-softmax /
 * log-sum-exp inside each softmax span, every span shifted by its own maximum.
 *
 * Everything stays in the [B, D] layout; sums and broadcasts per span are products with the constant
 * [D, S] span-membership matrix (S spans, ~15 on adult: each product is tiny). An earlier layout padded
 * the spans into a [B, S, Wmax] block by a [D, S·Wmax] product: on adult Wmax = 42, so each move cost a
 * 500×154×630 product (~5 ms on wasm) and CTGAN paid eight per step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Span } from '../../transform/types';
import { expNonPositive, fastTanh, matMulConst } from './dense';
import { SPAN_ACTIVATE, SPAN_ACTIVATE_GRAD, SPAN_LOG_SOFTMAX, SPAN_LOG_SOFTMAX_GRAD, SPAN_MAX, wasmKernelsActive } from '../wasm-gemm/install';
import { randomUniform } from './random';

export class SpanLayout {
  readonly width: number;
  readonly softSpans: Span[];
  readonly spanCount: number;
  /** Softmax spans as (start, width) pairs, for Doppel's wasm kernels. */
  readonly spanTable: number[];
  /** [D, S]: 1 where column d belongs to softmax span s. */
  private member: tf.Tensor2D;
  private memberT: tf.Tensor2D;
  readonly scalarMask: tf.Tensor2D;
  readonly softmaxMask: tf.Tensor2D;
  /** Host copies, for JS-side sampling. */
  readonly scalarIndex: Int32Array;
  /**
   * At most a fifth of an encoded row is nonzero (one value per scalar, one 1 per span): the input layer's
   * products then skip zeros (dense()'s 'sparse'). Adult: at most 21 of 157.
   */
  readonly sparseRows: boolean;

  constructor(spans: readonly Span[], width: number) {
    this.width = width;
    this.softSpans = spans.filter((s) => s.activation === 'softmax');
    this.spanCount = this.softSpans.length;
    this.spanTable = this.softSpans.flatMap((s) => [s.start, s.width]);
    const S = Math.max(1, this.spanCount);
    const member = new Float32Array(width * S);
    this.softSpans.forEach((s, k) => {
      for (let j = 0; j < s.width; j++) member[(s.start + j) * S + k] = 1;
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
    this.sparseRows = scalarIdx.length + this.spanCount <= 0.2 * width;
    this.member = tf.tensor2d(member, [width, S]);
    this.memberT = tf.tidy(() => tf.transpose(this.member) as tf.Tensor2D);
    this.scalarMask = tf.tensor2d(scalar, [1, width]);
    this.softmaxMask = tf.tensor2d(soft, [1, width]);
  }

  /**
   * Each span's largest value per row, [B, S], as a constant: log-sum-exp is shift-invariant, and
   * tf.max's own gradient uses a broadcast Equal that is slow on wasm. On wasm one Doppel kernel pass
   * (a slice + max per span, then a stack, cost ~3 ms a tVAE step); elsewhere one slice + max per span.
   */
  spanMax(x: tf.Tensor2D): tf.Tensor2D {
    const spans = this.softSpans;
    const f = tf.customGrad(((xi: tf.Tensor) => ({
      value: wasmKernelsActive()
        ? (tf.engine().runKernel(SPAN_MAX, { x: xi }, { spans: this.spanTable }) as tf.Tensor)
        : tf.stack(spans.map((s) => tf.max(tf.slice(xi, [0, s.start], [-1, s.width]), 1)), 1),
      gradFunc: () => [tf.zerosLike(xi)],
    })) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(x) as tf.Tensor2D;
  }

  /** [B, S] → [B, D]: each span's value on its columns, 0 on scalar columns. */
  private perColumn(s: tf.Tensor2D): tf.Tensor2D {
    return matMulConst(s, this.memberT, this.member);
  }

  /** x − span max on softmax columns (≤ 0), exp of it (0 on scalar columns), per-span sums and maxima. */
  private shiftedExp(x: tf.Tensor2D) {
    const max = this.spanMax(x);
    const shifted = tf.mul(tf.sub(x, this.perColumn(max)), this.softmaxMask) as tf.Tensor2D;
    const e = tf.mul(expNonPositive(shifted), this.softmaxMask) as tf.Tensor2D;
    const sums = matMulConst(e, this.member, this.memberT);
    return { max, shifted, e, sums };
  }

  /** log Σ exp over each softmax span, [B, S]. */
  logSumExp(x: tf.Tensor2D): tf.Tensor2D {
    const { max, sums } = this.shiftedExp(x);
    return tf.add(tf.log(sums), max) as tf.Tensor2D;
  }

  /** Log-softmax within each softmax span, [B, D] (0 at scalar columns). */
  logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
    if (!this.spanCount) return tf.zerosLike(logits);
    if (!wasmKernelsActive()) return this.logSoftmaxTf(logits);
    const attrs = { spans: this.spanTable };
    const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const [out, prob] = tf.engine().runKernel(SPAN_LOG_SOFTMAX, { x, soft: this.softmaxMask }, attrs) as tf.Tensor[];
      save([prob]);
      return {
        value: out,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.engine().runKernel(SPAN_LOG_SOFTMAX_GRAD, { dy, prob: saved[0] }, attrs) as tf.Tensor],
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(logits) as tf.Tensor2D;
  }

  /** logSoftmax() in tfjs ops. */
  logSoftmaxTf(logits: tf.Tensor2D): tf.Tensor2D {
    if (!this.spanCount) return tf.zerosLike(logits);
    const { shifted, sums } = this.shiftedExp(logits);
    return tf.sub(shifted, this.perColumn(tf.log(sums) as tf.Tensor2D)) as tf.Tensor2D;
  }

  /** Softmax within each softmax span, [B, D] (0 at scalar columns). */
  softmax(logits: tf.Tensor2D): tf.Tensor2D {
    const { e, sums } = this.shiftedExp(logits);
    // Scalar columns divide 0 by 1, not by 0.
    return tf.div(e, tf.add(this.perColumn(sums), this.scalarMask)) as tf.Tensor2D;
  }

  /**
   * The generator's output activation: tanh on scalars; softmax per span of (logits + gumbel)/τ
   * (Gumbel-softmax, Jang et al. 2017) when gumbelSeed is given, plain softmax otherwise.
   */
  activate(logits: tf.Tensor2D, tau = 1, gumbelSeed?: number): tf.Tensor2D {
    return wasmKernelsActive() ? this.activateWasm(logits, tau, gumbelSeed) : this.activateTf(logits, tau, gumbelSeed);
  }

  /** activate() in tfjs ops (any backend; a test compares it with the wasm kernel). */
  activateTf(logits: tf.Tensor2D, tau = 1, gumbelSeed?: number): tf.Tensor2D {
    const scalars = tf.mul(fastTanh(logits), this.scalarMask);
    if (!this.spanCount) return scalars as tf.Tensor2D;
    let x = logits;
    if (gumbelSeed !== undefined) {
      // Clip away from 1: float32 rounding can yield u = 1, and −log(−log 1) = +∞.
      const u = tf.clipByValue(randomUniform(logits.shape, 1e-10, 1, gumbelSeed), 1e-10, 1 - 1e-6);
      x = tf.sub(logits, tf.log(tf.neg(tf.log(u)))) as tf.Tensor2D;
    }
    if (tau !== 1) x = tf.div(x, tau) as tf.Tensor2D;
    return tf.add(scalars, this.softmax(x)) as tf.Tensor2D;
  }

  /** activate() as one Doppel wasm kernel each way (the tfjs form is ~25 small kernels a pass). */
  private activateWasm(logits: tf.Tensor2D, tau: number, gumbelSeed?: number): tf.Tensor2D {
    const attrs = { spans: this.spanTable, tau };
    const [mask, soft] = [this.scalarMask, this.softmaxMask];
    const u = gumbelSeed === undefined ? undefined : randomUniform(logits.shape, 1e-10, 1, gumbelSeed);
    const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const y = tf.engine().runKernel(SPAN_ACTIVATE, u ? { x, u, mask, soft } : { x, mask, soft }, attrs) as tf.Tensor;
      save([y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.engine().runKernel(SPAN_ACTIVATE_GRAD, { dy, y: saved[0], mask }, attrs) as tf.Tensor],
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(logits) as tf.Tensor2D;
  }

  dispose(): void {
    this.member.dispose();
    this.memberT.dispose();
    this.scalarMask.dispose();
    this.softmaxMask.dispose();
  }
}

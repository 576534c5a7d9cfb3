import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_RELU, BATCH_NORM_RELU_GRAD, wasmKernelsActive } from '../wasm-gemm/install';
import { columnMean } from './dense';

type BatchNormRelu = (
  a: tf.Tensor2D,
  gamma: tf.Tensor1D | tf.Variable,
  beta: tf.Tensor1D | tf.Variable,
  eps: number,
) => { y: tf.Tensor2D; mean: tf.Tensor1D; variance: tf.Tensor1D };

/**
 * relu(γ·(a − mean)/√(var + eps) + β) with the batch's own mean and (biased) variance over rows, as in
 * training; returns them too, for the running statistics, kept (outside every tidy scope: the caller disposes
 * them). On wasm (H a multiple of 4) one Doppel kernel
 * each way; elsewhere tfjs ops written out (tf.batchNorm's gradient tiles its [H] inputs, and Tile is very
 * slow on wasm). A test compares the two.
 */
export const batchNormRelu: BatchNormRelu = (a, gamma, beta, eps) => {
  if (!wasmKernelsActive() || a.shape[1] % 4 !== 0) return batchNormReluTf(a, gamma, beta, eps);
  let stats: tf.Tensor[] = [];
  const f = tf.customGrad(((ai: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, xhat, mean, variance, invstd] = tf.engine().runKernel(BATCH_NORM_RELU, { a: ai, gamma: gi, beta: bi }, { eps }) as tf.Tensor[];
    stats = [tf.keep(mean), tf.keep(variance)];
    save([y, xhat, invstd, gi]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ys, xs, is, gs] = saved;
        return tf.engine().runKernel(BATCH_NORM_RELU_GRAD, { dy, y: ys, xhat: xs, invstd: is, gamma: gs }, {}) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = f(a, gamma, beta) as tf.Tensor2D;
  return { y, mean: stats[0] as tf.Tensor1D, variance: stats[1] as tf.Tensor1D };
};

/** batchNormRelu() in tfjs ops. */
export const batchNormReluTf: BatchNormRelu = (a, gamma, beta, eps) => {
  const mean = columnMean(a);
  const centred = tf.sub(a, mean);
  const variance = columnMean(tf.square(centred) as tf.Tensor2D);
  const scale = tf.mul(tf.rsqrt(tf.add(variance, eps)), gamma);
  const y = tf.relu(tf.add(tf.mul(centred, scale), beta)) as tf.Tensor2D;
  return { y, mean: tf.keep(mean), variance: tf.keep(variance) };
};

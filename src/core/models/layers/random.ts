import * as tf from '@tensorflow/tfjs';
import { RANDOM, wasmKernelsActive } from '../wasm-gemm/install';

/**
 * Seeded random tensors for training. On wasm they come from a Doppel kernel (xoshiro128**, wat.ts):
 * tfjs draws seeded numbers in JS, 2.7–4.4 ms for one [500, 128] normal draw, 10–15% of a tVAE step.
 * Elsewhere tfjs's own. The streams differ between the two, as results may between backends.
 */
export function randomNormal(shape: number[], seed: number): tf.Tensor {
  if (wasmKernelsActive()) return tf.engine().runKernel(RANDOM, {}, { shape, seed, kind: 1, a: 0, b: 1 }) as tf.Tensor;
  return tf.randomNormal(shape, 0, 1, 'float32', tfjsSeed(seed));
}

/** tfjs takes seed 0 as "no seed" (Math.random): map it to another fixed value. */
export function tfjsSeed(seed: number): number {
  return seed === 0 ? 0x9e3779b9 : seed;
}

/** Uniform in [lo, hi). */
export function randomUniform(shape: number[], lo: number, hi: number, seed: number): tf.Tensor {
  if (wasmKernelsActive()) return tf.engine().runKernel(RANDOM, {}, { shape, seed, kind: 0, a: lo, b: hi }) as tf.Tensor;
  return tf.randomUniform(shape, lo, hi, 'float32', tfjsSeed(seed));
}

/**
 * Inverted dropout mask: 1/(1 − rate) where a uniform in [0, 1) exceeds rate, else 0. On wasm one kernel (the
 * same uniforms as randomUniform(shape, 0, 1, seed), so the same mask as the tfjs form).
 */
export function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  if (wasmKernelsActive()) return tf.engine().runKernel(RANDOM, {}, { shape, seed, kind: 2, a: rate, b: 1 / (1 - rate) }) as tf.Tensor;
  return tf.mul(tf.step(tf.sub(randomUniform(shape, 0, 1, seed), rate)), 1 / (1 - rate));
}

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/random';
import { initTestBackend } from '../test-utils';
import {
  clipScales,
  clippedDenseGrads,
  clippedSequenceGrads,
  cryptoNormal,
  denseGhostNormsSq,
  dpDenseStep,
  poissonSample,
  sequenceGhostNormsSq,
} from './dp-sgd';

function randn(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

describe('DP-SGD machinery', () => {
  beforeAll(initTestBackend);

  it('ghost norms equal brute-force per-example gradient norms of a dense layer', () => {
    const rng = new Rng(1);
    const A = randn(rng, [6, 4]) as tf.Tensor2D;
    const G = randn(rng, [6, 3]) as tf.Tensor2D;
    const a = A.arraySync();
    const g = G.arraySync();
    const ghost = denseGhostNormsSq(A, G).arraySync();
    for (let i = 0; i < 6; i++) {
      let s = 0;
      for (let p = 0; p < 4; p++) for (let q = 0; q < 3; q++) s += (a[i][p] * g[i][q]) ** 2;
      for (let q = 0; q < 3; q++) s += g[i][q] ** 2;
      expect(ghost[i]).toBeCloseTo(s, 3);
    }
    // clipped sum Aᵀ diag(s) G equals the sum of per-example clipped gradients
    const scales = clipScales(denseGhostNormsSq(A, G), 1.5);
    const s = scales.arraySync();
    const { dW, db } = clippedDenseGrads(A, G, scales);
    const w = dW.arraySync();
    const b = db.arraySync();
    for (let p = 0; p < 4; p++)
      for (let q = 0; q < 3; q++) {
        let ref = 0;
        for (let i = 0; i < 6; i++) ref += s[i] * a[i][p] * g[i][q];
        expect(w[p][q]).toBeCloseTo(ref, 4);
      }
    for (let q = 0; q < 3; q++) expect(b[q]).toBeCloseTo(g.reduce((acc, gi, i) => acc + s[i] * gi[q], 0), 4);
    for (let i = 0; i < 6; i++) expect(Math.sqrt(ghost[i]) * s[i]).toBeLessThanOrEqual(1.5 + 1e-4);
  });

  it('per-example norms of a 2-layer MLP match autodiff example by example', () => {
    const rng = new Rng(2);
    const X = randn(rng, [5, 3]) as tf.Tensor2D;
    const W1 = randn(rng, [3, 4]) as tf.Tensor2D;
    const b1 = randn(rng, [4]) as tf.Tensor1D;
    const W2 = randn(rng, [4, 2]) as tf.Tensor2D;
    const b2 = randn(rng, [2]) as tf.Tensor1D;
    const Y = randn(rng, [5, 2]) as tf.Tensor2D;
    // traces: output gradients via zero perturbations added to each pre-activation
    const E1 = tf.zeros([5, 4]);
    const E2 = tf.zeros([5, 2]);
    const forward = (x: tf.Tensor2D, y: tf.Tensor2D, e1: tf.Tensor, e2: tf.Tensor, w1 = W1, bb1 = b1, w2 = W2, bb2 = b2) => {
      const h = tf.tanh(tf.add(tf.add(tf.matMul(x, w1), bb1), e1)) as tf.Tensor2D;
      const z = tf.add(tf.add(tf.matMul(h, w2), bb2), e2);
      return { h, loss: tf.sum(tf.square(tf.sub(z, y))) as tf.Scalar };
    };
    const [G1, G2] = tf.grads((e1: tf.Tensor, e2: tf.Tensor) => forward(X, Y, e1, e2).loss)([E1, E2]) as tf.Tensor2D[];
    const H = forward(X, Y, E1, E2).h;
    const ghost = tf.add(denseGhostNormsSq(X, G1), denseGhostNormsSq(H, G2)).arraySync() as number[];
    for (let i = 0; i < 5; i++) {
      const xi = tf.slice(X, [i, 0], [1, 3]) as tf.Tensor2D;
      const yi = tf.slice(Y, [i, 0], [1, 2]) as tf.Tensor2D;
      const grads = tf.grads((w1: tf.Tensor, bb1: tf.Tensor, w2: tf.Tensor, bb2: tf.Tensor) =>
        forward(xi, yi, tf.zeros([1, 4]), tf.zeros([1, 2]), w1 as tf.Tensor2D, bb1 as tf.Tensor1D, w2 as tf.Tensor2D, bb2 as tf.Tensor1D).loss,
      )([W1, b1, W2, b2]);
      const brute = grads.reduce((acc, g) => acc + (tf.sum(tf.square(g)).arraySync() as number), 0);
      expect(ghost[i]).toBeCloseTo(brute, 2);
      expect(Math.abs(ghost[i] - brute) / brute).toBeLessThan(1e-4);
    }
  });

  it('sequence ghost norms match brute force for a layer shared across positions', () => {
    const rng = new Rng(3);
    const A = randn(rng, [3, 4, 5]) as tf.Tensor3D;
    const G = randn(rng, [3, 4, 2]) as tf.Tensor3D;
    const a = A.arraySync();
    const g = G.arraySync();
    const ghost = sequenceGhostNormsSq(A, G).arraySync();
    const scales = tf.tensor1d([0.5, 1, 0.25]);
    const { dW } = clippedSequenceGrads(A, G, scales);
    const w = dW.arraySync();
    const refW = Array.from({ length: 5 }, () => [0, 0]);
    for (let i = 0; i < 3; i++) {
      const gw = Array.from({ length: 5 }, () => [0, 0]);
      const gb = [0, 0];
      for (let t = 0; t < 4; t++)
        for (let p = 0; p < 5; p++)
          for (let q = 0; q < 2; q++) gw[p][q] += a[i][t][p] * g[i][t][q];
      for (let t = 0; t < 4; t++) for (let q = 0; q < 2; q++) gb[q] += g[i][t][q];
      let s = 0;
      for (let p = 0; p < 5; p++) for (let q = 0; q < 2; q++) {
        s += gw[p][q] ** 2;
        refW[p][q] += [0.5, 1, 0.25][i] * gw[p][q];
      }
      s += gb[0] ** 2 + gb[1] ** 2;
      expect(ghost[i]).toBeCloseTo(s, 2);
    }
    for (let p = 0; p < 5; p++) for (let q = 0; q < 2; q++) expect(w[p][q]).toBeCloseTo(refW[p][q], 4);
  });

  it('dpDenseStep clips, noises every parameter and survives an empty Poisson batch', () => {
    const rng = new Rng(4);
    const A = randn(rng, [8, 3]) as tf.Tensor2D;
    const G = tf.mul(randn(rng, [8, 2]), 100) as tf.Tensor2D;
    const noiseless = dpDenseStep([{ A, G }], { clipNorm: 1, sigma: 0, expectedBatch: 8 });
    expect(noiseless.clippedShare).toBe(1);
    // every example clipped to norm 1 → the mean of 8 has norm ≤ 1
    const n2 = (tf.sum(tf.square(noiseless.grads[0].dW)).arraySync() as number) + (tf.sum(tf.square(noiseless.grads[0].db!)).arraySync() as number);
    expect(Math.sqrt(n2)).toBeLessThanOrEqual(1 + 1e-4);
    const empty = dpDenseStep([{ A: tf.zeros([0, 3]) as tf.Tensor2D, G: tf.zeros([0, 2]) as tf.Tensor2D }], { clipNorm: 1, sigma: 1, expectedBatch: 4 });
    expect(empty.grads[0].dW.shape).toEqual([3, 2]);
    const v = empty.grads[0].dW.dataSync();
    expect(v.some((x) => x !== 0)).toBe(true); // noise is still added
  });

  it('Poisson sampling takes each row independently with rate q; DP noise is standard normal', () => {
    const rng = new Rng(9);
    let total = 0;
    const hits = new Float64Array(1000);
    for (let r = 0; r < 400; r++) {
      const b = poissonSample(1000, 0.05, rng);
      total += b.length;
      for (let i = 1; i < b.length; i++) expect(b[i]).toBeGreaterThan(b[i - 1]);
      for (const i of b) hits[i]++;
    }
    expect(total / 400).toBeGreaterThan(47);
    expect(total / 400).toBeLessThan(53);
    // first and last rows are as likely as any other
    expect(hits.slice(0, 100).reduce((a, b) => a + b) / 100).toBeCloseTo(20, -1);
    expect(hits.slice(900).reduce((a, b) => a + b) / 100).toBeCloseTo(20, -1);
    const z = cryptoNormal(200001, 2);
    let m = 0;
    let v = 0;
    for (const x of z) m += x;
    m /= z.length;
    for (const x of z) v += (x - m) ** 2;
    v /= z.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(v) - 2)).toBeLessThan(0.02);
  });
});

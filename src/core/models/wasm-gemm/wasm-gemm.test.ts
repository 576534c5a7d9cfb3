import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../cli/tf-node';
import { readFileSync } from 'node:fs';
import { binarySource } from './assemble';
import os from 'node:os';
import { SPARSE_PRODUCT, pauseProductHelper, productThreads, wasmGemmStatus, wasmKernelsActive } from './install';
import { Adam } from '../training';
import { concatColumns, dense, denseWithOneHot } from '../layers/dense';
import { batchNormRelu, batchNormReluTf } from '../layers/batch-norm';
import { SpanLayout } from '../layers/spans';
import { fastTanh } from '../layers/dense';
import { latent, latentTf, reconstruction } from '../tvae/tvae';
import { dropoutMask, randomNormal, randomUniform } from '../layers/random';

beforeAll(async () => {
  process.env.DOPPEL_THREADS = '2'; // this file tests the product helper thread too (opt-in elsewhere)
  await initNodeBackend('wasm');
});

/** Float64 reference of act(op(A)·op(B) + bias) for 2-D or batched 3-D inputs. */
function reference(
  a: tf.Tensor,
  b: tf.Tensor,
  tA: boolean,
  tB: boolean,
  bias?: tf.Tensor,
  act: 'linear' | 'relu' | 'leakyrelu' = 'linear',
  alpha = 0.2,
): Float64Array {
  const A = a.dataSync();
  const B = b.dataSync();
  const bi = bias?.dataSync();
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const ba = a.rank === 3 ? a.shape[0] : 1;
  const bb = b.rank === 3 ? b.shape[0] : 1;
  const M = tA ? ac : ar;
  const K = tA ? ar : ac;
  const N = tB ? br : bc;
  const batch = Math.max(ba, bb);
  const out = new Float64Array(batch * M * N);
  for (let t = 0; t < batch; t++) {
    const ao = (ba === 1 ? 0 : t) * ar * ac;
    const bo = (bb === 1 ? 0 : t) * br * bc;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = bi ? bi[j] : 0;
        for (let k = 0; k < K; k++) {
          const x = tA ? A[ao + k * ac + i] : A[ao + i * ac + k];
          const y = tB ? B[bo + j * bc + k] : B[bo + k * bc + j];
          s += x * y;
        }
        if (act === 'relu') s = Math.max(0, s);
        else if (act === 'leakyrelu' && s < 0) s *= alpha;
        out[(t * M + i) * N + j] = s;
      }
  }
  return out;
}

function expectClose(got: tf.Tensor, want: Float64Array): void {
  const g = got.dataSync();
  expect(g.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - want[i]) / (1 + Math.abs(want[i])));
  expect(worst).toBeLessThan(1e-4);
}

/** tanh, softmax(3), tanh, softmax(6) over 11 columns; `withPair` appends a softmax(2) (13 columns), `long` a softmax(9). */
function testLayout(withPair: boolean, long = false): SpanLayout {
  const spans = [
    { start: 0, width: 1, activation: 'tanh' },
    { start: 1, width: 3, activation: 'softmax' },
    { start: 4, width: 1, activation: 'tanh' },
    { start: 5, width: 6, activation: 'softmax' },
    ...(withPair ? [{ start: 11, width: 2, activation: 'softmax' }] : []),
    // two full quads and a remainder (the span kernels' four-lane and one-by-one paths)
    ...(long ? [{ start: withPair ? 13 : 11, width: 9, activation: 'softmax' }] : []),
  ];
  return new SpanLayout(spans as never, (withPair ? 13 : 11) + (long ? 9 : 0));
}

let seed = 1;
const rand = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);

describe('wasm matrix product (relaxed SIMD)', () => {
  it('the committed binary is the assembly of wat.ts', async () => {
    expect(readFileSync(new URL('./binary.ts', import.meta.url), 'utf8')).toBe(await binarySource());
  });

  it('is active on the Node wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmGemmStatus()).toBe('active');
  });

  // Row counts around the 4-row block, column counts around the 8- and 4-wide strips (and below 4).
  const sizes = [
    [1, 1, 1],
    [3, 5, 2],
    [4, 8, 7],
    [5, 9, 3],
    [7, 13, 11],
    [9, 3, 6],
    [13, 31, 17],
    [64, 154, 50],
    [0, 4, 3],
    [6, 7, 0],
    // K past one 256-row chunk (and not a multiple of it)
    [6, 21, 530],
    // A·Bᵀ with B wide, computed as (B·Aᵀ)ᵀ
    [9, 140, 20],
    [50, 700, 64],
  ];

  it('matches a float64 reference for every shape and transpose', () => {
    for (const [M, N, K] of sizes)
      for (const tA of [false, true])
        for (const tB of [false, true]) {
          tf.tidy(() => {
            const a = rand(tA ? [K, M] : [M, K]);
            const b = rand(tB ? [N, K] : [K, N]);
            expectClose(tf.matMul(a, b, tA, tB), reference(a, b, tA, tB));
          });
        }
  });

  it('fuses bias, relu and leaky relu (bias once, activation after the last K chunk)', () => {
    for (const [M, N, K] of [...sizes.slice(0, 8), [6, 21, 530], [5, 9, 256], [5, 9, 257]])
      for (const activation of ['linear', 'relu', 'leakyrelu'] as const)
        tf.tidy(() => {
          const a = rand([M, K]);
          const b = rand([K, N]);
          const bias = rand([N]);
          const y = tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation, leakyreluAlpha: 0.1 });
          expectClose(y, reference(a, b, false, false, bias, activation, 0.1));
        });
  });

  it('products with a mostly-zero A (sparse input layer) match the dense ones, values and gradients', () => {
    // K around the 4-float scan (tails of 0–3), N around the 4-wide axpy (tails, N < 4), a fully zero row
    for (const [M, N, K] of [[7, 9, 13], [5, 128, 601], [3, 2, 4], [6, 8, 3]])
      for (const activation of ['linear', 'relu', 'leakyrelu'] as const)
        tf.tidy(() => {
          const mask = tf.less(tf.randomUniform([M, K], 0, 1, 'float32', seed++), 0.15);
          const x = tf.mul(rand([M, K]), tf.cast(mask, 'float32')) as tf.Tensor2D;
          const xs = tf.concat([x.slice([0, 0], [M - 1, K]), tf.zeros([1, K])]) as tf.Tensor2D;
          const w = rand([K, N]) as tf.Tensor2D;
          const b = rand([N]) as tf.Tensor1D;
          const dy = rand([M, N]);
          const run = (inputGrad: false | 'sparse') =>
            tf.grads((wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(dense(xs, wi as tf.Tensor2D, bi as tf.Tensor1D, activation, 0.1, inputGrad), dy)))([w, b]);
          const y = dense(xs, w, b, activation, 0.1, 'sparse');
          expectClose(y, reference(xs, w, false, false, b, activation, 0.1));
          const [gs, gd] = [run('sparse'), run(false)];
          expectClose(gs[0], Float64Array.from(gd[0].dataSync()));
          expectClose(gs[1], Float64Array.from(gd[1].dataSync()));
        });
  });

  it('span activation (tanh, Gumbel-softmax / τ) and span log-softmax kernels match the tfjs forms, values and gradients', () => {
    for (const [withPair, long] of [[false, false], [true, false], [true, true]])
      tf.tidy(() => {
        const L = testLayout(withPair, long);
        const x = tf.mul(rand([37, L.width]), 3) as tf.Tensor2D;
        const w = rand([37, L.width]);
        const pairs: [string, (t: tf.Tensor2D) => tf.Tensor, (t: tf.Tensor2D) => tf.Tensor][] = [
          ['softmax', (t) => L.activate(t), (t) => L.activateTf(t)],
          ['gumbel', (t) => L.activate(t, 0.2, 5), (t) => L.activateTf(t, 0.2, 5)],
          ['log-softmax', (t) => L.logSoftmax(t), (t) => L.logSoftmaxTf(t)],
        ];
        for (const [, fast, slow] of pairs) {
          const want = slow(x);
          expectClose(fast(x), Float64Array.from(want.dataSync()));
          const g = (f: (t: tf.Tensor2D) => tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor2D), w)))(x);
          expectClose(g(fast), Float64Array.from(g(slow).dataSync()));
        }
        // each span of an activation sums to 1
        const y = L.activate(x, 0.2, 9).arraySync() as number[][];
        for (const row of y) expect(row.slice(5, 11).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      });
  });

  it('the fused tVAE latent step (z and KL) matches the tfjs form, values and gradients', () => {
    for (const [B, L] of [[7, 13], [50, 128], [1, 3]])
      tf.tidy(() => {
        const mu = rand([B, L]) as tf.Tensor2D;
        const lv = tf.mul(rand([B, L]), 2) as tf.Tensor2D;
        const eps = rand([B, L]);
        const w = rand([B, L]);
        const loss = (f: typeof latent) => (m: tf.Tensor, l: tf.Tensor) => {
          const { z, kl } = f(m as tf.Tensor2D, l as tf.Tensor2D, eps);
          return tf.add(tf.sum(tf.mul(z, w)), tf.mul(kl, 0.3)) as tf.Scalar;
        };
        const a = latent(mu, lv, eps);
        const b = latentTf(mu, lv, eps);
        expectClose(a.z, Float64Array.from(b.z.dataSync()));
        expect(Math.abs(a.kl.dataSync()[0] - b.kl.dataSync()[0]) / (1 + Math.abs(b.kl.dataSync()[0]))).toBeLessThan(1e-5);
        const ga = tf.grads(loss(latent))([mu, lv]);
        const gb = tf.grads(loss(latentTf))([mu, lv]);
        for (let i = 0; i < 2; i++) expectClose(ga[i], Float64Array.from(gb[i].dataSync()));
      });
  });

  it('column concatenation and its gradient match tf.concat', () => {
    tf.tidy(() => {
      const parts = [rand([5, 3]), rand([5, 1]), rand([5, 6])] as tf.Tensor2D[];
      const w = rand([5, 10]);
      expectClose(concatColumns(parts), Float64Array.from(tf.concat(parts, 1).dataSync()));
      const grads = (f: (p: tf.Tensor2D[]) => tf.Tensor) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f([a, b, c] as tf.Tensor2D[]), w)))(parts);
      const [ga, gb] = [grads(concatColumns), grads((p) => tf.concat(p, 1))];
      ga.forEach((g, i) => expectClose(g, Float64Array.from(gb[i].dataSync())));
    });
  });

  it('fused batch norm + ReLU matches the tfjs form: output, batch statistics and gradients', () => {
    for (const [B, H] of [[9, 8], [500, 256]])
      tf.tidy(() => {
        const a = tf.add(tf.mul(rand([B, H]), 3), 1) as tf.Tensor2D;
        const gamma = tf.add(rand([H]), 1) as tf.Tensor1D;
        const beta = rand([H]) as tf.Tensor1D;
        const w = rand([B, H]);
        const kept: tf.Tensor[] = [];
        const loss = (f: typeof batchNormRelu) => (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const r = f(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
          kept.push(r.mean, r.variance);
          return tf.sum(tf.mul(r.y, w)) as tf.Scalar;
        };
        const fast = batchNormRelu(a, gamma, beta, 1e-5);
        const slow = batchNormReluTf(a, gamma, beta, 1e-5);
        kept.push(fast.mean, fast.variance, slow.mean, slow.variance);
        expectClose(fast.y, Float64Array.from(slow.y.dataSync()));
        expectClose(fast.mean, Float64Array.from(slow.mean.dataSync()));
        expectClose(fast.variance, Float64Array.from(slow.variance.dataSync()));
        const gf = tf.grads(loss(batchNormRelu))([a, gamma, beta]);
        const gs = tf.grads(loss(batchNormReluTf))([a, gamma, beta]);
        gf.forEach((g, i) => expectClose(g, Float64Array.from(gs[i].dataSync())));
        kept.forEach((t) => t.dispose());
      });
  });

  it('a dropout mask from the kernel is the step of the same uniforms', () => {
    tf.tidy(() => {
      const m = dropoutMask([64, 33], 0.5, 77).dataSync();
      const u = randomUniform([64, 33], 0, 1, 77).dataSync();
      expect(Array.from(m)).toEqual(Array.from(u, (x) => (x > 0.5 ? 2 : 0)));
      const kept = Array.from(m).filter((x) => x > 0).length / m.length;
      expect(kept).toBeGreaterThan(0.45);
      expect(kept).toBeLessThan(0.55);
    });
  });

  it('the weight-gradient product regroups the forward product\'s sparse lists to the same numbers as scanning A again', () => {
    tf.tidy(() => {
      // zeros by rows, columns and at random, and a nonzero in the last column and row
      const [M, K, N] = [37, 29, 11];
      const mask = tf.mul(tf.mul(tf.less(tf.randomUniform([M, K], 0, 1, 'float32', 5), 0.3), tf.less(tf.randomUniform([M, 1], 0, 1, 'float32', 6), 0.8)),
        tf.less(tf.randomUniform([1, K], 0, 1, 'float32', 7), 0.8));
      const a = tf.add(tf.mul(rand([M, K]), mask), tf.scatterND([[M - 1, K - 1]], [2.5], [M, K])) as tf.Tensor2D;
      const w = rand([K, N]);
      const dy = rand([M, N]);
      const run = (t: tf.Tensor, transposeA: boolean, b: tf.Tensor) => tf.engine().runKernel(SPARSE_PRODUCT, { a: t, b }, { transposeA }) as tf.Tensor;
      const forward = run(a, false, w); // keeps a's lists by row
      const regrouped = run(a, true, dy);
      const fresh = run(tf.add(a, 0), true, dy); // another tensor: its lists come from a scan
      expect(Array.from(regrouped.dataSync())).toEqual(Array.from(fresh.dataSync()));
      expectClose(regrouped, reference(a, dy, true, false));
      expectClose(forward, reference(a, w, false, false));
    });
  });

  it('a dense layer over rows and a one-hot block matches dense() on their concatenation, values and gradients', () => {
    for (const weightGrad of [true, false])
      tf.tidy(() => {
        const [B, D, C, H] = [12, 9, 7, 20];
        const x = rand([B, D]) as tf.Tensor2D;
        const h = tf.oneHot(tf.tensor1d(Array.from({ length: B }, (_, i) => (i * 3) % C), 'int32'), C).toFloat() as tf.Tensor2D;
        const [w, v, b, dy] = [rand([D, H]), rand([C, H]), rand([H]), rand([B, H])];
        const split = (xi: tf.Tensor, wi: tf.Tensor, vi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(denseWithOneHot(xi as tf.Tensor2D, wi as tf.Tensor2D, h, vi as tf.Tensor2D, bi as tf.Tensor1D, 'leakyrelu', 0.2, true, weightGrad), dy));
        const whole = (xi: tf.Tensor, wi: tf.Tensor, vi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(dense(concatColumns([xi as tf.Tensor2D, h]), tf.concat([wi, vi]) as tf.Tensor2D, bi as tf.Tensor1D, 'leakyrelu', 0.2), dy));
        expectClose(tf.scalar(split(x, w, v, b).dataSync()[0]), Float64Array.of(whole(x, w, v, b).dataSync()[0]));
        const [gs, gw] = [tf.grads(split)([x, w, v, b]), tf.grads(whole)([x, w, v, b])];
        expectClose(gs[0], Float64Array.from(gw[0].dataSync()));
        for (let i = 1; i < 4; i++) expectClose(gs[i], weightGrad ? Float64Array.from(gw[i].dataSync()) : new Float64Array(gw[i].size));
      });
  });

  it('splits large products with the helper thread, to the same numbers', () => {
    expect(productThreads()).toBe(os.cpus().length >= 2 ? 2 : 1);
    // ≥ 4M multiply-adds each, odd row counts (the helper takes rows from a multiple of 4)
    for (const [M, N, K] of [[37, 301, 400], [150, 133, 260]])
      for (const tA of [false, true])
        for (const tB of [false, true])
          tf.tidy(() => {
            const a = rand(tA ? [K, M] : [M, K]);
            const b = rand(tB ? [N, K] : [K, N]);
            const bias = rand([N]);
            const y = tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: tA, transposeB: tB, bias, activation: 'leakyrelu' });
            expectClose(y, reference(a, b, tA, tB, bias, 'leakyrelu', 0.2));
          });
  });

  it('gives the very same bits with the helper thread as without (so timing may choose per product)', () => {
    expect(productThreads()).toBe(os.cpus().length >= 2 ? 2 : 1);
    // [M, N, K, transposeA, transposeB, bias]: the last two take (B·Aᵀ)ᵀ on one thread (wide B, no bias)
    const cases: [number, number, number, boolean, boolean, boolean][] = [
      [500, 256, 384, false, false, true], [50, 256, 1570, false, false, true], [256, 384, 500, true, false, false],
      [500, 1570, 256, false, true, false], [37, 301, 400, false, true, false],
    ];
    for (const [M, N, K, tA, tB, withBias] of cases)
      tf.tidy(() => {
        const a = rand(tA ? [K, M] : [M, K]);
        const b = rand(tB ? [N, K] : [K, N]);
        const bias = withBias ? rand([N]) : undefined;
        const product = () => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: tA, transposeB: tB, bias }).dataSync();
        const two = product();
        pauseProductHelper(true);
        const one = product();
        pauseProductHelper(false);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer)), `${M}×${K}·${K}×${N} tA=${tA} tB=${tB}`).toBe(true);
      });
  });

  it('writes tiny and subnormal results as 0 (x86 runs arithmetic on subnormals ~250× slower), NaN stays NaN', () => {
    tf.tidy(() => {
      const a = tf.tensor2d([[1e-20, 1e-20, 1e-20, 1e-20, NaN]], [1, 5]);
      const b = tf.concat([tf.fill([4, 9], 1e-20), tf.zeros([1, 9])]) as tf.Tensor2D;
      const y = tf.matMul(tf.slice(a, [0, 0], [1, 4]), tf.slice(b, [0, 0], [4, 9])).dataSync();
      expect(Array.from(y)).toEqual(new Array(9).fill(0)); // 4e-40 would be subnormal
      expect(Array.from(tf.matMul(a, b).dataSync()).every(Number.isNaN)).toBe(true);
      // A subnormal operand is multiplied as 0, and the tensor itself is left as it was.
      const sub = tf.tensor2d([[1e-39, 2, 3]]);
      expect(Array.from(tf.matMul(sub, tf.ones([3, 4]) as tf.Tensor2D).dataSync())).toEqual([5, 5, 5, 5]);
      expect(sub.dataSync()[0]).toBeCloseTo(1e-39, 45);
    });
  });

  it('handles batches, including a broadcast operand', () => {
    tf.tidy(() => {
      const a = rand([3, 6, 5]);
      const b = rand([3, 5, 10]);
      expectClose(tf.matMul(a, b), reference(a, b, false, false));
      const b1 = rand([1, 5, 10]);
      expectClose(tf.matMul(a, b1), reference(a, b1, false, false));
      const bt = rand([3, 10, 5]);
      expectClose(tf.matMul(a, bt, false, true), reference(a, bt, false, true));
    });
  });

  it('keeps NaN through the fused activations (so divergence is still detected)', () => {
    tf.tidy(() => {
      const a = tf.tensor2d([[NaN, 1, 2, 3]]);
      const b = tf.ones([4, 9]) as tf.Tensor2D;
      for (const activation of ['relu', 'leakyrelu'] as const) {
        const y = tf.fused.matMul({ a, b, bias: tf.zeros([9]), activation }).dataSync();
        expect(Array.from(y).every(Number.isNaN)).toBe(true);
      }
    });
  });

  it('leaves cases it does not cover to tfjs kernels', () => {
    tf.tidy(() => {
      const a = rand([5, 4]);
      const b = rand([4, 6]);
      const w = tf.fill([6], 0.3);
      const y = tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, activation: 'prelu', preluActivationWeights: w });
      expectClose(y, reference(a, b, false, false, undefined, 'leakyrelu', 0.3));
      const a4 = rand([2, 2, 3, 4]);
      const b4 = rand([2, 2, 4, 5]);
      expect(tf.matMul(a4, b4).shape).toEqual([2, 2, 3, 5]);
    });
  });

  it('fused Adam step matches the JS Adam (weight decay, odd sizes)', () => {
    expect(wasmKernelsActive()).toBe(true);
    const init = tf.randomNormal([7, 5], 0, 1, 'float32', 99);
    const w1 = tf.variable(init.clone());
    const w2 = tf.variable(init.clone());
    const fused = new Adam(1e-2, 0.5, 0.9, 1e-3);
    const host = new Adam(1e-2, 0.5, 0.9, 1e-3, 1e-8, true);
    for (let step = 0; step < 5; step++) {
      const g = tf.randomNormal([7, 5], 0, 1, 'float32', step + 1); // tfjs treats seed 0 as unseeded
      fused.apply({ w: w1 }, { w: g });
      host.apply({ w: w2 }, { w: g });
      g.dispose();
    }
    const a = w1.dataSync();
    const b = w2.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    expect(Math.abs(a[0] - init.dataSync()[0])).toBeGreaterThan(1e-3);
    fused.dispose();
    host.dispose();
    tf.dispose([init, w1, w2]);
  });

  it('span maxima match a per-span slice and max (NaN kept)', () => {
    const layout = testLayout(true);
    tf.tidy(() => {
      const x = rand([9, 13]);
      const got = layout.spanMax(x as tf.Tensor2D).arraySync() as number[][];
      const rows = x.arraySync() as number[][];
      rows.forEach((r, b) =>
        [[1, 3], [5, 6], [11, 2]].forEach(([s0, w], k) => expect(got[b][k]).toBe(Math.max(...r.slice(s0, s0 + w))))
      );
      const withNaN = tf.tensor2d([[0, 1, NaN, 2, 0, 1, 1, 1, 1, 1, 1, 3, 4]]);
      expect(Array.from(layout.spanMax(withNaN).dataSync()).map(Number.isNaN)).toEqual([true, false, false]);
    });
    layout.dispose();
  });

  it('dense gradients through relu and leaky relu match tfjs autodiff', () => {
    for (const activation of ['relu', 'leakyrelu'] as const)
      tf.tidy(() => {
        const x = rand([11, 6]);
        const w = rand([6, 10]);
        const b = rand([10]);
        const r = rand([11, 10]);
        const ours = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(dense(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, activation, 0.2), r)),
        )([x, w, b]);
        const act = (t: tf.Tensor) => (activation === 'relu' ? tf.relu(t) : tf.leakyRelu(t, 0.2));
        const want = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(act(tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D), bi)), r)),
        )([x, w, b]);
        ours.forEach((g, i) => expectClose(g, Float64Array.from(want[i].dataSync())));
      });
  });

  it('the fused tVAE reconstruction loss and its gradients match the tfjs form', () => {
    const L = testLayout(false);
    tf.tidy(() => {
      const B = 7;
      const out = tf.mul(rand([B, 11]), 3) as tf.Tensor2D;
      // x: a scalar in (−1, 1) on tanh columns, a one-hot per softmax span
      const xs: number[] = [];
      for (let b = 0; b < B; b++) {
        const row = new Array(11).fill(0);
        row[0] = Math.sin(b);
        row[4] = Math.cos(b) * 0.9;
        row[1 + (b % 3)] = 1;
        row[5 + (b % 6)] = 1;
        xs.push(...row);
      }
      const x = tf.tensor2d(xs, [B, 11]);
      const sigma = tf.add(tf.abs(rand([11])), 0.05);
      const reference = (o: tf.Tensor, sg: tf.Tensor) => {
        const diff = tf.mul(tf.sub(x, fastTanh(o as tf.Tensor2D)), L.scalarMask);
        const gauss = tf.div(tf.sum(tf.div(tf.square(diff), tf.mul(tf.square(sg), 2))), B);
        const masked = tf.mul(o, L.softmaxMask) as tf.Tensor2D;
        const ce = tf.div(tf.sub(tf.sum(L.logSumExp(masked)), tf.sum(tf.mul(x, masked))), B);
        return tf.add(gauss, ce) as tf.Scalar;
      };
      const fused = tf.valueAndGrads((o: tf.Tensor, sg: tf.Tensor) => reconstruction(o as tf.Tensor2D, x, sg, L))([out, sigma]);
      const want = tf.valueAndGrads(reference)([out, sigma]);
      expect(fused.value.dataSync()[0]).toBeCloseTo(want.value.dataSync()[0], 3);
      fused.grads.forEach((g, i) => expectClose(g, Float64Array.from(want.grads[i].dataSync())));
      // A confident span: softmax terms of e^-100 are written as 0, not as subnormals.
      const sure = tf.tensor2d([[0, 100, 0, 0, 0, 100, 0, 0, 0, 0, 0]]);
      const grad = tf.grad((o: tf.Tensor) => reconstruction(o as tf.Tensor2D, tf.slice(x, [0, 0], [1, 11]) as tf.Tensor2D, sigma, L))(sure);
      expect(Array.from(grad.dataSync()).every((g) => g === 0 || Math.abs(g) >= 1e-30)).toBe(true);
    });
    L.dispose();
  });

  it('seeded random tensors: normal and uniform moments, same seed same numbers, odd sizes', () => {
    tf.tidy(() => {
      const n = Array.from(randomNormal([317, 401], 7).dataSync());
      const mean = n.reduce((a, b) => a + b, 0) / n.length;
      const sd = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
      expect(Math.abs(mean)).toBeLessThan(0.01);
      expect(Math.abs(sd - 1)).toBeLessThan(0.01);
      const tail = n.filter((x) => Math.abs(x) > 1.96).length / n.length; // 5% beyond ±1.96
      expect(Math.abs(tail - 0.05)).toBeLessThan(0.003);
      // the normal CDF at a few points, the fourth moment, and no correlation between neighbours (other lanes)
      // or elements 4 apart (the two halves of one Box–Muller pair)
      for (const [x, p] of [[-2.5, 0.00621], [-1, 0.15866], [0, 0.5], [0.5, 0.69146], [3, 0.99865]])
        expect(Math.abs(n.filter((v) => v < x).length / n.length - p)).toBeLessThan(0.003);
      expect(Math.abs(n.reduce((a, b) => a + b ** 4, 0) / n.length - 3)).toBeLessThan(0.06);
      for (const lag of [1, 4, 8]) {
        let c = 0;
        for (let i = lag; i < n.length; i++) c += n[i] * n[i - lag];
        expect(Math.abs(c / (n.length - lag))).toBeLessThan(0.01);
      }
      // squares are dependent if a pair shares its radius badly: their correlation is 0 for a true pair
      let c2 = 0;
      for (let i = 4; i < n.length; i++) c2 += (n[i] ** 2 - 1) * (n[i - 4] ** 2 - 1);
      expect(Math.abs(c2 / (n.length - 4))).toBeLessThan(0.04);
      const u = Array.from(randomUniform([3, 33333], 1e-10, 1, 11).dataSync());
      expect(Math.min(...u)).toBeGreaterThanOrEqual(1e-10);
      expect(Math.max(...u)).toBeLessThan(1);
      expect(Math.abs(u.reduce((a, b) => a + b, 0) / u.length - 0.5)).toBeLessThan(0.005);
      expect(Array.from(randomNormal([5, 3], 42).dataSync())).toEqual(Array.from(randomNormal([5, 3], 42).dataSync()));
      expect(Array.from(randomNormal([5, 3], 42).dataSync())).not.toEqual(Array.from(randomNormal([5, 3], 43).dataSync()));
      // seeds past 2³² still matter
      expect(Array.from(randomUniform([4], 0, 1, 2 ** 33).dataSync())).not.toEqual(Array.from(randomUniform([4], 0, 1, 2 ** 34).dataSync()));
    });
  });

  it('gives the same numbers twice (seeded runs repeat)', () => {
    tf.tidy(() => {
      const a = rand([50, 33]);
      const b = rand([33, 21]);
      expect(Array.from(tf.matMul(a, b).dataSync())).toEqual(Array.from(tf.matMul(a, b).dataSync()));
    });
  });
});

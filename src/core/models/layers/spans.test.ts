import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { SpanLayout } from './spans';
import { useWasm } from '../test-utils';
import type { Span } from '../../transform/types';

// Slot 0 scalar, slots 1–2 span 0, slot 3 scalar, slots 4–6 span 1.
const spans = [
  { start: 0, width: 1, activation: 'tanh' },
  { start: 1, width: 2, activation: 'softmax' },
  { start: 3, width: 1, activation: 'tanh' },
  { start: 4, width: 3, activation: 'softmax' },
] as Span[];

/** Per-span reference from tfjs's own softmax on sliced spans. */
function reference(x: number[][], f: (t: tf.Tensor2D) => tf.Tensor): number[][] {
  return tf.tidy(() => {
    const t = tf.tensor2d(x);
    const a = f(tf.slice(t, [0, 1], [-1, 2]) as tf.Tensor2D).arraySync() as number[][];
    const b = f(tf.slice(t, [0, 4], [-1, 3]) as tf.Tensor2D).arraySync() as number[][];
    return x.map((_, r) => [0, ...a[r], 0, ...b[r]]);
  });
}

describe('SpanLayout', () => {
  beforeAll(async () => {
    await useWasm();
  });
  // Spans whose logits sit hundreds apart: a row-wide shift would underflow the lower span.
  const x = [
    [0.3, 300, 250, -2, -200, -150, -190],
    [-0.7, -1, -2, 5, 3, 4, 5],
  ];

  it('softmax and log-softmax match a per-span softmax, with spans hundreds apart', () => {
    const L = new SpanLayout(spans, 7);
    const soft = tf.tidy(() => L.softmax(tf.tensor2d(x)).arraySync() as number[][]);
    const logSoft = tf.tidy(() => L.logSoftmax(tf.tensor2d(x)).arraySync() as number[][]);
    const refSoft = reference(x, (t) => tf.softmax(t));
    const refLog = reference(x, (t) => tf.logSoftmax(t));
    for (let r = 0; r < x.length; r++)
      for (let c = 0; c < 7; c++) {
        expect(soft[r][c]).toBeCloseTo(refSoft[r][c], 5);
        expect(logSoft[r][c]).toBeCloseTo(refLog[r][c], 3);
      }
    const lse = tf.tidy(() => L.logSumExp(tf.tensor2d(x)).arraySync() as number[][]);
    expect(lse[0][0]).toBeCloseTo(300, 3);
    expect(lse[0][1]).toBeCloseTo(-150 + Math.log(1 + Math.exp(-40) + Math.exp(-50)), 3);
    L.dispose();
  });

  it("log-softmax's gradient matches tfjs's own on each span", () => {
    const L = new SpanLayout(spans, 7);
    const w = tf.tensor2d([[0, 1, 0, 0, 0, 0, 1], [0, 0, 1, 0, 1, 0, 0]]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(L.logSoftmax(t as tf.Tensor2D), w)))(tf.tensor2d(x)).arraySync() as number[][];
    const ref = tf.grad((t: tf.Tensor) => {
      const a = tf.logSoftmax(tf.slice(t, [0, 1], [-1, 2]));
      const b = tf.logSoftmax(tf.slice(t, [0, 4], [-1, 3]));
      return tf.sum(tf.mul(tf.concat([tf.zeros([2, 1]), a, tf.zeros([2, 1]), b], 1), w));
    })(tf.tensor2d(x)).arraySync() as number[][];
    for (let r = 0; r < 2; r++) for (let c = 0; c < 7; c++) expect(g[r][c]).toBeCloseTo(ref[r][c], 4);
    L.dispose();
  });

  it('activate puts tanh on scalars and a distribution on each span', () => {
    const L = new SpanLayout(spans, 7);
    const y = tf.tidy(() => L.activate(tf.tensor2d(x), 0.2, 7).arraySync() as number[][]);
    for (const row of y) {
      expect(row[1] + row[2]).toBeCloseTo(1, 5);
      expect(row[4] + row[5] + row[6]).toBeCloseTo(1, 5);
    }
    expect(y[0][0]).toBeCloseTo(Math.tanh(0.3), 5);
    expect(y[1][3]).toBeCloseTo(Math.tanh(5), 5);
    L.dispose();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { spanMaxConst } from './dense';
import { useWasm } from '../test-utils';

describe('spanMaxConst', () => {
  beforeAll(async () => {
    await useWasm();
  });

  it("gives each span its own maximum even when spans sit hundreds apart, and no gradient", () => {
    // Slots 0–1 are span 0, slots 2–4 span 1, slot 5 is a scalar (in no span).
    const M = [
      [1, 0], [1, 0],
      [0, 1], [0, 1], [0, 1],
      [0, 0],
    ];
    const outside = tf.tensor3d(M.flat().map((m) => (m ? 0 : -1e9)), [1, 6, 2]);
    const x = tf.tensor2d([[300, 250, -200, -150, -190, 0.5], [-1, -2, 3, 4, 5, 9]]);
    expect(Array.from(spanMaxConst(x, outside).dataSync())).toEqual([300, -150, -1, 5]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(spanMaxConst(t as tf.Tensor2D, outside)))(x);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
  });
});

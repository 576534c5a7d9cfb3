import { describe, expect, it } from 'vitest';
import { divergedMessage, lossExploded, readTidy } from './training';

describe('divergence that stays finite', () => {
  it('flags a jump to far above the lowest loss, not ordinary noise, for positive and negative losses', () => {
    expect(lossExploded(743016, 1.99)).toBe(true); // adult, tVAE epoch 121: 1.99 → 7.4e5
    expect(lossExploded(3.43, 1.99)).toBe(false);
    expect(lossExploded(-470, -488)).toBe(false); // ELBO-style negative losses wobble
    expect(lossExploded(5e7, -488)).toBe(true);
    expect(lossExploded(1e9, Infinity)).toBe(false); // nothing seen yet
  });

  it('names the exploded loss in the message', () => {
    expect(divergedMessage(121, { loss: 743016 }, 1.99)).toMatch(/epoch 121 \(loss=7\.43e\+5\)/);
    expect(divergedMessage(3, { loss: NaN })).toMatch(/loss=NaN/);
  });
});

describe('readTidy', () => {
  it('gives the tensor\'s values and leaves no tensor behind', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1, 2, 3]);
    const v = readTidy(() => tf.mul(tf.add(x, 1), 2));
    expect(Array.from(v)).toEqual([4, 6, 8]);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

import type { Span } from '../../transform/types';
import type { Rng } from '../../util/random';

/** Draw an index from softmax(logits[offset … offset+width)) with the seeded Rng. */
export function sampleSoftmax(logits: ArrayLike<number>, offset: number, width: number, rng: Rng): number {
  let max = -Infinity;
  for (let j = 0; j < width; j++) if (logits[offset + j] > max) max = logits[offset + j];
  let total = 0;
  for (let j = 0; j < width; j++) total += Math.exp(logits[offset + j] - max);
  let u = rng.next() * total;
  for (let j = 0; j < width; j++) {
    u -= Math.exp(logits[offset + j] - max);
    if (u < 0) return j;
  }
  return width - 1;
}

/**
 * Raw decoder/generator outputs (row-major [n, D]) → encoded rows the encoder can decode:
 * tanh scalars (plus σ·N(0,1) noise when sigma is given), one sampled hot slot per softmax span.
 */
export function outputsToRows(out: Float32Array, n: number, width: number, spans: readonly Span[], rng: Rng, sigma?: Float32Array): Float32Array {
  const rows = new Float32Array(n * width);
  for (let r = 0; r < n; r++) {
    const o = r * width;
    for (const s of spans) {
      if (s.activation === 'tanh') {
        for (let j = s.start; j < s.start + s.width; j++) {
          let a = Math.tanh(out[o + j]);
          if (sigma) a += sigma[j] * rng.normal();
          rows[o + j] = a < -1 ? -1 : a > 1 ? 1 : a;
        }
      } else {
        rows[o + s.start + sampleSoftmax(out, o + s.start, s.width, rng)] = 1;
      }
    }
  }
  return rows;
}

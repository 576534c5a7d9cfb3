import { describe, expect, it } from 'vitest';
import { estimateRunMemory, memoryBudget } from './memory';

describe('estimateRunMemory', () => {
  it('grows with rows, width and batch', () => {
    const env = {};
    const base = estimateRunMemory(300, 30, 'tvae', 500, { env }).bytes;
    expect(estimateRunMemory(300_000, 30, 'tvae', 500, { env }).bytes).toBeGreaterThan(base);
    expect(estimateRunMemory(300, 3000, 'tvae', 500, { env }).bytes).toBeGreaterThan(base);
    expect(estimateRunMemory(30_000, 30, 'tvae', 5000, { env }).bytes).toBeGreaterThan(estimateRunMemory(30_000, 30, 'tvae', 500, { env }).bytes);
  });

  it('a small table fits on a 4 GB device; a huge one warns with a sentence naming both sizes', () => {
    const env = { deviceMemoryGiB: 4 };
    const small = estimateRunMemory(303, 40, 'ctgan', 500, { columns: 14, env });
    expect(small.fits).toBe(true);
    expect(small.warning).toBeNull();
    const huge = estimateRunMemory(50_000_000, 2000, 'tvae', 500, { columns: 200, env });
    expect(huge.fits).toBe(false);
    expect(huge.warning).toMatch(/needs about [\d.]+ GB .* about 2\.0 GB/);
  });

  it('uses performance.memory when present and says nothing when nothing is known', () => {
    expect(memoryBudget({ jsHeapSizeLimit: 4e9, usedJSHeapSize: 1e9 })).toEqual({ bytes: 3e9, source: 'performance.memory' });
    expect(memoryBudget({}).source).toBe('unknown');
    const r = estimateRunMemory(1e9, 1000, 'transformer', 500, { env: {} });
    expect(r.fits).toBe(true);
    expect(r.warning).toBeNull();
  });
});

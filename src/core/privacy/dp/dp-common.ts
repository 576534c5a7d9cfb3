import type { Table } from 'apache-arrow';
import type { FitOptions, Generator, SampleOptions, SavedModel } from '../../models/types';

/** A DP generator's settings: the caller's options over the defaults, checked before any data is touched. */
export function resolveDpOptions<R extends { epsilon: number }>(defaults: Partial<R>, options: FitOptions, rows: number): R {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...defaults, ...given } as R;
  if (!(o.epsilon > 0 && Number.isFinite(o.epsilon))) throw new Error(`DP training needs a finite ε > 0, got ${o.epsilon}`);
  if (rows < 2) throw new Error('Cannot train with differential privacy on fewer than 2 rows');
  return o;
}

/**
 * DP generators write the normal model file of their kind; sampling goes through that file's loader, so what
 * is sampled is exactly what a data owner would hand over.
 */
export async function sampleThroughModelFile(
  saved: SavedModel,
  load: (saved: SavedModel) => Generator | Promise<Generator>,
  n: number,
  seed: number,
  options?: SampleOptions,
): Promise<Table> {
  const m = await load(saved);
  try {
    return await m.sample(n, seed, options);
  } finally {
    m.dispose();
  }
}

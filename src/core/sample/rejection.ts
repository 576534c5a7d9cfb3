/**
 * Conditional sampling for any generator: sample in chunks, keep the rows that satisfy every condition,
 * stop at a cap on generated rows with an honest message when the condition is too rare.
 */
import type { Table } from 'apache-arrow';
import type { Condition, Generator, SampleOptions } from '../models/types';
import type { TableSchema } from '../schema/types';
import { Rng } from '../util/random';
import { takeRows } from './arrow';
import { describeCondition, matchesConditions } from './conditions';

export interface RejectionOptions extends Omit<SampleOptions, 'conditions'> {
  /** Most rows generated in all before giving up (default max(100 000, 200 × n)). */
  cap?: number;
  /** The schema of the generator's output (default: the generator's saved schema). */
  schema?: TableSchema;
}

export class ConditionTooRareError extends Error {
  constructor(
    message: string,
    readonly found: number,
    readonly generated: number,
  ) {
    super(message);
    this.name = 'ConditionTooRareError';
  }
}

export async function sampleWithRejection(
  generator: Generator,
  n: number,
  seed: number,
  conditions: readonly Condition[],
  options: RejectionOptions = {},
): Promise<Table> {
  const schema = options.schema ?? generator.save().schema;
  const cap = options.cap ?? Math.max(100_000, 200 * n);
  const rng = new Rng(seed);
  const parts: { table: Table; rows: number[] }[] = [];
  let found = 0;
  let generated = 0;
  const base = options.chunkSize ?? 5000;
  while (found < n) {
    if (options.signal?.aborted) throw new DOMException('Sampling cancelled', 'AbortError');
    if (generated >= cap) {
      const rate = generated ? found / generated : 0;
      const what = conditions.map(describeCondition).join(' and ');
      throw new ConditionTooRareError(
        `Only ${found} of ${n} rows satisfied "${what}" after generating ${generated} rows ` +
          `(${(100 * rate).toPrecision(2)}% matched; the cap is ${cap}). The condition is too rare in what this model generates ` +
          `to reach ${n} rows by rejection sampling: ask for fewer rows, loosen the condition, or use the transformer, which conditions directly.`,
        found,
        generated,
      );
    }
    // Size the next chunk from the acceptance seen so far.
    const rate = generated > 0 ? Math.max(found / generated, 1e-3) : 1;
    const m = Math.max(1, Math.min(cap - generated, Math.max(base, Math.ceil((1.2 * (n - found)) / rate)), 50_000));
    const table = await generator.sample(m, rng.seed(), { chunkSize: options.chunkSize, temperature: options.temperature, topP: options.topP, signal: options.signal });
    generated += m;
    const ok = matchesConditions(table, conditions, schema);
    const rows: number[] = [];
    for (let i = 0; i < ok.length && found + rows.length < n; i++) if (ok[i]) rows.push(i);
    if (rows.length) parts.push({ table, rows });
    found += rows.length;
    options.onProgress?.(found, n);
  }
  return takeRows(schema, parts);
}

import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import type { Rng } from '../util/random';

/**
 * The shared reversible encoding (tVAE, CTGAN, privacy distances, detection): one row → one Float32 vector.
 * The vector is a concatenation of spans; a generator shapes its output layer by the spans' activations.
 */
export type SpanActivation = 'tanh' | 'softmax';

export interface Span {
  /** Schema column this span belongs to. */
  column: string;
  role:
    | 'scalar' // continuous value (mode-normalised α in ±1, or min-max/stochastic in [-1, 1]); activation tanh
    | 'mode' // one-hot of the Gaussian-mixture mode; softmax
    | 'category' // one-hot of a categorical/boolean column (incl. a null category and a merged rare bucket); softmax
    | 'missing'; // two-way one-hot [present, missing] for a numeric column that had nulls; softmax
  start: number;
  width: number;
  activation: SpanActivation;
}

export type NumericNormalisation = 'mode' | 'minmax' | 'stochastic';

export interface EncoderOptions {
  /** mode = CTGAN §4.2 mode-specific normalisation (default); stochastic = EHR-Safe. */
  normalisation?: NumericNormalisation;
  /** Max Gaussian-mixture components per continuous column (default 10). */
  maxModes?: number;
  /** Categories seen in fewer rows than this merge into one protected bucket (default 5). */
  rareCount?: number;
  seed?: number;
}

/** A categorical span's facts that CTGAN's conditional vector needs. Aggregates only, never rows. */
export interface DiscreteSpanInfo {
  column: string;
  span: Span;
  /** Row count per one-hot slot. */
  counts: number[];
}

export interface EncoderParams {
  version: 1;
  /** JSON-serialisable fitted parameters: bounds, mixtures, category lists, quantiles. Never rows. */
  [key: string]: unknown;
}

export interface TableEncoder {
  readonly schema: TableSchema;
  readonly spans: readonly Span[];
  readonly width: number;
  /** Spans of discrete slots (categories, modes, missing flags) for the conditional vector. */
  readonly discrete: readonly DiscreteSpanInfo[];
  /** Encode the given rows of the fitted table (or a table with the same columns) into a row-major batch. */
  encodeRows(table: Table, rows: ArrayLike<number>, rng: Rng, out?: Float32Array): Float32Array;
  /** For training-by-sampling: row indices of `table` having slot `slot` of discrete span `d` hot. Built lazily, kept in memory only. */
  rowsWithSlot(table: Table, d: number, slot: number): Int32Array;
  /** Decode n row-major vectors back to a table in the schema's column order (excluded columns null, identifiers fresh). One-hot spans decode by argmax. */
  decode(batch: Float32Array, n: number, rng: Rng): Table;
  toJSON(): EncoderParams;
}

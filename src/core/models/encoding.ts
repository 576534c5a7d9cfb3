/**
 * How generators obtain the shared reversible encoding: fitted at fit(), restored at load().
 * Pluggable so tests can use a small stand-in encoder.
 */
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import type { ResumePoint } from './types';
import type { EncoderOptions, EncoderParams, TableEncoder } from '../transform/types';
import { SimpleEncoder, type SimpleEncoderParams } from './simple-encoder';
import { transformEncoders } from '../transform/index';

export interface EncoderFactory {
  fit(table: Table, schema: TableSchema, options: EncoderOptions): TableEncoder | Promise<TableEncoder>;
  load(schema: TableSchema, params: EncoderParams): TableEncoder | Promise<TableEncoder>;
}

/** Min-max + one-hot stand-in (tests, and models saved with it). */
export const simpleEncoders: EncoderFactory = {
  fit: (table, schema) => SimpleEncoder.fit(table, schema),
  load: (schema, params) => SimpleEncoder.load(schema, params as SimpleEncoderParams),
};

/** The project's shared encoding (mode-specific normalisation, src/core/transform). */
export async function sharedEncoders(): Promise<EncoderFactory> {
  return transformEncoders;
}

/** The encoding settings a user can choose (rare-category threshold, numeric normalisation), seeded. */
export function encoderOptions(options: { rareCount?: number; normalisation?: EncoderOptions['normalisation'] }, seed: number): EncoderOptions {
  const o: EncoderOptions = { seed };
  if (options.rareCount !== undefined) o.rareCount = options.rareCount;
  if (options.normalisation !== undefined) o.normalisation = options.normalisation;
  return o;
}

/** Restore the encoder a saved model was trained with. */
export async function restoreEncoder(schema: TableSchema, params: EncoderParams, factory?: EncoderFactory): Promise<TableEncoder> {
  if ((params as { kind?: string }).kind === 'simple') return simpleEncoders.load(schema, params);
  return (factory ?? (await sharedEncoders())).load(schema, params);
}

/** The encoding to train with: fitted to the table, or a resumed run's own (so the network's widths still fit). */
export async function trainingEncoder(
  table: Table,
  schema: TableSchema,
  options: { rareCount?: number; normalisation?: EncoderOptions['normalisation'] },
  seed: number,
  resume: ResumePoint | null,
  factory?: EncoderFactory,
): Promise<TableEncoder> {
  if (resume) return restoreEncoder(schema, resume.model.encoder as EncoderParams, factory);
  return (factory ?? (await sharedEncoders())).fit(table, schema, encoderOptions(options, seed));
}

/** The schema as stored in a model file: aggregates only (notes may quote example cells, so they go). */
export function savedSchema(schema: TableSchema): TableSchema {
  return { ...schema, columns: schema.columns.map(({ note: _note, ...c }) => ({ ...c })) };
}

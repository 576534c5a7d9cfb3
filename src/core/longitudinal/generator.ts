import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import { createGenerator, loadGenerator } from '../models/registry';
import type { FitOptions, FitResult, Generator, GeneratorKind, SampleOptions, SavedModel, TrainProgress } from '../models/types';
import { flattenPatients, unflattenPatients, type LongitudinalLayout } from './flatten';
import { createDpGenerator, type DpGenerator, type PrivacyReceipt } from '../privacy/dp';

/** What a saved longitudinal model holds: the inner generator's file and the layout (column roles, caps). Never rows. */
export interface SavedLongitudinalModel {
  format: 'doppel-longitudinal';
  version: 1;
  schema: TableSchema;
  layout: LongitudinalLayout;
  model: SavedModel;
}

/** Any file a trained generator saves to: a row model or a longitudinal (patient) model. */
export type ModelFile = SavedModel | SavedLongitudinalModel;

/**
 * Longitudinal records with any row generator: each patient becomes one sequence (static tokens, visit count,
 * then visit after visit), the generator learns the joint, and sampling rebuilds visits with fresh ids.
 * `sample(n)` counts patients, not rows. With `options.epsilon` the inner generator trains with DP-SGD, and
 * because one row is one patient, the guarantee is per patient (DP accounting samples patients, not visits).
 */
export class LongitudinalGenerator {
  private inner: Generator | null = null;
  private layout: LongitudinalLayout | null = null;
  private schema: TableSchema | null = null;

  constructor(readonly kind: GeneratorKind = 'tvae') {}

  async fit(
    table: Table,
    schema: TableSchema,
    options: FitOptions & { maxVisits?: number; rawVisits?: boolean },
    onProgress?: (p: TrainProgress) => void,
    signal?: AbortSignal,
  ): Promise<FitResult & { layout: LongitudinalLayout }> {
    const { wide, wideSchema, layout } = flattenPatients(table, schema, {
      maxVisits: options.maxVisits,
      rawVisits: options.rawVisits,
      realRanges: typeof options.epsilon !== 'number',
    });
    this.inner?.dispose();
    this.inner = typeof options.epsilon === 'number' ? await createDpGenerator(this.kind) : await createGenerator(this.kind);
    this.layout = layout;
    this.schema = schema;
    const result = await this.inner.fit(wide, wideSchema, options, onProgress, signal);
    return { ...result, layout };
  }

  async sample(patients: number, seed: number, options?: SampleOptions): Promise<Table> {
    if (!this.inner || !this.layout || !this.schema) throw new Error('Train the longitudinal model before sampling.');
    const wide = await this.inner.sample(patients, seed, options);
    return unflattenPatients(wide, this.layout, this.schema);
  }

  /** The DP receipt when trained with --epsilon. */
  get receipt(): PrivacyReceipt | null {
    return (this.inner as Partial<DpGenerator> | null)?.receipt ?? null;
  }

  save(): SavedLongitudinalModel {
    if (!this.inner || !this.layout || !this.schema) throw new Error('Nothing to save: the model is not trained.');
    return { format: 'doppel-longitudinal', version: 1, schema: this.schema, layout: this.layout, model: this.inner.save() };
  }

  static async load(saved: SavedLongitudinalModel): Promise<LongitudinalGenerator> {
    if (saved?.format !== 'doppel-longitudinal') throw new Error('Not a Doppel longitudinal model file');
    const g = new LongitudinalGenerator(saved.model.kind);
    g.inner = await loadGenerator(saved.model);
    g.layout = saved.layout;
    g.schema = saved.schema;
    return g;
  }

  dispose(): void {
    this.inner?.dispose();
    this.inner = null;
  }
}

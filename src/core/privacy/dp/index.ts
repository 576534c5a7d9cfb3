/**
 * DP training entry for the CLI, workers and UI: `synth --epsilon E [--delta D]` for every model.
 * Each DP generator writes the normal model file of its kind (TVAE.load / CTGAN.load /
 * TabularTransformer.load sample from it) with the privacy receipt in `saved.privacy`.
 */
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../../schema/types';
import type { FitResult, Generator, GeneratorKind, TrainProgress } from '../../models/types';
import type { DpCommonOptions } from './dp-ctgan';
import { PRIVACY_PRESETS, type PrivacyPreset, type PrivacyReceipt } from './rdp-accountant';

export type { DpCommonOptions } from './dp-ctgan';
export type { PrivacyReceipt, PrivacyPreset } from './rdp-accountant';

/** A generator trained with DP-SGD; `receipt` is set after fit (and saved in the model file). */
export interface DpGenerator extends Generator {
  receipt: PrivacyReceipt | null;
}

/**
 * Options for fitDp: ε (required, finite, > 0), δ (default 1/(N·√N)), clipNorm, preprocessingShare,
 * publicBounds / publicCategories, plus the model's own settings (epochs, batchSize, seed, sizes…).
 */
export type DpFitOptions = DpCommonOptions & Record<string, unknown>;

export async function createDpGenerator(kind: GeneratorKind): Promise<DpGenerator> {
  switch (kind) {
    case 'tvae':
      return new (await import('./dp-tvae')).DpTVAE();
    case 'ctgan':
      return new (await import('./dp-ctgan')).DpCTGAN();
    case 'transformer':
      return new (await import('./dp-transformer')).DpTransformer();
    default:
      throw new Error(`Unknown generator "${String(kind)}" (choose tvae, ctgan or transformer)`);
  }
}

/** Train `kind` with differential privacy; the receipt is the one saved with the model. */
export async function fitDp(
  kind: GeneratorKind,
  table: Table,
  schema: TableSchema,
  options: DpFitOptions,
  onProgress?: (p: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<{ generator: DpGenerator; result: FitResult; receipt: PrivacyReceipt }> {
  if (!(typeof options.epsilon === 'number' && options.epsilon > 0 && Number.isFinite(options.epsilon)))
    throw new Error(`--epsilon must be a finite number > 0 (got ${String(options.epsilon)}); leave it out to train without differential privacy`);
  if (options.delta !== undefined && !(options.delta > 0 && options.delta < 1))
    throw new Error(`--delta must be in (0, 1) (got ${String(options.delta)}); the default is 1/(N·√N)`);
  const generator = await createDpGenerator(kind);
  try {
    const result = await generator.fit(table, schema, options, onProgress, signal);
    return { generator, result, receipt: generator.receipt! };
  } catch (e) {
    generator.dispose();
    throw e;
  }
}

/** ε of a named preset ("high" ≤ 1, "balanced" ≈ 3, "utility" ≈ 10). */
export function presetEpsilon(preset: PrivacyPreset): number {
  return PRIVACY_PRESETS[preset].epsilon;
}

import type { Generator, GeneratorKind, SavedModel } from './types';

/** Descriptions shown in the model picker and the CLI help. */
export const GENERATORS: Record<GeneratorKind, { label: string; description: string }> = {
  tvae: {
    label: 'tVAE',
    description: 'Variational autoencoder for tables (Xu et al., 2019). Fast, stable, strong default.',
  },
  ctgan: {
    label: 'CTGAN',
    description: 'Conditional GAN with training-by-sampling (Xu et al., 2019). Good with imbalanced categories.',
  },
  transformer: {
    label: 'Tabular transformer',
    description: 'Autoregressive transformer, one token per column. Highest fidelity; supports conditions.',
  },
};

// Lazy imports keep each generator's code out of bundles that don't use it.
export async function createGenerator(kind: GeneratorKind): Promise<Generator> {
  switch (kind) {
    case 'tvae':
      return new (await import('./tvae/tvae')).TVAE();
    case 'ctgan':
      return new (await import('./ctgan/ctgan')).CTGAN();
    case 'transformer':
      return new (await import('./transformer/transformer')).TabularTransformer();
    default:
      throw new Error(`Unknown generator "${String(kind)}" (choose tvae, ctgan or transformer)`);
  }
}

export async function loadGenerator(saved: SavedModel): Promise<Generator> {
  if (saved?.format !== 'doppel-model') throw new Error('Not a Doppel model file');
  const missing = (['schema', 'encoder', 'weights'] as const).filter((k) => !saved[k] || typeof saved[k] !== 'object');
  if (missing.length) throw new Error(`The model file is incomplete or damaged (no ${missing.join(', ')}); save the model again`);
  switch (saved.kind) {
    case 'tvae':
      return (await import('./tvae/tvae')).TVAE.load(saved);
    case 'ctgan':
      return (await import('./ctgan/ctgan')).CTGAN.load(saved);
    case 'transformer':
      return (await import('./transformer/transformer')).TabularTransformer.load(saved);
    default:
      throw new Error(`Unknown generator "${String(saved.kind)}" in model file`);
  }
}

import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';

export type GeneratorKind = 'tvae' | 'ctgan' | 'transformer';
export type BackendName = 'webgpu' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  /** Early stopping on a validation split (the UI's "Auto" epochs). */
  earlyStopping?: boolean;
  /** Categories seen in fewer rows merge into one protected bucket (default 5). */
  rareCount?: number;
  /** Numeric columns in the shared encoding: CTGAN's mode-specific (default), min-max, or EHR-Safe stochastic. */
  normalisation?: 'mode' | 'minmax' | 'stochastic';
  /** Continue an interrupted run on the same table: its checkpoint (see Generator.checkpoint) and epochs done. */
  resume?: ResumePoint;
  /** Model-specific settings (layer sizes, learning rates, DP settings, …). */
  [key: string]: unknown;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  /** Named losses of the latest epoch, e.g. { loss } or { generator, critic }. */
  losses: Record<string, number>;
  elapsedMs: number;
  etaMs: number;
  backend: BackendName;
  rowsSeen?: number;
  /** Threads the steps run on now (the tVAE: 2 while its replica takes half of each batch). */
  threads?: number;
}

export interface FitResult {
  epochs: number;
  stoppedEarly: boolean;
  /** Set when training stopped on a NaN/Inf loss; the last good weights are kept. */
  diverged?: string;
  backend: BackendName;
  history: TrainProgress[];
  /** Threads the training steps ran on (the tVAE's replica makes 2); seeds repeat for a given backend and count. */
  threads?: number;
}

/** Equality, set or range conditions for conditional sampling ("age>=65", "sex=F", "cp in 1,2"). */
export type Condition =
  | { column: string; op: '='; value: string }
  | { column: string; op: 'in'; values: string[] }
  | { column: string; op: '>' | '>=' | '<' | '<='; value: number };

export interface SampleOptions {
  conditions?: Condition[];
  /** Rows generated per chunk (memory stays flat). */
  chunkSize?: number;
  temperature?: number;
  topP?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Everything a saved model holds: weights and encoding parameters, never a training row. */
export interface SavedModel {
  format: 'doppel-model';
  version: 1;
  kind: GeneratorKind;
  schema: TableSchema;
  options: FitOptions;
  encoder: unknown;
  /** Weight tensors, name → { shape, base64 Float32 data }. */
  weights: Record<string, { shape: number[]; data: string }>;
  privacy?: unknown;
}

/**
 * Where an interrupted run stopped. The checkpoint carries every trained weight (the tVAE's encoder and
 * CTGAN's critic too) and the fitted encoding, so training goes on from there; Adam's moments start afresh.
 */
export interface ResumePoint {
  model: SavedModel;
  /** Epochs completed (1-based). */
  epoch: number;
}

export interface Generator {
  readonly kind: GeneratorKind;
  fit(
    table: Table,
    schema: TableSchema,
    options: FitOptions,
    onProgress?: (p: TrainProgress) => void,
    signal?: AbortSignal,
  ): Promise<FitResult>;
  sample(n: number, seed: number, options?: SampleOptions): Promise<Table>;
  save(): SavedModel;
  /** save() plus the weights only training needs, for resuming (still weights and encoding, never rows). */
  checkpoint?(): SavedModel;
  dispose(): void;
}

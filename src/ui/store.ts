/**
 * The page's state (zustand). Holds what the user sees and the bytes it hands to workers; never
 * parses, trains or evaluates itself — those run in workers so the page stays responsive.
 */
import { create } from 'zustand';
import type { IngestProgress, IngestReport } from '../core/data/types';
import { DEFAULT_MISSING_TOKENS } from '../core/data/missing';
import type { SchemaEdit } from '../core/schema/edit';
import type { TableSchema } from '../core/schema/types';
import type { BackendName, BackendPreference, GeneratorKind, TrainProgress } from '../core/models/types';
import { Comlink, ingestWorker, resetTrainWorker, trainWorker } from './workers';

export const SAMPLE_NAME = 'heart_cleveland.csv';

export interface Dataset {
  name: string;
  ipc: Uint8Array;
  schema: TableSchema;
  report: IngestReport;
  /** The file itself, kept so the missing-token list can be re-applied. */
  file: Blob;
  isSample: boolean;
}

export interface LoadError {
  file: string;
  message: string;
  code: string;
  lines: number[];
}

export interface LossPoint {
  epoch: number;
  [loss: string]: number;
}

export type TrainStatus = 'idle' | 'starting' | 'training' | 'done' | 'cancelled' | 'failed';

export interface Settings {
  model: GeneratorKind;
  backend: BackendPreference;
  epochs: number;
  batchSize: number;
  seed: number;
  earlyStopping: boolean;
}

export interface Synthetic {
  csv: Uint8Array;
  ipc: Uint8Array;
  rows: number;
  fileName: string;
  seed: number;
}

interface State {
  dataset: Dataset | null;
  loading: { file: string; progress: IngestProgress | null } | null;
  loadError: LoadError | null;
  missingTokens: string[];
  settings: Settings;
  train: {
    status: TrainStatus;
    progress: TrainProgress | null;
    history: LossPoint[];
    backend: BackendName | null;
    message: string | null;
    /** The schema changed after this model was trained. */
    stale: boolean;
  };
  sampling: { done: number; total: number } | null;
  synthetic: Synthetic | null;
  rowsWanted: number | null;
  error: string | null;

  loadFile(file: Blob, name: string, opts?: { skipRaggedRows?: boolean; isSample?: boolean }): Promise<void>;
  loadSample(): Promise<void>;
  cancelLoad(): void;
  reloadWithTokens(tokens: string[]): Promise<void>;
  editSchema(edit: SchemaEdit): Promise<void>;
  importMetadata(json: unknown): Promise<void>;
  setSettings(patch: Partial<Settings>): void;
  setRowsWanted(n: number | null): void;
  startTraining(): Promise<void>;
  cancelTraining(): Promise<void>;
  generate(): Promise<void>;
  dismissError(): void;
}

export const DEFAULT_SETTINGS: Settings = { model: 'tvae', backend: 'auto', epochs: 300, batchSize: 500, seed: 0, earlyStopping: false };

const idleTrain = { status: 'idle' as TrainStatus, progress: null, history: [], backend: null, message: null, stale: false };

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function syntheticFileName(source: string): string {
  const base = source.replace(/\.[^.]+$/, '').trim();
  return base ? `${base}-synthetic.csv` : 'doppel-synthetic.csv';
}

export const useStore = create<State>((set, get) => ({
  dataset: null,
  loading: null,
  loadError: null,
  missingTokens: [...DEFAULT_MISSING_TOKENS],
  settings: { ...DEFAULT_SETTINGS },
  train: { ...idleTrain },
  sampling: null,
  synthetic: null,
  rowsWanted: null,
  error: null,

  async loadFile(file, name, opts = {}) {
    set({ loading: { file: name, progress: null }, loadError: null });
    const onProgress = Comlink.proxy((p: IngestProgress) => {
      if (get().loading?.file === name) set({ loading: { file: name, progress: p } });
    });
    try {
      const r = await ingestWorker().load(file, name, { missingTokens: get().missingTokens, skipRaggedRows: !!opts.skipRaggedRows }, onProgress);
      if ('error' in r) {
        // The previous table stays loaded (the worker kept it too).
        set({ loadError: { file: name, message: r.error, code: r.code, lines: r.lines, }, loading: null });
        if (r.code === 'ragged-rows') pendingRagged = { file, name };
        return;
      }
      if (get().train.status === 'training') await get().cancelTraining();
      set({
        dataset: { name, ipc: r.ipc, schema: r.schema, report: r.report, file, isSample: !!opts.isSample },
        loading: null,
        loadError: null,
        train: { ...idleTrain },
        synthetic: null,
        sampling: null,
        rowsWanted: r.schema.rows,
      });
    } catch (e) {
      set({ loadError: { file: name, message: message(e), code: 'unreadable', lines: [] }, loading: null });
    }
  },

  async loadSample() {
    try {
      const res = await fetch(new URL(SAMPLE_NAME, document.baseURI));
      if (!res.ok) throw new Error(`The bundled sample could not be read (HTTP ${res.status}).`);
      const blob = await res.blob();
      await get().loadFile(blob, SAMPLE_NAME, { isSample: true });
    } catch (e) {
      set({ loadError: { file: SAMPLE_NAME, message: message(e), code: 'unreadable', lines: [] } });
    }
  },

  cancelLoad() {
    void ingestWorker().cancel();
  },

  async reloadWithTokens(tokens) {
    set({ missingTokens: tokens });
    const d = get().dataset;
    if (d) await get().loadFile(d.file, d.name, { isSample: d.isSample });
  },

  async editSchema(edit) {
    const d = get().dataset;
    if (!d) return;
    try {
      const r = await ingestWorker().edit(edit);
      const dataset = { ...d, schema: r.schema, ipc: r.ipc ?? d.ipc };
      const t = get().train;
      set({ dataset, error: null, train: t.status === 'done' ? { ...t, stale: true } : t });
    } catch (e) {
      set({ error: message(e) });
    }
  },

  async importMetadata(json) {
    const d = get().dataset;
    if (!d) return;
    try {
      const r = await ingestWorker().importMetadata(json);
      const t = get().train;
      set({ dataset: { ...d, schema: r.schema, ipc: r.ipc }, error: null, train: t.status === 'done' ? { ...t, stale: true } : t });
    } catch (e) {
      set({ error: `That metadata file could not be applied: ${message(e)}` });
    }
  },

  setSettings(patch) {
    set({ settings: { ...get().settings, ...patch } });
  },

  setRowsWanted(n) {
    set({ rowsWanted: n });
  },

  async startTraining() {
    const d = get().dataset;
    if (!d) return;
    const s = get().settings;
    set({ train: { ...idleTrain, status: 'starting' }, synthetic: null, error: null });
    const onProgress = Comlink.proxy((p: TrainProgress) => {
      const point: LossPoint = { epoch: p.epoch };
      for (const [k, v] of Object.entries(p.losses)) if (Number.isFinite(v)) point[k] = v;
      const t = get().train;
      if (t.status !== 'starting' && t.status !== 'training') return; // a late message after Cancel
      set({ train: { ...t, status: 'training', progress: p, backend: p.backend, history: [...t.history, point] } });
    });
    try {
      const worker = trainWorker();
      // Copy, not transfer: the page keeps its bytes for the report and for retraining.
      const out = await worker.train(
        {
          ipc: d.ipc.slice(),
          schema: d.schema,
          kind: s.model,
          backend: s.backend,
          options: { epochs: s.epochs, batchSize: s.batchSize, seed: s.seed, earlyStopping: s.earlyStopping },
        },
        onProgress,
      );
      const t = get().train;
      if (out.cancelled) {
        set({ train: { ...t, status: 'cancelled', backend: out.backend, message: 'Training was cancelled.' } });
        return;
      }
      set({
        train: {
          ...t,
          status: 'done',
          backend: out.backend,
          message: out.diverged
            ? out.diverged
            : out.stoppedEarly
              ? `Stopped early after ${out.epochs} epochs (validation loss stopped improving).`
              : `Trained ${out.epochs} epochs on ${out.backend}.`,
        },
      });
    } catch (e) {
      const t = get().train;
      if (t.status === 'cancelled') return;
      set({ train: { ...t, status: 'failed', message: message(e) }, error: `Training failed: ${message(e)}` });
    }
  },

  async cancelTraining() {
    const t = get().train;
    if (t.status !== 'training' && t.status !== 'starting') return;
    set({ train: { ...t, status: 'cancelled', message: 'Training was cancelled.' } });
    try {
      await trainWorker().cancel();
    } catch {
      resetTrainWorker();
    }
  },

  async generate() {
    const d = get().dataset;
    if (!d || get().train.status !== 'done') return;
    const n = Math.max(1, Math.floor(get().rowsWanted ?? d.schema.rows));
    const seed = get().settings.seed;
    set({ sampling: { done: 0, total: n }, synthetic: null, error: null });
    const onProgress = Comlink.proxy((done: number, total: number) => set({ sampling: { done, total } }));
    try {
      const r = await trainWorker().sample(n, seed, onProgress);
      set({ synthetic: { csv: r.csv, ipc: r.ipc, rows: r.rows, fileName: syntheticFileName(d.name), seed }, sampling: null });
    } catch (e) {
      set({ sampling: null, error: `Sampling failed: ${message(e)}` });
    }
  },

  dismissError() {
    set({ error: null });
  },
}));

/** The last file that failed on ragged rows, for "skip these rows". */
let pendingRagged: { file: Blob; name: string } | null = null;

export function skipRaggedRows(): Promise<void> {
  const p = pendingRagged;
  if (!p) return Promise.resolve();
  pendingRagged = null;
  return useStore.getState().loadFile(p.file, p.name, { skipRaggedRows: true });
}

/** Save bytes as a file through a Blob link (no server involved). */
export function downloadBytes(bytes: Uint8Array | string, fileName: string, type = 'text/csv;charset=utf-8'): void {
  const blob = new Blob([bytes as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

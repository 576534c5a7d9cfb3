/**
 * The page's state (zustand). Holds what the user sees and the bytes it hands to workers; never
 * parses, trains or evaluates itself — those run in workers so the page stays responsive.
 */
import { create } from 'zustand';
import { PRIVACY_PRESETS, type PrivacyPreset, type PrivacyReceipt } from '../core/privacy/dp/rdp-accountant';
import type { IngestProgress, IngestReport } from '../core/data/types';
import { DEFAULT_MISSING_TOKENS } from '../core/data/missing';
import type { SchemaEdit } from '../core/schema/edit';
import { describeEdit, schemaEdits } from '../core/schema/replay';
import type { TableSchema } from '../core/schema/types';
import type { BackendName, BackendPreference, GeneratorKind, TrainProgress } from '../core/models/types';
import type { EvaluationReport } from '../core/evaluate';
import type { PrivacyReport } from '../core/privacy';
import type { TemporalReport } from '../core/longitudinal/metrics';
import type { LoadedDataset, SequenceInfo, StaticJoinSummary } from '../../workers/ingest.worker';
import { publicFileUrl } from '../offline/public-url';
import type { Checkpoint } from '../offline/persistence';
import type { SavedResults, SchemaRestore, StaticFile } from '../offline/session-sync';
import type { Condition } from '../core/models/types';
import { ConditionError, parseConditions } from '../core/sample/conditions';
import { Comlink, evaluateWorker, ingestWorker, resetEvaluateWorker, setTrainCrashHandler, trainCall, trainWorker } from './workers';

export const SAMPLE_NAME = 'heart_cleveland.csv';

export interface Dataset {
  name: string;
  ipc: Uint8Array;
  schema: TableSchema;
  /** The schema as the file (and a joined static file) was read, before any schema edit: what the edits are replayed from. */
  read: TableSchema;
  report: IngestReport;
  /** The file itself, kept so the missing-token list can be re-applied. */
  file: Blob;
  isSample: boolean;
  /** How the file was read: the missing-value tokens, and whether ragged rows were skipped. */
  missingTokens: string[];
  skipRaggedRows?: boolean;
}

/** Schema settings that could not be put back after a reload or a re-read of the file, shown above the columns. */
export interface SchemaNotice {
  title: string;
  problems: string[];
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
  /** Hold back 20% of rows from training, for the privacy and utility checks. */
  holdout: boolean;
  /** Differential privacy preset (DP-SGD with an RDP accountant), off by default. */
  dp?: 'off' | PrivacyPreset;
  /** The value ranges and category lists are public knowledge: DP spends no ε estimating them. */
  publicDomain?: boolean;
  /** Categories seen in fewer rows than this merge into one protected bucket (default 5). */
  rareCount?: number;
  /** Numeric columns: mode-specific (default), min-max or EHR-Safe stochastic normalisation. */
  normalisation?: 'mode' | 'minmax' | 'stochastic';
}

/** The form settings an interrupted run started with (saved in its checkpoint). */
function settingsOfRun(cp: Checkpoint): Partial<Settings> {
  const r = cp.settings;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const out: Partial<Settings> = { model: cp.model.kind, holdout: Number(r.holdoutFraction ?? 0) > 0, dp: 'off' };
  const epochs = num(r.epochs), batchSize = num(r.batchSize), seed = num(r.seed), rareCount = num(r.rareCount);
  if (epochs !== undefined) out.epochs = epochs;
  if (batchSize !== undefined) out.batchSize = batchSize;
  if (seed !== undefined) out.seed = seed;
  if (rareCount !== undefined) out.rareCount = rareCount;
  if (typeof r.earlyStopping === 'boolean') out.earlyStopping = r.earlyStopping;
  if (r.normalisation === 'mode' || r.normalisation === 'minmax' || r.normalisation === 'stochastic') out.normalisation = r.normalisation;
  return out;
}

export type View = 'prepare' | 'report' | 'privacy';

export interface Evaluation<R> {
  status: 'idle' | 'running' | 'done' | 'failed';
  stage: string | null;
  result: R | null;
  message: string | null;
  /** The synthetic table it was computed for (a new one makes it stale). */
  synthetic: Synthetic | null;
}

/** The generator the worker holds: trained here, or loaded from a model file (no data needed). */
export interface ModelInfo {
  kind: GeneratorKind;
  schema: TableSchema;
  source: 'trained' | 'file';
  /** Model file name, when loaded from one. */
  name?: string;
}

export interface Synthetic {
  /** Conditions the rows were generated under ("Only patients where…"). */
  conditions?: string[];
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
    /** Threads the last training ran on (2: the tVAE's replica on a cross-origin-isolated page). */
    threads?: number;
    message: string | null;
    /** The schema changed after this model was trained. */
    stale: boolean;
    trainRows: Int32Array | null;
    holdoutRows: Int32Array | null;
    /** Set when the model was trained with differential privacy. */
    receipt?: PrivacyReceipt | null;
  };
  view: View;
  report: Evaluation<{ report: EvaluationReport; html: string; temporal?: TemporalReport }>;
  /** Per-patient structure when a patient id column is set (longitudinal mode). */
  sequences: SequenceInfo | null;
  /** The per-patient (static) CSV joined onto the long table on the id, and what the join did. */
  staticTable: StaticJoinSummary | null;
  /** The per-patient file itself, kept so a re-read (or a reload) joins it again. */
  staticFile: StaticFile | null;
  staticLoading: { file: string; progress: IngestProgress | null } | null;
  /** Why the last static table could not be joined (the table loaded before stays as it was). */
  staticError: LoadError | null;
  addStaticTable(file: Blob, name: string, opts?: { skipRaggedRows?: boolean }): Promise<void>;
  removeStaticTable(): Promise<void>;
  privacy: Evaluation<PrivacyReport>;
  sampling: { done: number; total: number } | null;
  synthetic: Synthetic | null;
  rowsWanted: number | null;
  /** "Only patients where…" conditions, one per line, as typed. */
  conditionsText: string;
  setConditionsText(t: string): void;
  model: ModelInfo | null;
  /** Why the last Generate failed (e.g. a condition too rare for rejection sampling), shown beside the button. */
  sampleError: string | null;
  modelLoading: boolean;
  loadModelFile(file: Blob, name: string): Promise<void>;
  /** Put a model file (read, restored or checkpointed) into the training worker so Generate works without training. */
  adoptModel(saved: unknown, name: string, split?: { train: Int32Array; holdout: Int32Array }): Promise<void>;
  /** After a reload: the last synthetic table and its reports, as they were. */
  restoreResults(saved: SavedResults): Promise<void>;
  error: string | null;
  schemaNotice: SchemaNotice | null;
  dismissSchemaNotice(): void;
  /** Protected attribute for the fairness section of the report. */
  protectedColumn: string | null;
  setProtectedColumn(c: string | null): void;

  /** Read a file; with `restore`, then put a schema back onto it (edits, id and time, the static table joined again). */
  loadFile(file: Blob, name: string, opts?: LoadFileOptions): Promise<void>;
  loadSample(): Promise<void>;
  cancelLoad(): void;
  reloadWithTokens(tokens: string[]): Promise<void>;
  editSchema(edit: SchemaEdit): Promise<void>;
  importMetadata(json: unknown): Promise<void>;
  setSettings(patch: Partial<Settings>): void;
  setRowsWanted(n: number | null): void;
  /** Train with the current settings, or continue an interrupted run from its checkpoint with the run's own settings. */
  startTraining(resume?: Checkpoint): Promise<void>;
  cancelTraining(): Promise<void>;
  generate(): Promise<void>;
  dismissError(): void;
  setView(v: View): void;
  runReport(): Promise<void>;
  runPrivacy(): Promise<void>;
  cancelEvaluation(): void;
}

export interface LoadFileOptions {
  skipRaggedRows?: boolean;
  isSample?: boolean;
  /** Read with these missing-value tokens (they become the page's list). */
  missingTokens?: string[];
  restore?: SchemaRestore;
}

export const DEFAULT_SETTINGS: Settings = { model: 'tvae', backend: 'auto', epochs: 300, batchSize: 500, seed: 0, earlyStopping: false, holdout: true };

const idleTrain = {
  status: 'idle' as TrainStatus,
  progress: null,
  history: [],
  backend: null,
  message: null,
  stale: false,
  trainRows: null,
  holdoutRows: null,
  receipt: null,
};

function idleEvaluation<R>(): Evaluation<R> {
  return { status: 'idle', stage: null, result: null, message: null, synthetic: null };
}

/** A different table makes the trained model, the synthetic rows and their reports belong to another table. */
function resultsCleared(): Pick<State, 'train' | 'synthetic' | 'sampling' | 'report' | 'privacy'> {
  return { train: { ...idleTrain }, synthetic: null, sampling: null, report: idleEvaluation(), privacy: idleEvaluation() };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The conditions field's non-empty lines. */
export function conditionLines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

/** The conditions field's problem, or null when every line parses against the schema. */
export function conditionsProblem(text: string, schema: TableSchema | null | undefined): string | null {
  if (!schema) return null;
  try {
    parseConditions(conditionLines(text), schema);
    return null;
  } catch (e) {
    return e instanceof ConditionError ? e.message : message(e);
  }
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
  conditionsText: '',
  setConditionsText(t) {
    set({ conditionsText: t });
  },
  model: null,
  sampleError: null,
  modelLoading: false,
  async loadModelFile(file, name) {
    set({ modelLoading: true, error: null });
    try {
      let saved: unknown;
      try {
        saved = JSON.parse(await file.text());
      } catch {
        throw new Error(`${name} is not a Doppel model file (not valid JSON).`);
      }
      if (get().train.status === 'training' || get().train.status === 'starting') await get().cancelTraining();
      await get().adoptModel(saved, name);
      set({ modelLoading: false });
    } catch (e) {
      set({ modelLoading: false, error: `That model file could not be loaded: ${message(e)}` });
    }
  },
  async adoptModel(saved, name, split) {
    const r = await trainCall((w) => w.loadModel(saved as never, get().settings.backend));
    set({ model: { kind: r.kind, schema: r.schema, source: 'file', name }, synthetic: null, error: null, rowsWanted: get().rowsWanted ?? r.schema.rows });
    // The held-back rows of a restored run keep the privacy checks honest (never measured against trained rows).
    if (split) set({ train: { ...get().train, trainRows: split.train, holdoutRows: split.holdout } });
  },
  async restoreResults(saved) {
    const model = get().model;
    const syn = saved.synthetic as Synthetic;
    if (!model || !(syn?.ipc instanceof Uint8Array)) return;
    let conditions: Condition[] = [];
    try {
      conditions = parseConditions(syn.conditions ?? [], model.schema);
    } catch {
      /* the sidecar then omits them */
    }
    await trainCall((w) => w.keepSynthetic(syn.ipc.slice(), syn.seed, conditions));
    const done = <R,>(result: unknown): Evaluation<R> => ({ status: 'done', stage: null, result: result as R, message: null, synthetic: syn });
    set({
      synthetic: syn,
      ...(saved.report ? { report: done(saved.report) } : {}),
      ...(saved.privacy ? { privacy: done(saved.privacy) } : {}),
    });
  },
  error: null,
  schemaNotice: null,
  dismissSchemaNotice() {
    set({ schemaNotice: null });
  },
  view: 'prepare',
  sequences: null,
  staticTable: null,
  staticFile: null,
  staticLoading: null,
  staticError: null,
  protectedColumn: null,
  setProtectedColumn(c) {
    set({ protectedColumn: c });
  },
  report: idleEvaluation(),
  privacy: idleEvaluation(),

  loadFile(file, name, opts = {}) {
    // One load at a time, in the order asked: a file dropped while the bundled sample is still loading
    // must end up loaded, in the page and in the worker alike.
    if (!opts.isSample) userLoads++;
    const run = loadChain.then(() => loadNow(file, name, opts));
    loadChain = run.catch(() => undefined);
    return run;
  },

  async loadSample() {
    const before = userLoads;
    try {
      const res = await fetch(publicFileUrl(SAMPLE_NAME));
      if (!res.ok) throw new Error(`The bundled sample could not be read (HTTP ${res.status}).`);
      const blob = await res.blob();
      if (userLoads !== before) return; // the user's own file came first
      await get().loadFile(blob, SAMPLE_NAME, { isSample: true });
    } catch (e) {
      set({ loadError: { file: SAMPLE_NAME, message: message(e), code: 'unreadable', lines: [] } });
    }
  },

  cancelLoad() {
    void ingestWorker().cancel();
  },

  addStaticTable(file, name, opts = {}) {
    // In the same queue as loadFile: the join must apply to the long table that is loaded when it runs.
    const run = loadChain.then(() => joinStaticNow(file, name, opts));
    loadChain = run.catch(() => undefined);
    return run;
  },

  async removeStaticTable() {
    const joined = get().staticTable;
    if (!joined) return;
    try {
      await tableReplaced(await ingestWorker().removeStatic(), joined.columns, [], { staticTable: null, staticFile: null, staticError: null });
    } catch (e) {
      set({ error: message(e) });
    }
  },

  async reloadWithTokens(tokens) {
    set({ missingTokens: tokens });
    const d = get().dataset;
    // The column edits, the id and time columns and the static table stay: only what the tokens change is read anew.
    if (d)
      await get().loadFile(d.file, d.name, {
        isSample: d.isSample,
        ...(d.skipRaggedRows ? { skipRaggedRows: true } : {}),
        restore: { schema: d.schema, read: d.read, static: get().staticFile, after: 'reread' },
      });
  },

  async editSchema(edit) {
    if (!get().dataset) return;
    try {
      await schemaChanged(await ingestWorker().edit(edit));
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

  async startTraining(resume) {
    const d = get().dataset;
    if (!d) return;
    // A continued run keeps the settings it started with (the same holdout split and seed), shown in the form.
    if (resume) set({ settings: { ...get().settings, ...settingsOfRun(resume) } });
    const s = get().settings;
    set({ train: { ...idleTrain, status: 'starting' }, synthetic: null, error: null, model: null });
    const onProgress = Comlink.proxy((p: TrainProgress) => {
      const point: LossPoint = { epoch: p.epoch };
      for (const [k, v] of Object.entries(p.losses)) if (Number.isFinite(v)) point[k] = v;
      const t = get().train;
      if (t.status !== 'starting' && t.status !== 'training') return; // a late message after Cancel
      set({ train: { ...t, status: 'training', progress: p, backend: p.backend, threads: p.threads ?? t.threads, history: [...t.history, point] } });
    });
    try {
      // Copy, not transfer: the page keeps its bytes for the report and for retraining.
      const out = await trainCall((worker) => worker.train(
        {
          ipc: d.ipc.slice(),
          schema: d.schema,
          kind: s.model,
          backend: s.backend,
          options: {
            epochs: s.epochs,
            batchSize: s.batchSize,
            seed: s.seed,
            earlyStopping: s.earlyStopping,
            ...(s.rareCount !== undefined ? { rareCount: s.rareCount } : {}),
            ...(s.normalisation ? { normalisation: s.normalisation } : {}),
          },
          holdoutFraction: resume ? Number(resume.settings.holdoutFraction ?? 0) : s.holdout ? 0.2 : 0,
          ...(resume ? { resume: { model: resume.model, epoch: resume.epoch, runId: resume.runId } } : {}),
          ...(!resume && s.dp && s.dp !== 'off' ? { privacy: { epsilon: PRIVACY_PRESETS[s.dp].epsilon, publicDomain: !!s.publicDomain } } : {}),
        },
        onProgress,
      ));
      const t = get().train;
      if (out.cancelled) {
        set({ train: { ...t, status: 'cancelled', backend: out.backend, message: 'Training was cancelled.' } });
        return;
      }
      set({
        model: { kind: s.model, schema: d.schema, source: 'trained' },
        train: {
          ...t,
          status: 'done',
          backend: out.backend,
          threads: out.threads,
          trainRows: out.trainRows ?? null,
          holdoutRows: out.holdoutRows ?? null,
          receipt: out.receipt ?? null,
          message: out.diverged
            ? out.diverged
            : out.stoppedEarly
              ? `Stopped early after ${out.epochs} epochs (validation loss stopped improving).`
              : `Trained ${out.epochs} epochs on ${out.backend}${out.threads > 1 ? ` (${out.threads} threads)` : ''}.`,
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
      /* the worker is gone: the supervisor restarts it */
    }
  },

  async generate() {
    const d = get().dataset;
    const model = get().model;
    if (!model || (model.source === 'trained' && get().train.status !== 'done')) return;
    const n = Math.max(1, Math.floor(get().rowsWanted ?? model.schema.rows));
    const seed = get().settings.seed;
    const texts = conditionLines(get().conditionsText);
    let conditions: Condition[];
    try {
      conditions = parseConditions(texts, model.schema);
    } catch (e) {
      // Shown inline beside the field (ConditionError says which condition and what to write).
      return;
    }
    set({ sampling: { done: 0, total: n }, synthetic: null, error: null, sampleError: null });
    const onProgress = Comlink.proxy((done: number, total: number) => set({ sampling: { done, total } }));
    const source = model.source === 'file' ? (model.name ?? 'model').replace(/\.json$/i, '').replace(/\.doppel$/i, '') : (d?.name ?? 'doppel');
    try {
      const r = await trainCall((w) => w.sample(n, seed, onProgress, conditions));
      set({ synthetic: { csv: r.csv, ipc: r.ipc, rows: r.rows, fileName: syntheticFileName(source), seed, conditions: texts }, sampling: null });
    } catch (e) {
      set({ sampling: null, sampleError: `Sampling failed: ${message(e)}` });
    }
  },

  dismissError() {
    set({ error: null });
  },

  setView(v) {
    set({ view: v });
  },

  async runReport() {
    const d = get().dataset;
    const syn = get().synthetic;
    if (!d || !syn) return;
    const t = get().train;
    set({ report: { status: 'running', stage: 'quality', result: null, message: null, synthetic: syn } });
    const onProgress = Comlink.proxy((stage: string) => {
      const r = get().report;
      if (r.status === 'running' && r.synthetic === syn) set({ report: { ...r, stage } });
    });
    try {
      const result = await evaluateWorker().evaluate(
        {
          realIpc: d.ipc.slice(),
          syntheticIpc: syn.ipc.slice(),
          schema: d.schema,
          ...(t.trainRows && t.holdoutRows ? { trainRows: t.trainRows, holdoutRows: t.holdoutRows } : {}),
          ...(d.schema.target ? { target: d.schema.target } : {}),
          ...(get().protectedColumn ? { protected: get().protectedColumn! } : {}),
          seed: get().settings.seed,
          title: `Doppel fidelity report — ${d.name}`,
        },
        onProgress,
      );
      const temporal = d.schema.idColumn
        ? await evaluateWorker().temporal({ realIpc: d.ipc.slice(), syntheticIpc: syn.ipc.slice(), schema: d.schema })
        : undefined;
      if (get().report.synthetic === syn) set({ report: { status: 'done', stage: null, result: temporal ? { ...result, temporal } : result, message: null, synthetic: syn } });
    } catch (e) {
      if (get().report.synthetic === syn && get().report.status === 'running')
        set({ report: { status: 'failed', stage: null, result: null, message: message(e), synthetic: syn } });
    }
  },

  async runPrivacy() {
    const d = get().dataset;
    const syn = get().synthetic;
    if (!d || !syn) return;
    const t = get().train;
    set({ privacy: { status: 'running', stage: 'distances', result: null, message: null, synthetic: syn } });
    const onProgress = Comlink.proxy((stage: string) => {
      const r = get().privacy;
      if (r.status === 'running' && r.synthetic === syn) set({ privacy: { ...r, stage } });
    });
    try {
      const result = (await evaluateWorker().privacy(
        {
          realIpc: d.ipc.slice(),
          syntheticIpc: syn.ipc.slice(),
          schema: d.schema,
          ...(t.trainRows && t.holdoutRows ? { trainRows: t.trainRows, holdoutRows: t.holdoutRows } : {}),
          seed: get().settings.seed,
        },
        onProgress,
      )) as PrivacyReport;
      if (get().privacy.synthetic === syn) set({ privacy: { status: 'done', stage: null, result, message: null, synthetic: syn } });
    } catch (e) {
      if (get().privacy.synthetic === syn && get().privacy.status === 'running')
        set({ privacy: { status: 'failed', stage: null, result: null, message: message(e), synthetic: syn } });
    }
  },

  cancelEvaluation() {
    resetEvaluateWorker();
    const r = get().report;
    const p = get().privacy;
    set({
      report: r.status === 'running' ? { ...r, status: 'failed', message: 'The report was cancelled.' } : r,
      privacy: p.status === 'running' ? { ...p, status: 'failed', message: 'The privacy check was cancelled.' } : p,
    });
  },
}));

setTrainCrashHandler((e) => {
  const t = useStore.getState().train;
  useStore.setState({
    error: e.message,
    sampling: null,
    model: null,
    // The restarted worker holds no model: a finished one has to be trained again.
    train:
      t.status === 'training' || t.status === 'starting'
        ? { ...t, status: 'failed', message: e.message }
        : t.status === 'done'
          ? { ...t, status: 'idle', message: 'The trained model was lost when the worker restarted; train again.' }
          : t,
  });
});

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

async function loadNow(file: Blob, name: string, opts: LoadFileOptions = {}): Promise<void> {
  const set = useStore.setState;
  const get = useStore.getState;
  if (opts.missingTokens) set({ missingTokens: [...opts.missingTokens] });
  const missingTokens = get().missingTokens;
  set({ loading: { file: name, progress: null }, loadError: null });
  const onProgress = Comlink.proxy((p: IngestProgress) => {
    if (get().loading?.file === name) set({ loading: { file: name, progress: p } });
  });
  try {
    const r = await ingestWorker().load(file, name, { missingTokens, skipRaggedRows: !!opts.skipRaggedRows }, onProgress);
    if ('error' in r) {
      // The previous table stays loaded (the worker kept it too).
      set({ loadError: { file: name, message: r.error, code: r.code, lines: r.lines, }, loading: null });
      if (r.code === 'ragged-rows') pendingRagged = { file, name };
      return;
    }
    if (get().train.status === 'training') await get().cancelTraining();
    set({
      dataset: {
        name,
        ipc: r.ipc,
        schema: r.schema,
        read: r.schema,
        report: r.report,
        file,
        isSample: !!opts.isSample,
        missingTokens,
        ...(opts.skipRaggedRows ? { skipRaggedRows: true } : {}),
      },
      loading: null,
      loadError: null,
      ...resultsCleared(),
      rowsWanted: r.schema.rows,
      sequences: null,
      staticTable: null,
      staticFile: null,
      staticError: null,
      schemaNotice: null,
    });
  } catch (e) {
    set({ loadError: { file: name, message: message(e), code: 'unreadable', lines: [] }, loading: null });
    return;
  }
  if (opts.restore) await restoreSchema(opts.restore);
}

/** The worker changed the schema (an edit, or several): show it, and rebuild the per-patient summaries. */
async function schemaChanged(r: { schema: TableSchema; ipc?: Uint8Array }): Promise<void> {
  const set = useStore.setState;
  const get = useStore.getState;
  const d = get().dataset;
  if (!d) return;
  const t = get().train;
  set({ dataset: { ...d, schema: r.schema, ipc: r.ipc ?? d.ipc }, error: null, train: t.status === 'done' ? { ...t, stale: true } : t });
  if (r.schema.idColumn || get().sequences) {
    const sequences = await ingestWorker().sequences();
    const before = get().sequences;
    // In longitudinal mode the count to generate is patients (default: as many as the real table has).
    const rowsWanted = sequences
      ? !before || get().rowsWanted === before.patients || get().rowsWanted === r.schema.rows ? sequences.patients : get().rowsWanted
      : before && get().rowsWanted === before.patients ? r.schema.rows : get().rowsWanted;
    set({ sequences, rowsWanted });
  }
}

/** Apply schema edits through the worker's editor, keeping those that apply; returns why the others did not. */
async function applyEdits(edits: SchemaEdit[]): Promise<string[]> {
  if (edits.length === 0) return [];
  const r = await ingestWorker().editAll(edits);
  await schemaChanged(r);
  return r.failed.map((f) => `${describeEdit(f.edit)}: ${f.message}`);
}

/**
 * Put a schema back onto the table just read from the same file: first the file's own columns and the id and time
 * columns, then the static table joined on that id, then the static columns' settings (and a target among them).
 * What does not fit any more is kept out and listed in the page.
 */
async function restoreSchema(restore: SchemaRestore): Promise<void> {
  const get = useStore.getState;
  const d = get().dataset;
  if (!d) return;
  const problems: string[] = [];
  const base = restore.read ?? d.read;
  let missing: string[] = [];
  try {
    const first = schemaEdits(d.schema, restore.schema, base);
    problems.push(...(await applyEdits(first.edits)));
    missing = first.missing;
    const st = restore.static;
    if (st) {
      await joinStaticNow(st.file, st.name, { ...(st.skipRaggedRows ? { skipRaggedRows: true } : {}) });
      const failed = get().staticError;
      if (failed) {
        problems.push(`The static table ${st.name} could not be joined again: ${failed.message}`);
        useStore.setState({ staticError: null });
      } else {
        // Only what the first pass could not reach: the static columns, and a target among them.
        const had = new Set(d.schema.columns.map((c) => c.name));
        const second = schemaEdits(get().dataset!.schema, restore.schema, base);
        problems.push(...(await applyEdits(second.edits.filter((e) => e.column !== undefined && !had.has(e.column)))));
        missing = second.missing;
      }
    }
  } catch (e) {
    problems.push(message(e));
  }
  if (missing.length) problems.push(`${d.name} has no column ${missing.map((c) => `“${c}”`).join(', ')} now, so ${missing.length === 1 ? 'its settings were' : 'their settings were'} not put back.`);
  if (problems.length)
    useStore.setState({
      schemaNotice: {
        title:
          restore.after === 'reload'
            ? 'Some column settings from before the reload could not be put back'
            : 'Some column settings could not be kept when the file was read again',
        problems,
      },
    });
}

/** The last static file that failed on ragged rows, for "skip these rows". */
let pendingStaticRagged: { file: Blob; name: string } | null = null;

export function skipRaggedStaticRows(): Promise<void> {
  const p = pendingStaticRagged;
  if (!p) return Promise.resolve();
  pendingStaticRagged = null;
  return useStore.getState().addStaticTable(p.file, p.name, { skipRaggedRows: true });
}

/**
 * The worker's table gained or lost the static columns: same patients and visits, other columns. `dropped` and
 * `added` name them, so the schema as read follows (the static columns as the join made them, before any edit).
 */
async function tableReplaced(r: LoadedDataset, dropped: readonly string[], added: readonly string[], also: Partial<State>): Promise<void> {
  const get = useStore.getState;
  const d = get().dataset;
  if (!d) return;
  if (get().train.status === 'training' || get().train.status === 'starting') await get().cancelTraining();
  const gone = new Set(dropped);
  const fresh = new Set(added);
  const read: TableSchema = {
    ...d.read,
    columns: [...d.read.columns.filter((c) => !gone.has(c.name) && !fresh.has(c.name)), ...r.schema.columns.filter((c) => fresh.has(c.name))],
  };
  useStore.setState({ dataset: { ...d, ipc: r.ipc, schema: r.schema, read }, ...resultsCleared(), error: null, ...also });
  useStore.setState({ sequences: await ingestWorker().sequences() });
}

async function joinStaticNow(file: Blob, name: string, opts: { skipRaggedRows?: boolean }): Promise<void> {
  const set = useStore.setState;
  const get = useStore.getState;
  const d = get().dataset;
  if (!d) return;
  set({ staticLoading: { file: name, progress: null }, staticError: null });
  const onProgress = Comlink.proxy((p: IngestProgress) => {
    if (get().staticLoading?.file === name) set({ staticLoading: { file: name, progress: p } });
  });
  try {
    const r = await ingestWorker().addStatic(file, name, d.name, { missingTokens: get().missingTokens, skipRaggedRows: !!opts.skipRaggedRows }, onProgress);
    if ('error' in r) {
      // The worker kept the table it had: the page keeps showing it.
      set({ staticError: { file: name, message: r.error, code: r.code, lines: r.lines }, staticLoading: null });
      if (r.code === 'ragged-rows') pendingStaticRagged = { file, name };
      return;
    }
    await tableReplaced(r, get().staticTable?.columns ?? [], r.summary.columns, {
      staticTable: r.summary,
      staticFile: { file, name, ...(opts.skipRaggedRows ? { skipRaggedRows: true } : {}) },
      staticLoading: null,
    });
  } catch (e) {
    set({ staticError: { file: name, message: message(e), code: 'unreadable', lines: [] }, staticLoading: null });
  }
}

/** Loads run one after another (see loadFile); the sample never replaces a file the user asked for. */
let loadChain: Promise<void> = Promise.resolve();
let userLoads = 0;

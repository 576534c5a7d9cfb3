/**
 * Keep the page's session on this machine: whenever the store's dataset, settings, trained model, synthetic
 * table or reports change, write them to IndexedDB (LocalSession); on start, put them back before the first render so
 * a reload (or a crashed tab) lands where the user was. Works against the store's public actions only
 * (loadFile, setSettings) so the workers are re-fed exactly as on a normal load: the file is read again (with the
 * same missing-value tokens), then the saved schema's edits are replayed through the schema editor's path, and a
 * static per-patient file is joined again once the patient id column is marked.
 */
import type { ModelFile } from '../core/longitudinal/generator';
import type { TableSchema } from '../core/schema/types';
import { forgetEverything, LocalSession, type StoredDataset, type StoredModel } from './persistence';

/** A per-patient (static) CSV joined onto the long table on the patient id. */
export interface StaticFile {
  file: Blob;
  name: string;
  skipRaggedRows?: boolean;
}

/** A schema to put back onto a table read again from the same file. */
export interface SchemaRestore {
  /** The schema the user had: kinds, use, bounds, privacy roles, id, time and target columns. */
  schema: TableSchema;
  /** The schema that one was edited from (the file as read then); only what differs from it is replayed. */
  read?: TableSchema;
  /** The static table joined then, joined again after the id column is marked. */
  static?: StaticFile | null;
  /** What read the file again, for the page's notice. */
  after: 'reload' | 'reread';
}

/** The parts of the UI store (src/ui/store.ts) this module reads and calls. */
export interface SyncedState {
  dataset: {
    name: string;
    ipc: Uint8Array;
    schema: TableSchema;
    read: TableSchema;
    file: Blob;
    isSample: boolean;
    missingTokens: string[];
    skipRaggedRows?: boolean;
  } | null;
  staticFile: StaticFile | null;
  settings: object;
  train: { status: string; trainRows?: Int32Array | null; holdoutRows?: Int32Array | null };
  synthetic: object | null;
  report: { status: string; result: unknown; synthetic: unknown };
  privacy: { status: string; result: unknown; synthetic: unknown };
  loadFile(file: Blob, name: string, opts?: { isSample?: boolean; skipRaggedRows?: boolean; missingTokens?: string[]; restore?: SchemaRestore }): Promise<void>;
  setSettings(patch: never): void;
  /** Put back the last synthetic table and the reports computed for it. */
  restoreResults(saved: SavedResults): Promise<void>;
}

/** The last synthetic table and the reports computed for it (a report of an older table is not kept). */
export interface SavedResults {
  synthetic: object;
  report?: unknown;
  privacy?: unknown;
}

export interface SyncedStore<S extends SyncedState> {
  getState(): S;
  subscribe(listener: (state: S, prev: S) => void): () => void;
}

interface StoredSource {
  file: Blob;
  isSample: boolean;
  /** How it was read (absent in sessions saved before these were kept: the defaults then). */
  missingTokens?: string[];
  skipRaggedRows?: boolean;
}

const DATASET_ID = 'current';
/** Keys beside the dataset: the file, the joined static file, the schema as read (before edits). */
const SOURCE_KEY = `${DATASET_ID}:source`;
const STATIC_KEY = `${DATASET_ID}:static`;
const READ_SCHEMA_ID = `${DATASET_ID}:read`;
const MODEL_ID = 'current';
const RESULTS_ID = 'current';

let session: LocalSession | null = null;
let unsubscribe: (() => void) | null = null;
let restoredFlag = false;

export function localSession(): LocalSession | null {
  return session;
}

/** Did this page start from a saved session? */
export function wasRestored(): boolean {
  return restoredFlag;
}

/**
 * Restore the saved session into the store (awaited before first render), then keep saving.
 * `saveModel` returns the trained generator's model file (e.g. () => trainWorker().save()); `restoreModel`
 * puts a stored one back into the training worker, so Generate works after a reload without training again.
 * Returns whether anything was restored. Never throws: persistence is a convenience, not a gate.
 */
export async function startSessionSync<S extends SyncedState>(
  store: SyncedStore<S>,
  opts: {
    saveModel?: () => Promise<ModelFile>;
    restoreModel?: (model: ModelFile, split?: StoredModel['split']) => Promise<void>;
    dbName?: string;
    /** An already open session (tests). */
    session?: LocalSession;
  } = {},
): Promise<boolean> {
  try {
    session = opts.session ?? (await LocalSession.open(opts.dbName));
  } catch {
    return false;
  }
  const s = session;
  let restored = false;
  try {
    const settings = await s.loadSettings();
    if (settings.train && typeof settings.train === 'object') store.getState().setSettings(settings.train as never);
    const ptr = await s.loadSession();
    const ds = ptr?.datasetId ? await s.loadDataset(ptr.datasetId) : undefined;
    const src = ptr?.datasetId ? await s.kv.get<StoredSource>('datasets', SOURCE_KEY) : undefined;
    if (ds && src?.file) {
      const schema = await s.loadSchema(DATASET_ID);
      const read = await s.loadSchema(READ_SCHEMA_ID);
      const joined = await s.kv.get<StaticFile>('datasets', STATIC_KEY);
      // Read the file as it was read, then put the schema edits (id and time columns included) and the static table back.
      await store.getState().loadFile(src.file, ds.name, {
        isSample: src.isSample,
        ...(src.skipRaggedRows ? { skipRaggedRows: true } : {}),
        ...(src.missingTokens ? { missingTokens: src.missingTokens } : {}),
        ...(schema ? { restore: { schema, ...(read ? { read } : {}), static: joined?.file ? joined : null, after: 'reload' as const } } : {}),
      });
      restored = !!store.getState().dataset;
    }
    const stored = ptr?.modelId ? await s.loadModel(ptr.modelId) : undefined;
    if (stored?.model && opts.restoreModel) {
      await opts.restoreModel(stored.model, stored.split);
      const results = (await s.loadReport(RESULTS_ID))?.report as SavedResults | undefined;
      if (results?.synthetic) await store.getState().restoreResults(results);
    }
  } catch {
    // A broken store must not keep the app from starting.
  }
  restoredFlag = restored;

  let lastDataset: unknown = store.getState().dataset;
  let lastStatic: unknown = store.getState().staticFile;
  let lastSettings: unknown = store.getState().settings;
  let lastStatus = store.getState().train.status;
  let lastResults: unknown[] = [];
  let chain = Promise.resolve();
  const queue = (f: () => Promise<void>) => {
    chain = chain.then(f).catch(() => undefined);
  };
  unsubscribe = store.subscribe((state) => {
    // Before the dataset's own write, so a saved schema with static columns finds its static file.
    if (state.staticFile !== lastStatic) {
      lastStatic = state.staticFile;
      const f = state.staticFile;
      queue(async () => {
        if (f) await s.kv.put('datasets', STATIC_KEY, { file: f.file, name: f.name, ...(f.skipRaggedRows ? { skipRaggedRows: true } : {}) } satisfies StaticFile);
        else await s.kv.delete('datasets', STATIC_KEY);
      });
    }
    if (state.dataset !== lastDataset) {
      lastDataset = state.dataset;
      const d = state.dataset;
      if (d) {
        const stored: StoredDataset = { id: DATASET_ID, name: d.name, ipc: d.ipc, rows: d.schema.rows, columns: d.schema.columns.length, savedAt: Date.now() };
        const source: StoredSource = { file: d.file, isSample: d.isSample, missingTokens: d.missingTokens, ...(d.skipRaggedRows ? { skipRaggedRows: true } : {}) };
        queue(async () => {
          await s.saveDataset(stored);
          await s.kv.put('datasets', SOURCE_KEY, source);
          await s.saveSchema(DATASET_ID, d.schema);
          await s.saveSchema(READ_SCHEMA_ID, d.read);
          await s.saveSession({ datasetId: DATASET_ID });
        });
      }
    }
    if (state.settings !== lastSettings) {
      lastSettings = state.settings;
      const settings = state.settings;
      queue(() => s.saveSetting('train', settings));
    }
    if (state.train.status !== lastStatus) {
      lastStatus = state.train.status;
      if (state.train.status === 'done' && opts.saveModel) {
        const save = opts.saveModel;
        const { trainRows, holdoutRows } = state.train;
        const split = trainRows && holdoutRows ? { train: trainRows, holdout: holdoutRows } : undefined;
        queue(async () => {
          const model = await save();
          await s.saveModel({ id: MODEL_ID, datasetId: DATASET_ID, model, ...(split ? { split } : {}), savedAt: Date.now() });
          await s.saveSession({ modelId: MODEL_ID });
        });
      }
    }
    const results = [state.synthetic, state.report.status, state.report.synthetic, state.privacy.status, state.privacy.synthetic];
    if (results.some((x, i) => x !== lastResults[i])) {
      lastResults = results;
      const syn = state.synthetic;
      const doneFor = (e: SyncedState['report']) => (e.status === 'done' && e.synthetic === syn ? e.result : undefined);
      const saved: SavedResults | null = syn ? { synthetic: syn, report: doneFor(state.report), privacy: doneFor(state.privacy) } : null;
      queue(async () => {
        if (saved) await s.saveReport({ id: RESULTS_ID, modelId: MODEL_ID, report: saved, savedAt: Date.now() });
        else await s.kv.delete('reports', RESULTS_ID);
      });
    }
  });
  return restored;
}

/** Wait until every queued write has landed (tests, and before a wipe). */
export async function flushSessionSync(): Promise<void> {
  await new Promise((r) => setTimeout(r, 0));
}

/** "Forget everything on this machine": stop saving, wipe all local data, reload to a clean page. */
export async function forgetEverythingAndReload(): Promise<void> {
  unsubscribe?.();
  unsubscribe = null;
  const s = session;
  session = null;
  await forgetEverything(s ?? undefined);
  (globalThis as { location?: Location }).location?.reload();
}

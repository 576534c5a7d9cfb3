/**
 * Keep the page's session on this machine: whenever the store's dataset, settings or trained model
 * change, write them to IndexedDB (LocalSession); on start, put them back before the first render so
 * a reload (or a crashed tab) lands where the user was. Works against the store's public actions only
 * (loadFile, setSettings) so the workers are re-fed exactly as on a normal load.
 */
import type { ModelFile } from '../core/longitudinal/generator';
import type { TableSchema } from '../core/schema/types';
import { forgetEverything, LocalSession, type StoredDataset } from './persistence';

/** The parts of the UI store (src/ui/store.ts) this module reads and calls. */
export interface SyncedState {
  dataset: { name: string; ipc: Uint8Array; schema: TableSchema; file: Blob; isSample: boolean } | null;
  settings: object;
  train: { status: string };
  loadFile(file: Blob, name: string, opts?: { isSample?: boolean }): Promise<void>;
  setSettings(patch: never): void;
}

export interface SyncedStore<S extends SyncedState> {
  getState(): S;
  subscribe(listener: (state: S, prev: S) => void): () => void;
}

interface StoredSource {
  file: Blob;
  isSample: boolean;
}

const DATASET_ID = 'current';
const MODEL_ID = 'current';

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
  opts: { saveModel?: () => Promise<ModelFile>; restoreModel?: (model: ModelFile) => Promise<void>; dbName?: string } = {},
): Promise<boolean> {
  try {
    session = await LocalSession.open(opts.dbName);
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
    const src = ptr?.datasetId ? await s.kv.get<StoredSource>('datasets', `${ptr.datasetId}:source`) : undefined;
    if (ds && src?.file) {
      await store.getState().loadFile(src.file, ds.name, { isSample: src.isSample });
      restored = true;
    }
    const stored = ptr?.modelId ? await s.loadModel(ptr.modelId) : undefined;
    if (stored?.model && opts.restoreModel) await opts.restoreModel(stored.model).catch(() => undefined);
  } catch {
    // A broken store must not keep the app from starting.
  }
  restoredFlag = restored;

  let lastDataset: unknown = store.getState().dataset;
  let lastSettings: unknown = store.getState().settings;
  let lastStatus = store.getState().train.status;
  let chain = Promise.resolve();
  const queue = (f: () => Promise<void>) => {
    chain = chain.then(f).catch(() => undefined);
  };
  unsubscribe = store.subscribe((state) => {
    if (state.dataset !== lastDataset) {
      lastDataset = state.dataset;
      const d = state.dataset;
      if (d) {
        const stored: StoredDataset = { id: DATASET_ID, name: d.name, ipc: d.ipc, rows: d.schema.rows, columns: d.schema.columns.length, savedAt: Date.now() };
        queue(async () => {
          await s.saveDataset(stored);
          await s.kv.put('datasets', `${DATASET_ID}:source`, { file: d.file, isSample: d.isSample } satisfies StoredSource);
          await s.saveSchema(DATASET_ID, d.schema);
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
        queue(async () => {
          const model = await save();
          await s.saveModel({ id: MODEL_ID, datasetId: DATASET_ID, model, savedAt: Date.now() });
          await s.saveSession({ modelId: MODEL_ID });
        });
      }
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

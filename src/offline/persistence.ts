/**
 * The session kept on this machine: datasets (Arrow IPC bytes), schemas, trained models (SavedModel
 * JSON — weights and encoding, never rows), reports, settings, training checkpoints, and which of
 * them is current. Everything lives in IndexedDB under one database so "Forget everything on this
 * machine" is one call.
 */
import type { TableSchema } from '../core/schema/types';
import type { SavedModel } from '../core/models/types';
import type { ModelFile } from '../core/longitudinal/generator';
import { DB_NAME, deleteIndexedDb, openKV, type KV } from './kv';

export interface StoredDataset {
  id: string;
  /** File name as the user dropped it. */
  name: string;
  /** Arrow IPC stream bytes of the ingested table. */
  ipc: Uint8Array;
  rows: number;
  columns: number;
  savedAt: number;
}

export interface StoredModel {
  id: string;
  datasetId?: string;
  model: ModelFile;
  /** Rows trained on and held back (indices into the stored dataset), so privacy checks still work after a reload. */
  split?: { train: Int32Array; holdout: Int32Array };
  savedAt: number;
}

export interface StoredReport {
  id: string;
  modelId?: string;
  report: unknown;
  savedAt: number;
}

/** Pointers to the current things, so a reload lands where the user was. */
export interface SessionPointer {
  datasetId?: string;
  modelId?: string;
  reportId?: string;
  /** UI step/tab to reopen. */
  view?: string;
  updatedAt: number;
}

export interface Checkpoint {
  runId: string;
  datasetId?: string;
  /** Epoch just completed (1-based) of `epochs`. */
  epoch: number;
  epochs: number;
  /** The generator saved at that epoch (weights + encoding; never rows). */
  model: SavedModel;
  /** Settings the run started with, to resume with the same ones. */
  settings: Record<string, unknown>;
  savedAt: number;
}

const SESSION_KEY = 'current';
const LATEST_CHECKPOINT = 'latest';
/** localStorage/sessionStorage keys the app may use; wiped with the database. */
export const LOCAL_STORAGE_PREFIX = 'doppel';

export class LocalSession {
  private constructor(readonly kv: KV) {}

  static async open(name = DB_NAME): Promise<LocalSession> {
    return new LocalSession(await openKV(name));
  }

  /** For tests and for an injected store. */
  static withKV(kv: KV): LocalSession {
    return new LocalSession(kv);
  }

  /** false when the browser refused IndexedDB: the session works but is lost on reload. */
  get persistent(): boolean {
    return this.kv.persistent;
  }

  async saveDataset(d: StoredDataset): Promise<void> {
    await this.kv.put('datasets', d.id, d);
  }
  loadDataset(id: string): Promise<StoredDataset | undefined> {
    return this.kv.get('datasets', id);
  }
  async saveSchema(id: string, schema: TableSchema): Promise<void> {
    await this.kv.put('schemas', id, schema);
  }
  loadSchema(id: string): Promise<TableSchema | undefined> {
    return this.kv.get('schemas', id);
  }
  async saveModel(m: StoredModel): Promise<void> {
    await this.kv.put('models', m.id, m);
  }
  loadModel(id: string): Promise<StoredModel | undefined> {
    return this.kv.get('models', id);
  }
  async saveReport(r: StoredReport): Promise<void> {
    await this.kv.put('reports', r.id, r);
  }
  loadReport(id: string): Promise<StoredReport | undefined> {
    return this.kv.get('reports', id);
  }
  async saveSetting(key: string, value: unknown): Promise<void> {
    await this.kv.put('settings', key, value);
  }
  async loadSettings(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const k of await this.kv.keys('settings')) out[k] = await this.kv.get('settings', k);
    return out;
  }
  async saveSession(p: Omit<SessionPointer, 'updatedAt'>): Promise<void> {
    const prev = (await this.kv.get<SessionPointer>('session', SESSION_KEY)) ?? { updatedAt: 0 };
    await this.kv.put('session', SESSION_KEY, { ...prev, ...p, updatedAt: Date.now() });
  }
  loadSession(): Promise<SessionPointer | undefined> {
    return this.kv.get('session', SESSION_KEY);
  }

  /** Everything a reload needs, in one call; missing pieces are undefined. */
  async restore(): Promise<{
    session?: SessionPointer;
    dataset?: StoredDataset;
    schema?: TableSchema;
    model?: StoredModel;
    report?: StoredReport;
    settings: Record<string, unknown>;
    checkpoint?: Checkpoint;
  }> {
    const session = await this.loadSession();
    const settings = await this.loadSettings();
    const checkpoint = await this.latestCheckpoint();
    if (!session) return { settings, checkpoint };
    return {
      session,
      dataset: session.datasetId ? await this.loadDataset(session.datasetId) : undefined,
      schema: session.datasetId ? await this.loadSchema(session.datasetId) : undefined,
      model: session.modelId ? await this.loadModel(session.modelId) : undefined,
      report: session.reportId ? await this.loadReport(session.reportId) : undefined,
      settings,
      checkpoint,
    };
  }

  /** Called after every epoch: overwrite the run's checkpoint (one per run is enough to resume). */
  async saveCheckpoint(c: Checkpoint): Promise<void> {
    await this.kv.put('checkpoints', c.runId, c);
    await this.kv.put('checkpoints', LATEST_CHECKPOINT, c.runId);
  }
  async latestCheckpoint(): Promise<Checkpoint | undefined> {
    const runId = await this.kv.get<string>('checkpoints', LATEST_CHECKPOINT);
    return runId ? this.kv.get<Checkpoint>('checkpoints', runId) : undefined;
  }
  /** A run that finished (or was discarded) leaves no checkpoint to resume. */
  async clearCheckpoint(runId: string): Promise<void> {
    await this.kv.delete('checkpoints', runId);
    if ((await this.kv.get<string>('checkpoints', LATEST_CHECKPOINT)) === runId) await this.kv.delete('checkpoints', LATEST_CHECKPOINT);
  }

  close(): void {
    this.kv.close();
  }
}

/**
 * "Forget everything on this machine": delete the database, the OPFS files, the app's localStorage
 * and sessionStorage keys. The service worker's cache holds only the app's own code (never data), so
 * it stays and the app keeps working offline.
 */
export async function forgetEverything(session?: LocalSession, name = DB_NAME): Promise<void> {
  if (session) {
    // Clear first so the data is gone even if deleteDatabase stays blocked by another open tab.
    for (const s of ['datasets', 'schemas', 'models', 'reports', 'settings', 'checkpoints', 'session'] as const) await session.kv.clear(s);
    session.close();
  }
  await deleteIndexedDb(name);
  const nav = (globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<FileSystemDirectoryHandle> } } }).navigator;
  try {
    const root = await nav?.storage?.getDirectory?.();
    if (root) {
      const names: string[] = [];
      for await (const key of (root as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
      for (const n of names) await root.removeEntry(n, { recursive: true });
    }
  } catch {
    // OPFS absent or not permitted (file://): nothing stored there.
  }
  for (const store of [globalThis.localStorage, globalThis.sessionStorage]) {
    try {
      if (!store) continue;
      for (const k of Object.keys(store)) if (k.startsWith(LOCAL_STORAGE_PREFIX)) store.removeItem(k);
    } catch {
      // storage blocked
    }
  }
}

/** Ask the browser not to evict our data under storage pressure (best effort). */
export async function requestPersistentStorage(): Promise<boolean> {
  const storage = (globalThis as { navigator?: { storage?: { persist?: () => Promise<boolean> } } }).navigator?.storage;
  try {
    return (await storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}

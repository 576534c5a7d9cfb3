/**
 * A tiny promise key-value layer over IndexedDB (one object store per kind of thing), with an in-memory
 * twin for Node tests and for browsers where IndexedDB is blocked (private mode, file:// in some
 * browsers) — then nothing persists, and `persistent` says so.
 */

export const STORES = ['datasets', 'schemas', 'models', 'reports', 'settings', 'checkpoints', 'session'] as const;
export type StoreName = (typeof STORES)[number];

export interface KV {
  readonly persistent: boolean;
  get<T>(store: StoreName, key: string): Promise<T | undefined>;
  put(store: StoreName, key: string, value: unknown): Promise<void>;
  delete(store: StoreName, key: string): Promise<void>;
  keys(store: StoreName): Promise<string[]>;
  clear(store: StoreName): Promise<void>;
  close(): void;
}

export const DB_NAME = 'doppel';
const DB_VERSION = 1;

export function memoryKV(): KV {
  const maps = new Map<StoreName, Map<string, unknown>>(STORES.map((s) => [s, new Map()]));
  return {
    persistent: false,
    async get<T>(s: StoreName, k: string) {
      return structuredClone(maps.get(s)!.get(k)) as T | undefined;
    },
    async put(s, k, v) {
      maps.get(s)!.set(k, structuredClone(v));
    },
    async delete(s, k) {
      maps.get(s)!.delete(k);
    },
    async keys(s) {
      return [...maps.get(s)!.keys()].sort();
    },
    async clear(s) {
      maps.get(s)!.clear();
    },
    close() {},
  };
}

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

export async function openIndexedDbKV(name = DB_NAME, factory: IDBFactory = globalThis.indexedDB): Promise<KV> {
  const open = factory.open(name, DB_VERSION);
  open.onupgradeneeded = () => {
    for (const s of STORES) if (!open.result.objectStoreNames.contains(s)) open.result.createObjectStore(s);
  };
  const db = await req(open);
  // Another tab deleting the database ("Forget everything") must not be blocked by us.
  db.onversionchange = () => db.close();
  const run = async <T>(s: StoreName, mode: IDBTransactionMode, f: (os: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const tx = db.transaction(s, mode);
    const result = req(f(tx.objectStore(s)));
    await done(tx);
    return result;
  };
  return {
    persistent: true,
    get: <T>(s: StoreName, k: string) => run(s, 'readonly', (os) => os.get(k)) as Promise<T | undefined>,
    put: async (s, k, v) => {
      await run(s, 'readwrite', (os) => os.put(v, k));
    },
    delete: async (s, k) => {
      await run(s, 'readwrite', (os) => os.delete(k));
    },
    keys: async (s) => ((await run(s, 'readonly', (os) => os.getAllKeys())) as IDBValidKey[]).map(String).sort(),
    clear: async (s) => {
      await run(s, 'readwrite', (os) => os.clear());
    },
    close: () => db.close(),
  };
}

/** IndexedDB when the browser allows it, else memory (nothing persists; the UI can say so). */
export async function openKV(name = DB_NAME): Promise<KV> {
  if (typeof globalThis.indexedDB === 'undefined') return memoryKV();
  try {
    return await openIndexedDbKV(name);
  } catch {
    return memoryKV();
  }
}

export async function deleteIndexedDb(name = DB_NAME, factory: IDBFactory | undefined = globalThis.indexedDB): Promise<void> {
  if (!factory) return;
  await new Promise<void>((resolve, reject) => {
    const r = factory.deleteDatabase(name);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error ?? new Error('could not delete the local database'));
    // Blocked: another tab still has it open; it closes on versionchange, then success fires.
    r.onblocked = () => undefined;
  });
}

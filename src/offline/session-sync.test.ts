import { describe, expect, it } from 'vitest';
import { memoryKV } from './kv';
import { LocalSession } from './persistence';
import { startSessionSync, type SyncedState, type SyncedStore } from './session-sync';
import type { TableSchema } from '../core/schema/types';

const read: TableSchema = {
  rows: 2,
  columns: [
    { name: 'id', kind: 'integer', excluded: false, missing: 0, distinct: 2 },
    { name: 'day', kind: 'integer', excluded: false, missing: 0, distinct: 2 },
  ],
};
const edited: TableSchema = { ...read, idColumn: 'id', timeColumn: 'day', columns: [read.columns[0], { ...read.columns[1], sensitive: true }] };

type LoadCall = { name: string; opts: Parameters<SyncedState['loadFile']>[2] };

/** A store with the shape session-sync needs; loadFile records its call and puts the dataset it was asked for. */
function fakeStore(onLoad?: (call: LoadCall, state: SyncedState) => Partial<SyncedState>) {
  const listeners = new Set<(s: SyncedState, p: SyncedState) => void>();
  const calls: LoadCall[] = [];
  let state: SyncedState = {
    dataset: null,
    staticFile: null,
    settings: {},
    train: { status: 'idle' },
    synthetic: null,
    report: { status: 'idle', result: null, synthetic: null },
    privacy: { status: 'idle', result: null, synthetic: null },
    async loadFile(file, name, opts) {
      calls.push({ name, opts });
      if (onLoad) set(onLoad({ name, opts }, state));
    },
    setSettings() {},
    async restoreResults() {},
  };
  const set = (patch: Partial<SyncedState>) => {
    const prev = state;
    state = { ...state, ...patch };
    for (const l of listeners) l(state, prev);
  };
  const store: SyncedStore<SyncedState> = {
    getState: () => state,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { store, set, calls };
}

const settle = async (until: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await until()); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('session sync', () => {
  it('saves how the file was read, the schema as read and edited, and the static file; a reload reads it again that way and puts them back', async () => {
    const session = LocalSession.withKV(memoryKV());
    const first = fakeStore();
    await startSessionSync(first.store, { session });
    const file = new Blob(['id,day\n1,0\n1,5\n']);
    const patients = new Blob(['id,sex\n1,f\n']);
    first.set({
      dataset: { name: 'visits.csv', ipc: new Uint8Array([1]), schema: edited, read, file, isSample: false, missingTokens: ['', 'x'], skipRaggedRows: true },
      staticFile: { file: patients, name: 'patients.csv' },
    });
    await settle(async () => !!(await session.loadSession())?.datasetId);

    // Like the store: the file read again, then the static file joined again.
    const again = fakeStore((call) => ({
      dataset: { name: call.name, ipc: new Uint8Array([1]), schema: edited, read, file, isSample: false, missingTokens: call.opts?.missingTokens ?? [] },
      staticFile: call.opts?.restore?.static ?? null,
    }));
    expect(await startSessionSync(again.store, { session })).toBe(true);
    expect(again.calls).toHaveLength(1);
    const { name, opts } = again.calls[0];
    expect(name).toBe('visits.csv');
    expect(opts).toMatchObject({ isSample: false, skipRaggedRows: true, missingTokens: ['', 'x'] });
    expect(opts?.restore).toMatchObject({ schema: edited, read, after: 'reload' });
    expect(opts?.restore?.static?.name).toBe('patients.csv');
    expect(await opts?.restore?.static?.file.text()).toBe('id,sex\n1,f\n');

    // Taking the static table off forgets its file too.
    again.set({ staticFile: null });
    await settle(async () => (await session.kv.get('datasets', 'current:static')) === undefined);
    expect(await session.kv.get('datasets', 'current:static')).toBeUndefined();
  });

  it('a session saved before the schema edits were replayed still loads (no tokens, no schema as read, no static file)', async () => {
    const session = LocalSession.withKV(memoryKV());
    await session.saveDataset({ id: 'current', name: 'heart.csv', ipc: new Uint8Array([1]), rows: 2, columns: 2, savedAt: 1 });
    await session.kv.put('datasets', 'current:source', { file: new Blob(['a\n1\n']), isSample: false });
    await session.saveSchema('current', edited);
    await session.saveSession({ datasetId: 'current' });
    const s = fakeStore((call) => ({ dataset: { name: call.name, ipc: new Uint8Array([1]), schema: read, read, file: new Blob([]), isSample: false, missingTokens: [] } }));
    expect(await startSessionSync(s.store, { session })).toBe(true);
    expect(s.calls[0].opts).toEqual({ isSample: false, restore: { schema: edited, static: null, after: 'reload' } });
  });
});

import { describe, expect, it } from 'vitest';
import { memoryKV } from './kv';
import { LocalSession, type Checkpoint } from './persistence';
import type { SavedModel } from '../core/models/types';

const model = (w: number): SavedModel => ({
  format: 'doppel-model',
  version: 1,
  kind: 'tvae',
  schema: { columns: [] } as unknown as SavedModel['schema'],
  options: { epochs: 3 },
  encoder: {},
  weights: { w: { shape: [1], data: String(w) } },
});

describe('LocalSession', () => {
  it('restores dataset, schema, model, report, settings and the current pointers', async () => {
    const s = LocalSession.withKV(memoryKV());
    const ipc = new Uint8Array([1, 2, 3]);
    await s.saveDataset({ id: 'd1', name: 'heart.csv', ipc, rows: 3, columns: 2, savedAt: 1 });
    await s.saveSchema('d1', { columns: [] } as unknown as SavedModel['schema']);
    await s.saveModel({ id: 'm1', datasetId: 'd1', model: model(1), savedAt: 2 });
    await s.saveReport({ id: 'r1', modelId: 'm1', report: { score: 0.9 }, savedAt: 3 });
    await s.saveSetting('backend', 'wasm');
    await s.saveSession({ datasetId: 'd1', modelId: 'm1' });
    await s.saveSession({ reportId: 'r1', view: 'evaluate' });
    const r = await s.restore();
    expect(r.dataset?.ipc).toEqual(ipc);
    expect(r.model?.model).toMatchObject({ format: 'doppel-model', kind: 'tvae' });
    expect(r.report?.report).toEqual({ score: 0.9 });
    expect(r.settings).toEqual({ backend: 'wasm' });
    expect(r.session).toMatchObject({ datasetId: 'd1', modelId: 'm1', reportId: 'r1', view: 'evaluate' });
  });

  it('keeps the latest checkpoint per run and forgets it when the run finishes', async () => {
    const s = LocalSession.withKV(memoryKV());
    const cp = (epoch: number): Checkpoint => ({ runId: 'run1', epoch, epochs: 5, model: model(epoch), settings: { seed: 7 }, savedAt: epoch });
    await s.saveCheckpoint(cp(1));
    await s.saveCheckpoint(cp(2));
    expect((await s.latestCheckpoint())?.epoch).toBe(2);
    expect((await s.latestCheckpoint())?.model.weights.w.data).toBe('2');
    await s.clearCheckpoint('run1');
    expect(await s.latestCheckpoint()).toBeUndefined();
  });
});

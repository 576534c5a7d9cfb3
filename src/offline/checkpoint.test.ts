import { describe, expect, it } from 'vitest';
import { memoryKV } from './kv';
import { LocalSession } from './persistence';
import { resumableCheckpoint, trainingCheckpoints } from './checkpoint';
import type { SavedModel, TrainProgress } from '../core/models/types';

const gen = (epoch: { n: number }) => ({
  save: (): SavedModel => ({ format: 'doppel-model', version: 1, kind: 'tvae', schema: {} as SavedModel['schema'], options: {}, encoder: {}, weights: { w: { shape: [1], data: String(epoch.n) } } }),
});
const progress = (epoch: number, epochs = 5): TrainProgress => ({ epoch, epochs, losses: { loss: 1 }, elapsedMs: 0, etaMs: 0, backend: 'cpu' });

describe('trainingCheckpoints', () => {
  it('keeps the latest epoch of an interrupted run and drops it when the run finishes', async () => {
    const session = LocalSession.withKV(memoryKV());
    const cp = trainingCheckpoints({ epochs: 5, settings: { seed: 3 }, session, minIntervalMs: 0 });
    const state = { n: 0 };
    for (let e = 1; e <= 3; e++) {
      state.n = e;
      await cp.epoch(gen(state), progress(e));
    }
    const left = await resumableCheckpoint(session);
    expect(left?.epoch).toBe(3);
    expect(left?.model.weights.w.data).toBe('3');
    expect(left?.settings).toEqual({ seed: 3 });
    await cp.finish();
    expect(await resumableCheckpoint(session)).toBeUndefined();
  });

  it('throttles tiny epochs but always writes the last one', async () => {
    const session = LocalSession.withKV(memoryKV());
    const cp = trainingCheckpoints({ epochs: 3, settings: {}, session, minIntervalMs: 60_000 });
    const state = { n: 0 };
    for (let e = 1; e <= 3; e++) {
      state.n = e;
      await cp.epoch(gen(state), progress(e, 3));
      if (e === 2) expect((await resumableCheckpoint(session))?.epoch).toBe(1);
    }
    expect((await resumableCheckpoint(session))?.epoch).toBe(3);
  });

  it('saves the full checkpoint when the generator has one, and a continued run drops the checkpoint it replaced', async () => {
    const session = LocalSession.withKV(memoryKV());
    const first = trainingCheckpoints({ epochs: 5, settings: {}, session, minIntervalMs: 0 });
    const full = { ...gen({ n: 1 }), checkpoint: (): SavedModel => ({ ...gen({ n: 1 }).save(), weights: { w: { shape: [1], data: 'all' } } }) };
    await first.epoch(full, progress(2));
    const left = await resumableCheckpoint(session);
    expect(left?.model.weights.w.data).toBe('all');
    // The continued run (interrupted again) leaves its own; finished, it leaves neither.
    const next = trainingCheckpoints({ epochs: 5, settings: {}, session, minIntervalMs: 0, replaces: first.runId });
    await next.epoch(full, progress(3));
    expect((await resumableCheckpoint(session))?.runId).toBe(next.runId);
    await next.finish();
    expect(await resumableCheckpoint(session)).toBeUndefined();
    expect(await session.kv.get('checkpoints', first.runId)).toBeUndefined();
  });
});

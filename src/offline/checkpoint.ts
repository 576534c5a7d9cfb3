/**
 * Per-epoch training checkpoints, written from inside the training worker (IndexedDB works there),
 * so a closed or crashed tab leaves the last epoch's weights behind. Use in the worker:
 *
 *   const cp = trainingCheckpoints({ epochs, settings });
 *   await g.fit(table, schema, options, (p) => { onProgress(p); void cp.epoch(g, p); }, signal);
 *   await cp.finish();            // a finished run leaves nothing to resume
 *
 * and on the page, `resumableCheckpoint()` says whether a run was interrupted (its model file can be
 * loaded with loadGenerator to sample, or passed as FitOptions.resume to continue training).
 */
import type { SavedModel, TrainProgress } from '../core/models/types';
import { LocalSession, type Checkpoint } from './persistence';

export interface CheckpointOptions {
  epochs: number;
  settings: Record<string, unknown>;
  datasetId?: string;
  /** Skip an epoch's checkpoint if the last one is younger than this (tiny epochs); default 2 s. */
  minIntervalMs?: number;
  /** The checkpoint this run continues from: dropped with this run's own when it finishes. */
  replaces?: string;
  /** For tests: an already open session. */
  session?: LocalSession;
}

export interface TrainingCheckpoints {
  readonly runId: string;
  /** Save the generator after an epoch (never throws; a failed write is skipped). */
  epoch(generator: { save(): SavedModel; checkpoint?(): SavedModel }, progress: TrainProgress): Promise<void>;
  /** The run finished or was cancelled on purpose: drop its checkpoint. */
  finish(): Promise<void>;
}

function newRunId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID?.() ?? `run-${Date.now()}`;
}

export function trainingCheckpoints(opts: CheckpointOptions): TrainingCheckpoints {
  const runId = newRunId();
  const minInterval = opts.minIntervalMs ?? 2000;
  let session: Promise<LocalSession | null> | null = null;
  const open = () => (session ??= opts.session ? Promise.resolve(opts.session) : LocalSession.open().catch(() => null));
  let last = -Infinity;
  let writing: Promise<void> = Promise.resolve();
  return {
    runId,
    async epoch(generator, p) {
      const now = Date.now();
      const lastEpoch = p.epoch >= p.epochs;
      if (!lastEpoch && now - last < minInterval) return;
      last = now;
      let model: SavedModel;
      try {
        model = generator.checkpoint?.() ?? generator.save();
      } catch {
        return;
      }
      const cp: Checkpoint = { runId, datasetId: opts.datasetId, epoch: p.epoch, epochs: opts.epochs, model, settings: opts.settings, savedAt: now };
      writing = writing.then(async () => {
        const s = await open();
        await s?.saveCheckpoint(cp).catch(() => undefined);
      });
      await writing;
    },
    async finish() {
      await writing;
      const s = await open();
      await s?.clearCheckpoint(runId).catch(() => undefined);
      if (opts.replaces) await s?.clearCheckpoint(opts.replaces).catch(() => undefined);
    },
  };
}

/** The checkpoint an interrupted run left behind, if any. */
export async function resumableCheckpoint(session?: LocalSession): Promise<Checkpoint | undefined> {
  try {
    const s = session ?? (await LocalSession.open());
    return await s.latestCheckpoint();
  } catch {
    return undefined;
  }
}

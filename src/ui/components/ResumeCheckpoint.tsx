/**
 * "Nothing lost" (issue 8): a training run interrupted by a closed or crashed tab leaves its last
 * checkpoint in IndexedDB; this offers to load it into the training worker so the user can generate
 * without training again.
 */
import { useEffect, useState } from 'react';
import { resumableCheckpoint } from '../../offline/checkpoint';
import type { Checkpoint } from '../../offline/persistence';
import { useStore } from '../store';
import { trainCall } from '../workers';
import { int } from '../format';

export function ResumeCheckpoint() {
  const [cp, setCp] = useState<Checkpoint | null>(null);
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const status = useStore((s) => s.train.status);
  const backend = useStore((s) => s.settings.backend);
  useEffect(() => {
    // Look again whenever training stops: a finished run clears its checkpoint, a crash leaves it.
    if (status === 'training' || status === 'starting') return;
    let live = true;
    void resumableCheckpoint().then((c) => live && setCp(c ?? null));
    return () => {
      live = false;
    };
  }, [status]);
  if (!cp || status === 'training' || status === 'starting') return null;
  const resume = async () => {
    setBusy(true);
    try {
      const r = await trainCall((w) => w.loadModel(cp.model, backend));
      const name = `the checkpoint saved at epoch ${cp.epoch} of ${cp.epochs}`;
      useStore.setState((s) => ({ model: { kind: r.kind, schema: r.schema, source: 'file', name }, synthetic: null, rowsWanted: s.rowsWanted ?? r.schema.rows, error: null }));
      setLoaded(true);
    } catch (e) {
      useStore.setState({ error: `The checkpoint could not be loaded: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="notes" role="status" data-testid="checkpoint">
      <p>
        An earlier training run stopped before it finished (epoch <strong data-testid="checkpoint-epoch">{int(cp.epoch)}</strong> of {int(cp.epochs)}, saved{' '}
        {new Date(cp.savedAt).toLocaleString()}
        {typeof cp.settings.kind === 'string' ? `, ${cp.settings.kind}` : ''}). Its weights were kept on this machine.
      </p>
      <button type="button" className="secondary" data-testid="resume-checkpoint" disabled={busy || loaded} onClick={() => void resume()}>
        {loaded ? 'Checkpoint loaded: generate in step 4' : busy ? 'Loading…' : 'Resume from checkpoint'}
      </button>
    </div>
  );
}

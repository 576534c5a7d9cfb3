/**
 * "Nothing lost" (issue 8): a training run interrupted by a closed or crashed tab leaves its last
 * checkpoint in IndexedDB; this offers to continue training from it (same table, same settings) or to
 * load it into the training worker so the user can generate without training again.
 */
import { useEffect, useState } from 'react';
import { resumableCheckpoint } from '../../offline/checkpoint';
import { sameColumns } from '../../core/schema/types';
import type { Checkpoint } from '../../offline/persistence';
import { useStore } from '../store';
import { int } from '../format';

export function ResumeCheckpoint() {
  const [cp, setCp] = useState<Checkpoint | null>(null);
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const status = useStore((s) => s.train.status);
  const dataset = useStore((s) => s.dataset);
  const startTraining = useStore((s) => s.startTraining);
  const adoptModel = useStore((s) => s.adoptModel);
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
  // Training goes on only over the same columns; a DP run's receipt could not count the epochs already spent.
  const sameTable = !!dataset && sameColumns(dataset.schema, cp.model.schema);
  const continuable = sameTable && !cp.settings.privacy && cp.epoch < cp.epochs;
  const whyNot = cp.settings.privacy
    ? 'A differentially private run cannot be continued (its privacy receipt would not count the epochs already spent); generate from it or train anew.'
    : !sameTable
      ? 'To continue training, load the table this run was trained on (same columns, kinds and exclusions).'
      : 'This run had finished its epochs.';
  const resume = async () => {
    setBusy(true);
    try {
      await adoptModel(cp.model, `the checkpoint saved at epoch ${cp.epoch} of ${cp.epochs}`);
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
      {continuable ? (
        <button type="button" data-testid="continue-training" disabled={busy} onClick={() => void startTraining(cp)}>
          Continue training from epoch {int(cp.epoch)}
        </button>
      ) : (
        <p data-testid="continue-why">{whyNot}</p>
      )}{' '}
      <button type="button" className="secondary" data-testid="resume-checkpoint" disabled={busy || loaded} onClick={() => void resume()}>
        {loaded ? 'Checkpoint loaded: generate in step 4' : busy ? 'Loading…' : 'Generate from this checkpoint'}
      </button>
    </div>
  );
}

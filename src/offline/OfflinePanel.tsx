/**
 * "This machine" card: where the session is kept, whether the app is ready offline, and the
 * "Forget everything on this machine" wipe (two steps, so it is never a slip of the keyboard).
 * Plus <MemoryWarning>, shown before a run the machine probably cannot hold.
 */
import { useEffect, useState } from 'react';
import { estimateRunMemory, type RunModel } from './memory';
import { forgetEverythingAndReload, localSession, wasRestored } from './session-sync';

function useOfflineReady(): string {
  const [text, setText] = useState('');
  useEffect(() => {
    const g = globalThis as { location?: Location; navigator?: Navigator };
    if (g.location?.protocol === 'file:') {
      setText('Running from a single file: no server, works without a network.');
      return;
    }
    const sw = g.navigator?.serviceWorker;
    if (!sw) return;
    let live = true;
    void sw.ready.then(() => live && setText('Ready to work offline: the app is saved on this computer.'));
    return () => {
      live = false;
    };
  }, []);
  return text;
}

export function OfflinePanel() {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const offline = useOfflineReady();
  const persistent = localSession()?.persistent ?? false;
  return (
    <section className="card" aria-labelledby="machine-heading" data-testid="machine-panel">
      <h2 id="machine-heading">This computer</h2>
      <p className="muted" data-testid="storage-status">
        {persistent
          ? `Your table, settings and trained model are kept in this browser only (IndexedDB), so a reload picks up where you left off.${wasRestored() ? ' Your last session was restored.' : ''}`
          : 'This browser does not allow local storage here, so nothing is kept after you close the page.'}
      </p>
      {offline && (
        <p className="muted" data-testid="offline-status">
          {offline}
        </p>
      )}
      {!confirming ? (
        <button type="button" className="secondary" data-testid="forget-everything" onClick={() => setConfirming(true)}>
          Forget everything on this machine
        </button>
      ) : (
        <div role="group" aria-labelledby="forget-question">
          <p id="forget-question">Delete every table, schema, model, report, setting and checkpoint this app saved in this browser?</p>
          <button
            type="button"
            className="primary"
            data-testid="forget-confirm"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void forgetEverythingAndReload();
            }}
          >
            Yes, forget everything
          </button>{' '}
          <button type="button" className="secondary" data-testid="forget-cancel" onClick={() => setConfirming(false)}>
            Keep my data
          </button>
        </div>
      )}
    </section>
  );
}

/** A warning before training when the estimated memory exceeds what this browser can give the tab. */
export function MemoryWarning(props: { rows: number; encodedWidth: number; columns?: number; model: RunModel; batch: number }) {
  const est = estimateRunMemory(props.rows, props.encodedWidth, props.model, props.batch, { columns: props.columns });
  if (!est.warning) return null;
  return (
    <p className="alert" role="alert" data-testid="memory-warning">
      {est.warning}
    </p>
  );
}

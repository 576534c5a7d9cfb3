/** Step 4: sample any number of rows in chunks (in the worker) and save them as CSV. */
import { downloadBytes, useStore } from '../store';
import { int } from '../format';

export function DownloadSection() {
  const dataset = useStore((s) => s.dataset);
  const train = useStore((s) => s.train);
  const rows = useStore((s) => s.rowsWanted);
  const setRows = useStore((s) => s.setRowsWanted);
  const generate = useStore((s) => s.generate);
  const sampling = useStore((s) => s.sampling);
  const synthetic = useStore((s) => s.synthetic);
  if (!dataset) return null;
  const ready = train.status === 'done';
  return (
    <section className="card" aria-labelledby="download-heading">
      <h2 id="download-heading">
        <span className="step">4</span> Generate and download
      </h2>
      {!ready && <p className="muted">Train a generator first.</p>}
      <div className="row gap wrap">
        <div className="field">
          <label htmlFor="rows">Synthetic rows</label>
          <input
            id="rows"
            data-testid="rows"
            type="number"
            min={1}
            step={1}
            value={rows ?? ''}
            onChange={(e) => setRows(e.target.value === '' ? null : Math.max(1, Math.floor(Number(e.target.value))))}
          />
        </div>
        <button type="button" className="primary" data-testid="generate" disabled={!ready || !!sampling} onClick={() => void generate()}>
          Generate synthetic rows
        </button>
        {synthetic && (
          <button type="button" className="primary" data-testid="download" onClick={() => downloadBytes(synthetic.csv, synthetic.fileName)}>
            Download {synthetic.fileName}
          </button>
        )}
      </div>
      {sampling && (
        <div className="progress-block" aria-live="polite">
          <label htmlFor="sample-bar">
            Generating {int(sampling.done)} of {int(sampling.total)} rows…
          </label>
          <progress id="sample-bar" max={1} value={sampling.total ? sampling.done / sampling.total : 0} />
        </div>
      )}
      {synthetic && (
        <p className="status" data-testid="synthetic-ready">
          {int(synthetic.rows)} synthetic rows ready (seed {synthetic.seed}). Same header and column order as {dataset.name}; no row is copied from it.
        </p>
      )}
    </section>
  );
}

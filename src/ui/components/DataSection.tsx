/** Step 1: get a table in — drop zone, file picker, the bundled sample — with progress, Cancel and clear errors. */
import { SAMPLE_NAME, skipRaggedRows, useStore } from '../store';
import { bytes } from '../format';
import { CsvDropZone } from './CsvDropZone';

export function DataSection() {
  const dataset = useStore((s) => s.dataset);
  const loading = useStore((s) => s.loading);
  const loadError = useStore((s) => s.loadError);
  const loadFile = useStore((s) => s.loadFile);
  const loadSample = useStore((s) => s.loadSample);
  const cancelLoad = useStore((s) => s.cancelLoad);
  const p = loading?.progress;
  const fraction = p && p.totalBytes > 0 ? p.bytesRead / p.totalBytes : 0;

  return (
    <section className="card" aria-labelledby="data-heading">
      <h2 id="data-heading">
        <span className="step">1</span> Your table
      </h2>
      <p className="lead">
        The file is read on this computer only. Nothing is uploaded: parsing, training and evaluation all run inside this browser tab.
      </p>
      <CsvDropZone
        title="Drop a CSV file here"
        hint="or click (or press Enter) to choose one — comma, semicolon, tab or pipe separated"
        inputLabel="Choose a CSV file"
        onFile={(f) => void loadFile(f, f.name)}
        testId="dropzone"
        inputTestId="file-input"
        inputId="file-input"
      />
      <div className="row gap">
        <button type="button" className="secondary" data-testid="use-sample" onClick={() => void loadSample()} disabled={!!loading}>
          Use the bundled sample (UCI Cleveland heart data, cited)
        </button>
        {dataset && (
          <span className="muted" data-testid="loaded-name">
            Loaded: <strong>{dataset.name}</strong>
            {dataset.isSample && <> — Janosi, Steinbrunn, Pfisterer, Detrano (1988), UCI Heart Disease, CC BY 4.0</>}
          </span>
        )}
      </div>
      {loading && (
        <div className="progress-block" data-testid="load-progress" aria-live="polite">
          <label htmlFor="load-bar">
            Reading {loading.file}
            {p ? ` — ${bytes(p.bytesRead)} of ${bytes(p.totalBytes)}, ${p.rows.toLocaleString('en')} rows` : '…'}
          </label>
          <div className="row gap">
            <progress id="load-bar" max={1} value={fraction} />
            <button type="button" className="secondary" onClick={cancelLoad} data-testid="cancel-load">
              Cancel
            </button>
          </div>
        </div>
      )}
      {loadError && (
        <div className="alert" role="alert" data-testid="load-error">
          <strong>{loadError.code === 'cancelled' ? 'Loading cancelled' : `${loadError.file} could not be loaded`}</strong>
          <p>{loadError.message}</p>
          {dataset && <p className="muted">The previously loaded table ({dataset.name}) is still loaded.</p>}
          {loadError.code === 'ragged-rows' && (
            <button type="button" onClick={() => void skipRaggedRows()} data-testid="skip-ragged">
              Skip these rows and load the rest
            </button>
          )}
        </div>
      )}
      {!dataset && !loading && !loadError && <p className="muted">Loading the sample ({SAMPLE_NAME})…</p>}
    </section>
  );
}

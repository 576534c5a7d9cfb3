/**
 * Longitudinal mode, second file: a per-patient CSV (sex, treatment arm, age at entry) joined onto the visit
 * table on the patient id. Its columns repeat on every visit, so they are learnt as static.
 */
import { skipRaggedStaticRows, useStore } from '../store';
import { bytes, int } from '../format';
import { CsvDropZone } from './CsvDropZone';
import type { StaticJoinSummary } from '../../../workers/ingest.worker';

export function StaticTablePanel() {
  const dataset = useStore((s) => s.dataset);
  const staticTable = useStore((s) => s.staticTable);
  const loading = useStore((s) => s.staticLoading);
  const error = useStore((s) => s.staticError);
  const addStaticTable = useStore((s) => s.addStaticTable);
  const idColumn = dataset?.schema.idColumn;
  if (!dataset || !idColumn) return null;
  return (
    <div className="static-table" data-testid="static-table" role="group" aria-labelledby="static-table-heading">
      <h3 id="static-table-heading">Add a static per-patient table (optional)</h3>
      <p className="muted small">
        Patient-level columns kept in a separate CSV, one row per patient, with the same “{idColumn}” column. They are joined on “{idColumn}” (ids
        match as trimmed text) and learnt as static.
      </p>
      {staticTable && <StaticJoinView s={staticTable} />}
      <CsvDropZone
        compact
        title={staticTable ? 'Drop another per-patient CSV to replace it' : 'Drop the per-patient CSV here'}
        hint="or click (or press Enter) to choose it"
        inputLabel="Choose a per-patient CSV file"
        onFile={(f) => void addStaticTable(f, f.name)}
        testId="static-dropzone"
        inputTestId="static-file-input"
      />
      {loading && <StaticProgress file={loading.file} progress={loading.progress} />}
      {error && (
        <div className="alert" role="alert" data-testid="static-error">
          <strong>{error.code === 'cancelled' ? 'Loading cancelled' : `${error.file} could not be joined onto ${dataset.name}`}</strong>
          <p>{error.message}</p>
          <p className="muted">
            {staticTable
              ? `Nothing changed: ${dataset.name} stays joined with ${staticTable.file}.`
              : `Nothing changed: ${dataset.name} stays loaded as it was, without a static table.`}
          </p>
          {error.code === 'ragged-rows' && (
            <button type="button" onClick={() => void skipRaggedStaticRows()} data-testid="static-skip-ragged">
              Skip these rows and join the rest
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function StaticJoinView({ s }: { s: StaticJoinSummary }) {
  const removeStaticTable = useStore((st) => st.removeStaticTable);
  const patients = s.matchedPatients + s.patientsWithoutStatic;
  const plural = (n: number, one: string, many: string) => `${int(n)} ${n === 1 ? one : many}`;
  return (
    <div className="status" data-testid="static-summary">
      <p>
        Joined <strong>{s.file}</strong>: {plural(s.columns.length, 'static column', 'static columns')} (
        <span data-testid="static-columns">{s.columns.join(', ')}</span>).
      </p>
      <ul className="small">
        <li>
          <strong data-testid="static-matched">{int(s.matchedPatients)}</strong> of {int(patients)} patients matched a static row
        </li>
        <li>
          <strong data-testid="static-ignored">{int(s.ignoredStaticRows)}</strong> static {s.ignoredStaticRows === 1 ? 'row has' : 'rows have'} no visits
          (ignored)
        </li>
        <li>
          <strong data-testid="static-without">{int(s.patientsWithoutStatic)}</strong> {s.patientsWithoutStatic === 1 ? 'patient has' : 'patients have'} no
          static row (their static cells are missing)
        </li>
        {s.notes.map((n, i) => (
          <li key={i}>{n}</li>
        ))}
      </ul>
      <button type="button" className="secondary" data-testid="remove-static" onClick={() => void removeStaticTable()}>
        Remove the static table
      </button>
    </div>
  );
}

function StaticProgress({ file, progress: p }: { file: string; progress: { bytesRead: number; totalBytes: number; rows: number } | null }) {
  const cancelLoad = useStore((s) => s.cancelLoad);
  return (
    <div className="progress-block" data-testid="static-progress" aria-live="polite">
      <label htmlFor="static-bar">
        Reading {file}
        {p ? ` — ${bytes(p.bytesRead)} of ${bytes(p.totalBytes)}, ${p.rows.toLocaleString('en')} rows` : '…'}
      </label>
      <div className="row gap">
        <progress id="static-bar" max={1} value={p && p.totalBytes > 0 ? p.bytesRead / p.totalBytes : 0} />
        <button type="button" className="secondary" onClick={cancelLoad}>
          Cancel
        </button>
      </div>
    </div>
  );
}

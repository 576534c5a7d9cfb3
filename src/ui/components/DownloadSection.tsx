/**
 * Step 4: sample any number of rows in chunks (in the worker), optionally only rows that satisfy
 * conditions, and save them as CSV, Arrow, Parquet or a PostgreSQL script with a metadata sidecar.
 * The model itself can be downloaded or loaded from a file (the generator travels, not the data).
 */
import { useRef, useState } from 'react';
import { conditionsProblem, downloadBytes, syntheticFileName, useStore } from '../store';
import { int } from '../format';
import { sameColumns } from '../../core/schema/types';
import { trainWorker } from '../workers';
import type { ExportFormat } from '../../../workers/train.worker';
import pkg from '../../../package.json';

/** A PostgreSQL identifier from a file name: lower case, letters/digits/underscores, ≤ 63 bytes. */
export function safeTableName(fileName: string): string {
  const base = fileName
    .replace(/\.[^.]+$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const name = /^[a-z_]/.test(base) ? base : `t_${base}`;
  return (name || 'synthetic').slice(0, 63);
}

const FORMATS: { id: string; format: ExportFormat; label: string; ext: string; type: string }[] = [
  { id: 'export-arrow', format: 'arrow', label: 'Apache Arrow (.arrow)', ext: '.arrow', type: 'application/vnd.apache.arrow.file' },
  { id: 'export-parquet', format: 'parquet', label: 'Parquet (.parquet)', ext: '.parquet', type: 'application/vnd.apache.parquet' },
  { id: 'export-postgres', format: 'postgres', label: 'PostgreSQL script (.sql)', ext: '.sql', type: 'application/sql;charset=utf-8' },
];

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function DownloadSection() {
  const dataset = useStore((s) => s.dataset);
  const train = useStore((s) => s.train);
  const model = useStore((s) => s.model);
  const modelLoading = useStore((s) => s.modelLoading);
  const loadModelFile = useStore((s) => s.loadModelFile);
  const rows = useStore((s) => s.rowsWanted);
  const setRows = useStore((s) => s.setRowsWanted);
  const conditionsText = useStore((s) => s.conditionsText);
  const setConditionsText = useStore((s) => s.setConditionsText);
  const generate = useStore((s) => s.generate);
  const sampling = useStore((s) => s.sampling);
  const sampleError = useStore((s) => s.sampleError);
  const synthetic = useStore((s) => s.synthetic);
  const settings = useStore((s) => s.settings);
  const report = useStore((s) => s.report);
  const privacy = useStore((s) => s.privacy);
  const staticTable = useStore((s) => s.staticTable);
  const [formulaGuard, setFormulaGuard] = useState(true);
  const [tableName, setTableName] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  if (!dataset && !model) return null;

  const ready = !!model && (model.source === 'file' || train.status === 'done');
  const problem = conditionsProblem(conditionsText, model?.schema ?? dataset?.schema);
  const base = synthetic ? synthetic.fileName.replace(/\.csv$/i, '') : 'doppel-synthetic';
  const pgName = tableName ?? safeTableName(base);
  // The static columns came as their own file: offer them back that way, when this model learnt them (trained here,
  // or the same model put back after a reload).
  const patientsFile =
    staticTable && synthetic && model?.schema.idColumn && staticTable.columns.every((c) => model.schema.columns.some((m) => m.name === c))
      ? { name: syntheticFileName(staticTable.file), columns: staticTable.columns }
      : null;

  const run = async (id: string, f: () => Promise<void>) => {
    setBusy(id);
    setExportError(null);
    try {
      await f();
    } catch (e) {
      setExportError(message(e));
    } finally {
      setBusy(null);
    }
  };

  const downloadCsv = () => {
    if (!synthetic) return;
    // The worker's CSV is written with the guard on: save it at once, inside the click.
    if (formulaGuard) return downloadBytes(synthetic.csv, synthetic.fileName);
    // Without the guard the worker writes it again.
    return run('download', async () => {
      downloadBytes(await trainWorker().exportTable({ format: 'csv', formulaGuard: false }), synthetic.fileName);
    });
  };

  const downloadPatients = () =>
    run('download-patients', async () => {
      if (!patientsFile) return;
      downloadBytes(await trainWorker().exportPatients({ columns: patientsFile.columns, formulaGuard }), patientsFile.name);
    });

  const downloadFormat = (f: (typeof FORMATS)[number]) =>
    run(f.id, async () => {
      const bytes = await trainWorker().exportTable({ format: f.format, tableName: pgName });
      downloadBytes(bytes, `${base}${f.ext}`, f.type);
    });

  const downloadSidecar = () =>
    run('export-sidecar', async () => {
      if (!synthetic) return;
      const fresh = <R,>(e: { status: string; result: R | null; synthetic: unknown }) => (e.status === 'done' && e.synthetic === synthetic ? e.result : null);
      const quality = fresh(report);
      const bytes = await trainWorker().sidecar({
        appVersion: pkg.version,
        settings: {
          ...(model?.source === 'trained' ? { ...settings } : { modelFile: model?.name }),
          rowsRequested: rows,
          conditions: synthetic.conditions ?? [],
          formulaGuard,
        },
        quality: quality ? quality.report : null,
        privacy: fresh(privacy),
        ...(dataset && model?.source === 'trained' ? { source: { file: dataset.name, rows: dataset.schema.rows, columns: dataset.schema.columns.length } } : {}),
        outputs: [{ file: synthetic.fileName, format: 'csv' }],
      });
      downloadBytes(bytes, `${base}.metadata.json`, 'application/json');
    });

  const downloadModel = () =>
    run('export-model', async () => {
      if (!model) return;
      const saved = await trainWorker().save();
      // A model file keeps its name; a trained model (or a resumed checkpoint) is named after the table.
      const fromFile = model.source === 'file' && model.name && /\.json$/i.test(model.name);
      const stem = fromFile ? model.name!.replace(/\.json$/i, '') : `${(dataset?.name ?? 'doppel').replace(/\.[^.]+$/, '')}-${model.kind}`;
      downloadBytes(JSON.stringify(saved), `${stem.replace(/\.doppel-model$/, '')}.doppel-model.json`, 'application/json');
    });

  return (
    <section className="card" aria-labelledby="download-heading">
      <h2 id="download-heading">
        <span className="step">4</span> Generate and download
      </h2>
      {!ready && <p className="muted">Train a generator first, or load a model file below.</p>}
      {model?.source === 'file' && (
        <p className="status" data-testid="model-loaded">
          Using the {model.kind} model from {model.name} ({model.schema.columns.length} columns). No training data is needed to generate.
        </p>
      )}
      {model?.source === 'file' && dataset && !sameColumns(model.schema, dataset.schema) && (
        <p className="muted" data-testid="model-columns-differ">
          This model was trained on other columns (or column kinds) than {dataset.name} has now; train again to use the table’s current columns.
        </p>
      )}
      <div className="row gap wrap top-aligned">
        <div className="field">
          <label htmlFor="rows">{(model?.schema ?? dataset?.schema)?.idColumn ? 'Synthetic patients' : 'Synthetic rows'}</label>
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
        <div className="field wide conditions">
          <label htmlFor="conditions">Only patients where… (optional, one condition per line)</label>
          <textarea
            id="conditions"
            data-testid="conditions"
            rows={2}
            spellCheck={false}
            placeholder={'age>=65\nsex=F\ncp in 1,2'}
            value={conditionsText}
            aria-invalid={!!problem}
            aria-describedby={problem ? 'conditions-help conditions-error' : 'conditions-help'}
            onChange={(e) => setConditionsText(e.target.value)}
          />
          <span id="conditions-help" className="muted small">
            column=value, column in a,b, or a range such as age&gt;=65. Every generated row satisfies every line.
          </span>
          {problem && (
            <span id="conditions-error" className="error-text small" role="alert" data-testid="conditions-error">
              {problem}
            </span>
          )}
        </div>
      </div>
      <div className="row gap wrap">
        <button type="button" className="primary" data-testid="generate" disabled={!ready || !!sampling || !!problem} onClick={() => void generate()}>
          Generate synthetic rows
        </button>
        {synthetic && (
          <button type="button" className="primary" data-testid="download" disabled={!!busy} onClick={() => void downloadCsv()}>
            Download {synthetic.fileName}
          </button>
        )}
        {patientsFile && (
          <button type="button" className="primary" data-testid="download-patients" disabled={!!busy} onClick={() => void downloadPatients()}>
            Download {patientsFile.name}
          </button>
        )}
        {synthetic && (
          <label className="check">
            <input type="checkbox" data-testid="formula-guard" checked={formulaGuard} onChange={(e) => setFormulaGuard(e.target.checked)} />
            Neutralise spreadsheet formulas in text cells (recommended)
          </label>
        )}
      </div>
      {sampleError && (
        <p className="alert" role="alert" data-testid="sample-error">
          {sampleError}
        </p>
      )}
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
          {int(synthetic.rows)} synthetic rows ready (seed {synthetic.seed})
          {synthetic.conditions?.length ? `, only where ${synthetic.conditions.join(' and ')}` : ''}.{' '}
          {patientsFile && dataset
            ? `The columns of ${dataset.name}, then those of ${staticTable!.file}; ${patientsFile.name} holds the static columns again, one row per synthetic patient with the same ids`
            : `Same header and column order as ${dataset && model?.source === 'trained' ? dataset.name : 'the model’s training table'}`}
          ; no row is copied from it.
        </p>
      )}
      {synthetic && (
        <fieldset className="exports" aria-describedby="exports-help">
          <legend>Other formats</legend>
          <p id="exports-help" className="muted small">
            The same synthetic rows for analysis tools and databases, and a metadata file (generator, settings, seed, app version, privacy
            receipt, report summaries — never a row) for the audit trail.
          </p>
          <div className="field">
            <label htmlFor="pg-table-name">PostgreSQL table name</label>
            <input id="pg-table-name" data-testid="pg-table-name" type="text" value={pgName} onChange={(e) => setTableName(e.target.value)} />
          </div>
          <div className="row gap wrap">
            {FORMATS.map((f) => (
              <button key={f.id} type="button" className="secondary" data-testid={f.id} disabled={!!busy} onClick={() => void downloadFormat(f)}>
                {f.label}
              </button>
            ))}
            <button type="button" className="secondary" data-testid="export-sidecar" disabled={!!busy} onClick={() => void downloadSidecar()}>
              Generation metadata (.json)
            </button>
          </div>
        </fieldset>
      )}
      <fieldset className="exports" aria-describedby="model-help">
        <legend>Model file</legend>
        <p id="model-help" className="muted small">
          Hand the generator, not the data, to a researcher: the model file holds weights, column encoding and privacy receipt, never a row.
        </p>
        <div className="row gap wrap">
          <button type="button" className="secondary" data-testid="export-model" disabled={!ready || !!busy || !!sampling} onClick={() => void downloadModel()}>
            Download model
          </button>
          <button type="button" className="secondary" data-testid="load-model" disabled={modelLoading || !!sampling} onClick={() => fileInput.current?.click()}>
            {modelLoading ? 'Loading model…' : 'Load a model file'}
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            className="visually-hidden"
            tabIndex={-1}
            aria-label="Model file"
            data-testid="model-file-input"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void loadModelFile(f, f.name);
            }}
          />
        </div>
      </fieldset>
      {busy && (
        <p className="muted" aria-live="polite">
          Preparing the file…
        </p>
      )}
      {exportError && (
        <p className="alert" role="alert" data-testid="export-error">
          {exportError}
        </p>
      )}
    </section>
  );
}

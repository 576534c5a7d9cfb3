/** Step 2: what Doppel believes each column is, and the user's corrections (schema editor). */
import { useRef, useState } from 'react';
import { downloadBytes, useStore } from '../store';
import type { ColumnKind, ColumnSchema } from '../../core/schema/types';
import { NUMERIC_KINDS } from '../../core/schema/types';
import { toSdvMetadata } from '../../core/schema/sdv';
import { DEFAULT_MISSING_TOKENS } from '../../core/data/missing';
import { int } from '../format';
import { LongitudinalPanel } from './LongitudinalPanel';

const KINDS: { kind: ColumnKind; label: string }[] = [
  { kind: 'continuous', label: 'Continuous number' },
  { kind: 'integer', label: 'Whole number' },
  { kind: 'categorical', label: 'Category' },
  { kind: 'boolean', label: 'Yes / no' },
  { kind: 'datetime', label: 'Date / time' },
  { kind: 'identifier', label: 'Identifier (regenerated)' },
  { kind: 'text', label: 'Free text (excluded)' },
];

function BoundInput({ col, which }: { col: ColumnSchema; which: 'min' | 'max' }) {
  const editSchema = useStore((s) => s.editSchema);
  const value = col[which];
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? (value === undefined ? '' : String(+value.toFixed(6)));
  const commit = () => {
    if (draft === null) return;
    const v = draft.trim() === '' ? undefined : Number(draft);
    setDraft(null);
    if (v === undefined || Number.isFinite(v)) void editSchema({ type: 'bounds', column: col.name, [which]: v });
    else useStore.setState({ error: `"${draft}" is not a number (bound for ${col.name}).` });
  };
  const disabled = col.kind === 'datetime';
  return (
    <input
      className="bound"
      type="text"
      inputMode="decimal"
      aria-label={`${which === 'min' ? 'Minimum' : 'Maximum'} for ${col.name}`}
      value={disabled ? '' : shown}
      placeholder={disabled ? 'n/a' : ''}
      disabled={disabled}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') setDraft(null);
      }}
      data-testid={`bound-${which}-${col.name}`}
    />
  );
}

function MissingTokens() {
  const tokens = useStore((s) => s.missingTokens);
  const reload = useStore((s) => s.reloadWithTokens);
  const loading = useStore((s) => s.loading);
  const [text, setText] = useState(tokens.filter((t) => t !== '').join(' , '));
  const parse = (s: string) => ['', ...s.split(',').map((t) => t.trim()).filter((t) => t !== '')];
  return (
    <details className="fold">
      <summary>Missing-value tokens</summary>
      <p className="muted small">
        Cells equal to one of these (after trimming spaces) count as missing. An empty cell is always missing. Separate tokens with commas.
      </p>
      <div className="row gap">
        <label htmlFor="missing-tokens" className="visually-hidden">
          Missing-value tokens, comma separated
        </label>
        <input id="missing-tokens" data-testid="missing-tokens" className="grow" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="button" className="secondary" disabled={!!loading} onClick={() => void reload(parse(text))}>
          Apply and re-read the file
        </button>
        <button
          type="button"
          className="link"
          onClick={() => {
            setText(DEFAULT_MISSING_TOKENS.filter((t) => t !== '').join(' , '));
          }}
        >
          Reset to defaults
        </button>
      </div>
    </details>
  );
}

/** Saved column settings that no longer fit the file read again (after a reload or a re-read): what was kept out and why. */
function SchemaNoticeView() {
  const notice = useStore((s) => s.schemaNotice);
  const dismiss = useStore((s) => s.dismissSchemaNotice);
  if (!notice) return null;
  return (
    <div className="alert" role="alert" data-testid="schema-notice">
      <strong>{notice.title}</strong>
      <ul className="small">
        {notice.problems.map((p, i) => (
          <li key={i}>{p}</li>
        ))}
      </ul>
      <p className="muted small">Everything else was put back as it was.</p>
      <button type="button" className="link" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

export function SchemaSection() {
  const dataset = useStore((s) => s.dataset);
  const editSchema = useStore((s) => s.editSchema);
  const importMetadata = useStore((s) => s.importMetadata);
  const fileInput = useRef<HTMLInputElement>(null);
  if (!dataset) return null;
  const { schema, report } = dataset;
  const trained = schema.columns.filter((c) => !c.excluded && c.kind !== 'identifier' && c.kind !== 'text').length;
  const targetOptions = schema.columns.filter((c) => c.kind !== 'identifier' && c.kind !== 'text');

  return (
    <section className="card" aria-labelledby="schema-heading">
      <h2 id="schema-heading">
        <span className="step">2</span> Columns
      </h2>
      <p className="summary" data-testid="table-summary">
        <strong data-testid="summary-rows">{int(schema.rows)}</strong> rows × <strong data-testid="summary-columns">{schema.columns.length}</strong> columns
        <span className="muted">
          {' '}
          · {trained} used for training · {report.encoding.toUpperCase()}, “{report.delimiter === '\t' ? 'tab' : report.delimiter}” separated,{' '}
          {report.lineEnding} line ends{report.hasHeader ? '' : ', no header row'}
        </span>
      </p>
      <SchemaNoticeView />
      {report.notes.length > 0 && (
        <ul className="notes" data-testid="ingest-notes">
          {report.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
      <div className="row gap wrap toolbar">
        <label htmlFor="target-column">Target column (for utility checks)</label>
        <select
          id="target-column"
          data-testid="target-column"
          value={schema.target ?? ''}
          onChange={(e) => void editSchema({ type: 'target', column: e.target.value || undefined })}
        >
          <option value="">None</option>
          {targetOptions.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
        <span className="spacer" />
        <button
          type="button"
          className="secondary"
          data-testid="export-metadata"
          onClick={() => downloadBytes(JSON.stringify(toSdvMetadata(schema, { extensions: true }), null, 2), dataset.name.replace(/\.[^.]+$/, '') + '-metadata.json', 'application/json')}
        >
          Export SDV metadata
        </button>
        <button type="button" className="secondary" data-testid="import-metadata" onClick={() => fileInput.current?.click()}>
          Import SDV metadata
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          className="visually-hidden"
          tabIndex={-1}
          aria-label="Choose an SDV metadata JSON file"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            try {
              await importMetadata(JSON.parse(await f.text()));
            } catch (err) {
              useStore.setState({ error: `${f.name} is not valid JSON: ${err instanceof Error ? err.message : String(err)}` });
            }
          }}
        />
      </div>
      <div className="table-wrap">
        <table className="schema" data-testid="schema-table">
          <caption className="visually-hidden">Inferred column kinds, counts and settings</caption>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Kind</th>
              <th scope="col">Use</th>
              <th scope="col" className="num">
                Missing
              </th>
              <th scope="col" className="num">
                Distinct
              </th>
              <th scope="col">Min</th>
              <th scope="col">Max</th>
              <th scope="col">
                <abbr title="Sensitive: an attribute an attacker must not learn (checked by the privacy report)">Sensitive</abbr>
              </th>
              <th scope="col">
                <abbr title="Quasi-identifier: could single out a patient when combined (age, sex, postcode…)">Quasi-id</abbr>
              </th>
            </tr>
          </thead>
          <tbody>
            {schema.columns.map((c) => {
              const numeric = NUMERIC_KINDS.includes(c.kind);
              const hidden = c.kind === 'identifier' || c.kind === 'text';
              return (
                <tr key={c.name} data-testid={`column-${c.name}`} className={c.excluded ? 'excluded' : ''}>
                  <th scope="row">
                    <span className="colname">{c.name}</span>
                    {c.note && <span className="note">{c.note}</span>}
                  </th>
                  <td>
                    <select
                      aria-label={`Kind of ${c.name}`}
                      value={c.kind}
                      data-testid={`kind-${c.name}`}
                      onChange={(e) => void editSchema({ type: 'kind', column: c.name, kind: e.target.value as ColumnKind })}
                    >
                      {KINDS.map((k) => (
                        <option key={k.kind} value={k.kind}>
                          {k.label}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={!c.excluded}
                        disabled={hidden}
                        data-testid={`include-${c.name}`}
                        onChange={(e) => void editSchema({ type: 'excluded', column: c.name, excluded: !e.target.checked })}
                      />
                      <span className="visually-hidden">Use {c.name} for training</span>
                      <span aria-hidden="true">{hidden ? 'no' : c.excluded ? 'off' : 'on'}</span>
                    </label>
                  </td>
                  <td className="num" data-testid={`missing-${c.name}`}>
                    {int(c.missing)}
                  </td>
                  <td className="num" data-testid={`distinct-${c.name}`}>
                    {int(c.distinct)}
                  </td>
                  <td>{numeric ? <BoundInput col={c} which="min" /> : <span className="muted">—</span>}</td>
                  <td>{numeric ? <BoundInput col={c} which="max" /> : <span className="muted">—</span>}</td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${c.name} is sensitive`}
                      checked={!!c.sensitive}
                      onChange={(e) => void editSchema({ type: 'sensitive', column: c.name, sensitive: e.target.checked })}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${c.name} is a quasi-identifier`}
                      checked={!!c.quasiIdentifier}
                      onChange={(e) => void editSchema({ type: 'quasiIdentifier', column: c.name, quasiIdentifier: e.target.checked })}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <LongitudinalPanel />
      <MissingTokens />
    </section>
  );
}

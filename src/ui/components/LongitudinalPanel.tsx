/**
 * Longitudinal mode in the schema editor: mark the patient id and visit-time columns, then see how
 * many visits each patient has, the gaps between visits, and which columns are static vs time-varying.
 */
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useStore } from '../store';
import type { TemporalReport } from '../../core/longitudinal/metrics';
import { REAL, SYNTHETIC } from './charts';
import { int } from '../format';
import { StaticTablePanel } from './StaticTablePanel';

function num(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return Math.abs(x) >= 100 || Number.isInteger(x) ? x.toFixed(0) : x.toFixed(1);
}

export function LongitudinalPanel() {
  const dataset = useStore((s) => s.dataset);
  const sequences = useStore((s) => s.sequences);
  const editSchema = useStore((s) => s.editSchema);
  // The static table was joined on this id column: another id would leave it matched on the wrong one.
  const joined = useStore((s) => !!s.staticTable);
  if (!dataset) return null;
  const { schema } = dataset;
  const idOptions = schema.columns.filter((c) => c.kind !== 'text');
  const timeOptions = schema.columns.filter((c) => c.name !== schema.idColumn && (c.kind === 'integer' || c.kind === 'continuous' || c.kind === 'datetime'));
  return (
    <fieldset className="longitudinal" data-testid="longitudinal" style={{ border: "1px solid #d5dde5", borderRadius: 8, padding: "0.5rem 1rem", margin: "1rem 0" }}>
      <legend>Patients with several visits (longitudinal records)</legend>
      <p className="muted small">
        If each patient has several rows (one per visit), choose the patient id column: Doppel then learns whole patients, generates new patients with
        fresh ids, and the number to generate counts patients.
      </p>
      <div className="row gap wrap">
        <label htmlFor="id-column">Patient id column</label>
        <select
          id="id-column"
          data-testid="id-column"
          value={schema.idColumn ?? ''}
          disabled={joined}
          aria-describedby={joined ? 'id-column-joined' : undefined}
          onChange={(e) => {
            const column = e.target.value || undefined;
            void (async () => {
              if (!column && schema.timeColumn) await editSchema({ type: 'timeColumn', column: undefined });
              await editSchema({ type: 'idColumn', column });
            })();
          }}
        >
          <option value="">None (one row per patient)</option>
          {idOptions.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
        <label htmlFor="time-column">Visit time column</label>
        <select
          id="time-column"
          data-testid="time-column"
          disabled={!schema.idColumn}
          value={schema.timeColumn ?? ''}
          onChange={(e) => void editSchema({ type: 'timeColumn', column: e.target.value || undefined })}
        >
          <option value="">None (rows in file order)</option>
          {timeOptions.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      {joined && (
        <p id="id-column-joined" className="muted small">
          The static table is joined on this column: remove it to choose another patient id column.
        </p>
      )}
      <StaticTablePanel />
      {schema.idColumn && sequences && <SequenceSummaryView />}
    </fieldset>
  );
}

function SequenceSummaryView() {
  const s = useStore((st) => st.sequences)!;
  const unit = s.timeColumn ? `${s.timeColumn} units` : 'visits';
  return (
    <div data-testid="sequence-summary">
      <p className="summary">
        <strong data-testid="seq-patients">{int(s.patients)}</strong> patients, <strong data-testid="seq-visits">{int(s.visits)}</strong> visits · visits per
        patient <span data-testid="seq-length">{`${num(s.length.min)}–${num(s.length.max)}`}</span> (median {num(s.length.median)}) · gap between visits{' '}
        <span data-testid="seq-gap">
          {num(s.gap.min)}–{num(s.gap.max)}
        </span>{' '}
        (median {num(s.gap.median)}, {unit})
      </p>
      <div className="row gap wrap seq-charts">
        <figure className="seq-chart" style={{ flex: "1 1 320px", minWidth: 280, margin: 0 }}>
          <figcaption>Visits per patient</figcaption>
          <ResponsiveContainer width="100%" height={160}>
            <BarChart data={s.lengthHistogram} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
              <XAxis dataKey="visits" fontSize={11} />
              <YAxis fontSize={11} width={32} allowDecimals={false} />
              <Tooltip formatter={(v) => [v, 'patients']} labelFormatter={(l) => `${l} visits`} />
              <Bar dataKey="patients" fill={REAL} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </figure>
        <figure className="seq-chart" style={{ flex: "1 1 320px", minWidth: 280, margin: 0 }}>
          <figcaption>Gap between consecutive visits ({unit})</figcaption>
          <ResponsiveContainer width="100%" height={160}>
            <BarChart data={s.gapHistogram.map((b) => ({ ...b, label: num(b.from) }))} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
              <XAxis dataKey="label" fontSize={11} />
              <YAxis fontSize={11} width={32} allowDecimals={false} />
              <Tooltip formatter={(v) => [v, 'gaps']} />
              <Bar dataKey="count" fill={REAL} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </figure>
      </div>
      <p className="small" data-testid="seq-static">
        <strong>Static</strong> (same at every visit): {s.staticColumns.join(', ') || 'none'}
      </p>
      <p className="small" data-testid="seq-varying">
        <strong>Time-varying</strong>: {s.timeVaryingColumns.join(', ') || 'none'}
      </p>
    </div>
  );
}

/** The report's temporal section: what row-wise metrics cannot see. */
export function TemporalSection({ t }: { t: TemporalReport }) {
  // Shares, not counts: the synthetic set usually has a different number of patients.
  const total = (h: number[]) => h.reduce((a, b) => a + b, 0) || 1;
  const nReal = total(t.visitsPerPatient.real);
  const nSyn = total(t.visitsPerPatient.synthetic);
  const visits = t.visitsPerPatient.real
    .map((r, i) => ({ visits: i, real: +(r / nReal).toFixed(4), synthetic: +((t.visitsPerPatient.synthetic[i] ?? 0) / nSyn).toFixed(4) }))
    .filter((d) => d.visits > 0);
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—');
  const r2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
  const columns = Object.keys(t.missingRate);
  return (
    <section className="card" aria-labelledby="temporal-heading" data-testid="temporal-report">
      <h2 id="temporal-heading">Over time (per patient)</h2>
      <p>
        Visits per patient similarity (1 − KS): <strong data-testid="temporal-visits-ks">{pct(t.visitsPerPatient.ksComplement)}</strong> · gap between visits
        similarity: <strong data-testid="temporal-gap-ks">{pct(t.gaps.ksComplement)}</strong> (median gap real {num(t.gaps.realMedian)}, synthetic{' '}
        {num(t.gaps.syntheticMedian)})
      </p>
      <figure className="seq-chart" style={{ flex: "1 1 320px", minWidth: 280, margin: 0 }}>
        <figcaption>Visits per patient: real vs synthetic (share of patients)</figcaption>
        <ResponsiveContainer width="100%" height={180}>
          <BarChart data={visits} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
            <XAxis dataKey="visits" fontSize={11} />
            <YAxis fontSize={11} width={40} />
            <Tooltip />
            <Bar dataKey="real" fill={REAL} isAnimationActive={false} />
            <Bar dataKey="synthetic" fill={SYNTHETIC} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <div className="table-wrap">
        <table data-testid="temporal-table">
          <caption className="visually-hidden">Time-varying columns: autocorrelation, first-to-last shift, missingness</caption>
          <thead>
            <tr>
              <th scope="col">Time-varying column</th>
              <th scope="col" className="num">Lag-1 autocorrelation real</th>
              <th scope="col" className="num">synthetic</th>
              <th scope="col" className="num">First→last shift real</th>
              <th scope="col" className="num">synthetic</th>
              <th scope="col" className="num">Missing real</th>
              <th scope="col" className="num">synthetic</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c) => (
              <tr key={c}>
                <th scope="row">{c}</th>
                <td className="num">{t.autocorrelation[c] ? r2(t.autocorrelation[c].real) : '—'}</td>
                <td className="num">{t.autocorrelation[c] ? r2(t.autocorrelation[c].synthetic) : '—'}</td>
                <td className="num">{t.firstLastShift[c] ? num(t.firstLastShift[c].real) : '—'}</td>
                <td className="num">{t.firstLastShift[c] ? num(t.firstLastShift[c].synthetic) : '—'}</td>
                <td className="num">{pct(t.missingRate[c].real)}</td>
                <td className="num">{pct(t.missingRate[c].synthetic)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {Object.keys(t.transitions).length > 0 && (
        <p className="small">
          Category transitions between visits (1 − total variation):{' '}
          {Object.entries(t.transitions)
            .map(([c, v]) => `${c} ${pct(v.tvComplement)}`)
            .join(' · ')}
        </p>
      )}
    </section>
  );
}

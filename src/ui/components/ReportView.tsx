/** The fidelity report: how close the synthetic table is, measured as the field measures it (SDMetrics). */
import { useEffect } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { downloadBytes, useStore } from '../store';
import type { ClassificationMetrics, EvaluationReport, RegressionMetrics, UtilityMetrics } from '../../core/evaluate';
import { ColumnOverlay, Gauge, Heatmap, REAL, SYNTHETIC, scoreTone } from './charts';
import { num, pct } from '../format';

function Help({ children }: { children: React.ReactNode }) {
  return <p className="help">{children}</p>;
}

function metricRows(m: UtilityMetrics): { name: string; value: number; help: string }[] {
  if ('r2' in m) {
    const r = m as RegressionMetrics;
    return [
      { name: 'R²', value: r.r2, help: 'share of the variation explained (1 is perfect)' },
      { name: 'Mean absolute error', value: r.mae, help: 'average miss, in the column’s units (lower is better)' },
    ];
  }
  const c = m as ClassificationMetrics;
  return [
    { name: 'Accuracy', value: c.accuracy, help: 'share of test rows predicted right' },
    { name: 'Macro F1', value: c.macroF1, help: 'balance of precision and recall, averaged over classes' },
    { name: 'ROC AUC', value: c.auc, help: 'ranking quality (0.5 is chance, 1 is perfect)' },
  ];
}

function Overview({ report }: { report: EvaluationReport }) {
  const q = report.quality;
  return (
    <section className="card" aria-labelledby="overall-heading">
      <h2 id="overall-heading">Overall fidelity</h2>
      <div className="gauges">
        <Gauge value={q.overall} label="Overall score" testId="gauge-overall" size={190} />
        <Gauge value={q.columnShapes} label="Column shapes" testId="gauge-shapes" />
        <Gauge value={q.columnPairTrends} label="Column pair trends" testId="gauge-pairs" />
      </div>
      <Help>
        <strong>Column shapes</strong>: does each column, on its own, have the same distribution in the synthetic table as in the real one? (1 − the
        Kolmogorov–Smirnov distance for numbers and dates, 1 − the total variation distance for categories.){' '}
        <strong>Column pair trends</strong>: do pairs of columns move together the same way? (correlations for two numbers, contingency tables otherwise.)
        The overall score is their mean; 100% means indistinguishable by these measures.
        {q.columnPairTrendsStrong !== null && (
          <>
            {' '}
            Over the {q.pairs.filter((p) => p.strong).length} pairs with a strong real association only, pair trends score{' '}
            <strong>{pct(q.columnPairTrendsStrong)}</strong>.
          </>
        )}
      </Help>
      <p className="muted small">
        Compared {report.meta.rows.real.toLocaleString('en')} real training rows with {report.meta.rows.synthetic.toLocaleString('en')} synthetic rows
        {report.meta.rows.holdout ? `; ${report.meta.rows.holdout.toLocaleString('en')} held-back real rows were used for utility` : ''}.
      </p>
    </section>
  );
}

function Columns({ report }: { report: EvaluationReport }) {
  const charts = report.quality.charts?.columns ?? [];
  const byName = new Map(charts.map((c) => [c.name, c]));
  const cols = Object.entries(report.quality.columns).sort((a, b) => a[1].score - b[1].score);
  return (
    <section className="card" aria-labelledby="columns-heading">
      <h2 id="columns-heading">Each column, worst first</h2>
      <Help>Real (teal) and synthetic (orange) distributions overlaid, as shares of non-missing values. Start with the columns at the top: they differ most.</Help>
      <div className="column-grid" data-testid="column-cards">
        {cols.map(([name, c]) => {
          const chart = byName.get(name);
          return (
            <article key={name} className="column-card" data-testid={`column-card-${name}`}>
              <header>
                <h3>{name}</h3>
                <span className={`score ${scoreTone(c.score)}`} title={c.metric}>
                  {pct(c.score)}
                </span>
              </header>
              <p className="muted small">
                {c.kind} · {c.metric}
              </p>
              {chart ? <ColumnOverlay chart={chart} /> : <p className="muted">No chart.</p>}
            </article>
          );
        })}
      </div>
      {report.quality.skipped.length > 0 && (
        <p className="muted small">Not compared: {report.quality.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}.</p>
      )}
    </section>
  );
}

function Associations({ report }: { report: EvaluationReport }) {
  const a = report.quality.charts?.associations;
  if (!a || a.columns.length < 2) return null;
  return (
    <section className="card" aria-labelledby="assoc-heading">
      <h2 id="assoc-heading">How columns relate</h2>
      <Help>
        Each cell is the association between two columns: Pearson correlation for two numbers (teal positive, purple negative), Cramér’s V otherwise
        (green, 0 to 1). The third map is synthetic minus real: white means the relationship was kept; orange, stronger in the synthetic table; blue, weaker.
      </Help>
      <div className="heatmaps">
        <Heatmap title="Real" columns={a.columns} values={a.real} measure={a.measure} testId="heatmap-real" />
        <Heatmap title="Synthetic" columns={a.columns} values={a.synthetic} measure={a.measure} testId="heatmap-synthetic" />
        <Heatmap title="Difference (synthetic − real)" columns={a.columns} values={a.difference} measure={a.measure} difference testId="heatmap-difference" />
      </div>
    </section>
  );
}

function Missingness({ report }: { report: EvaluationReport }) {
  const rows = (report.quality.charts?.missingness ?? []).filter((m) => m.real > 0 || m.synthetic > 0);
  return (
    <section className="card" aria-labelledby="missing-heading">
      <h2 id="missing-heading">Missing values</h2>
      {rows.length === 0 ? (
        <p>No column has missing values in either table.</p>
      ) : (
        <>
          <Help>Share of empty cells per column. A faithful twin leaves cells empty about as often as the real table does.</Help>
          <ResponsiveContainer width="100%" height={Math.max(120, 34 * rows.length + 50)}>
            <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
              <CartesianGrid stroke="#eef1f4" horizontal={false} />
              <XAxis type="number" tick={{ fontSize: 11 }} tickFormatter={(v: number) => `${(v * 100).toFixed(1)}%`} />
              <YAxis type="category" dataKey="name" tick={{ fontSize: 12 }} width={110} />
              <Tooltip formatter={(v) => (typeof v === 'number' ? `${(v * 100).toFixed(2)}%` : String(v))} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar dataKey="real" name="Real" fill={REAL} isAnimationActive={false} />
              <Bar dataKey="synthetic" name="Synthetic" fill={SYNTHETIC} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </>
      )}
    </section>
  );
}

function DetectionAndUtility({ report }: { report: EvaluationReport }) {
  const d = report.detection;
  const u = report.utility;
  const dataset = useStore((s) => s.dataset);
  const editSchema = useStore((s) => s.editSchema);
  const runReport = useStore((s) => s.runReport);
  const options = dataset?.schema.columns.filter((c) => !c.excluded && c.kind !== 'identifier' && c.kind !== 'text') ?? [];
  return (
    <section className="card" aria-labelledby="du-heading">
      <h2 id="du-heading">Can a model tell them apart? Is the twin useful?</h2>
      <div className="two">
        <div data-testid="detection">
          <h3>Detection</h3>
          {d ? (
            <>
              <table className="ref">
                <thead>
                  <tr>
                    <th scope="col">Measure</th>
                    <th scope="col">Synthetic</th>
                    <th scope="col">Real-data reference</th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <th scope="row">ROC AUC, real vs synthetic</th>
                    <td data-testid="detection-auc">{num(d.auc)}</td>
                    <td>0.500</td>
                  </tr>
                  <tr>
                    <th scope="row">Detection score</th>
                    <td>{pct(d.score)}</td>
                    <td>100%</td>
                  </tr>
                </tbody>
              </table>
              <Help>
                Classifiers ({d.model === 'logistic' ? 'logistic regression was the stronger' : 'boosted trees were the stronger'}, {d.folds}-fold cross-validation)
                try to tell real rows from synthetic ones. An AUC of 0.5 means they cannot — what two samples of real patients would give. Near 1 they easily can.
              </Help>
            </>
          ) : (
            <p className="muted">Detection was not run.</p>
          )}
        </div>
        <div data-testid="utility">
          <h3>Usefulness for a prediction task</h3>
          <div className="row gap wrap">
            <label htmlFor="report-target">Predict</label>
            <select
              id="report-target"
              data-testid="report-target"
              value={dataset?.schema.target ?? ''}
              onChange={async (e) => {
                await editSchema({ type: 'target', column: e.target.value || undefined });
                void runReport();
              }}
            >
              <option value="">Choose a target column…</option>
              {options.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          {u ? (
            <>
              <table className="ref">
                <thead>
                  <tr>
                    <th scope="col">{u.task === 'classification' ? 'Classification' : 'Regression'} of {u.target}</th>
                    <th scope="col">Trained on synthetic</th>
                    <th scope="col">Real-data reference (trained on real)</th>
                  </tr>
                </thead>
                <tbody>
                  {metricRows(u.synthetic).map((m, i) => (
                    <tr key={m.name}>
                      <th scope="row" title={m.help}>
                        {m.name}
                      </th>
                      <td data-testid={i === 0 ? 'utility-synthetic' : undefined}>{num(m.value)}</td>
                      <td>{num(metricRows(u.real)[i].value)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Help>
                A model (boosted trees) learns to predict <strong>{u.target}</strong> from the other columns, once from the synthetic table and once from real rows,
                and both are tested on the same {u.test.rows.toLocaleString('en')} real rows neither saw. Close numbers mean research done on the twin carries over.
              </Help>
              <p className="muted small">{u.test.note}</p>
            </>
          ) : (
            <p className="muted">Choose a target column to measure how well a model trained on the synthetic table predicts real outcomes.</p>
          )}
        </div>
      </div>
    </section>
  );
}

function Fairness({ report }: { report: EvaluationReport }) {
  const dataset = useStore((s) => s.dataset);
  const protectedColumn = useStore((s) => s.protectedColumn);
  const setProtected = useStore((s) => s.setProtectedColumn);
  const runReport = useStore((s) => s.runReport);
  const f = report.fairness;
  const options = dataset?.schema.columns.filter((c) => !c.excluded && c.kind !== 'identifier' && c.kind !== 'text') ?? [];
  return (
    <section className="card" aria-labelledby="fair-heading">
      <h2 id="fair-heading">Representation of groups</h2>
      <div className="row gap wrap">
        <label htmlFor="protected">Protected attribute</label>
        <select
          id="protected"
          data-testid="protected"
          value={protectedColumn ?? ''}
          onChange={(e) => {
            setProtected(e.target.value || null);
            void runReport();
          }}
        >
          <option value="">Choose (e.g. sex, age, ethnicity)…</option>
          {options.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      {f ? (
        <>
          <Help>
            Each group’s share of the rows ({f.grouping}). A synthetic table must not shrink or erase a minority.
            {f.erasedGroups.length > 0 && <strong> Missing from the synthetic table: {f.erasedGroups.join(', ')}.</strong>}
          </Help>
          <table className="ref">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Real share</th>
                <th scope="col">Synthetic share</th>
                <th scope="col">Column shapes within group</th>
              </tr>
            </thead>
            <tbody>
              {f.groups.map((g) => (
                <tr key={g.group}>
                  <th scope="row">{g.group}</th>
                  <td>{pct(g.realShare)}</td>
                  <td>{pct(g.syntheticShare)}</td>
                  <td>{g.columnShapes === null ? '—' : pct(g.columnShapes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {f.utility && (
            <p>
              Prediction model fairness (positive outcome “{f.utility.positive}”): demographic parity difference {num(f.utility.synthetic.demographicParityDifference)}{' '}
              trained on synthetic vs {num(f.utility.real.demographicParityDifference)} trained on real; equalized-odds difference{' '}
              {num(f.utility.synthetic.equalizedOddsDifference)} vs {num(f.utility.real.equalizedOddsDifference)} (0 = groups treated alike).
            </p>
          )}
        </>
      ) : (
        <p className="muted">Choose a protected attribute to compare each group’s share and shape.</p>
      )}
    </section>
  );
}

import { TemporalSection } from './LongitudinalPanel';

export function ReportView() {
  const synthetic = useStore((s) => s.synthetic);
  const state = useStore((s) => s.report);
  const run = useStore((s) => s.runReport);
  const cancel = useStore((s) => s.cancelEvaluation);
  const dataset = useStore((s) => s.dataset);
  const stale = state.synthetic !== synthetic;
  useEffect(() => {
    if (synthetic && (state.status === 'idle' || stale) && state.status !== 'running') void run();
  }, [synthetic, stale, state.status, run]);

  if (!synthetic)
    return (
      <section className="card">
        <h2>Fidelity report</h2>
        <p className="muted" data-testid="report-empty">
          Train a generator and generate synthetic rows first; the report compares them with your table.
        </p>
      </section>
    );
  if (state.status === 'running' || (stale && state.status !== 'failed'))
    return (
      <section className="card" aria-live="polite">
        <h2>Fidelity report</h2>
        <p data-testid="report-running">Measuring ({state.stage ?? 'starting'})… this runs in a worker; the page stays usable.</p>
        <progress aria-label="Evaluating" />
        <div>
          <button type="button" className="secondary" onClick={cancel}>
            Cancel
          </button>
        </div>
      </section>
    );
  if (state.status === 'failed')
    return (
      <section className="card">
        <h2>Fidelity report</h2>
        <p className="alert" role="alert">
          {state.message}
        </p>
        <button type="button" className="primary" onClick={() => void run()}>
          Try again
        </button>
      </section>
    );
  const result = state.result;
  if (!result) return null;
  const base = (dataset?.name ?? 'doppel').replace(/\.[^.]+$/, '');
  return (
    <div className="report" data-testid="report-ready">
      <div className="row gap wrap report-actions">
        <span className="muted">
          Report for {synthetic.rows.toLocaleString('en')} synthetic rows of {dataset?.name}.
        </span>
        <span className="spacer" />
        <button type="button" className="secondary" data-testid="export-report-json" onClick={() => downloadBytes(JSON.stringify(result.report, null, 2), `${base}-report.json`, 'application/json')}>
          Export report (JSON)
        </button>
        <button type="button" className="secondary" data-testid="export-report-html" onClick={() => downloadBytes(result.html, `${base}-report.html`, 'text/html;charset=utf-8')}>
          Export report (standalone HTML)
        </button>
      </div>
      <Overview report={result.report} />
      {result.temporal && <TemporalSection t={result.temporal} />}
      <Columns report={result.report} />
      <Associations report={result.report} />
      <Missingness report={result.report} />
      <DetectionAndUtility report={result.report} />
      <Fairness report={result.report} />
      {result.report.notes.length > 0 && (
        <section className="card">
          <h2>Notes</h2>
          <ul>
            {result.report.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

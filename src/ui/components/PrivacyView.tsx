/** Disclosure risk of the synthetic table, measured against real rows the generator never saw. */
import { useEffect } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { downloadBytes, useStore } from '../store';
import type { PrivacyReport } from '../../core/privacy';
import type { PrivacyReceipt } from '../../core/privacy/dp/rdp-accountant';
import { num, pct } from '../format';
import { REAL, SYNTHETIC } from './charts';

const LIGHT = {
  green: { label: 'Low risk found', cls: 'good' },
  amber: { label: 'Some risk: review before sharing', cls: 'fair' },
  red: { label: 'High risk: do not share as is', cls: 'poor' },
} as const;

function Summary({ r }: { r: PrivacyReport }) {
  const l = LIGHT[r.summary.level];
  return (
    <section className="card" aria-labelledby="priv-heading">
      <h2 id="priv-heading">Privacy check</h2>
      <p className={`light ${l.cls}`} data-testid="privacy-level" data-level={r.summary.level}>
        <span className="dot" aria-hidden="true" /> {l.label}
      </p>
      {r.summary.reasons.length > 0 && (
        <ul>
          {r.summary.reasons.map((x, i) => (
            <li key={i}>{x}</li>
          ))}
        </ul>
      )}
      <p className="help">
        The generator trained on {r.sizes.train.toLocaleString('en')} {unit(r)}; {r.sizes.holdout.toLocaleString('en')} real {unit(r)} were held back. If the synthetic{' '}
        {unit(r)} sit no closer to the training {unit(r)} than to the held-back ones, the generator learned the population rather than memorising patients.
        {r.unit === 'patient' ? ' Each patient’s visits, as recorded, are compared as one record.' : ''}
      </p>
    </section>
  );
}

/** What one compared record is, in the report's words. */
const unit = (r: PrivacyReport) => (r.unit === 'patient' ? 'patients' : 'rows');

function Metrics({ r }: { r: PrivacyReport }) {
  return (
    <section className="card" aria-labelledby="priv-metrics">
      <h2 id="priv-metrics">Measures, each beside its reference</h2>
      <table className="ref wide" data-testid="privacy-metrics">
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">This synthetic table</th>
            <th scope="col">Reference</th>
            <th scope="col">What it means</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Closer to training than to held-back rows (DCR share)</th>
            <td data-testid="dcr-share">{pct(r.dcrShare)}</td>
            <td>50% ideal; above {pct(r.dcrPassLine)} is a finding</td>
            <td>Share of synthetic rows whose nearest real row is a training row rather than a held-back one.</td>
          </tr>
          <tr>
            <th scope="row">Exact copies of a training row</th>
            <td data-testid="exact-copies">
              {r.exactCopies.toLocaleString('en')} ({pct(r.exactCopiesShare, 2)})
            </td>
            <td>
              held-back rows that equal a training row: {r.holdoutExactCopies.toLocaleString('en')} ({pct(r.holdoutExactCopiesShare, 2)})
            </td>
            <td>Real duplicates happen (same age, sex, codes); copies far above the held-back rate suggest memorisation.</td>
          </tr>
          <tr>
            <th scope="row">Membership inference (ROC AUC)</th>
            <td data-testid="mia-auc">
              {num(r.mia.auc)} <span className="muted small">[{num(r.mia.low, 2)}–{num(r.mia.high, 2)}]</span>
            </td>
            <td>0.500 (a guess)</td>
            <td>Can an attacker holding the synthetic table tell whether a given patient was in the training data?</td>
          </tr>
          <tr>
            <th scope="row">Distance to closest record, median</th>
            <td>{num(r.dcr.syntheticToTrain.median)}</td>
            <td>held-back rows: {num(r.dcr.holdoutToTrain.median)}</td>
            <td>Synthetic rows should be about as far from training rows as new real patients are.</td>
          </tr>
          <tr>
            <th scope="row">k-anonymity of the synthetic table</th>
            <td>k = {r.kAnonymity.k}</td>
            <td>on {r.kAnonymity.quasiIdentifiers.join(', ') || 'no quasi-identifiers'}</td>
            <td>
              {r.kAnonymity.uniqueRows.toLocaleString('en')} synthetic rows are unique on the quasi-identifiers. Unique synthetic rows are not real patients, but check them
              if the twin will be linked with other data.
            </td>
          </tr>
          {r.singlingOut && (
            <tr>
              <th scope="row">Singling out (residual risk)</th>
              <td>
                {pct(r.singlingOut.residualRisk)}{' '}
                <span className="muted small">
                  [{pct(r.singlingOut.residualLow, 0)}–{pct(r.singlingOut.residualHigh, 0)}]
                </span>
              </td>
              <td>0% (control: {pct(r.singlingOut.control.rate)})</td>
              <td>Risk above what any good model of the population gives away (Anonymeter).</td>
            </tr>
          )}
          {r.attributeInference.map((a) => (
            <tr key={a.column}>
              <th scope="row">Inferring {a.column} (residual risk)</th>
              <td>
                {pct(a.residualRisk)}{' '}
                <span className="muted small">
                  [{pct(a.residualLow, 0)}–{pct(a.residualHigh, 0)}]
                </span>
              </td>
              <td>0% (control: {pct(a.control.rate)})</td>
              <td>Extra success guessing a patient’s {a.column} from {a.knownColumns.join(', ')} using the synthetic table.</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Distances to the closest training row: synthetic rows should look like new real patients (the held-back rows). */
function DcrHistogram({ r }: { r: PrivacyReport }) {
  const h = r.dcr.histogram;
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0) || 1;
  const [ns, nh] = [total(h.synthetic), total(h.holdout)];
  const data = h.synthetic.map((c, i) => ({
    bin: num((h.edges[i] + h.edges[i + 1]) / 2),
    synthetic: c / ns,
    holdout: h.holdout[i] / nh,
  }));
  return (
    <figure className="chart" data-testid="dcr-histogram" aria-label="Histogram of distances to the closest training row, synthetic rows against held-back real rows">
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="bin" tick={{ fontSize: 11 }} />
          <YAxis tickFormatter={(v: number) => `${Math.round(v * 100)}%`} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(v) => pct(Number(v))} />
          <Legend />
          <Bar dataKey="holdout" name="held-back real rows → training" fill={REAL} isAnimationActive={false} />
          <Bar dataKey="synthetic" name="synthetic rows → training" fill={SYNTHETIC} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="help">
        Distance from each row to its closest training row. If the synthetic bars pile up near zero while the held-back ones do not, the generator is copying patients.
      </figcaption>
    </figure>
  );
}

/** The membership attack's ROC curve against the diagonal of a coin flip. */
function MiaRoc({ r }: { r: PrivacyReport }) {
  const data = r.mia.roc.map((p) => ({ fpr: p.fpr, tpr: p.tpr, chance: p.fpr }));
  return (
    <figure className="chart" data-testid="mia-roc" aria-label={`Membership attack ROC curve, AUC ${num(r.mia.auc)}`}>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 16, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="fpr" type="number" domain={[0, 1]} tickFormatter={(v: number) => v.toFixed(1)} tick={{ fontSize: 11 }}
            label={{ value: 'held-back patients flagged as members', position: 'insideBottom', offset: -8, fontSize: 11 }} />
          <YAxis type="number" domain={[0, 1]} tickFormatter={(v: number) => v.toFixed(1)} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(v) => num(Number(v))} />
          <Legend verticalAlign="top" />
          <Line dataKey="tpr" name={`attack (AUC ${num(r.mia.auc)})`} stroke={SYNTHETIC} dot={false} isAnimationActive={false} />
          <Line dataKey="chance" name="coin flip" stroke="#8795a1" strokeDasharray="4 4" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="help">
        How well an attacker holding the synthetic table tells training patients (members) from held-back ones. On the dashed diagonal the attacker does no
        better than a coin flip.
      </figcaption>
    </figure>
  );
}

/** The formal guarantee (DP receipt) or its absence, and the sentence a clinician can take to a committee. */
function Receipt({ receipt, r }: { receipt: PrivacyReceipt | null | undefined; r: PrivacyReport }) {
  return (
    <section className="card" aria-labelledby="priv-receipt">
      <h2 id="priv-receipt">Formal guarantee</h2>
      {receipt ? (
        <p data-testid="privacy-receipt-report">{receipt.text}</p>
      ) : (
        <p data-testid="privacy-receipt-report">
          This generator was trained without differential privacy, so there is no formal bound; the measurements on this page are empirical checks on
          these rows. For a provable bound, choose a differential-privacy preset before training.
        </p>
      )}
      <p className="help">
        For a committee: “{r.exactCopies === 0 ? 'No synthetic row is a copy of a real patient’s record. ' : ''}We held back part of the real patients and checked that the synthetic rows are no closer to the
        patients the model learned from than to patients it never saw, and that an attacker cannot tell who was in the training data better than chance
        {receipt ? `; the training itself is differentially private with ε = ${receipt.epsilon.toFixed(2)}` : ''}.”
      </p>
    </section>
  );
}

export function PrivacyView() {
  const synthetic = useStore((s) => s.synthetic);
  const state = useStore((s) => s.privacy);
  const train = useStore((s) => s.train);
  const run = useStore((s) => s.runPrivacy);
  const cancel = useStore((s) => s.cancelEvaluation);
  const dataset = useStore((s) => s.dataset);
  const stale = state.synthetic !== synthetic;
  const hasHoldout = !!train.holdoutRows?.length;
  useEffect(() => {
    if (synthetic && hasHoldout && (state.status === 'idle' || stale) && state.status !== 'running') void run();
  }, [synthetic, hasHoldout, stale, state.status, run]);

  if (!synthetic || !hasHoldout)
    return (
      <section className="card">
        <h2>Privacy check</h2>
        <p className="muted" data-testid="privacy-empty">
          {!synthetic
            ? 'Train a generator and generate synthetic rows first.'
            : 'This model trained on every row, so there are no held-back rows to compare with. Turn on "Hold back 20% of rows" and train again.'}
        </p>
      </section>
    );
  if (state.status === 'running' || (stale && state.status !== 'failed'))
    return (
      <section className="card" aria-live="polite">
        <h2>Privacy check</h2>
        <p data-testid="privacy-running">Measuring distances and attacks ({state.stage ?? 'starting'})… this runs in a worker.</p>
        <progress aria-label="Checking privacy" />
        <div>
          <button type="button" className="secondary" onClick={cancel}>
            Cancel
          </button>
        </div>
      </section>
    );
  if (state.status === 'failed' || !state.result)
    return (
      <section className="card">
        <h2>Privacy check</h2>
        <p className="alert" role="alert">
          {state.message}
        </p>
        <button type="button" className="primary" onClick={() => void run()}>
          Try again
        </button>
      </section>
    );
  const r = state.result;
  const base = (dataset?.name ?? 'doppel').replace(/\.[^.]+$/, '');
  return (
    <div className="report" data-testid="privacy-ready">
      <div className="row gap wrap report-actions">
        <span className="muted">
          {r.sizes.synthetic.toLocaleString('en')} synthetic {unit(r)} compared with {r.sizes.train.toLocaleString('en')} training and {r.sizes.holdout.toLocaleString('en')} held-back{' '}
          {unit(r)} on{' '}
          {r.sizes.columns} columns. Intervals in brackets are 95% intervals.
        </span>
        <span className="spacer" />
        <button type="button" className="secondary" data-testid="export-privacy-json" onClick={() => downloadBytes(JSON.stringify(r, null, 2), `${base}-privacy.json`, 'application/json')}>
          Export privacy report (JSON)
        </button>
      </div>
      <Summary r={r} />
      <Metrics r={r} />
      <section className="card" aria-labelledby="priv-charts">
        <h2 id="priv-charts">Distances and the membership attack</h2>
        <div className="two">
          <DcrHistogram r={r} />
          <MiaRoc r={r} />
        </div>
      </section>
      <Receipt receipt={train.receipt} r={r} />
    </div>
  );
}

/** Step 3: choose a generator and a backend, train in a worker with live progress, Cancel. */
import { useStore, type Settings } from '../store';
import { GENERATORS } from '../../core/models/registry';
import type { BackendPreference, GeneratorKind } from '../../core/models/types';
import { LossChart } from './LossChart';
import { ResumeCheckpoint } from './ResumeCheckpoint';
import { duration, int } from '../format';
import { estimateRunMemory } from '../../offline/memory';
import { trainableColumns, type TableSchema } from '../../core/schema/types';
import { PRIVACY_PRESETS, type PrivacyPreset } from '../../core/privacy/dp/rdp-accountant';

/** Rough width of one encoded row: one-hots for labels, ~10 mixture modes + a scalar for numbers, a bit per column with missing cells. */
function encodedWidth(schema: TableSchema): number {
  let w = 0;
  for (const c of trainableColumns(schema)) {
    w += c.kind === 'categorical' || c.kind === 'boolean' ? Math.max(1, c.distinct) : 11;
    if (c.missing > 0) w += 1;
  }
  return Math.max(1, w);
}

const BACKENDS: { value: BackendPreference; label: string }[] = [
  { value: 'auto', label: 'Auto (WebGPU on a real GPU, else wasm)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WebAssembly (wasm)' },
  { value: 'cpu', label: 'Plain JavaScript (cpu, slowest)' },
];

function NumberSetting({ id, label, value, min, onChange, help }: { id: string; label: string; value: number; min: number; onChange: (v: number) => void; help?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        data-testid={id}
        type="number"
        min={min}
        step={1}
        value={Number.isFinite(value) ? value : ''}
        onChange={(e) => {
          const v = Math.floor(Number(e.target.value));
          if (Number.isFinite(v) && v >= min) onChange(v);
        }}
        aria-describedby={help ? `${id}-help` : undefined}
      />
      {help && (
        <span id={`${id}-help`} className="muted small">
          {help}
        </span>
      )}
    </div>
  );
}

export function TrainSection() {
  const dataset = useStore((s) => s.dataset);
  const settings = useStore((s) => s.settings);
  const set = useStore((s) => s.setSettings);
  const train = useStore((s) => s.train);
  const start = useStore((s) => s.startTraining);
  const cancel = useStore((s) => s.cancelTraining);
  if (!dataset) return null;
  const busy = train.status === 'starting' || train.status === 'training';
  const rows = settings.holdout ? Math.ceil(dataset.schema.rows * 0.8) : dataset.schema.rows;
  const memory = estimateRunMemory(rows, encodedWidth(dataset.schema), settings.model, settings.batchSize, { columns: dataset.schema.columns.length });
  const p = train.progress;
  const upd = (patch: Partial<Settings>) => set(patch);
  const lossText = p
    ? Object.entries(p.losses)
        .filter(([, v]) => Number.isFinite(v))
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join(' · ')
    : '';

  return (
    <section className="card" aria-labelledby="train-heading">
      <h2 id="train-heading">
        <span className="step">3</span> Train a generator
      </h2>
      <fieldset className="models" disabled={busy}>
        <legend>Model</legend>
        {(Object.keys(GENERATORS) as GeneratorKind[]).map((k) => (
          <label key={k} className={`model${settings.model === k ? ' chosen' : ''}`}>
            <input type="radio" name="model" value={k} checked={settings.model === k} onChange={() => upd({ model: k })} data-testid={`model-${k}`} />
            <span>
              <strong>{GENERATORS[k].label}</strong>
              <span className="muted small">{GENERATORS[k].description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="row gap wrap">
        <div className="field wide">
          <label htmlFor="backend">Compute backend</label>
          <select id="backend" data-testid="backend-select" value={settings.backend} disabled={busy} onChange={(e) => upd({ backend: e.target.value as BackendPreference })}>
            {BACKENDS.map((b) => (
              <option key={b.value} value={b.value}>
                {b.label}
              </option>
            ))}
          </select>
        </div>
        <NumberSetting id="epochs" label="Epochs" value={settings.epochs} min={1} onChange={(v) => upd({ epochs: v })} help="Passes over the table (paper default 300)." />
        <NumberSetting id="seed" label="Seed" value={settings.seed} min={0} onChange={(v) => upd({ seed: v })} help="Same seed, same result on one backend." />
      </div>
      <ResumeCheckpoint />
      {dataset.schema.idColumn && (
        <p className="status" data-testid="longitudinal-mode">
          Longitudinal mode: the generator learns whole patients (grouped by <strong>{dataset.schema.idColumn}</strong>
          {dataset.schema.timeColumn ? <>, visits ordered by <strong>{dataset.schema.timeColumn}</strong></> : null}) and generates new patients with fresh ids.
          The holdout below keeps back whole patients (all their visits), privacy is measured per patient, and the number to generate
          counts patients.
        </p>
      )}
      <label className="check">
        <input type="checkbox" checked={settings.holdout} disabled={busy} onChange={(e) => upd({ holdout: e.target.checked })} data-testid="holdout" />
        Hold back 20% of {dataset.schema.idColumn ? 'patients' : 'rows'} from training, to check privacy and usefulness against patients the generator never saw (recommended)
      </label>
      <div className="row gap wrap">
        <div className="field">
          <label htmlFor="dp-preset">Differential privacy</label>
          <select
            id="dp-preset"
            data-testid="dp-preset"
            value={settings.dp ?? 'off'}
            disabled={busy}
            onChange={(e) => upd({ dp: e.target.value as Settings['dp'] })}
            aria-describedby="dp-help"
          >
            <option value="off">Off</option>
            {(Object.keys(PRIVACY_PRESETS) as PrivacyPreset[]).map((k) => (
              <option key={k} value={k}>
                {PRIVACY_PRESETS[k].label} (ε = {PRIVACY_PRESETS[k].epsilon})
              </option>
            ))}
          </select>
          <p className="help" id="dp-help">
            {settings.dp && settings.dp !== 'off'
              ? PRIVACY_PRESETS[settings.dp].description + ' A formal guarantee for every patient; the receipt is saved with the model.'
              : 'Train with DP-SGD for a provable bound on what the model reveals about any one patient.'}
          </p>
        </div>
        {settings.dp && settings.dp !== 'off' && (
          <div className="field">
            <label className="check">
              <input
                type="checkbox"
                data-testid="public-domain"
                checked={!!settings.publicDomain}
                disabled={busy}
                onChange={(e) => upd({ publicDomain: e.target.checked })}
              />
              The value ranges and category lists are public knowledge (clinical ranges, code lists)
            </label>
            <p className="help">Then no ε is spent estimating them. Without it, rare categories of small tables come out suppressed.</p>
          </div>
        )}
      </div>
      {train.receipt && (
        <p className="status" role="status" data-testid="privacy-receipt">
          {train.receipt.text}
        </p>
      )}
      <details className="fold">
        <summary>Advanced settings</summary>
        <div className="row gap wrap">
          <NumberSetting id="batch-size" label="Batch size" value={settings.batchSize} min={1} onChange={(v) => upd({ batchSize: v })} help="Rows per training step (default 500)." />
          <NumberSetting
            id="rare-count"
            label="Rare categories below"
            value={settings.rareCount ?? 5}
            min={0}
            onChange={(v) => upd({ rareCount: v })}
            help="Labels seen in fewer rows merge into one protected bucket, so one patient's rare value is never reproduced verbatim."
          />
          <div className="field">
            <label htmlFor="normalisation">Numeric columns</label>
            <select
              id="normalisation"
              data-testid="normalisation"
              value={settings.normalisation ?? 'mode'}
              onChange={(e) => upd({ normalisation: e.target.value as Settings['normalisation'] })}
            >
              <option value="mode">Mode-specific (CTGAN paper, default)</option>
              <option value="stochastic">Stochastic (EHR-Safe)</option>
              <option value="minmax">Min–max</option>
            </select>
            <p className="help">How tVAE and CTGAN encode numbers; the transformer uses quantile bins.</p>
          </div>
          <div className="field">
            <label className="check">
              <input type="checkbox" checked={settings.earlyStopping} onChange={(e) => upd({ earlyStopping: e.target.checked })} data-testid="early-stopping" />
              Stop early when a held-back validation split stops improving
            </label>
          </div>
        </div>
      </details>
      {memory.warning && (
        <p className="notes" role="status" data-testid="memory-warning">
          {memory.warning}
        </p>
      )}
      <div className="row gap">
        <button type="button" className="primary" data-testid="train" disabled={busy} onClick={() => void start()}>
          {train.status === 'done' ? 'Train again' : 'Train'}
        </button>
        {busy && (
          <button type="button" className="secondary" data-testid="cancel-train" onClick={() => void cancel()}>
            Cancel
          </button>
        )}
        <span className="muted" aria-live="polite">
          Backend in use: <strong data-testid="backend-in-use">{train.backend ?? (busy ? 'starting…' : '—')}</strong>
          {(train.threads ?? 1) > 1 && <span data-testid="threads-in-use"> · {train.threads} threads</span>}
        </span>
      </div>
      {(busy || p) && (
        <div className="progress-block" data-testid="train-progress" aria-live="polite">
          <label htmlFor="train-bar">
            {p ? (
              <>
                Epoch <span data-testid="epoch">{int(p.epoch)}</span> of {int(p.epochs)} · {lossText} · ETA {duration(p.etaMs)}
              </>
            ) : (
              'Starting the worker and the compute backend…'
            )}
          </label>
          <progress id="train-bar" max={1} value={p ? p.epoch / p.epochs : undefined} />
        </div>
      )}
      {train.message && (
        <p className={train.status === 'failed' ? 'alert' : 'status'} role="status" data-testid="train-status" data-status={train.status}>
          {train.message}
        </p>
      )}
      {train.stale && <p className="muted">The columns changed after training; train again to use the new settings.</p>}
      <LossChart history={train.history} />
    </section>
  );
}

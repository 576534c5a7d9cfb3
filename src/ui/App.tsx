import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useStore, type View } from './store';
import { DataSection } from './components/DataSection';
import { SchemaSection } from './components/SchemaSection';
import { TrainSection } from './components/TrainSection';
import { DownloadSection } from './components/DownloadSection';
import { ReportView } from './components/ReportView';
import { PrivacyView } from './components/PrivacyView';
import { Walkthrough } from './components/Walkthrough';
import { forgetEverythingAndReload } from '../offline/session-sync';

function ErrorBanner() {
  const error = useStore((s) => s.error);
  const dismiss = useStore((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="alert banner" role="alert" data-testid="error-message">
      <span>{error}</span>
      <button type="button" className="link" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

const TABS: { view: View; label: string }[] = [
  { view: 'prepare', label: 'Prepare and generate' },
  { view: 'report', label: 'Fidelity report' },
  { view: 'privacy', label: 'Privacy' },
];

function Tabs() {
  const view = useStore((s) => s.view);
  const setView = useStore((s) => s.setView);
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = TABS.findIndex((t) => t.view === view);
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1;
    if (next < 0) return;
    e.preventDefault();
    setView(TABS[next].view);
    refs.current[next]?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="Steps" onKeyDown={onKey}>
      {TABS.map((t, i) => (
        <button
          key={t.view}
          ref={(el) => {
            refs.current[i] = el;
          }}
          type="button"
          role="tab"
          id={`tab-${t.view}`}
          aria-selected={view === t.view}
          aria-controls={`panel-${t.view}`}
          tabIndex={view === t.view ? 0 : -1}
          data-testid={`tab-${t.view}`}
          onClick={() => setView(t.view)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

function Forget() {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className="link" data-testid="forget-everything" onClick={() => setAsking(true)}>
        Forget everything on this machine
      </button>
    );
  return (
    <span className="row gap wrap" role="group" aria-label="Confirm forgetting">
      <span>Delete the saved table, settings, models and reports from this browser?</span>
      <button type="button" className="secondary" data-testid="forget-confirm" onClick={() => void forgetEverythingAndReload()}>
        Yes, forget everything
      </button>
      <button type="button" className="link" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}

export function App({ restored = Promise.resolve(false) }: { restored?: Promise<boolean> }) {
  const loadSample = useStore((s) => s.loadSample);
  const view = useStore((s) => s.view);
  const started = useRef(false);
  useEffect(() => {
    // The bundled sample is loaded and ready on first open, unless a saved session came back
    // (StrictMode runs effects twice in dev, hence the ref).
    if (started.current) return;
    started.current = true;
    void restored.then(() => {
      if (!useStore.getState().dataset && !useStore.getState().loading) void loadSample();
    });
  }, [loadSample, restored]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◐
          </span>
          <div>
            <h1>Doppel</h1>
            <p>Synthetic twins of patient tables — made in this browser, nothing leaves this computer.</p>
          </div>
        </div>
        <Tabs />
      </header>
      <main id="main" role="tabpanel" aria-labelledby={`tab-${view}`} tabIndex={-1}>
        <ErrorBanner />
        <div id="panel-prepare" hidden={view !== 'prepare'} className="stack">
          <Walkthrough />
          <DataSection />
          <SchemaSection />
          <TrainSection />
          <DownloadSection />
        </div>
        {view === 'report' && (
          <div id="panel-report" className="stack">
            <ReportView />
          </div>
        )}
        {view === 'privacy' && (
          <div id="panel-privacy" className="stack">
            <PrivacyView />
          </div>
        )}
      </main>
      <footer className="foot muted small">
        <p>
          Your data stays in this browser (saved locally so a reload keeps your place). <Forget />
        </p>
        <p>Bundled sample: Heart Disease (Cleveland) — Janosi A, Steinbrunn W, Pfisterer M, Detrano R (1988), UCI Machine Learning Repository, CC BY 4.0.</p>
      </footer>
    </>
  );
}

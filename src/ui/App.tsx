import { useEffect, useRef } from 'react';
import { useStore } from './store';
import { DataSection } from './components/DataSection';
import { SchemaSection } from './components/SchemaSection';
import { TrainSection } from './components/TrainSection';
import { DownloadSection } from './components/DownloadSection';

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

export function App() {
  const loadSample = useStore((s) => s.loadSample);
  const started = useRef(false);
  useEffect(() => {
    // The bundled sample is loaded and ready on first open (StrictMode runs effects twice in dev).
    if (started.current) return;
    started.current = true;
    if (!useStore.getState().dataset) void loadSample();
  }, [loadSample]);

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
      </header>
      <main id="main">
        <ErrorBanner />
        <DataSection />
        <SchemaSection />
        <TrainSection />
        <DownloadSection />
      </main>
      <footer className="foot muted small">
        Bundled sample: Heart Disease (Cleveland) — Janosi A, Steinbrunn W, Pfisterer M, Detrano R (1988), UCI Machine Learning Repository, CC BY 4.0.
      </footer>
    </>
  );
}

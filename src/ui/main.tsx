import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { useStore } from './store';
import { trainWorker } from './workers';
import { startSessionSync } from '../offline/session-sync';
import './styles.css';

// Put back the last session on this machine (dataset, settings, model) and keep saving it; the page
// renders at once and loads the bundled sample only when there was nothing to restore.
const restored = startSessionSync(useStore, {
  saveModel: () => trainWorker().save(),
  restoreModel: (model, split) => useStore.getState().adoptModel(model, 'the model trained before the reload', split),
}).catch(() => false);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App restored={restored} />
  </StrictMode>,
);

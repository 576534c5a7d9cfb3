/** First-run guide through the bundled sample; hidden for good once dismissed ("Forget everything" brings it back). */
import { useState } from 'react';

const KEY = 'doppel.walkthrough.hidden';

function hiddenBefore(): boolean {
  try {
    return globalThis.localStorage?.getItem(KEY) === '1';
  } catch {
    return false; // storage blocked (some file:// setups): show the guide
  }
}

export function Walkthrough() {
  const [hidden, setHidden] = useState(hiddenBefore);
  if (hidden) return null;
  const hide = () => {
    try {
      globalThis.localStorage?.setItem(KEY, '1');
    } catch {
      // storage blocked: hide for this visit only
    }
    setHidden(true);
  };
  const goToTrain = () => {
    const button = document.querySelector<HTMLButtonElement>('[data-testid="train"]');
    button?.scrollIntoView({ behavior: 'smooth', block: 'center' });
    button?.focus();
  };
  return (
    <section className="card guide" aria-labelledby="guide-heading" data-testid="walkthrough">
      <h2 id="guide-heading">First time here? A synthetic twin in four steps</h2>
      <ol>
        <li>
          <strong>Your table.</strong> The bundled sample — 303 patients of the UCI Cleveland heart study — is already loaded. Drop your own CSV
          whenever you like: it is read in this browser and never uploaded.
        </li>
        <li>
          <strong>Check the columns.</strong> Doppel guessed each column’s kind, missing values and distinct values. Correct any guess, and exclude
          identifiers and free text.
        </li>
        <li>
          <strong>Train.</strong> Pick a generator (tVAE is a good start), optionally a differential-privacy preset, and press Train. It runs on this
          computer, with a progress bar and Cancel.
        </li>
        <li>
          <strong>Generate and check.</strong> Choose how many rows, download them, then read the <em>Fidelity report</em> and <em>Privacy</em> tabs
          before sharing anything.
        </li>
      </ol>
      <div className="row gap">
        <button type="button" className="primary" data-testid="walkthrough-train" onClick={goToTrain}>
          Go to Train
        </button>
        <button type="button" className="secondary" data-testid="walkthrough-hide" onClick={hide}>
          Hide this guide
        </button>
      </div>
    </section>
  );
}

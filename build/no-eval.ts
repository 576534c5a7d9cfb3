/**
 * Keep the app free of JS eval so the CSP needs no 'unsafe-eval' — also inside workers, which in the
 * single-file build start from blob: URLs and so inherit the page's CSP. apache-arrow's builders
 * compile their null check with `new Function` (a v8 micro-optimisation); this swaps it for an
 * equivalent closure (same strict-equality test, NaN handled apart).
 */
import type { Plugin } from 'vite';

const ARROW_VALID = /apache-arrow[\\/]builder[\\/]valid\.m?js$/;

export const ARROW_VALID_SOURCE = `// Patched by build/no-eval.ts: no new Function (CSP without 'unsafe-eval').
export function createIsValidFunction(nullValues) {
    if (!nullValues || nullValues.length <= 0) {
        return function isValid(value) { return true; };
    }
    // The original compiled literal switch cases: strict equality against primitives only.
    const cases = nullValues.filter((x) => x === x && (typeof x !== 'object' || x === null) && typeof x !== 'function');
    const nan = nullValues.length !== nullValues.filter((x) => x === x).length;
    return function isValid(x) {
        if (nan && x !== x) return false;
        for (let i = 0; i < cases.length; i++) if (x === cases[i]) return false;
        return true;
    };
}
`;

export function noEvalPlugin(): Plugin {
  return {
    name: 'doppel-no-eval',
    enforce: 'pre',
    transform(code, id) {
      if (!ARROW_VALID.test(id.split('?')[0])) return null;
      if (!code.includes('createIsValidFunction')) return null;
      return { code: ARROW_VALID_SOURCE, map: null };
    },
  };
}

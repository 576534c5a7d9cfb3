/**
 * Single-file build helpers: one self-contained index.html that runs from file:// (no server, no
 * install rights). vite-plugin-singlefile inlines the JS/CSS; these plugins make the rest inlinable:
 * - workers written `new Worker(new URL('./w.ts', import.meta.url), opts)` become Vite `?worker&inline`
 *   imports (code inlined, started from a blob: URL);
 * - src/offline/wasm-paths.ts is swapped for wasm-paths.single.ts (wasm binaries as data: URLs).
 */
import type { Plugin } from 'vite';
import path from 'node:path';

const WORKER_RE = /new\s+Worker\(\s*new\s+URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)\s*(?:,\s*)?/g;

export function inlineWorkersPlugin(): Plugin {
  return {
    name: 'doppel-inline-workers',
    enforce: 'pre',
    transform(code, id) {
      if (id.includes('node_modules') || !/\.[cm]?[jt]sx?$/.test(id.split('?')[0]) || !code.includes('new Worker(')) return null;
      const imports: string[] = [];
      const out = code.replace(WORKER_RE, (_m, _q, spec: string) => {
        const name = `__doppelInlineWorker${imports.length}`;
        imports.push(`import ${name} from ${JSON.stringify(spec + '?worker&inline')};`);
        // Vite's inline worker wrapper takes ({ name }) and always starts a module worker for format 'es'.
        return `new ${name}(`;
      });
      if (!imports.length) return null;
      return { code: imports.join('\n') + '\n' + out, map: null };
    },
  };
}

export function singleWasmPlugin(): Plugin {
  const normal = path.resolve(import.meta.dirname, '../src/offline/wasm-paths.ts');
  const single = path.resolve(import.meta.dirname, '../src/offline/wasm-paths.single.ts');
  return {
    name: 'doppel-single-wasm',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!/wasm-paths(\.ts)?$/.test(source) || !importer) return null;
      const r = await this.resolve(source, importer, { ...options, skipSelf: true });
      return r && path.resolve(r.id) === normal ? single : null;
    },
  };
}

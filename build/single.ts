/**
 * Single-file build helpers: one self-contained index.html that runs from file:// (no server, no
 * install rights). vite-plugin-singlefile inlines the JS/CSS; these plugins make the rest inlinable:
 * - workers written `new Worker(new URL('./w.ts', import.meta.url), opts)` become Vite `?worker&inline`
 *   imports (code inlined, started from a blob: URL);
 * - the tfjs wasm binaries (`?url` imports in src/offline/wasm-paths.ts) become data: URLs through
 *   assetsInlineLimit, which tfjs fetches under connect-src data:;
 * - src/offline/public-url.ts is swapped for a module holding the public/ files (blob: URLs).
 */
import type { Plugin } from 'vite';
import path from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';

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

/** Files from public/ inlined into the single file (the bundled sample); anything bigger is left out. */
const MAX_PUBLIC_BYTES = 2 * 1024 * 1024;
const MIME: Record<string, string> = { '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.csv': 'text/csv', '.json': 'application/json' };
const PUBLIC_URL_ID = '\0doppel-public-url';

export function singlePublicFilesPlugin(publicDir = path.resolve(import.meta.dirname, '../public')): Plugin {
  const normal = path.resolve(import.meta.dirname, '../src/offline/public-url.ts');
  return {
    name: 'doppel-single-public-files',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!/public-url(\.ts)?$/.test(source) || !importer) return null;
      const r = await this.resolve(source, importer, { ...options, skipSelf: true });
      return r && path.resolve(r.id) === normal ? PUBLIC_URL_ID : null;
    },
    // <link rel="icon" href="./favicon.svg"> and the like: inline public files referenced by the page.
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        return html.replace(/(\s(?:href|src)=")(?:\.\/|\/)?([^"/:#?]+)"/g, (m, pre: string, name: string) => {
          const full = path.join(publicDir, name);
          try {
            if (!statSync(full).isFile()) return m;
          } catch {
            return m;
          }
          const ext = path.extname(name).toLowerCase();
          const mime = MIME[ext] ?? 'application/octet-stream';
          return `${pre}data:${mime};base64,${readFileSync(full).toString('base64')}"`;
        });
      },
    },
    load(id) {
      if (id !== PUBLIC_URL_ID) return null;
      const files: Record<string, string> = {};
      for (const name of readdirSync(publicDir)) {
        const full = path.join(publicDir, name);
        if (statSync(full).isFile() && statSync(full).size <= MAX_PUBLIC_BYTES) files[name] = readFileSync(full).toString('base64');
      }
      return `const FILES = ${JSON.stringify(files)};
const urls = new Map();
export function publicFileUrl(name) {
  if (!urls.has(name)) {
    const b64 = FILES[name];
    if (b64 === undefined) throw new Error('This single-file build does not include ' + name);
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    urls.set(name, URL.createObjectURL(new Blob([bytes])));
  }
  return urls.get(name);
}
`;
    },
  };
}

/**
 * Vite config for the browser bench page (bench/browser/): built into a temporary folder and served by
 * `vite preview` from bench/browser/driver.ts — not part of the app's build. The served CSV comes from
 * the driver (GET /data.csv); `isolated` adds COOP/COEP so the page is cross-origin isolated (threaded wasm).
 */
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig, Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export const DATA_PATH = '/data.csv';

function isolationHeaders(isolated: boolean): Record<string, string> {
  return isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
}

/** Serves the bench's CSV at /data.csv on the preview server. */
function dataPlugin(file: string, isolated: boolean): Plugin {
  return {
    name: 'doppel-bench-data',
    configurePreviewServer(server) {
      server.middlewares.use(DATA_PATH, (_req, res) => {
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Length', String(statSync(file).size));
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        for (const [k, v] of Object.entries(isolationHeaders(isolated))) res.setHeader(k, v);
        createReadStream(file).pipe(res);
      });
    },
  };
}

export function benchViteConfig(opts: { data: string; outDir: string; isolated: boolean; port?: number }): InlineConfig {
  return {
    configFile: false,
    root: here,
    base: './',
    logLevel: 'warn',
    plugins: [dataPlugin(opts.data, opts.isolated)],
    // The bundler's "plugin timings" notice fires on a loaded box and says nothing about the bench.
    worker: { format: 'es', rolldownOptions: { checks: { bundlerTimings: false } } },
    build: {
      target: 'es2022',
      outDir: opts.outDir,
      emptyOutDir: true,
      sourcemap: false,
      // Minified like the app, isolated or not: initBackend never takes tfjs's threaded wasm build (which
      // rebuilt its factory from its own source text and broke when minified).
      minify: true,
      chunkSizeWarningLimit: 8192,
      reportCompressedSize: false,
      rolldownOptions: { checks: { bundlerTimings: false } },
    },
    preview: { host: '127.0.0.1', port: opts.port ?? 4190, strictPort: false, headers: isolationHeaders(opts.isolated) },
  };
}

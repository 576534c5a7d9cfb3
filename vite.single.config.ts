/**
 * `npm run build:single` → dist-single/index.html: the whole app in ONE self-contained HTML file
 * (JS, CSS, workers, tfjs wasm binaries, the bundled sample) that runs from file:// by double-click.
 * Reuses vite.config.ts; drops the service worker (no SW on file://) and pins the inline script
 * by hash in the CSP. Workers are classic (iife) here: a page opened from file:// has an opaque origin,
 * and Chromium refuses a *module* worker from its blob: URL (same-origin fetch), but runs a classic one.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig, type ConfigEnv, type PluginOption, type UserConfig } from 'vite';
import { viteSingleFile } from 'vite-plugin-singlefile';
import base from './vite.config';
import { cspPlugin } from './build/csp';
import { inlineWorkersPlugin, singlePublicFilesPlugin } from './build/single';
import { noEvalPlugin } from './build/no-eval';

const DROP = new Set(['doppel-pwa', 'doppel-csp']);

function keep(p: PluginOption): PluginOption {
  if (Array.isArray(p)) return p.map(keep);
  if (p && typeof p === 'object' && 'name' in p && DROP.has(p.name)) return null;
  return p;
}

export default defineConfig(async (env: ConfigEnv) => {
  // vite.config.ts may export an object or a function of the env.
  const exported = base as UserConfig | ((env: ConfigEnv) => UserConfig | Promise<UserConfig>);
  const resolved: UserConfig = typeof exported === 'function' ? await exported(env) : exported;
  const { plugins = [], test: _test, ...rest } = resolved as UserConfig & { test?: unknown };
  return mergeConfig(rest, {
    base: './',
    publicDir: false,
    define: { 'import.meta.env.VITE_SINGLE_FILE': JSON.stringify('1') },
    // file:// is never cross-origin isolated: no tVAE replica worker to bundle (it would be a second file).
    resolve: { alias: [{ find: /^\.\/replica-thread$/, replacement: fileURLToPath(new URL('./workers/replica-thread.single.ts', import.meta.url)) }] },
    plugins: [
      noEvalPlugin(),
      inlineWorkersPlugin(),
      singlePublicFilesPlugin(),
      ...(keep(plugins) as PluginOption[]),
      viteSingleFile({ removeViteModuleLoader: true }),
      cspPlugin({ hashInlineScripts: true }),
    ],
    worker: { format: 'iife', plugins: () => [noEvalPlugin(), singlePublicFilesPlugin()], rolldownOptions: { output: { codeSplitting: false } } },
    build: { outDir: 'dist-single', emptyOutDir: true, assetsInlineLimit: Number.MAX_SAFE_INTEGER, chunkSizeWarningLimit: 100_000 },
  } satisfies UserConfig);
});

/**
 * The app's build with the offline plugins guaranteed on, into a private folder — lets the offline
 * specs run (build/playwright.verify.config.ts) without touching dist/ that other runs share.
 */
import { defineConfig, mergeConfig, type ConfigEnv, type PluginOption, type UserConfig } from 'vite';
import path from 'node:path';
import base from '../vite.config';
import { cspPlugin } from './csp';
import { pwaPlugin } from './pwa';

function names(p: PluginOption): string[] {
  if (Array.isArray(p)) return p.flatMap(names);
  return p && typeof p === 'object' && 'name' in p ? [p.name] : [];
}

export default defineConfig(async (env: ConfigEnv) => {
  // vite.config.ts may export an object or a function of the env.
  const exported = base as UserConfig | ((env: ConfigEnv) => UserConfig | Promise<UserConfig>);
  const resolved: UserConfig = typeof exported === 'function' ? await exported(env) : exported;
  const { test: _t, ...rest } = resolved as UserConfig & { test?: unknown };
  const have = names(rest.plugins ?? []);
  const extra = [have.includes('doppel-csp') ? null : cspPlugin(), have.includes('doppel-pwa') ? null : pwaPlugin()];
  return mergeConfig(rest, {
    root: path.resolve(import.meta.dirname, '..'),
    plugins: extra,
    build: { outDir: path.resolve(import.meta.dirname, '../node_modules/.cache/doppel-app'), emptyOutDir: true },
    preview: { port: 4399, strictPort: true },
  } satisfies UserConfig);
});

/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { cspPlugin } from './build/csp';
import { pwaPlugin } from './build/pwa';

export default defineConfig({
  // Relative asset URLs: the same build works under any path (and is the base of the single-file build).
  base: './',
  // Built pages only: a strict Content-Security-Policy meta, and the PWA (manifest, icons, precaching
  // service worker). vite.single.config.ts drops the service worker and pins inline scripts by hash.
  plugins: [react(), cspPlugin(), pwaPlugin()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 4096 },
  preview: { port: 4173, strictPort: true },
  test: {
    include: ['src/**/*.test.ts', 'workers/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { cspPlugin } from './build/csp';
import { pwaPlugin } from './build/pwa';

/**
 * Cross-origin isolation (SharedArrayBuffer, Atomics.wait in workers): the tVAE trains on two threads
 * (workers/replica-thread.ts). The app loads nothing cross-origin, so require-corp costs nothing. A static
 * host without these headers still works: the service worker adds them from the second visit on, and
 * without them training runs on one thread with the very same numbers.
 */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  // Relative asset URLs: the same build works under any path (and is the base of the single-file build).
  base: './',
  // Built pages only: a strict Content-Security-Policy meta, and the PWA (manifest, icons, precaching
  // service worker). vite.single.config.ts drops the service worker and pins inline scripts by hash.
  plugins: [react(), cspPlugin(), pwaPlugin()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 4096 },
  server: { headers: ISOLATION_HEADERS },
  preview: { port: 4173, strictPort: true, headers: ISOLATION_HEADERS },
  test: {
    include: ['src/**/*.test.ts', 'workers/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

/**
 * Where the tfjs wasm binaries come from: emitted by Vite as the app's own assets (never a CDN), so
 * they are same-origin, covered by the CSP and precached by the service worker. The single-file build
 * inlines them: with assetsInlineLimit unbounded these `?url` imports become data: URLs.
 * Use: initBackend(pref, { wasmPaths: tfjsWasmPaths() }).
 */
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export function tfjsWasmPaths(): Record<string, string> {
  // Absolute URLs: a worker resolves relative ones against its own script URL.
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const abs = (u: string) => (base ? new URL(u, base).href : u);
  return {
    'tfjs-backend-wasm.wasm': abs(wasm),
    'tfjs-backend-wasm-simd.wasm': abs(wasmSimd),
    'tfjs-backend-wasm-threaded-simd.wasm': abs(wasmThreadedSimd),
  };
}

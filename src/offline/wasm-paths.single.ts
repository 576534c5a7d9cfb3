/**
 * Single-file build: the wasm binaries inlined as data: URLs (no file next to index.html to fetch).
 * The threaded build needs cross-origin isolation, which file:// never has, so it is not inlined.
 */
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?inline';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?inline';

export function tfjsWasmPaths(): Record<string, string> {
  return {
    'tfjs-backend-wasm.wasm': wasm,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
  };
}

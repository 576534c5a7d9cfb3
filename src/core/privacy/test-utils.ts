/** Test support for privacy tests (Node only): the wasm tfjs backend and the shared data folder. */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let ready: Promise<void> | null = null;
export function initTestBackend(): Promise<void> {
  ready ??= (async () => {
    setWasmPaths(path.resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
    if (!(await tf.setBackend('wasm'))) await tf.setBackend('cpu');
    await tf.ready();
  })();
  return ready;
}

export const DATA_DIR = path.resolve(process.cwd(), '../shared/data');

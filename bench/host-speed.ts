/**
 * How fast this host is right now, beside the s/epoch it explains: the same 2-core kind has run the same
 * tVAE epoch at 0.4 s one day and 1.5 s another (bench/README.md). Two probes of ~0.5 s each: the backend's
 * matrix product on a generator-sized shape ([500, 256]·[256, 256], GFLOP/s) and a scalar JS loop (M op/s).
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { pauseProductHelper } from '../src/core/models/wasm-gemm/install';

export interface HostSpeed {
  productGflops: number;
  scalarMops: number;
  cpuModel: string;
  cpuMhz: number;
  loadAverage: number[];
}

/** One thread's product rate (the helper thread paused, so days compare). */
function productGflops(seconds: number): number {
  pauseProductHelper(true);
  try {
    return timedProducts(seconds);
  } finally {
    pauseProductHelper(false);
  }
}

function timedProducts(seconds: number): number {
  const a = tf.randomUniform([500, 256], -1, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomUniform([256, 256], -1, 1, 'float32', 2) as tf.Tensor2D;
  // Read the result outside the tidy (a tidy walks a returned typed array value by value).
  const once = () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  for (let i = 0; i < 5; i++) once();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    once();
    n++;
  }
  const s = (performance.now() - t0) / 1000;
  a.dispose();
  b.dispose();
  return (2 * 500 * 256 * 256 * n) / s / 1e9;
}

function scalarMops(seconds: number): number {
  let x = 1;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < 1_000_000; i++) x = (x * 1.000001 + 0.5) % 1000;
    n++;
  }
  if (x === -1) console.log(x); // keep the loop
  return n / ((performance.now() - t0) / 1000);
}

export function hostSpeed(seconds = 0.5): HostSpeed {
  const cpus = os.cpus();
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    productGflops: round(productGflops(seconds)),
    scalarMops: round(scalarMops(seconds)),
    cpuModel: cpus[0]?.model ?? '?',
    cpuMhz: cpus[0]?.speed ?? 0,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

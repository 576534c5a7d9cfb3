import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { initNodeBackend } from '../../../cli/tf-node';
import { TVAE } from './tvae';
import { TvaeReplicaLink, replicaFactory, replicaInit, type ReplicaFactory, type TvaeReplicaInit } from './replica';
import { simpleEncoders } from '../encoding';
import { syntheticTable } from '../test-utils';
import type { Span } from '../../transform/types';

const twoCpus = os.cpus().length >= 2;

beforeAll(async () => {
  await initNodeBackend('wasm');
});

function init(width: number, spans: Span[], rows: number): TvaeReplicaInit {
  const shape = { width, spans, hidden: [16, 16], latent: 8, lossFactor: 2 };
  const probe = TVAE.replicaNetwork(shape as TvaeReplicaInit);
  const cfg = replicaInit(probe.vars, shape, rows);
  Object.values(probe.vars).forEach((v) => v.dispose());
  return cfg;
}

describe('tVAE replica thread', () => {
  it.runIf(twoCpus)("returns this thread's gradients, bit for bit, for the same weights, rows, seed and share", async () => {
    const spans: Span[] = [
      { column: 'a', role: 'scalar', start: 0, width: 1, activation: 'tanh' },
      { column: 'a', role: 'mode', start: 1, width: 3, activation: 'softmax' },
      { column: 'b', role: 'category', start: 4, width: 4, activation: 'softmax' },
    ] as Span[];
    const D = 8;
    const rows = 40;
    const cfg = init(D, spans, rows);
    const link = await TvaeReplicaLink.open(replicaFactory()!, cfg);
    expect(link).not.toBeNull();
    const local = TVAE.replicaNetwork(cfg);
    // weights of their own (not the replica's initial ones), and a batch of one-hot rows
    for (const v of Object.values(local.vars)) v.assign(tf.randomUniform(v.shape, -0.3, 0.3, 'float32', 7));
    local.vars['sigma'].assign(tf.fill(local.vars['sigma'].shape, 0.2));
    const x = new Float32Array(rows * D);
    for (let i = 0; i < rows; i++) {
      x[i * D] = Math.sin(i);
      x[i * D + 1 + (i % 3)] = 1;
      x[i * D + 4 + (i % 4)] = 1;
    }
    link!.start(local.vars, x, rows, 0xdeadbeef, 0.4); // a seed above 2³¹ too
    const theirs = link!.finish()!;
    expect(theirs).not.toBeNull();
    const mine = local.gradients(tf.tensor2d(x, [rows, D]), 0xdeadbeef, 0.4);
    expect(theirs.value).toBe(Math.fround(mine.value.dataSync()[0]));
    for (const k of Object.keys(mine.grads)) expect(Array.from(theirs.grads[k].dataSync())).toEqual(Array.from(mine.grads[k].dataSync()));
    link!.close();
  });

  it.runIf(twoCpus)('trains on two threads to the very numbers of one thread, with flat memory', async () => {
    const { table, schema } = syntheticTable(1200, 3);
    const run = async (threads: number) => {
      const m = new TVAE({ encoders: simpleEncoders });
      const tensors: number[] = [];
      const r = await m.fit(table, schema, { epochs: 4, batchSize: 200, seed: 4, threads }, () => tensors.push(tf.memory().numTensors));
      const weights = JSON.stringify((await m.save()).weights);
      m.dispose();
      return { r, tensors, weights };
    };
    const a = await run(2);
    const b = await run(1);
    expect(a.r.threads).toBe(2);
    expect(b.r.threads).toBe(1);
    expect(a.r.history.map((h) => h.losses.loss)).toEqual(b.r.history.map((h) => h.losses.loss));
    expect(a.weights).toBe(b.weights);
    const losses = a.r.history.map((h) => h.losses.loss);
    expect(losses[3]).toBeLessThan(losses[0]);
    expect(new Set(a.tensors.slice(1)).size).toBe(1);
  });

  it('finishes on one thread when the replica never starts or dies mid-run', async () => {
    const { table, schema } = syntheticTable(600, 5);
    const never: ReplicaFactory = () => ({ alive: () => false, terminate: () => {} });
    // says it is ready, then is gone at the first step
    let calls = 0;
    const dies: ReplicaFactory = (cfg) => {
      Atomics.store(new Int32Array(cfg.control), 5, 1);
      return { alive: () => ++calls < 2, terminate: () => {} };
    };
    const { setReplicaFactory } = await import('./replica');
    const saved = replicaFactory();
    try {
      for (const f of [never, dies]) {
        setReplicaFactory(f);
        const m = new TVAE({ encoders: simpleEncoders });
        const r = await m.fit(table, schema, { epochs: 2, batchSize: 200, seed: 2, threads: 2 });
        expect(r.epochs).toBe(2);
        expect(r.history.every((h) => Number.isFinite(h.losses.loss))).toBe(true);
        expect(r.threads).toBe(f === never ? 1 : 2);
        m.dispose();
      }
    } finally {
      setReplicaFactory(saved);
    }
  });

  it('stops waiting for a replica that never gets ready when training is cancelled', async () => {
    let terminated = false;
    const stuck: ReplicaFactory = () => ({ alive: () => true, terminate: () => void (terminated = true) });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    const link = await TvaeReplicaLink.open(stuck, init(8, [{ column: 'b', role: 'category', start: 0, width: 8, activation: 'softmax' }] as Span[], 10), 60_000, ac.signal);
    expect(link).toBeNull();
    expect(terminated).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

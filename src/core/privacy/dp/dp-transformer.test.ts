import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestText } from '../../data/index';
import { TabularTransformer } from '../../models/transformer/transformer';
import { DATA_DIR, initTestBackend } from '../test-utils';
import * as tf from '@tensorflow/tfjs';
import { causalMask, initParams, type NetworkConfig } from '../../models/transformer/network';
import { DpTransformer, clippedSumGhost, clippedSumLoop, ghostNormsSq, type DpBatch } from './dp-transformer';
import type { PrivacyReceipt } from './rdp-accountant';

describe('DP transformer', () => {
  beforeAll(initTestBackend);

  it('ghost per-example norms and clipped sums equal single-example backward passes', () => {
    const cfg: NetworkConfig = { vocab: 20, maxTokens: 6, columns: 4, width: 8, layers: 2, heads: 2, ffn: 12, dropout: 0 };
    const p = initParams(cfg, 11);
    // perturb layer-norm gains/biases and head biases off their init so every term is exercised
    tf.tidy(() => Object.entries(p).forEach(([n, v]) => /ln|head\/b/.test(n) && v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', 5)))));
    const B = 5, T = 4;
    const sizes = [6, 5, 4, 5];
    const offsets = [0, 6, 11, 15];
    const order = [2, 0, 3, 1];
    const prev = new Int32Array(B * T);
    const target = new Int32Array(B * T);
    for (let i = 0; i < B; i++) {
      let prevTok = cfg.vocab;
      order.forEach((c, t) => {
        const local = (i * 7 + t * 3) % sizes[c];
        prev[i * T + t] = prevTok;
        target[t * B + i] = local;
        prevTok = offsets[c] + local;
      });
    }
    const K = cfg.maxTokens;
    const m = new Float32Array(T * K);
    order.forEach((c, t) => m.fill(-1e9, t * K + sizes[c], (t + 1) * K));
    const b: DpBatch = {
      prev, target, B, T,
      prevColumns: tf.tensor1d(Int32Array.from([cfg.columns, ...order.slice(0, -1)]), 'int32'),
      targetColumns: tf.tensor1d(Int32Array.from(order), 'int32'),
      mask: tf.tensor2d(m, [T, K]),
      causal: causalMask(T),
    };
    const ghost = ghostNormsSq(p, cfg, b);
    const loop = clippedSumLoop(p, cfg, b, 0.05);
    const g = ghost.normsSq.dataSync();
    for (let i = 0; i < B; i++) expect(Math.abs(g[i] - loop.normsSq[i]) / loop.normsSq[i]).toBeLessThan(1e-3);
    expect(Math.abs(ghost.loss - loop.loss)).toBeLessThan(1e-4 * Math.abs(loop.loss) + 1e-5);
    // C small enough that every example is clipped: the sums must agree too
    const gs = clippedSumGhost(p, cfg, b, 0.05);
    for (const [name, t] of Object.entries(loop.grads)) {
      const a = t.dataSync();
      const c = gs.grads[name].dataSync();
      let diff = 0, norm = 0;
      for (let j = 0; j < a.length; j++) {
        diff += (a[j] - c[j]) ** 2;
        norm += a[j] ** 2;
      }
      expect(Math.sqrt(diff)).toBeLessThan(1e-3 * Math.sqrt(norm) + 1e-6);
    }
    ghost.normsSq.dispose();
    for (const t of [...Object.values(loop.grads), ...Object.values(gs.grads), b.prevColumns, b.targetColumns, b.mask, b.causal]) t.dispose();
    for (const v of Object.values(p)) v.dispose();
  });

  it('trains within the budget, saves a receipt and samples through TabularTransformer.load', async () => {
    const text = fs.readFileSync(path.join(DATA_DIR, 'heart_cleveland.csv'), 'utf8');
    const { table, schema } = await ingestText(text, 'heart_cleveland.csv');
    const model = new DpTransformer();
    const progress: number[] = [];
    const res = await model.fit(
      table,
      schema,
      { epsilon: 3, epochs: 2, batchSize: 64, width: 16, heads: 2, ffn: 32, layers: 1, seed: 7, publicBounds: { age: [0, 120] }, publicCategories: { sex: ['0.0', '1.0'] } },
      (p) => progress.push(p.losses.loss),
    );
    expect(res.diverged).toBeUndefined();
    expect(res.stoppedEarly).toBe(false);
    expect(progress.length).toBe(2);
    expect(progress.every(Number.isFinite)).toBe(true);
    const saved = model.save();
    const receipt = saved.privacy as PrivacyReceipt;
    expect(receipt.epsilon).toBeLessThanOrEqual(3 + 1e-9);
    expect(receipt.epsilon).toBeGreaterThan(2);
    expect(receipt.steps).toBe(5 * 2); // round(303/64) Poisson steps per epoch × 2 epochs
    expect(receipt.text).toContain('differential privacy');
    const ageCol = saved.schema.columns.find((c) => c.name === 'age')!;
    expect([ageCol.min, ageCol.max]).toEqual([0, 120]);
    expect(saved.schema.columns.every((c) => c.missing === 0 && c.distinct === 0)).toBe(true);
    const json = JSON.stringify(saved);
    expect(json.includes(text.split(/\r?\n/)[1])).toBe(false);

    const loaded = TabularTransformer.load(JSON.parse(json));
    const out = await loaded.sample(200, 1);
    loaded.dispose();
    expect(out.numRows).toBe(200);
    expect(out.schema.fields.map((f) => f.name)).toEqual(schema.columns.map((c) => c.name));
    for (const c of schema.columns.filter((c) => c.kind === 'categorical' || c.kind === 'boolean')) {
      const real = new Set<string>();
      const rv = table.getChild(c.name)!;
      for (let i = 0; i < table.numRows; i++) real.add(String(rv.get(i)));
      const sv = out.getChild(c.name)!;
      for (let i = 0; i < out.numRows; i++) {
        const v = sv.get(i);
        if (v !== null) expect(real.has(String(v)), `${c.name}=${String(v)}`).toBe(true);
      }
    }
    // numbers stay inside the (public) bounds
    const ages = out.getChild('age')!;
    for (let i = 0; i < out.numRows; i++) {
      const a = ages.get(i) as number | null;
      if (a !== null) expect(a >= 0 && a <= 120).toBe(true);
    }
    const sexes = new Set<string>();
    for (let i = 0; i < out.numRows; i++) sexes.add(String(out.getChild('sex')!.get(i)));
    expect(sexes.has('0.0') || sexes.has('1.0')).toBe(true);
    const direct = await model.sample(10, 2);
    expect(direct.numRows).toBe(10);
    model.dispose();
  }, 60_000);
});

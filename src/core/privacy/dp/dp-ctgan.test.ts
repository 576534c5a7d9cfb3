import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestText } from '../../data/index';
import { CTGAN } from '../../models/ctgan/ctgan';
import { DATA_DIR, initTestBackend } from '../test-utils';
import * as tf from '@tensorflow/tfjs';
import { denseParams } from '../../models/layers/dense';
import type { NamedVariables } from '../../models/training';
import { DpCTGAN, clippedCriticSums, criticForward } from './dp-ctgan';
import type { PrivacyReceipt } from './rdp-accountant';

describe('DP CTGAN', () => {
  beforeAll(initTestBackend);

  it('clipped critic sums equal per-row gradients clipped one by one', () => {
    const dims = [6, 5];
    const c: NamedVariables = {};
    let d = 4;
    dims.forEach((h, i) => {
      const p = denseParams(`c${i}`, d, h, 10 + i);
      c[`c${i}/w`] = p.w;
      c[`c${i}/b`] = p.b;
      d = h;
    });
    const out = denseParams('cout', d, 1, 20);
    c['cout/w'] = out.w;
    c['cout/b'] = out.b;
    tf.tidy(() => Object.values(c).forEach((v) => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.5, 'float32', 3)))));
    const n = 7;
    const x = tf.randomNormal([n, 4], 0, 1, 'float32', 4) as tf.Tensor2D;
    const sign = tf.tensor2d([-1, -1, -1, 1, 1, 1, 1], [n, 1]);
    const clip = 0.3;
    const r = clippedCriticSums(c, dims, x, sign, 99, clip);
    const norms = r.normsSq.dataSync();
    const names = Object.keys(c);
    const ref: Record<string, Float32Array> = Object.fromEntries(names.map((k) => [k, new Float32Array(c[k].size)]));
    let clipped = 0;
    for (let i = 0; i < n; i++) {
      tf.tidy(() => {
        const pick = tf.oneHot(tf.tensor1d([i], 'int32'), n).reshape([n, 1]);
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(criticForward(c, dims, x, 99, undefined, undefined, true), tf.mul(sign, pick))) as tf.Scalar, names.map((k) => c[k]));
        let n2 = 0;
        for (const k of names) n2 += tf.sum(tf.square(grads[c[k].name])).dataSync()[0];
        expect(Math.abs(n2 - norms[i]) / n2).toBeLessThan(1e-3);
        const s = Math.min(1, clip / Math.sqrt(n2));
        if (s < 1) clipped++;
        for (const k of names) grads[c[k].name].dataSync().forEach((g, j) => (ref[k][j] += s * g));
      });
    }
    expect(clipped).toBeGreaterThan(0);
    for (const k of names) {
      const got = r.sums[k].dataSync();
      ref[k].forEach((v, j) => expect(Math.abs(got[j] - v)).toBeLessThan(1e-4 + 1e-3 * Math.abs(v)));
    }
    for (const t of [...Object.values(r.sums), r.normsSq, x, sign, ...Object.values(c)]) t.dispose();
  });

  it('trains the critic within the budget, saves a receipt and samples through CTGAN.load', async () => {
    const { table, schema } = await ingestText(fs.readFileSync(path.join(DATA_DIR, 'heart_cleveland.csv'), 'utf8'), 'heart_cleveland.csv');
    const model = new DpCTGAN();
    const progress: number[] = [];
    const res = await model.fit(
      table,
      schema,
      { epsilon: 3, epochs: 3, batchSize: 64, generatorDims: [32, 32], criticDims: [32, 32], noiseDim: 16, seed: 5, publicBounds: { age: [0, 120] }, publicCategories: { sex: ['0.0', '1.0'] } },
      (p) => progress.push(p.losses.critic),
    );
    expect(res.diverged).toBeUndefined();
    expect(res.stoppedEarly).toBe(false);
    expect(progress.length).toBe(3);
    expect(progress.every(Number.isFinite)).toBe(true);
    const saved = model.save();
    const receipt = saved.privacy as PrivacyReceipt;
    expect(receipt.epsilon).toBeLessThanOrEqual(3 + 1e-9);
    expect(receipt.epsilon).toBeGreaterThan(2);
    expect(receipt.steps).toBe(5 * 3); // round(303/64) critic steps per epoch × 3 epochs
    expect(receipt.text).toContain('differential privacy');
    // no critic weights, no gradient penalty, no raw counts/ranges in the file
    expect(Object.keys(saved.weights).some((k) => k.startsWith('c'))).toBe(false);
    expect(saved.options.pac).toBe(1);
    const ageCol = saved.schema.columns.find((c) => c.name === 'age')!;
    expect([ageCol.min, ageCol.max]).toEqual([0, 120]);
    expect(saved.schema.columns.every((c) => c.missing === 0 && c.distinct === 0)).toBe(true);
    const json = JSON.stringify(saved);
    const firstRow = fs.readFileSync(path.join(DATA_DIR, 'heart_cleveland.csv'), 'utf8').split(/\r?\n/)[1];
    expect(json.includes(firstRow)).toBe(false);

    const loaded = await CTGAN.load(JSON.parse(json));
    const out = await loaded.sample(200, 1);
    loaded.dispose();
    expect(out.numRows).toBe(200);
    expect(out.schema.fields.map((f) => f.name)).toEqual(schema.columns.map((c) => c.name));
    // categories come from the real set
    for (const c of schema.columns.filter((c) => c.kind === 'categorical' || c.kind === 'boolean')) {
      const real = new Set<string>();
      const rv = table.getChild(c.name)!;
      for (let i = 0; i < table.numRows; i++) real.add(String(rv.get(i)));
      const sv = out.getChild(c.name)!;
      for (let i = 0; i < out.numRows; i++) {
        const v = sv.get(i);
        if (v !== null) expect(real.has(String(v)), `${c.name}=${String(v)} not in ${[...real].join(",")}`).toBe(true);
      }
    }
    // the public category list is used as given and both categories appear
    const sexes = new Set<string>();
    for (let i = 0; i < out.numRows; i++) sexes.add(String(out.getChild('sex')!.get(i)));
    expect([...sexes].sort()).toEqual(['0.0', '1.0']);
    const direct = await model.sample(10, 2);
    expect(direct.numRows).toBe(10);
    model.dispose();
  }, 60_000);
});

/**
 * CTGAN — conditional tabular GAN of Xu et al., "Modeling Tabular data using Conditional GAN", NeurIPS 2019.
 * Generator: (noise ⊕ conditional vector) → residual blocks h ← [ReLU(BN(FC(h))), h] (256, 256) → tanh on
 * scalars, Gumbel-softmax (τ 0.2) on spans. Critic: PacGAN (pac 10) over (row ⊕ cond), FC 256 → LeakyReLU 0.2 →
 * dropout 0.5, twice, → 1; WGAN-GP (Gulrajani et al. 2017) with λ 10. Generator adds the cross-entropy of the
 * conditioned column. Training-by-sampling in ./conditional-vector.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../../schema/types';
import type { TableEncoder } from '../../transform/types';
import { Rng } from '../../util/random';
import type { Condition, FitOptions, FitResult, Generator, SampleOptions, SavedModel, TrainProgress } from '../types';
import { batchNormRelu } from '../layers/batch-norm';
import { concatColumns, dense, denseParams, denseWithOneHot, matMulTransB, uniqueName } from '../layers/dense';
import { dropoutMask, randomNormal, randomUniform } from '../layers/random';
import { SpanLayout } from '../layers/spans';
import { outputsToRows } from '../layers/sampling';
import { restoreEncoder, savedSchema, trainingEncoder, type EncoderFactory } from '../encoding';
import {
  Adam, TrainClock, Yielder, assignWeights, base64ToFloats, disposeAll, divergedMessage, floatsToBase64, gradients, jsonOptions,
  readTidy, restore, resumePoint, serialiseWeights, snapshot, type NamedVariables,
} from '../training';
import { currentBackend } from '../backend';
import { ConditionalVector, type CondBatch } from './conditional-vector';

export interface CTGANOptions extends FitOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  noiseDim?: number;
  generatorDims?: number[];
  criticDims?: number[];
  pac?: number;
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  weightDecay?: number;
  gradientPenalty?: number;
  tau?: number;
  criticSteps?: number;
}

const DEFAULTS = {
  epochs: 300,
  batchSize: 500,
  seed: 0,
  noiseDim: 128,
  generatorDims: [256, 256],
  criticDims: [256, 256],
  pac: 10,
  learningRate: 2e-4,
  beta1: 0.5,
  beta2: 0.9,
  weightDecay: 1e-6,
  gradientPenalty: 10,
  tau: 0.2,
  criticSteps: 1,
};
type Resolved = typeof DEFAULTS & CTGANOptions;

const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;
const SLOPE = 0.2;

/**
 * A batch as the critic sees it: pac groups of rows, [B/pac, pac·D], and their conditional vectors apart,
 * [B/pac, pac·C] (one-hot per row), or null without discrete columns. Apart, the critic's first layer skips
 * the conditional vector's zeros (denseWithOneHot) and nothing concatenates them.
 */
interface PacBatch {
  rows: tf.Tensor2D;
  cond: tf.Tensor2D | null;
}

/**
 * The critic's first-layer weight over [pac groups of (row ⊕ cond)] ([pac·(D + C), H]) as its rows for the
 * groups' rows ([pac·D, H]) and for their conditional vectors ([pac·C, H]).
 */
function splitPacRows(w: tf.Tensor, pac: number, D: number, C: number): [tf.Tensor2D, tf.Tensor2D] {
  const rowIdx: number[] = [];
  const condIdx: number[] = [];
  for (let s = 0; s < pac; s++)
    for (let j = 0; j < D + C; j++) (j < D ? rowIdx : condIdx).push(s * (D + C) + j);
  return tf.tidy(() => [tf.gather(w, rowIdx) as tf.Tensor2D, tf.gather(w, condIdx) as tf.Tensor2D]);
}

/** A checkpoint written before the first layer's weight was split (one 'c0/w' over row ⊕ cond): split it. */
function upgradeCheckpoint(weights: SavedModel['weights'], pac: number, D: number, C: number): SavedModel['weights'] {
  const w = weights['c0/w'];
  if (!C || weights['c0/wc'] || !w || w.shape[0] !== pac * (D + C)) return weights;
  const [wd, wc] = splitPacRows(tf.tensor(base64ToFloats(w.data), w.shape), pac, D, C);
  const out = { ...weights, 'c0/w': { shape: wd.shape, data: floatsToBase64(wd.dataSync() as Float32Array) },
    'c0/wc': { shape: wc.shape, data: floatsToBase64(wc.dataSync() as Float32Array) } };
  wd.dispose();
  wc.dispose();
  return out;
}

export class CTGAN implements Generator {
  readonly kind = 'ctgan' as const;
  private encoder: TableEncoder | null = null;
  private schema: TableSchema | null = null;
  private options: Resolved = { ...DEFAULTS };
  private gen: NamedVariables = {};
  private bn: NamedVariables = {}; // running mean/var (not trained)
  private critic: NamedVariables = {};
  private layout: SpanLayout | null = null;
  private condVec: ConditionalVector | null = null;

  constructor(private readonly deps: { encoders?: EncoderFactory } = {}) {}

  static async load(saved: SavedModel, deps: { encoders?: EncoderFactory } = {}): Promise<CTGAN> {
    if (saved.kind !== 'ctgan') throw new Error(`Model file holds a ${saved.kind} model, not a CTGAN`);
    const m = new CTGAN(deps);
    m.schema = saved.schema;
    m.options = { ...DEFAULTS, ...(saved.options as CTGANOptions) };
    m.encoder = await restoreEncoder(saved.schema, saved.encoder as never, deps.encoders);
    m.build(m.encoder, new Rng(m.options.seed), false);
    assignWeights({ ...m.gen, ...m.bn }, saved.weights);
    return m;
  }

  private build(encoder: TableEncoder, rng: Rng, withCritic: boolean): void {
    this.disposeVars();
    const o = this.options;
    this.layout = new SpanLayout(encoder.spans, encoder.width);
    this.condVec = new ConditionalVector(encoder.discrete);
    const D = encoder.width;
    const C = this.condVec.width;
    let d = o.noiseDim + C;
    o.generatorDims.forEach((h, i) => {
      const p = denseParams(`g${i}`, d, h, rng.seed());
      this.gen[`g${i}/w`] = p.w;
      this.gen[`g${i}/b`] = p.b;
      this.gen[`g${i}/gamma`] = tf.variable(tf.ones([h]), true, uniqueName(`g${i}/gamma`));
      this.gen[`g${i}/beta`] = tf.variable(tf.zeros([h]), true, uniqueName(`g${i}/beta`));
      this.bn[`g${i}/mean`] = tf.variable(tf.zeros([h]), false, uniqueName(`g${i}/mean`));
      this.bn[`g${i}/var`] = tf.variable(tf.ones([h]), false, uniqueName(`g${i}/var`));
      d += h;
    });
    const out = denseParams('gout', d, D, rng.seed());
    this.gen['gout/w'] = out.w;
    this.gen['gout/b'] = out.b;
    if (withCritic) {
      let c = o.pac * (D + C);
      o.criticDims.forEach((h, i) => {
        const p = denseParams(`c${i}`, c, h, rng.seed());
        this.critic[`c${i}/w`] = p.w;
        this.critic[`c${i}/b`] = p.b;
        c = h;
      });
      // The first layer's rows for the pac groups' conditional vectors apart (see PacBatch): the same
      // initial weights, rows regrouped.
      if (C) {
        const [wd, wc] = splitPacRows(this.critic['c0/w'], o.pac, D, C);
        this.critic['c0/w'].dispose();
        this.critic['c0/w'] = tf.variable(wd, true, uniqueName('c0/w'));
        this.critic['c0/wc'] = tf.variable(wc, true, uniqueName('c0/wc'));
        wd.dispose();
        wc.dispose();
      }
      const p = denseParams('cout', c, 1, rng.seed());
      this.critic['cout/w'] = p.w;
      this.critic['cout/b'] = p.b;
    }
  }

  /** Generator logits. In training, batch statistics (collected into `stats`); else running statistics. */
  private generate(z: tf.Tensor2D, cond: tf.Tensor2D | null, stats?: tf.Tensor[]): tf.Tensor2D {
    const g = this.gen;
    let h = cond ? concatColumns([z, cond]) : z;
    this.options.generatorDims.forEach((_, i) => {
      const a = dense(h, g[`g${i}/w`] as tf.Variable, g[`g${i}/b`] as tf.Variable, 'linear', 0, i > 0); // noise ⊕ cond needs no gradient
      let y: tf.Tensor2D;
      if (stats) {
        const bn = batchNormRelu(a, g[`g${i}/gamma`] as tf.Variable, g[`g${i}/beta`] as tf.Variable, BN_EPS);
        stats.push(bn.mean, bn.variance); // kept past variableGrads' scope; caller disposes
        y = bn.y;
      } else {
        const scale = tf.mul(tf.rsqrt(tf.add(this.bn[`g${i}/var`], BN_EPS)), g[`g${i}/gamma`]);
        y = tf.relu(tf.add(tf.mul(tf.sub(a, this.bn[`g${i}/mean`]), scale), g[`g${i}/beta`])) as tf.Tensor2D;
      }
      h = concatColumns([y, h]); // residual by concatenation
    });
    return dense(h, g['gout/w'] as tf.Variable, g['gout/b'] as tf.Variable);
  }

  /** Critic score per pac group, with what the analytic input-gradient needs. */
  private criticForward(x: PacBatch, dropoutSeed: number, inputGrad = false, weightGrad = true) {
    const c = this.critic;
    let h = x.rows;
    // LeakyReLU outputs (fused into the product), which have their pre-activations' signs
    const acts: tf.Tensor2D[] = [];
    const masks: tf.Tensor2D[] = [];
    this.options.criticDims.forEach((_, i) => {
      const [w, b] = [c[`c${i}/w`] as tf.Variable, c[`c${i}/b`] as tf.Variable];
      const a =
        i === 0 && x.cond
          ? denseWithOneHot(h, w, x.cond, c['c0/wc'] as tf.Variable, b, 'leakyrelu', SLOPE, inputGrad, weightGrad)
          : dense(h, w, b, 'leakyrelu', SLOPE, inputGrad || i > 0, weightGrad);
      // Dropout 0.5 (inverted scaling), one mask per layer.
      const m = dropoutMask(a.shape, 0.5, dropoutSeed + i) as tf.Tensor2D;
      acts.push(a);
      masks.push(m);
      h = tf.mul(a, m) as tf.Tensor2D;
    });
    const y = dense(h, c['cout/w'] as tf.Variable, c['cout/b'] as tf.Variable, 'linear', 0, true, weightGrad);
    return { y, acts, masks };
  }

  /**
   * WGAN-GP penalty λ·E[(‖∇ₓ C(x̂)‖ − 1)²]. The input gradient is written out layer by layer (the critic is
   * a plain MLP), so the penalty's own gradient needs no second-order autodiff. `slopes` (LeakyReLU
   * derivative × dropout mask per layer at x̂) are constants taken outside the gradient tape: inside it the
   * forward pass would be back-propagated too, to no effect (its only use is through a step function).
   */
  private gradientPenalty(slopes: tf.Tensor2D[]): tf.Scalar {
    const c = this.critic;
    const dims = this.options.criticDims;
    // d y / d h_last = W_outᵀ (same for every row)
    let g: tf.Tensor2D = tf.reshape(c['cout/w'], [1, -1]) as tf.Tensor2D;
    let sumSq: tf.Tensor | null = null;
    for (let i = dims.length - 1; i >= 0; i--) {
      g = tf.mul(g, slopes[i]) as tf.Tensor2D; // through dropout and LeakyReLU
      // the conditional vector's columns count in the input gradient's norm too
      if (i === 0 && c['c0/wc']) sumSq = tf.sum(tf.square(matMulTransB(g, c['c0/wc'] as unknown as tf.Tensor2D)), 1);
      g = matMulTransB(g, c[`c${i}/w`] as unknown as tf.Tensor2D); // through the linear layer
    }
    const rowSq = tf.sum(tf.square(g), 1);
    const norm = tf.sqrt(tf.add(sumSq ? tf.add(rowSq, sumSq) : rowSq, 1e-12));
    return tf.mul(tf.mean(tf.square(tf.sub(norm, 1))), this.options.gradientPenalty) as tf.Scalar;
  }

  /** Per layer at x: LeakyReLU slope × dropout mask (no gradient; see gradientPenalty). */
  private penaltySlopes(xhat: PacBatch, seed: number): tf.Tensor2D[] {
    const { acts, masks } = this.criticForward(xhat, seed);
    return acts.map((a, i) => tf.mul(tf.add(tf.mul(tf.step(a), 1 - SLOPE), SLOPE), masks[i]) as tf.Tensor2D);
  }

  private pacify(rows: tf.Tensor2D, cond: tf.Tensor2D | null): PacBatch {
    const pac = this.options.pac;
    const group = (t: tf.Tensor2D) => tf.reshape(t, [t.shape[0] / pac, t.shape[1] * pac]) as tf.Tensor2D;
    return { rows: group(rows), cond: cond ? group(cond) : null };
  }

  async fit(
    table: Table,
    schema: TableSchema,
    options: CTGANOptions = {},
    onProgress?: (p: TrainProgress) => void,
    signal?: AbortSignal,
  ): Promise<FitResult> {
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Resolved;
    const o = this.options;
    this.schema = schema;
    if (table.numRows === 0) throw new Error('Cannot train on an empty table');
    const rng = new Rng(o.seed);
    const resume = resumePoint(o, 'ctgan', schema);
    this.encoder = await trainingEncoder(table, schema, o, rng.seed(), resume, this.deps.encoders);
    const encoder = this.encoder;
    this.build(encoder, rng, true);
    if (resume) assignWeights({ ...this.gen, ...this.bn, ...this.critic }, upgradeCheckpoint(resume.model.weights, o.pac, encoder.width, this.condVec!.width));
    const layout = this.layout!;
    const condVec = this.condVec!;
    const D = encoder.width;
    const C = condVec.width;
    // The batch must split into pac groups.
    const batch = Math.max(o.pac, Math.floor(Math.min(o.batchSize, Math.max(o.pac, table.numRows)) / o.pac) * o.pac);
    const steps = Math.max(1, Math.floor(table.numRows / batch));
    const gOpt = new Adam(o.learningRate, o.beta1, o.beta2, o.weightDecay);
    const cOpt = new Adam(o.learningRate, o.beta1, o.beta2, o.weightDecay);
    const done = resume ? Math.min(resume.epoch, o.epochs) : 0;
    const clock = new TrainClock(done);
    const yielder = new Yielder();
    const dataRng = rng.fork();
    const buf = new Float32Array(batch * D);
    const allRows = new Int32Array(table.numRows).map((_, i) => i);
    const vars = () => ({ ...this.gen, ...this.bn, ...this.critic });
    let good: Record<string, tf.Tensor> | null = null;
    let diverged: string | undefined;
    let stoppedEarly = false;
    let epoch = done;
    const condTensor = (b: CondBatch | null) => (b && C ? tf.tensor2d(b.cond, [batch, C]) : null);
    try {
      outer: for (epoch = done + 1; epoch <= o.epochs; epoch++) {
        disposeAll(good);
        good = snapshot(vars());
        let gSum: tf.Tensor = tf.scalar(0);
        let cSum: tf.Tensor = tf.scalar(0);
        if (condVec.empty) dataRng.shuffle(allRows);
        for (let s = 0; s < steps; s++) {
          if (signal?.aborted) {
            gSum.dispose();
            cSum.dispose();
            restore(vars(), good);
            epoch--;
            stoppedEarly = true;
            break outer;
          }
          // --- critic ---
          for (let k = 0; k < o.criticSteps; k++) {
            const cb = condVec.empty ? null : condVec.sampleTrain(batch, dataRng);
            const idx = cb ? condVec.realRows(cb, table, encoder, dataRng) : sliceWrap(allRows, (s * o.criticSteps + k) * batch, batch);
            encoder.encodeRows(table, idx, dataRng, buf);
            const [zSeed, gSeed, d1, , d3, aSeed] = [rng.seed(), rng.seed(), rng.seed(), rng.seed(), rng.seed(), rng.seed()];
            const next = tf.tidy(() => {
              const cond = condTensor(cb);
              const real = tf.tensor2d(buf, [batch, D]);
              const stats: tf.Tensor[] = [];
              const fake = layout.activate(this.generate(randomNormal([batch, o.noiseDim], zSeed) as tf.Tensor2D, cond, stats), o.tau, gSeed);
              stats.forEach((t) => t.dispose());
              const realP = this.pacify(real, cond);
              const fakeP = this.pacify(fake, cond);
              const groups = realP.rows.shape[0];
              const alpha = randomUniform([groups, 1], 0, 1, aSeed);
              // Real and fake share the conditional vector, so the mix changes the rows only.
              const xhat = { rows: tf.add(tf.mul(alpha, realP.rows), tf.mul(tf.sub(1, alpha), fakeP.rows)) as tf.Tensor2D, cond: realP.cond };
              const slopes = this.penaltySlopes(xhat, d3);
              // Real and fake groups through the critic as one batch (one product per layer, not two).
              const both: PacBatch = {
                rows: tf.concat([realP.rows, fakeP.rows], 0) as tf.Tensor2D,
                cond: realP.cond ? (tf.concat([realP.cond, realP.cond], 0) as tf.Tensor2D) : null,
              };
              const sign = signColumn(groups);
              const { value, grads } = gradients(() => {
                const y = this.criticForward(both, d1).y;
                return tf.add(tf.sum(tf.mul(y, sign)), this.gradientPenalty(slopes)) as tf.Scalar;
              }, this.critic);
              cOpt.apply(this.critic, grads);
              return tf.add(cSum, value);
            });
            cSum.dispose();
            cSum = next;
          }
          // --- generator ---
          const cb = condVec.empty ? null : condVec.sampleTrain(batch, dataRng);
          const condRow = cb ? condVec.toRowSpace(cb, D) : null;
          const [zSeed, gSeed, dSeed] = [rng.seed(), rng.seed(), rng.seed()];
          const next = tf.tidy(() => {
            const cond = condTensor(cb);
            const target = condRow ? tf.tensor2d(condRow, [batch, D]) : null;
            const stats: tf.Tensor[] = [];
            const { value, grads } = gradients(() => {
              const logits = this.generate(randomNormal([batch, o.noiseDim], zSeed) as tf.Tensor2D, cond, stats);
              const fake = layout.activate(logits, o.tau, gSeed);
              // only the generator is updated here: the critic's weight gradients are not computed
              const yf = this.criticForward(this.pacify(fake, cond), dSeed, true, false).y;
              let loss = tf.neg(tf.mean(yf));
              if (target) loss = tf.sub(loss, tf.div(tf.sum(tf.mul(target, layout.logSoftmax(logits))), batch));
              return loss as tf.Scalar;
            }, this.gen);
            gOpt.apply(this.gen, grads);
            // Running batch-norm statistics for sampling (PyTorch convention: unbiased variance, momentum 0.1).
            o.generatorDims.forEach((_, i) => {
              const m = this.bn[`g${i}/mean`];
              const v = this.bn[`g${i}/var`];
              m.assign(tf.add(tf.mul(m, 1 - BN_MOMENTUM), tf.mul(stats[2 * i], BN_MOMENTUM)));
              v.assign(tf.add(tf.mul(v, 1 - BN_MOMENTUM), tf.mul(stats[2 * i + 1], (BN_MOMENTUM * batch) / Math.max(1, batch - 1))));
            });
            stats.forEach((t) => t.dispose());
            return tf.add(gSum, value);
          });
          gSum.dispose();
          gSum = next;
          await yielder.maybe();
        }
        const losses = {
          generator: (await gSum.data())[0] / steps,
          critic: (await cSum.data())[0] / (steps * o.criticSteps),
        };
        gSum.dispose();
        cSum.dispose();
        if (!Number.isFinite(losses.generator) || !Number.isFinite(losses.critic)) {
          restore(vars(), good);
          diverged = divergedMessage(epoch, losses);
          epoch--;
          break;
        }
        const p = clock.progress(epoch, o.epochs, losses, epoch * steps * batch);
        onProgress?.(p);
      }
    } finally {
      disposeAll(good);
      gOpt.dispose();
      cOpt.dispose();
    }
    return { epochs: Math.min(epoch, o.epochs), stoppedEarly, diverged, backend: currentBackend(), history: clock.history };
  }

  /** Map a single categorical equality condition to (conditional column, slot) by decoding each slot. */
  private conditionSlot(cond: Condition): { c: number; k: number } {
    const cv = this.condVec!;
    const enc = this.encoder!;
    const c = cv.columns.findIndex((x) => x.column === cond.column);
    if (c < 0 || cond.op !== '=') throw new Error(`CTGAN can condition only on one category of a categorical column ("column=value"); "${cond.column}" is not one`);
    const col = cv.columns[c];
    const probe = new Float32Array(col.width * enc.width);
    for (let k = 0; k < col.width; k++) {
      for (const s of enc.spans) if (s.activation === 'softmax') probe[k * enc.width + s.start] = 1;
      probe[k * enc.width + col.spanStart] = 0;
      probe[k * enc.width + col.spanStart + k] = 1;
    }
    const decoded = enc.decode(probe, col.width, new Rng(0)).getChild(cond.column)!;
    for (let k = 0; k < col.width; k++) {
      const v = decoded.get(k);
      if (v !== null && String(v) === String(cond.value)) return { c, k };
    }
    throw new Error(`Column "${cond.column}" has no category "${cond.value}"`);
  }

  async sample(n: number, seed: number, options: SampleOptions = {}): Promise<Table> {
    if (!this.encoder || !this.layout || !this.condVec) throw new Error('The CTGAN has not been trained or loaded');
    const conds = options.conditions ?? [];
    if (conds.length > 1) throw new Error('CTGAN can sample with at most one condition ("column=value")');
    const fixed = conds.length ? this.conditionSlot(conds[0]) : null;
    const encoder = this.encoder;
    const cv = this.condVec;
    const D = encoder.width;
    const C = cv.width;
    const noise = this.options.noiseDim;
    const chunk = Math.max(1, Math.min(options.chunkSize ?? 10_000, n || 1));
    const rng = new Rng(seed);
    const yielder = new Yielder();
    const tables: Table[] = [];
    for (let done = 0; done < n; ) {
      if (options.signal?.aborted) throw new Error('Sampling cancelled');
      const c = Math.min(chunk, n - done);
      const z = new Float32Array(c * noise);
      for (let i = 0; i < z.length; i++) z[i] = rng.normal();
      const cb = cv.empty ? null : fixed ? cv.fixed(c, fixed.c, fixed.k) : cv.sampleOriginal(c, rng);
      const out = readTidy(() => {
        const cond = cb && C ? tf.tensor2d(cb.cond, [c, C]) : null;
        return this.generate(tf.tensor2d(z, [c, noise]), cond);
      });
      const rows = outputsToRows(out, c, D, encoder.spans, rng);
      if (fixed) {
        const col = cv.columns[fixed.c];
        for (let r = 0; r < c; r++) {
          rows.fill(0, r * D + col.spanStart, r * D + col.spanStart + col.width);
          rows[r * D + col.spanStart + fixed.k] = 1;
        }
      }
      tables.push(encoder.decode(rows, c, rng));
      done += c;
      options.onProgress?.(done, n);
      await yielder.maybe();
    }
    if (!tables.length) return encoder.decode(new Float32Array(0), 0, rng);
    return tables.length === 1 ? tables[0] : tables[0].concat(...tables.slice(1));
  }

  save(): SavedModel {
    if (!this.encoder || !this.schema) throw new Error('The CTGAN has not been trained yet');
    return {
      format: 'doppel-model',
      version: 1,
      kind: 'ctgan',
      schema: savedSchema(this.schema),
      options: jsonOptions(this.options),
      encoder: this.encoder.toJSON(),
      weights: serialiseWeights({ ...this.gen, ...this.bn }),
    };
  }

  checkpoint(): SavedModel {
    return { ...this.save(), weights: serialiseWeights({ ...this.gen, ...this.bn, ...this.critic }) };
  }

  private disposeVars(): void {
    for (const v of [...Object.values(this.gen), ...Object.values(this.bn), ...Object.values(this.critic)]) v.dispose();
    this.gen = {};
    this.bn = {};
    this.critic = {};
    this.layout?.dispose();
    this.layout = null;
  }

  dispose(): void {
    this.disposeVars();
  }
}

/** `count` consecutive indices from `start`, wrapping around. */
function sliceWrap(all: Int32Array, start: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = all[(start + i) % all.length];
  return out;
}

const signs = new Map<number, tf.Tensor2D>();
/** Kept [2n, 1] column: −1/n for the n real groups, +1/n for the n fake ones (mean(fake) − mean(real)). */
function signColumn(n: number): tf.Tensor2D {
  let t = signs.get(n);
  if (!t || t.isDisposed) {
    const v = new Float32Array(2 * n);
    v.fill(-1 / n, 0, n);
    v.fill(1 / n, n);
    t = tf.tensor2d(v, [2 * n, 1]);
    signs.set(n, t);
  }
  return t;
}

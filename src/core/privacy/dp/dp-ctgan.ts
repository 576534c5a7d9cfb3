/**
 * CTGAN trained with differential privacy. The generator and the model-file layout are those of
 * models/ctgan (same weight names, so CTGAN.load samples from a DP model); training differs:
 *
 * - Only the critic sees real rows, so only the critic's gradients get DP-SGD (Poisson batches,
 *   per-example clipping to C by ghost norms, Gaussian noise σ·C from crypto). The generator learns
 *   from the (already private) critic and data-free conditional vectors: post-processing.
 * - No gradient penalty: its per-example term mixes a real and a fake row, and clipping already bounds
 *   each row's influence. The critic is a plain WGAN critic kept Lipschitz by weight clipping
 *   (Arjovsky et al. 2017; DPGAN, Xie et al. 2018), which acts on the noisy weights (post-processing).
 *   No batch norm in the critic (it has none); the generator keeps its batch norm — it never sees a row.
 * - Training-by-sampling picks a real row BY CATEGORY, which makes a row's chance of being used depend
 *   on the other rows (a rare category's patient is drawn far more often) — the Poisson accountant
 *   would not hold. In DP mode real rows are Poisson-sampled (rate q, each row independently); each real
 *   row carries a conditional vector built from its own category in a random column (a function of
 *   that row alone); fake rows are conditioned on vectors drawn from DP category counts (Laplace,
 *   paid from the preprocessing share), so real and fake conditions follow the same distribution.
 * - PacGAN packing is switched off (pac = 1). With Poisson sampling of rows, packing the sampled rows
 *   means adding or removing one row reshuffles which rows share a pack, so several packs change and a
 *   per-pack clip no longer bounds the sensitivity by C. A fixed partition into packs with the pack as
 *   the sampled unit (q = expected packs / total packs) would give a per-PACK guarantee, i.e. a
 *   row-level one only under replace-one adjacency or group privacy — weaker than the receipt claims.
 *   With pac = 1 the unit is the row and the textbook accountant applies.
 * - Fake rows in the critic batch are clipped per row too (harmless: they are data-independent given
 *   the current weights), so real and fake terms are on the same scale.
 */
import * as tf from '@tensorflow/tfjs';
import type { Table } from 'apache-arrow';
import { NUMERIC_KINDS, trainableColumns, type TableSchema } from '../../schema/types';
import { Rng } from '../../util/random';
import type { FitOptions, FitResult, Generator, SampleOptions, SavedModel, TrainProgress } from '../../models/types';
import { dense, denseParams, uniqueName } from '../../models/layers/dense';
import { SpanLayout } from '../../models/layers/spans';
import { SimpleEncoder, type SimpleEncoderParams } from '../../models/simple-encoder';
import { savedSchema } from '../../models/encoding';
import { Adam, TrainClock, Yielder, gradients, jsonOptions, serialiseWeights, type NamedVariables } from '../../models/training';
import { currentBackend } from '../../models/backend';
import { CTGAN } from '../../models/ctgan/ctgan';
import { ConditionalVector, type CondBatch } from '../../models/ctgan/conditional-vector';
import { addNoise, clipScales, clippedDenseGrads, denseGhostNormsSq, poissonSample } from './dp-sgd';
import { cryptoLaplace } from './crypto-random';
import { trainingColumnFacts } from './dp-preprocess';
import { resolveDpOptions, sampleThroughModelFile } from './dp-common';
import { RdpAccountant, defaultDelta, privacyReceipt, sigmaForEpsilon, type PrivacyReceipt } from './rdp-accountant';

/** Options every DP generator understands. */
export interface DpCommonOptions extends FitOptions {
  /** Total privacy budget (preprocessing + training). */
  epsilon: number;
  /** Default 1/(N·√N). */
  delta?: number;
  /** Per-example gradient clip norm C. */
  clipNorm?: number;
  /** Share of ε (and δ) spent on DP estimates of bounds/categories (and counts) when they are not public. */
  preprocessingShare?: number;
  /** Public facts (cost nothing): numeric bounds and category lists by column. */
  publicBounds?: Record<string, [number, number]>;
  publicCategories?: Record<string, string[]>;
}

export interface DpCTGANOptions extends DpCommonOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  noiseDim?: number;
  generatorDims?: number[];
  criticDims?: number[];
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  tau?: number;
  criticSteps?: number;
  /** WGAN weight clip of the critic (replaces the gradient penalty). */
  weightClip?: number;
}

const DEFAULTS = {
  epochs: 30,
  batchSize: 256,
  seed: 0,
  noiseDim: 64,
  generatorDims: [128, 128],
  criticDims: [128, 128],
  learningRate: 2e-4,
  beta1: 0.5,
  beta2: 0.9,
  tau: 0.2,
  criticSteps: 1,
  weightClip: 0.05,
  clipNorm: 1,
  preprocessingShare: 0.1,
};
type Resolved = typeof DEFAULTS & DpCTGANOptions;

const NULL_LABEL = '\u0000null';
const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;
const SLOPE = 0.2;

export interface DpEncoding {
  encoder: SimpleEncoder;
  /** The schema as saved: DP/public bounds and categories, no counts of rows. */
  schema: TableSchema;
  spent: { epsilon: number; delta: number };
  notes: string[];
}

/**
 * A min-max/one-hot encoder built only from public facts or DP estimates (dp-preprocess), never the raw
 * min/max/category list. With `countsEpsilon` > 0 the per-category counts (CTGAN's conditional vector
 * draws categories by frequency) are released with Laplace noise: adding or removing one row moves one
 * count by 1 in each of k categorical columns, L1 sensitivity k, scale k/ε. Otherwise counts are all 1.
 */
export function dpSimpleEncoding(
  table: Table,
  schema: TableSchema,
  o: { publicBounds?: Record<string, [number, number]>; publicCategories?: Record<string, string[]> },
  factsBudget: { epsilon: number; delta: number },
  countsEpsilon = 0,
): DpEncoding {
  const { cols, read, facts } = trainingColumnFacts(table, schema, o, factsBudget.epsilon, factsBudget.delta);
  const params: SimpleEncoderParams = { version: 1, kind: 'simple', columns: [], counts: [] };
  const dpSchema: TableSchema = savedSchema({ ...schema, columns: schema.columns.map((c) => ({ ...c })) });
  for (const c of dpSchema.columns)
    if (!cols.some((t) => t.name === c.name)) {
      delete c.min;
      delete c.max;
      delete c.categories;
      c.missing = 0;
      c.distinct = 0;
    }
  const k = read.filter((c) => c.kind === 'categorical').length;
  let countsSpent = 0;
  read.forEach((rc, ci) => {
    const c = cols[ci];
    const sc = dpSchema.columns.find((x) => x.name === c.name)!;
    sc.missing = 0;
    sc.distinct = 0;
    if (NUMERIC_KINDS.includes(c.kind)) {
      const b = facts.bounds[c.name];
      params.columns.push({ name: c.name, kind: 'numeric', min: b.min, max: b.max, hasMissing: true }); // always a flag: its presence would leak
      params.counts.push([1, 1]);
      sc.min = b.min;
      sc.max = b.max;
      return;
    }
    let labels = facts.categories[c.name].map((l) => (l === null ? NULL_LABEL : l));
    if (!labels.length) labels = [NULL_LABEL]; // nothing cleared the DP threshold: the column decodes to null rather than to an invented label
    params.columns.push({ name: c.name, kind: 'discrete', categories: labels });
    let counts = labels.map(() => 1);
    if (countsEpsilon > 0 && rc.kind === 'categorical') {
      const at = new Map(labels.map((l, i) => [l, i]));
      const raw = new Float64Array(labels.length);
      for (const l of rc.labels) {
        const i = at.get(l === null ? NULL_LABEL : l);
        if (i !== undefined) raw[i]++;
      }
      // clamp at a small positive weight: a category the DP list released stays drawable
      counts = Array.from(raw, (x) => Math.max(0.5, x + cryptoLaplace(k / countsEpsilon)));
      countsSpent = countsEpsilon;
    }
    params.counts.push(counts);
    sc.categories = labels.filter((l) => l !== NULL_LABEL);
  });
  return {
    encoder: SimpleEncoder.load(dpSchema, params),
    schema: dpSchema,
    spent: { epsilon: facts.spent.epsilon + countsSpent, delta: facts.spent.delta },
    notes: facts.notes,
  };
}

/** DP bounds clip the tails: values outside them encode to the boundary (the encoder does not clip). */
export function clampScalars(b: Float32Array, n: number, width: number, idx: Int32Array): void {
  for (let r = 0; r < n; r++) for (const j of idx) b[r * width + j] = Math.max(-1, Math.min(1, b[r * width + j]));
}

export class DpCTGAN implements Generator {
  readonly kind = 'ctgan' as const;
  private encoder: SimpleEncoder | null = null;
  private schema: TableSchema | null = null;
  private options: Resolved = { ...DEFAULTS, epsilon: 1 };
  private gen: NamedVariables = {};
  private bn: NamedVariables = {};
  private critic: NamedVariables = {};
  private layout: SpanLayout | null = null;
  private condVec: ConditionalVector | null = null;
  receipt: PrivacyReceipt | null = null;
  notes: string[] = [];

  private build(D: number, C: number, rng: Rng): void {
    this.disposeVars();
    const o = this.options;
    // same names and shapes as models/ctgan, so CTGAN.load reads this model's generator
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
    let c = D + C; // pac = 1
    o.criticDims.forEach((h, i) => {
      const p = denseParams(`c${i}`, c, h, rng.seed());
      this.critic[`c${i}/w`] = p.w;
      this.critic[`c${i}/b`] = p.b;
      c = h;
    });
    const p = denseParams('cout', c, 1, rng.seed());
    this.critic['cout/w'] = p.w;
    this.critic['cout/b'] = p.b;
  }

  /** Generator logits with batch statistics (training only; the same network as models/ctgan). */
  private generate(z: tf.Tensor2D, cond: tf.Tensor2D | null, stats: tf.Tensor[]): tf.Tensor2D {
    const g = this.gen;
    let h = cond ? (tf.concat([z, cond], 1) as tf.Tensor2D) : z;
    this.options.generatorDims.forEach((_, i) => {
      const a = dense(h, g[`g${i}/w`] as tf.Variable, g[`g${i}/b`] as tf.Variable, 'linear', 0, i > 0);
      const { mean, variance } = tf.moments(a, 0);
      stats.push(tf.keep(mean), tf.keep(variance));
      const y = tf.relu(tf.batchNorm(a, mean, variance, g[`g${i}/beta`], g[`g${i}/gamma`], BN_EPS)) as tf.Tensor2D;
      h = tf.concat([y, h], 1) as tf.Tensor2D;
    });
    return dense(h, g['gout/w'] as tf.Variable, g['gout/b'] as tf.Variable);
  }

  private criticForward(x: tf.Tensor2D, dropoutSeed: number, perturb?: tf.Tensor[], inputs?: tf.Tensor2D[], inputGrad = false): tf.Tensor2D {
    return criticForward(this.critic, this.options.criticDims, x, dropoutSeed, perturb, inputs, inputGrad);
  }

  async fit(
    table: Table,
    schema: TableSchema,
    options: FitOptions,
    onProgress?: (p: TrainProgress) => void,
    signal?: AbortSignal,
  ): Promise<FitResult> {
    this.options = resolveDpOptions<Resolved>(DEFAULTS, options, table.numRows);
    const o = this.options;
    const N = table.numRows;
    const delta = o.delta ?? defaultDelta(N);
    const rng = new Rng(o.seed);

    // budget: preprocessing share = DP facts (if any are not public) + DP category counts; rest = DP-SGD
    const epsPre = o.epsilon * o.preprocessingShare;
    const hasCategorical = trainableColumns(schema).some((c) => !NUMERIC_KINDS.includes(c.kind));
    const pre = dpSimpleEncoding(
      table,
      schema,
      o,
      { epsilon: hasCategorical ? epsPre / 2 : epsPre, delta: delta * o.preprocessingShare },
      hasCategorical ? epsPre / 2 : 0,
    );
    this.notes = pre.notes;
    const epsTrain = o.epsilon - pre.spent.epsilon;
    const deltaTrain = delta - pre.spent.delta;
    this.encoder = pre.encoder;
    this.schema = pre.schema;
    const encoder = pre.encoder;
    const D = encoder.width;
    this.layout = new SpanLayout(encoder.spans, D);
    this.condVec = new ConditionalVector(encoder.discrete);
    const layout = this.layout;
    const condVec = this.condVec;
    const C = condVec.width;

    const batch = Math.max(1, Math.min(o.batchSize, N));
    const q = batch / N;
    const stepsPerEpoch = Math.max(1, Math.round(N / batch));
    const plannedSteps = stepsPerEpoch * o.epochs * o.criticSteps;
    const noise = sigmaForEpsilon(epsTrain, { q, steps: plannedSteps, delta: deltaTrain });
    const accountant = new RdpAccountant(q, noise, deltaTrain, epsTrain);

    this.build(D, C, rng);
    const gOpt = new Adam(o.learningRate, o.beta1, o.beta2, 0);
    this.cOpt?.dispose();
    this.cOpt = new Adam(o.learningRate, o.beta1, o.beta2, 0);
    const clock = new TrainClock();
    const yielder = new Yielder();
    const dataRng = rng.fork();
    let steps = 0;
    let stoppedEarly = false;
    let diverged: string | undefined;
    let epoch = 0;
    try {
      outer: for (epoch = 1; epoch <= o.epochs; epoch++) {
        let cSum = 0;
        let gSum = 0;
        let gSteps = 0;
        for (let s = 0; s < stepsPerEpoch; s++) {
          for (let k = 0; k < o.criticSteps; k++) {
            if (signal?.aborted || !accountant.canStep()) {
              stoppedEarly = true;
              epoch--;
              break outer;
            }
            const rows = poissonSample(N, q, rng);
            const buf = rows.length ? encoder.encodeRows(table, rows, dataRng) : new Float32Array(0);
            clampScalars(buf, rows.length, D, layout.scalarIndex);
            cSum += this.criticStep(buf, rows.length, batch, C, rng, dataRng, noise);
            accountant.step();
            steps++;
          }
          gSum += this.generatorStep(batch, D, C, rng, dataRng, gOpt);
          gSteps++;
          await yielder.maybe();
        }
        const losses = { generator: gSum / Math.max(1, gSteps), critic: cSum / Math.max(1, stepsPerEpoch * o.criticSteps) };
        if (!Number.isFinite(losses.generator) || !Number.isFinite(losses.critic)) {
          diverged = `training diverged at epoch ${epoch}`;
          break;
        }
        // the critic loss is computed on private rows: a progress signal only, never saved
        onProgress?.(clock.progress(epoch, o.epochs, losses, epoch * N));
      }
    } finally {
      gOpt.dispose();
      this.cOpt?.dispose();
      this.cOpt = null;
    }
    const spent = accountant.spent;
    this.receipt = privacyReceipt({
      epsilon: spent.epsilon + pre.spent.epsilon,
      delta: deltaTrain + pre.spent.delta,
      sigma: noise,
      q,
      steps,
      rows: N,
      clipNorm: o.clipNorm,
      order: spent.order,
    });
    return { epochs: Math.max(0, Math.min(epoch, o.epochs)), stoppedEarly, diverged, backend: currentBackend(), history: clock.history };
  }

  private cOpt: Adam | null = null;

  /** Conditional vectors for real rows: a random column among those the row has a released category in, its own category. */
  private realConds(buf: Float32Array, B: number, D: number, rng: Rng): Float32Array {
    const cv = this.condVec!;
    const C = cv.width;
    const out = new Float32Array(B * C);
    const hot: number[] = [];
    for (let r = 0; r < B; r++) {
      hot.length = 0;
      cv.columns.forEach((col, c) => {
        for (let j = 0; j < col.width; j++) if (buf[r * D + col.spanStart + j] === 1) hot.push(c * 65536 + j);
      });
      if (!hot.length) continue;
      const h = hot[rng.int(hot.length)];
      const col = cv.columns[Math.floor(h / 65536)];
      out[r * C + col.offset + (h % 65536)] = 1;
    }
    return out;
  }

  /** One DP-SGD step of the critic: Poisson real rows vs expectedBatch fake rows; returns the (private) loss. */
  private criticStep(buf: Float32Array, B: number, expectedBatch: number, C: number, rng: Rng, dataRng: Rng, noise: number): number {
    const o = this.options;
    const D = this.encoder!.width;
    const cv = this.condVec!;
    const layout = this.layout!;
    const F = expectedBatch;
    const realCond = C ? this.realConds(buf, B, D, dataRng) : null;
    const fakeCb: CondBatch | null = C ? cv.sampleOriginal(F, dataRng) : null;
    const [zSeed, gSeed, dSeed] = [rng.seed(), rng.seed(), rng.seed()];
    const grads: Record<string, tf.Tensor> = {};
    let lossValue = 0;
    tf.tidy(() => {
      const stats: tf.Tensor[] = [];
      const fakeCond = fakeCb ? tf.tensor2d(fakeCb.cond, [F, C]) : null;
      const fake = layout.activate(this.generate(tf.randomNormal([F, o.noiseDim], 0, 1, 'float32', zSeed) as tf.Tensor2D, fakeCond, stats), o.tau, gSeed);
      stats.forEach((t) => t.dispose());
      const fakeX = fakeCond ? tf.concat([fake, fakeCond], 1) : fake;
      let x = fakeX as tf.Tensor2D;
      if (B > 0) {
        const real = tf.tensor2d(buf.subarray(0, B * D), [B, D]);
        const realX = realCond ? tf.concat([real, tf.tensor2d(realCond, [B, C])], 1) : real;
        x = tf.concat([realX, fakeX], 0) as tf.Tensor2D;
      }
      const n = B + F;
      // Wasserstein critic loss, summed: Σ fake y − Σ real y (means come from dividing by the expected batch)
      const sign = tf.tensor2d(Float32Array.from({ length: n }, (_, i) => (i < B ? -1 : 1)), [n, 1]);
      const r = clippedCriticSums(this.critic, o.criticDims, x, sign, dSeed, o.clipNorm);
      lossValue = r.loss / F;
      for (const [nm, g] of Object.entries(r.sums)) grads[nm] = tf.keep(addNoise(g, noise, o.clipNorm, expectedBatch));
    });
    this.cOpt!.apply(this.critic, grads);
    for (const g of Object.values(grads)) g.dispose();
    const wc = o.weightClip;
    tf.tidy(() => {
      for (const v of Object.values(this.critic)) v.assign(tf.clipByValue(v, -wc, wc));
    });
    return lossValue;
  }

  /** Generator step: no real data (critic weights are already private; conditions from DP counts). */
  private generatorStep(batch: number, D: number, C: number, rng: Rng, dataRng: Rng, gOpt: Adam): number {
    const o = this.options;
    const cv = this.condVec!;
    const layout = this.layout!;
    const cb = C ? cv.sampleOriginal(batch, dataRng) : null;
    const condRow = cb ? cv.toRowSpace(cb, D) : null;
    const [zSeed, gSeed, dSeed] = [rng.seed(), rng.seed(), rng.seed()];
    return tf.tidy(() => {
      const cond = cb ? tf.tensor2d(cb.cond, [batch, C]) : null;
      const target = condRow ? tf.tensor2d(condRow, [batch, D]) : null;
      const stats: tf.Tensor[] = [];
      const { value, grads } = gradients(() => {
        const logits = this.generate(tf.randomNormal([batch, o.noiseDim], 0, 1, 'float32', zSeed) as tf.Tensor2D, cond, stats);
        const fake = layout.activate(logits, o.tau, gSeed);
        const yf = this.criticForward(cond ? (tf.concat([fake, cond], 1) as tf.Tensor2D) : fake, dSeed, undefined, undefined, true);
        let loss = tf.neg(tf.mean(yf));
        if (target) loss = tf.sub(loss, tf.div(tf.sum(tf.mul(target, layout.logSoftmax(logits))), batch));
        return loss as tf.Scalar;
      }, this.gen);
      gOpt.apply(this.gen, grads);
      o.generatorDims.forEach((_, i) => {
        const m = this.bn[`g${i}/mean`];
        const v = this.bn[`g${i}/var`];
        m.assign(tf.add(tf.mul(m, 1 - BN_MOMENTUM), tf.mul(stats[2 * i], BN_MOMENTUM)));
        v.assign(tf.add(tf.mul(v, 1 - BN_MOMENTUM), tf.mul(stats[2 * i + 1], (BN_MOMENTUM * batch) / Math.max(1, batch - 1))));
      });
      stats.forEach((t) => t.dispose());
      return value.dataSync()[0];
    });
  }

  sample(n: number, seed: number, options?: SampleOptions): Promise<Table> {
    return sampleThroughModelFile(this.save(), (saved) => CTGAN.load(saved), n, seed, options);
  }

  /** A CTGAN model file (generator weights, DP encoder aggregates, the receipt); never a training row. */
  save(): SavedModel {
    if (!this.encoder || !this.schema) throw new Error('The DP CTGAN has not been trained yet');
    const { epsilon: _e, delta: _d, publicBounds: _b, publicCategories: _c, ...rest } = this.options;
    return {
      format: 'doppel-model',
      version: 1,
      kind: 'ctgan',
      schema: this.schema,
      options: jsonOptions({ ...rest, pac: 1, gradientPenalty: 0, dp: true }),
      encoder: this.encoder.toJSON(),
      weights: serialiseWeights({ ...this.gen, ...this.bn }),
      privacy: this.receipt ?? undefined,
    };
  }

  private disposeVars(): void {
    for (const v of [...Object.values(this.gen), ...Object.values(this.bn), ...Object.values(this.critic)]) v.dispose();
    this.gen = {};
    this.bn = {};
    this.critic = {};
  }

  dispose(): void {
    this.disposeVars();
    this.layout?.dispose();
    this.layout = null;
    this.cOpt?.dispose();
    this.cOpt = null;
  }
}

/**
 * The critic (models/ctgan's: dense → LeakyReLU 0.2 → dropout 0.5, then → 1). With `perturb` (one zero
 * tensor per layer, batch × out) each layer's pre-activation gets its E added, so ∂L/∂E is that layer's
 * per-example output gradient G; `inputs` collects each layer's input A.
 */
export function criticForward(
  c: NamedVariables,
  dims: number[],
  x: tf.Tensor2D,
  dropoutSeed: number,
  perturb?: tf.Tensor[],
  inputs?: tf.Tensor2D[],
  inputGrad = false,
): tf.Tensor2D {
  let h = x;
  const layer = (k: number, name: string, a: tf.Tensor2D, ig: boolean) => {
    if (inputs) inputs[k] = tf.keep(a);
    const y = dense(a, c[`${name}/w`] as tf.Variable, c[`${name}/b`] as tf.Variable, 'linear', 0, ig);
    return perturb ? (tf.add(y, perturb[k]) as tf.Tensor2D) : y;
  };
  dims.forEach((_, i) => {
    const a = layer(i, `c${i}`, h, inputGrad || i > 0);
    const m = tf.mul(tf.step(tf.sub(tf.randomUniform(a.shape, 0, 1, 'float32', dropoutSeed + i), 0.5)), 2);
    h = tf.mul(tf.leakyRelu(a, SLOPE), m) as tf.Tensor2D;
  });
  return layer(dims.length, 'cout', h, true);
}

/**
 * Σ_i s_i ∇(sign_i·y_i) over the critic's weights with s_i = min(1, C/‖∇(sign_i·y_i)‖) (ghost norms:
 * rows do not interact in the critic — no batch norm, per-row dropout), before noise. Caller disposes.
 */
export function clippedCriticSums(
  critic: NamedVariables,
  dims: number[],
  x: tf.Tensor2D,
  sign: tf.Tensor2D,
  dropoutSeed: number,
  clipNorm: number,
): { sums: Record<string, tf.Tensor>; normsSq: tf.Tensor1D; loss: number } {
  const names = [...dims.map((_, i) => `c${i}`), 'cout'];
  const n = x.shape[0];
  const inputs: tf.Tensor2D[] = [];
  let loss = 0;
  try {
    return tf.tidy(() => {
      const es = names.map((nm) => tf.zeros([n, (critic[`${nm}/b`] as tf.Variable).shape[0]]));
      const f = (...e: tf.Tensor[]) => tf.sum(tf.mul(criticForward(critic, dims, x, dropoutSeed, e, inputs), sign)) as tf.Scalar;
      const { value, grads: ge } = tf.valueAndGrads(f)(es);
      loss = value.dataSync()[0];
      let normsSq = denseGhostNormsSq(inputs[0], ge[0] as tf.Tensor2D);
      for (let k = 1; k < names.length; k++) normsSq = tf.add(normsSq, denseGhostNormsSq(inputs[k], ge[k] as tf.Tensor2D)) as tf.Tensor1D;
      const scales = clipScales(normsSq, clipNorm);
      const sums: Record<string, tf.Tensor> = {};
      names.forEach((nm, k) => {
        const g = clippedDenseGrads(inputs[k], ge[k] as tf.Tensor2D, scales);
        sums[`${nm}/w`] = g.dW;
        sums[`${nm}/b`] = g.db;
      });
      return { sums, normsSq, loss };
    });
  } finally {
    for (const t of inputs) if (t !== x) t.dispose(); // the first layer's input is the caller's x
  }
}

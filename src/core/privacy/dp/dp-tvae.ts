/**
 * tVAE trained with DP-SGD (Abadi et al. 2016). The network and the saved-model layout are those of
 * models/tvae (same weight names, so TVAE.load samples from a DP model); only training differs:
 *   - the encoding uses public facts (user-given bounds/categories) or DP estimates of them, paid from
 *     a stated share of ε (dp-preprocess.ts) — never the raw min/max/category list of the table;
 *   - Poisson-sampled batches, per-example clipping of the gradient of ALL parameters jointly (dense
 *     layers by ghost norms ‖a‖²‖g‖², the per-output σ directly), Gaussian noise σ·C from crypto;
 *   - the RDP accountant picks σ for the target ε and stops before the budget would be exceeded.
 * Per-example gradients w.r.t. each layer's pre-activation come from one backward pass: every
 * pre-activation gets a zero perturbation E (batch × out) and ∂L/∂E is exactly that layer's G.
 */
import * as tf from '@tensorflow/tfjs';
import type { Table } from 'apache-arrow';
import { NUMERIC_KINDS, type TableSchema } from '../../schema/types';
import { Rng } from '../../util/random';
import type { FitOptions, FitResult, Generator, SampleOptions, SavedModel, TrainProgress } from '../../models/types';
import { dense, denseParams } from '../../models/layers/dense';
import { SpanLayout } from '../../models/layers/spans';
import { SimpleEncoder, type SimpleEncoderParams } from '../../models/simple-encoder';
import { savedSchema } from '../../models/encoding';
import { Adam, TrainClock, Yielder, jsonOptions, serialiseWeights, type NamedVariables } from '../../models/training';
import { currentBackend } from '../../models/backend';
import { TVAE } from '../../models/tvae/tvae';
import { addNoise, clipScales, clippedDenseGrads, denseGhostNormsSq, poissonSample } from './dp-sgd';
import { trainingColumnFacts } from './dp-preprocess';
import { resolveDpOptions, sampleThroughModelFile } from './dp-common';
import { RdpAccountant, defaultDelta, privacyReceipt, sigmaForEpsilon, type PrivacyReceipt } from './rdp-accountant';

export interface DpTVAEOptions extends FitOptions {
  /** Total privacy budget (preprocessing + training). */
  epsilon: number;
  /** Default 1/(N·√N). */
  delta?: number;
  /** Per-example gradient clip norm C. */
  clipNorm?: number;
  /** Share of ε (and δ) spent on DP estimates of bounds/categories when they are not public. */
  preprocessingShare?: number;
  /** Public facts (cost nothing): numeric bounds and category lists by column. */
  publicBounds?: Record<string, [number, number]>;
  publicCategories?: Record<string, string[]>;
  epochs?: number;
  batchSize?: number;
  seed?: number;
  hidden?: number[];
  latent?: number;
  learningRate?: number;
  lossFactor?: number;
  sampleNoise?: boolean;
}

const DEFAULTS = {
  epochs: 30,
  batchSize: 256,
  seed: 0,
  hidden: [128, 128],
  latent: 128,
  learningRate: 1e-3,
  weightDecay: 0,
  lossFactor: 2,
  sampleNoise: true,
  clipNorm: 1,
  preprocessingShare: 0.1,
};

const NULL_LABEL = '\u0000null';
let sigmaCounter = 0;

export class DpTVAE implements Generator {
  readonly kind = 'tvae' as const;
  private vars: NamedVariables = {};
  private encoder: SimpleEncoder | null = null;
  private schema: TableSchema | null = null;
  private options: typeof DEFAULTS & DpTVAEOptions = { ...DEFAULTS, epsilon: 1 };
  receipt: PrivacyReceipt | null = null;

  /** Encoder parameters from public facts or DP estimates: aggregates that are safe to release. */
  private dpEncoder(table: Table, schema: TableSchema, eps: number, delta: number): { encoder: SimpleEncoder; spent: { epsilon: number; delta: number }; schema: TableSchema } {
    const { cols, read, facts } = trainingColumnFacts(table, schema, this.options, eps, delta);
    const params: SimpleEncoderParams = { version: 1, kind: 'simple', columns: [], counts: [] };
    const dpSchema: TableSchema = savedSchema({ ...schema, columns: schema.columns.map((c) => ({ ...c })) });
    // columns the model does not learn keep no data-derived facts either
    for (const c of dpSchema.columns)
      if (!cols.some((t) => t.name === c.name)) {
        delete c.min;
        delete c.max;
        delete c.categories;
        c.missing = 0;
        c.distinct = 0;
      }
    for (const c of cols) {
      const sc = dpSchema.columns.find((x) => x.name === c.name)!;
      // counts, distinct values and missing counts are data: not released in DP mode
      sc.missing = 0;
      sc.distinct = 0;
      if (NUMERIC_KINDS.includes(c.kind)) {
        const b = facts.bounds[c.name];
        params.columns.push({ name: c.name, kind: 'numeric', min: b.min, max: b.max, hasMissing: true }); // always a flag: its presence would leak
        params.counts.push([1, 1]);
        sc.min = b.min;
        sc.max = b.max;
      } else {
        let labels = facts.categories[c.name].map((l) => (l === null ? NULL_LABEL : l));
        if (!labels.length) labels = ['(suppressed)'];
        params.columns.push({ name: c.name, kind: 'discrete', categories: labels });
        params.counts.push(labels.map(() => 1));
        sc.categories = labels.filter((l) => l !== NULL_LABEL);
      }
    }
    return { encoder: SimpleEncoder.load(dpSchema, params), spent: facts.spent, schema: dpSchema };
  }

  async fit(
    table: Table,
    schema: TableSchema,
    options: FitOptions,
    onProgress?: (p: TrainProgress) => void,
    signal?: AbortSignal,
  ): Promise<FitResult> {
    this.options = resolveDpOptions<typeof DEFAULTS & DpTVAEOptions>(DEFAULTS, options, table.numRows);
    const o = this.options;
    const N = table.numRows;
    const delta = o.delta ?? defaultDelta(N);
    const rng = new Rng(o.seed);

    // budget split: preprocessing (only if something is not public) + training, basic composition
    const pre = this.dpEncoder(table, schema, o.epsilon * o.preprocessingShare, delta * o.preprocessingShare);
    const epsTrain = o.epsilon - pre.spent.epsilon;
    const deltaTrain = delta - pre.spent.delta;
    this.encoder = pre.encoder;
    this.schema = pre.schema;
    const encoder = pre.encoder;
    const D = encoder.width;

    const batch = Math.max(1, Math.min(o.batchSize, N));
    const q = batch / N;
    const stepsPerEpoch = Math.max(1, Math.round(N / batch));
    const plannedSteps = stepsPerEpoch * o.epochs;
    const noise = sigmaForEpsilon(epsTrain, { q, steps: plannedSteps, delta: deltaTrain });
    const accountant = new RdpAccountant(q, noise, deltaTrain, epsTrain);

    this.build(D, rng);
    const layout = new SpanLayout(encoder.spans, encoder.width);
    const clock = new TrainClock();
    const yielder = new Yielder();
    const encRng = rng.fork();
    let steps = 0;
    let stoppedEarly = false;
    let diverged: string | undefined;
    try {
      for (let epoch = 1; epoch <= o.epochs && !stoppedEarly; epoch++) {
        let lossSum = 0;
        let rowsSeen = 0;
        for (let s = 0; s < stepsPerEpoch; s++) {
          if (signal?.aborted || !accountant.canStep()) {
            stoppedEarly = true;
            break;
          }
          const rows = poissonSample(N, q, rng);
          const buf = rows.length ? encoder.encodeRows(table, rows, encRng) : new Float32Array(0);
          clampScalars(buf, rows.length, D, layout.scalarIndex);
          const loss = this.dpStep(buf, rows.length, layout, rng.seed(), noise, batch);
          accountant.step();
          steps++;
          lossSum += loss;
          rowsSeen += rows.length;
          await yielder.maybe();
        }
        const meanLoss = rowsSeen ? lossSum / rowsSeen : 0;
        if (!Number.isFinite(meanLoss)) {
          diverged = `training diverged at epoch ${epoch} (loss ${meanLoss})`;
          break;
        }
        // the loss is computed on private rows: report it only as a progress signal, never in the saved model
        onProgress?.(clock.progress(epoch, o.epochs, { loss: meanLoss }, epoch * N));
      }
    } finally {
      layout.dispose();
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
    return { epochs: Math.min(o.epochs, Math.ceil(steps / stepsPerEpoch)), stoppedEarly, diverged, backend: currentBackend(), history: clock.history };
  }

  private adam: Adam | null = null;

  private build(D: number, rng: Rng): void {
    for (const v of Object.values(this.vars)) v.dispose();
    const { hidden, latent } = this.options;
    const v: NamedVariables = {};
    const add = (name: string, i: number, o: number) => {
      const p = denseParams(name, i, o, rng.seed());
      v[`${name}/w`] = p.w;
      v[`${name}/b`] = p.b;
    };
    let d = D;
    hidden.forEach((h, i) => {
      add(`enc${i}`, d, h);
      d = h;
    });
    add('mu', d, latent);
    add('logvar', d, latent);
    d = latent;
    [...hidden].reverse().forEach((h, i) => {
      add(`dec${i}`, d, h);
      d = h;
    });
    add('out', d, D);
    v['sigma'] = tf.variable(tf.fill([D], 0.1), true, `dptvae/sigma#${++sigmaCounter}`); // tfjs variable names are global
    this.vars = v;
    this.adam = new Adam(this.options.learningRate, 0.9, 0.999, this.options.weightDecay);
  }

  /** One DP-SGD step on an encoded Poisson batch; returns the summed (private) loss for progress only. */
  private dpStep(buf: Float32Array, B: number, L: SpanLayout, seed: number, noise: number, expectedBatch: number): number {
    const o = this.options;
    const v = this.vars;
    const C = o.clipNorm;
    const dense_layers: string[] = [...o.hidden.map((_, i) => `enc${i}`), 'mu', 'logvar', ...o.hidden.map((_, i) => `dec${i}`), 'out'];
    const grads: Record<string, tf.Tensor> = {};
    let lossValue = 0;
    if (B === 0) {
      // an empty batch still releases noise (and counts as a step)
      for (const name of Object.keys(v)) grads[name] = tf.tidy(() => addNoise(tf.zerosLike(v[name]), noise, C, expectedBatch));
    } else {
      tf.tidy(() => {
        const x = tf.tensor2d(buf.subarray(0, B * L.width), [B, L.width]);
        const inputs: Record<string, tf.Tensor2D> = {};
        const outDim = (n: string) => (v[`${n}/b`] as tf.Variable).shape[0];
        const es = [...dense_layers.map((n) => tf.zeros([B, outDim(n)])), tf.zeros([B, L.width])];
        const f = (...e: tf.Tensor[]) => {
          const E = (n: string) => e[dense_layers.indexOf(n)];
          const layer = (n: string, h: tf.Tensor2D) => {
            inputs[n] = tf.keep(h);
            return tf.add(dense(h, v[`${n}/w`] as tf.Variable, v[`${n}/b`] as tf.Variable), E(n)) as tf.Tensor2D;
          };
          let h: tf.Tensor2D = x;
          for (let i = 0; i < o.hidden.length; i++) h = tf.relu(layer(`enc${i}`, h));
          const mu = layer('mu', h);
          const logvar = layer('logvar', h);
          const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', seed);
          let z = tf.add(mu, tf.mul(eps, tf.exp(tf.mul(logvar, 0.5)))) as tf.Tensor2D;
          for (let i = 0; i < o.hidden.length; i++) z = tf.relu(layer(`dec${i}`, z));
          const out = layer('out', z);
          const sig = tf.add(v['sigma'], e[e.length - 1]); // per-example replica of σ
          const diff = tf.mul(tf.sub(x, tf.tanh(out)), L.scalarMask);
          const gauss = tf.add(tf.sum(tf.div(tf.square(diff), tf.mul(tf.square(sig), 2))), tf.sum(tf.mul(tf.log(sig), L.scalarMask)));
          // Each span shifted by its own maximum (SpanLayout): a row-wide one underflows spans far below it.
          const masked = tf.mul(out, L.softmaxMask) as tf.Tensor2D;
          const ce = L.spanCount ? tf.sub(tf.sum(L.logSumExp(masked)), tf.sum(tf.mul(x, masked))) : tf.scalar(0);
          const kl = tf.mul(tf.sum(tf.sub(tf.add(logvar, 1), tf.add(tf.square(mu), tf.exp(logvar)))), -0.5);
          return tf.add(tf.mul(tf.add(gauss, ce), o.lossFactor), kl) as tf.Scalar;
        };
        const { value, grads: ge } = tf.valueAndGrads(f)(es);
        lossValue = value.dataSync()[0];
        // joint per-example norms over every parameter → one clip factor per example
        let normsSq = tf.sum(tf.square(ge[ge.length - 1]), 1);
        dense_layers.forEach((n, k) => (normsSq = tf.add(normsSq, denseGhostNormsSq(inputs[n], ge[k] as tf.Tensor2D))));
        const scales = clipScales(normsSq as tf.Tensor1D, C);
        dense_layers.forEach((n, k) => {
          const g = clippedDenseGrads(inputs[n], ge[k] as tf.Tensor2D, scales);
          grads[`${n}/w`] = tf.keep(addNoise(g.dW, noise, C, expectedBatch));
          grads[`${n}/b`] = tf.keep(addNoise(g.db, noise, C, expectedBatch));
        });
        const sigSum = tf.sum(tf.mul(ge[ge.length - 1], tf.expandDims(scales, 1)), 0);
        grads['sigma'] = tf.keep(addNoise(sigSum, noise, C, expectedBatch));
        for (const t of Object.values(inputs)) t.dispose();
      });
    }
    this.adam!.apply(v, grads);
    for (const g of Object.values(grads)) g.dispose();
    tf.tidy(() => v['sigma'].assign(tf.clipByValue(v['sigma'], 0.01, 1)));
    return lossValue;
  }

  private decoderVars(): NamedVariables {
    const out: NamedVariables = {};
    for (const [k, v] of Object.entries(this.vars)) if (k.startsWith('dec') || k.startsWith('out') || k === 'sigma') out[k] = v;
    return out;
  }

  sample(n: number, seed: number, options?: SampleOptions): Promise<Table> {
    return sampleThroughModelFile(this.save(), (saved) => TVAE.load(saved), n, seed, options);
  }

  /** A tVAE model file (decoder weights, DP encoder aggregates, the receipt); never a training row. */
  save(): SavedModel {
    if (!this.encoder || !this.schema) throw new Error('The DP tVAE has not been trained yet');
    const { epsilon: _e, delta: _d, publicBounds: _b, publicCategories: _c, ...rest } = this.options;
    return {
      format: 'doppel-model',
      version: 1,
      kind: 'tvae',
      schema: this.schema,
      options: jsonOptions({ ...rest, dp: true }),
      encoder: this.encoder.toJSON(),
      weights: serialiseWeights(this.decoderVars()),
      privacy: this.receipt ?? undefined,
    };
  }

  dispose(): void {
    for (const v of Object.values(this.vars)) v.dispose();
    this.vars = {};
    this.adam?.dispose();
    this.adam = null;
  }
}

/** DP bounds clip the tails: values outside them encode to the boundary (the encoder does not clip). */
function clampScalars(b: Float32Array, n: number, width: number, idx: Int32Array): void {
  for (let r = 0; r < n; r++) for (const j of idx) b[r * width + j] = Math.max(-1, Math.min(1, b[r * width + j]));
}


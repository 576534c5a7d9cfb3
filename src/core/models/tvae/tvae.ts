/**
 * tVAE — the tabular variational autoencoder of Xu et al., "Modeling Tabular data using Conditional GAN",
 * NeurIPS 2019 (§5 / appendix). Encoder and decoder MLPs (128, 128), latent 128; the decoder outputs
 * tanh scalars with a learned per-output σ (Gaussian likelihood) and logits for every softmax span
 * (modes, categories, missing flags; cross-entropy). Loss = lossFactor · reconstruction + KL.
 */
import * as tf from '@tensorflow/tfjs';
import { Table } from 'apache-arrow';
import type { TableSchema } from '../../schema/types';
import type { TableEncoder } from '../../transform/types';
import { Rng } from '../../util/random';
import type { FitOptions, FitResult, Generator, SampleOptions, SavedModel, TrainProgress } from '../types';
import { dense, denseParams, fastTanh, uniqueName } from '../layers/dense';
import { SpanLayout } from '../layers/spans';
import { randomNormal } from '../layers/random';
import { restoreEncoder, savedSchema, trainingEncoder, type EncoderFactory } from '../encoding';
import {
  Adam, EarlyStopping, TrainClock, Yielder, assignWeights, disposeAll, divergedMessage, gradients, jsonOptions, lossExploded,
  readTidy, restore, resumePoint, serialiseWeights, snapshot, splitRows, type NamedVariables,
} from '../training';
import { currentBackend } from '../backend';
import { LATENT, TVAE_RECON, pauseProductHelper, wasmKernelsActive } from '../wasm-gemm/install';
import { outputsToRows } from '../layers/sampling';
import { TvaeReplicaLink, replicaFactory, replicaInit, type ReplicaNetwork, type TvaeReplicaInit } from './replica';
import type { Span } from '../../transform/types';

export { sampleSoftmax } from '../layers/sampling';

export interface TVAEOptions extends FitOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  hidden?: number[];
  latent?: number;
  learningRate?: number;
  /** L2 added to the gradient (Adam's classic weight decay). */
  weightDecay?: number;
  lossFactor?: number;
  /** Sample scalars with their learned σ noise (true) or at the decoder's mean (false). */
  sampleNoise?: boolean;
  earlyStopping?: boolean;
  validationFraction?: number;
  patience?: number;
  /**
   * 2: each batch's second half on a replica thread (replica.ts) when the runtime offers one (Node with two
   * or more cores); 1: one thread. Default: 2 for runs of at least REPLICA_MIN_ROWS rows × epochs (the
   * thread takes ~1 s to start). Either way the same numbers: on wasm and cpu a batch is always two halves.
   */
  threads?: number;
}

const DEFAULTS = {
  epochs: 300,
  batchSize: 500,
  seed: 0,
  hidden: [128, 128],
  latent: 128,
  learningRate: 1e-3,
  weightDecay: 1e-5,
  lossFactor: 2,
  sampleNoise: true,
  validationFraction: 0.1,
  patience: 15,
};

type Resolved = typeof DEFAULTS & TVAEOptions;

/** Rows below which a half-batch is not worth a second thread. */
const MIN_HALF = 32;
/** Rows × epochs below which the default is one thread. */
const REPLICA_MIN_ROWS = 500_000;

/**
 * (Σ (x − tanh o)²/(2σ²) over scalar columns + Σ span cross-entropy) / B in one Doppel wasm kernel that
 * also returns the gradients (the tfjs form below it in loss() is ~100 small kernels a step). The same
 * function as that form; a test compares the two.
 */
export function reconstruction(out: tf.Tensor2D, x: tf.Tensor2D, sigma: tf.Tensor, L: SpanLayout): tf.Scalar {
  const B = out.shape[0];
  const mask = tf.reshape(L.scalarMask, [-1]);
  const f = tf.customGrad(((o: tf.Tensor, sg: tf.Tensor, save: tf.GradSaveFunc) => {
    const [sums, dO, dS] = tf.engine().runKernel(TVAE_RECON, { o, x, sigma: sg, mask, soft: L.softmaxMask }, { spans: L.spanTable }) as tf.Tensor[];
    save([dO, dS]);
    return {
      value: tf.div(tf.sum(sums), B),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const k = tf.div(dy, B);
        return [tf.mul(saved[0], k), tf.mul(saved[1], k)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(out, sigma) as tf.Scalar;
}

/**
 * The reparameterised draw z = mu + eps·exp(logvar/2) and KL(q ‖ N(0, I)) summed over the batch,
 * −½ Σ (1 + logvar − mu² − e^logvar). On wasm one Doppel kernel gives both and their partial derivatives
 * (~15 small tfjs kernels a step otherwise); the tfjs form is the same function (a test compares them).
 */
export function latent(mu: tf.Tensor2D, logvar: tf.Tensor2D, eps: tf.Tensor): { z: tf.Tensor2D; kl: tf.Scalar } {
  if (!wasmKernelsActive()) return latentTf(mu, logvar, eps);
  // One kernel pass gives both values: the z op runs it and hands ∂KL/∂logvar and KL to the KL op just after
  // (kept past the z op's scope, then disposed; each op's save keeps its own copy).
  let forKl: tf.Tensor[] = [];
  const zf = tf.customGrad(((m: tf.Tensor, lv: tf.Tensor, save: tf.GradSaveFunc) => {
    const [z, g, k, kl] = tf.engine().runKernel(LATENT, { mu: m, logvar: lv, eps }, {}) as tf.Tensor[];
    forKl = [tf.keep(k), tf.keep(kl)];
    save([g]);
    return { value: z, gradFunc: (dz: tf.Tensor, saved: tf.Tensor[]) => [dz, tf.mul(dz, saved[0])] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const klf = tf.customGrad(((m: tf.Tensor, _lv: tf.Tensor, save: tf.GradSaveFunc) => {
    const [k, kl] = forKl;
    save([m, k]);
    return { value: tf.reshape(kl, []), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(saved[0], dy), tf.mul(saved[1], dy)] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const z = zf(mu, logvar) as tf.Tensor2D;
  const kl = klf(mu, logvar) as tf.Scalar;
  forKl.forEach((t) => t.dispose());
  return { z, kl };
}

/** latent() in tfjs ops. */
export function latentTf(mu: tf.Tensor2D, logvar: tf.Tensor2D, eps: tf.Tensor): { z: tf.Tensor2D; kl: tf.Scalar } {
  const std = tf.exp(tf.mul(logvar, 0.5));
  const z = tf.add(mu, tf.mul(eps, std)) as tf.Tensor2D;
  const kl = tf.mul(tf.sum(tf.sub(tf.add(logvar, 1), tf.add(tf.square(mu), tf.square(std)))), -0.5) as tf.Scalar;
  return { z, kl };
}

export class TVAE implements Generator {
  readonly kind = 'tvae' as const;
  private encoder: TableEncoder | null = null;
  private schema: TableSchema | null = null;
  private options: Resolved = { ...DEFAULTS };
  private vars: NamedVariables = {};
  private layout: SpanLayout | null = null;

  constructor(private readonly deps: { encoders?: EncoderFactory } = {}) {}

  static async load(saved: SavedModel, deps: { encoders?: EncoderFactory } = {}): Promise<TVAE> {
    if (saved.kind !== 'tvae') throw new Error(`Model file holds a ${saved.kind} model, not a tVAE`);
    const m = new TVAE(deps);
    m.schema = saved.schema;
    m.options = { ...DEFAULTS, ...(saved.options as TVAEOptions) };
    m.encoder = await restoreEncoder(saved.schema, saved.encoder as never, deps.encoders);
    m.build(m.encoder, new Rng(m.options.seed), false);
    assignWeights(m.decoderVars(), saved.weights);
    return m;
  }

  // --- network ---

  /** The network a replica thread trains (replica.ts): weights come from the training thread each step. */
  static replicaNetwork(init: TvaeReplicaInit): ReplicaNetwork {
    const m = new TVAE();
    m.options = { ...DEFAULTS, hidden: init.hidden, latent: init.latent, lossFactor: init.lossFactor };
    m.build({ width: init.width, spans: init.spans }, new Rng(0), true);
    return { vars: m.vars, gradients: (x, seed, scale) => m.gradients(x, seed, scale) };
  }

  /** The batch's mean loss times `scale` (a half-batch's share of its batch), with its gradients. */
  private gradients(x: tf.Tensor2D, seed: number, scale = 1): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
    return gradients(() => (scale === 1 ? this.loss(x, seed) : tf.mul(this.loss(x, seed), scale)) as tf.Scalar, this.vars);
  }

  private build(encoder: { width: number; spans: readonly Span[] }, rng: Rng, withEncoder: boolean): void {
    this.disposeVars();
    const { hidden, latent } = this.options;
    const D = encoder.width;
    const v: NamedVariables = {};
    const add = (name: string, i: number, o: number) => {
      const p = denseParams(name, i, o, rng.seed());
      v[`${name}/w`] = p.w;
      v[`${name}/b`] = p.b;
    };
    if (withEncoder) {
      let d = D;
      hidden.forEach((h, i) => { add(`enc${i}`, d, h); d = h; });
      add('mu', d, latent);
      add('logvar', d, latent);
    }
    let d = latent;
    [...hidden].reverse().forEach((h, i) => { add(`dec${i}`, d, h); d = h; });
    add('out', d, D);
    v['sigma'] = tf.variable(tf.fill([D], 0.1), true, uniqueName('tvae/sigma'));
    this.vars = v;
    this.layout = new SpanLayout(encoder.spans, D);
  }

  private decoderVars(): NamedVariables {
    const out: NamedVariables = {};
    for (const [k, v] of Object.entries(this.vars)) if (!k.startsWith('enc') && k !== 'mu/w' && k !== 'mu/b' && !k.startsWith('logvar')) out[k] = v;
    return out;
  }

  private decode(z: tf.Tensor2D): tf.Tensor2D {
    const v = this.vars;
    let h = z;
    for (let i = 0; i < this.options.hidden.length; i++) h = dense(h, v[`dec${i}/w`] as tf.Variable, v[`dec${i}/b`] as tf.Variable, 'relu');
    return dense(h, v['out/w'] as tf.Variable, v['out/b'] as tf.Variable);
  }

  /** Mean loss over the batch: lossFactor · (Gaussian NLL of scalars + span cross-entropy) + KL. */
  private loss(x: tf.Tensor2D, noiseSeed: number): tf.Scalar {
    const v = this.vars;
    const L = this.layout!;
    const B = x.shape[0];
    let h = x;
    const first = L.sparseRows ? 'sparse' : false;
    for (let i = 0; i < this.options.hidden.length; i++)
      h = dense(h, v[`enc${i}/w`] as tf.Variable, v[`enc${i}/b`] as tf.Variable, 'relu', 0, i > 0 || first);
    const mu = dense(h, v['mu/w'] as tf.Variable, v['mu/b'] as tf.Variable);
    const logvar = dense(h, v['logvar/w'] as tf.Variable, v['logvar/b'] as tf.Variable);
    const { z, kl: klSum } = latent(mu, logvar, randomNormal(mu.shape, noiseSeed));
    const out = this.decode(z);

    const sigma = v['sigma'];
    const logSigma = tf.sum(tf.mul(tf.log(sigma), L.scalarMask));
    const recon = wasmKernelsActive()
      ? tf.add(reconstruction(out, x, sigma, L), logSigma)
      : this.reconstructionTf(out, x, sigma, logSigma);
    const kl = tf.div(klSum, B);
    return tf.add(tf.mul(recon, this.options.lossFactor), kl) as tf.Scalar;
  }

  /** The same terms as reconstruction() (plus Σ log σ) in tfjs ops, for backends without Doppel's kernels. */
  private reconstructionTf(out: tf.Tensor2D, x: tf.Tensor2D, sigma: tf.Tensor, logSigma: tf.Tensor): tf.Tensor {
    const L = this.layout!;
    const B = x.shape[0];
    const diff = tf.mul(tf.sub(x, fastTanh(out)), L.scalarMask);
    const gauss = tf.add(tf.div(tf.sum(tf.div(tf.square(diff), tf.mul(tf.square(sigma), 2))), B), logSigma);
    // Cross-entropy per softmax span, each span shifted by its own maximum (SpanLayout). A row-wide
    // maximum let a span whose logits sat ~90 below another span's underflow to a wrong, huge loss and a
    // gradient that only pushed its true logit up: on adult the tVAE then blew up at epoch ~121.
    if (!L.spanCount) return gauss;
    const masked = tf.mul(out, L.softmaxMask) as tf.Tensor2D;
    return tf.add(gauss, tf.div(tf.sub(tf.sum(L.logSumExp(masked)), tf.sum(tf.mul(x, masked))), B));
  }

  // --- training ---

  async fit(
    table: Table,
    schema: TableSchema,
    options: TVAEOptions = {},
    onProgress?: (p: TrainProgress) => void,
    signal?: AbortSignal,
  ): Promise<FitResult> {
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Resolved;
    const o = this.options;
    this.schema = schema;
    const rng = new Rng(o.seed);
    const resume = resumePoint(o, 'tvae', schema);
    this.encoder = await trainingEncoder(table, schema, o, rng.seed(), resume, this.deps.encoders);
    const encoder = this.encoder;
    this.build(encoder, rng, true);
    if (resume) assignWeights(this.vars, resume.model.weights);
    if (table.numRows === 0) throw new Error('Cannot train on an empty table');

    const { train, validation } = o.earlyStopping
      ? splitRows(table.numRows, o.validationFraction, rng)
      : splitRows(table.numRows, 0, rng);
    const D = encoder.width;
    const batch = Math.max(1, Math.min(o.batchSize, train.length));
    const steps = Math.ceil(train.length / batch);
    const stepRows = (s: number) => train.subarray(s * batch, Math.min(train.length, (s + 1) * batch));
    let buf: Float32Array = new Float32Array(batch * D);
    // with a replica, the next batch is encoded while the replica finishes (same order, same numbers)
    let ahead: Float32Array | null = null;
    let aheadStep = -1;
    const opt = new Adam(o.learningRate, 0.9, 0.999, o.weightDecay);
    const done = resume ? Math.min(resume.epoch, o.epochs) : 0;
    const clock = new TrainClock(done);
    const yielder = new Yielder();
    const stopper = o.earlyStopping ? new EarlyStopping(o.patience) : null;
    const encRng = rng.fork();
    // clock.progress records history even without a listener
    const report = (p: TrainProgress) => onProgress?.(p);
    let good: Record<string, tf.Tensor> | null = null;
    let best: Record<string, tf.Tensor> | null = null;
    let diverged: string | undefined;
    let lowest = Infinity;
    let stoppedEarly = false;
    let epoch = done;
    // On wasm and cpu every batch is taken as two halves, on one thread or two, so the thread count never
    // changes the numbers. WebGPU keeps whole batches (twice the dispatches would cost more than they save).
    const halves = currentBackend() !== 'webgpu';
    // A second thread takes the second half of every batch (replica.ts) when the runtime offers one.
    const threads = o.threads ?? (train.length * (o.epochs - done) >= REPLICA_MIN_ROWS ? 2 : 1);
    const make = halves && threads >= 2 && batch >= 2 * MIN_HALF ? replicaFactory() : null;
    const shape = { width: D, spans: encoder.spans, hidden: o.hidden, latent: o.latent, lossFactor: o.lossFactor };
    let link = make ? await TvaeReplicaLink.open(make, replicaInit(this.vars, shape, batch - Math.ceil(batch / 2)), 60_000, signal) : null;
    const usedThreads = link ? 2 : 1;
    if (usedThreads === 2) pauseProductHelper(true);
    try {
      outer: for (epoch = done + 1; epoch <= o.epochs; epoch++) {
        disposeAll(good);
        good = snapshot(this.vars);
        rng.shuffle(train);
        let lossSum: tf.Tensor = tf.scalar(0);
        for (let s = 0; s < steps; s++) {
          if (signal?.aborted) {
            lossSum.dispose();
            restore(this.vars, good);
            epoch--;
            stoppedEarly = true;
            break outer;
          }
          const rows = stepRows(s);
          if (aheadStep === s && ahead) [buf, ahead] = [ahead, buf];
          else encoder.encodeRows(table, rows, encRng, buf);
          aheadStep = -1;
          const seed = rng.seed();
          const half = halves && rows.length >= 2 * MIN_HALF ? Math.ceil(rows.length / 2) : 0;
          const seed2 = half ? rng.seed() : 0;
          // each half's loss is scaled by its share of the rows, so the batch's gradient is their sum
          const share = half / rows.length;
          if (half && link) link.start(this.vars, buf.subarray(half * D, rows.length * D), rows.length - half, seed2, 1 - share);
          const next = tf.tidy(() => {
            const batchRows = (from: number, to: number) => tf.tensor2d(buf.subarray(from * D, to * D), [to - from, D]);
            let step: { value: tf.Tensor; grads: Record<string, tf.Tensor> };
            if (!half) step = this.gradients(batchRows(0, rows.length), seed);
            else {
              const mine = this.gradients(batchRows(0, half), seed, share);
              let theirs: { value: number | tf.Tensor; grads: Record<string, tf.Tensor> } | null = null;
              if (link) {
                if (s + 1 < steps) {
                  ahead ??= new Float32Array(batch * D);
                  encoder.encodeRows(table, stepRows(s + 1), encRng, ahead);
                  aheadStep = s + 1;
                }
                theirs = link.finish();
                if (!theirs) {
                  // the replica failed or exited: one thread from now on
                  link.close();
                  link = null;
                }
              }
              theirs ??= this.gradients(batchRows(half, rows.length), seed2, 1 - share);
              const grads: Record<string, tf.Tensor> = {};
              for (const [k, g] of Object.entries(mine.grads)) grads[k] = tf.add(g, tf.reshape(theirs.grads[k], g.shape));
              step = { value: tf.add(mine.value, theirs.value), grads };
            }
            opt.apply(this.vars, step.grads);
            this.vars['sigma'].assign(tf.clipByValue(this.vars['sigma'], 0.01, 1));
            return tf.add(lossSum, tf.mul(step.value, rows.length));
          });
          lossSum.dispose();
          lossSum = next;
          await yielder.maybe();
        }
        const loss = (await lossSum.data())[0] / train.length;
        lossSum.dispose();
        const losses: Record<string, number> = { loss };
        if (!Number.isFinite(loss) || lossExploded(loss, lowest)) {
          restore(this.vars, good);
          diverged = divergedMessage(epoch, losses, lowest);
          epoch--;
          break;
        }
        lowest = Math.min(lowest, loss);
        if (stopper && validation.length) {
          const val = this.validationLoss(table, validation, encRng.fork());
          losses.validation = val;
          const { improved, stop } = stopper.update(epoch, val);
          if (improved) { disposeAll(best); best = snapshot(this.vars); }
          report({ ...clock.progress(epoch, o.epochs, losses, epoch * train.length), threads: link ? 2 : 1 });
          if (stop) {
            stoppedEarly = true;
            if (best) restore(this.vars, best);
            break;
          }
          continue;
        }
        report({ ...clock.progress(epoch, o.epochs, losses, epoch * train.length), threads: link ? 2 : 1 });
      }
    } finally {
      if (usedThreads === 2) pauseProductHelper(false);
      link?.close();
      disposeAll(good);
      disposeAll(best);
      opt.dispose();
    }
    return { epochs: Math.min(epoch, o.epochs), stoppedEarly, diverged, backend: currentBackend(), history: clock.history, threads: usedThreads };
  }

  private validationLoss(table: Table, rows: Int32Array, rng: Rng): number {
    const D = this.encoder!.width;
    const batch = this.options.batchSize;
    let total = 0;
    for (let s = 0; s < rows.length; s += batch) {
      const r = rows.subarray(s, Math.min(rows.length, s + batch));
      const buf = this.encoder!.encodeRows(table, r, rng);
      total += tf.tidy(() => this.loss(tf.tensor2d(buf, [r.length, D]), 12345).dataSync()[0]) * r.length;
    }
    return total / rows.length;
  }

  // --- sampling ---

  async sample(n: number, seed: number, options: SampleOptions = {}): Promise<Table> {
    if (!this.encoder || !this.layout) throw new Error('The tVAE has not been trained or loaded');
    if (options.conditions?.length) throw new Error('The tVAE cannot sample with conditions; use CTGAN or the transformer');
    const encoder = this.encoder;
    const D = encoder.width;
    const latent = this.options.latent;
    const chunk = Math.max(1, Math.min(options.chunkSize ?? 10_000, n || 1));
    const rng = new Rng(seed);
    const sigma = this.vars['sigma'].dataSync() as Float32Array;
    const spans = encoder.spans;
    const yielder = new Yielder();
    const tables: Table[] = [];
    for (let done = 0; done < n; ) {
      if (options.signal?.aborted) throw new Error('Sampling cancelled');
      const c = Math.min(chunk, n - done);
      const z = new Float32Array(c * latent);
      for (let i = 0; i < z.length; i++) z[i] = rng.normal();
      const out = readTidy(() => this.decode(tf.tensor2d(z, [c, latent])));
      const rows = outputsToRows(out, c, D, spans, rng, this.options.sampleNoise ? sigma : undefined);
      tables.push(encoder.decode(rows, c, rng));
      done += c;
      options.onProgress?.(done, n);
      await yielder.maybe();
    }
    if (!tables.length) return encoder.decode(new Float32Array(0), 0, rng);
    return tables.length === 1 ? tables[0] : tables[0].concat(...tables.slice(1));
  }

  save(): SavedModel {
    if (!this.encoder || !this.schema) throw new Error('The tVAE has not been trained yet');
    return {
      format: 'doppel-model',
      version: 1,
      kind: 'tvae',
      schema: savedSchema(this.schema),
      options: jsonOptions(this.options),
      encoder: this.encoder.toJSON(),
      weights: serialiseWeights(this.decoderVars()),
    };
  }

  checkpoint(): SavedModel {
    return { ...this.save(), weights: serialiseWeights(this.vars) };
  }

  private disposeVars(): void {
    for (const v of Object.values(this.vars)) v.dispose();
    this.vars = {};
    if (this.layout) {
      this.layout.dispose();
      this.layout = null;
    }
  }

  dispose(): void {
    this.disposeVars();
  }
}

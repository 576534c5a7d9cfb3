/**
 * The tabular transformer trained with DP-SGD. Network, tokens and model file are those of
 * models/transformer (same weight names and vocabulary layout, so TabularTransformer.load samples from
 * a DP model); training differs:
 *
 * - The vocabulary is built from public facts or DP estimates (dp-preprocess), never from the table:
 *   a category column's tokens are the public/DP-released labels (unreleased ones fall to the null
 *   token), a number column's tokens are a data-independent grid over the public/DP bounds (each integer
 *   when an integer range is short, else equal-width intervals). Every column has a null token (whether
 *   a column has nulls is itself a fact about the rows). No protected rare bucket: its member list is
 *   data.
 * - Poisson-sampled batches; each example's gradient over EVERY parameter (token/column embeddings,
 *   attention, MLP, layer norms, heads) is clipped jointly to C; Gaussian noise σ·C from crypto.
 *   Per-example norms by ghost clipping (Li et al. 2022), two passes per batch: pass 1 differentiates the
 *   summed loss w.r.t. zero perturbations added to every layer's output, which gives each example's
 *   output gradients G; the norms follow without forming per-example gradients:
 *     dense layers along the sequence (qkv, o, ff1, ff2): sequenceGhostNormsSq(A, G);
 *     embeddings (token, previous column, target column): within one row every position uses a
 *       different row of each table (one token per column), so ‖∇E_i‖² = Σ_t ‖g_it‖², three times;
 *     layer norms: ∇γ_i = Σ_t g_it ⊙ x̂_it, ∇β_i = Σ_t g_it;
 *     column heads: position t uses column t's own head, so Σ_t ‖h_it‖²‖g_it‖² (+ Σ_t ‖g_it‖²).
 *   Pass 2 backpropagates Σ_i s_i ℓ_i with s_i = min(1, C/‖∇ℓ_i‖), which IS the sum of clipped gradients.
 *   `clipping: 'loop'` computes the same thing by single-example backward passes (slow; kept as the
 *   reference the test compares the ghost norms against).
 * - No batch norm (the transformer has only layer norm, which is per example). Dropout off by default.
 * - The RDP accountant chooses σ for the target ε and training stops before the budget would be exceeded.
 */
import * as tf from '@tensorflow/tfjs';
import type { Table } from 'apache-arrow';
import { NUMERIC_KINDS, trainableColumns, type ColumnSchema, type TableSchema } from '../../schema/types';
import { Rng } from '../../util/random';
import type { FitOptions, FitResult, Generator, SampleOptions, SavedModel, TrainProgress } from '../../models/types';
import { savedSchema } from '../../models/encoding';
import { TrainClock, Yielder, jsonOptions, serialiseWeights } from '../../models/training';
import { currentBackend } from '../../models/backend';
import { readRawColumn } from '../../sample/arrow';
import { TabularTransformer, type ColumnOrder } from '../../models/transformer/transformer';
import { columnTokeniser, withOffsets, type ColumnTokeniser, type ColumnVocab, type TableVocab } from '../../models/transformer/vocab';
import { bmm, causalMask, columnLogits, dense, embed, initParams, type NetworkConfig, type Params } from '../../models/transformer/network';
import { cryptoNormal } from './crypto-random';
import { clipScales, poissonSample, sequenceGhostNormsSq } from './dp-sgd';
import { trainingColumnFacts } from './dp-preprocess';
import { resolveDpOptions, sampleThroughModelFile } from './dp-common';
import { RdpAccountant, defaultDelta, privacyReceipt, sigmaForEpsilon, type PrivacyReceipt } from './rdp-accountant';
import type { DpCommonOptions } from './dp-ctgan';

export interface DpTransformerOptions extends DpCommonOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  width?: number;
  layers?: number;
  heads?: number;
  ffn?: number;
  dropout?: number;
  learningRate?: number;
  order?: ColumnOrder;
  /** Tokens of a numeric column's value grid (default 32). */
  maxBins?: number;
  /** Per-example clipping by ghost norms (default) or by single-example backward passes. */
  clipping?: 'ghost' | 'loop';
}

const DEFAULTS = {
  epochs: 20,
  batchSize: 128,
  seed: 0,
  width: 32,
  layers: 1,
  heads: 2,
  ffn: 64,
  dropout: 0,
  learningRate: 2e-3,
  order: 'mixed' as ColumnOrder,
  maxBins: 32,
  clipping: 'ghost' as 'ghost' | 'loop',
  clipNorm: 1,
  preprocessingShare: 0.1,
};
type Resolved = typeof DEFAULTS & DpTransformerOptions;

/** Copied from models/transformer/vocab.ts (not exported there): the output grid of a column. */
function gridStep(col: ColumnSchema): { step: number; decimals: number } {
  if (col.kind === 'integer') return { step: 1, decimals: 0 };
  if (col.kind === 'datetime') {
    const f = col.datetimeFormat ?? '';
    if (['yyyy-mm-dd', 'dd/mm/yyyy', 'mm/dd/yyyy'].includes(f)) return { step: 86_400_000, decimals: 0 };
    if (f.endsWith('hh:mm')) return { step: 60_000, decimals: 0 };
    if (f === 'epoch-ms') return { step: 1, decimals: 0 };
    return { step: 1000, decimals: 0 };
  }
  if (col.decimals !== undefined && col.decimals <= 8) return { step: 10 ** -col.decimals, decimals: col.decimals };
  return { step: 0, decimals: -1 };
}

/** A numeric column's tokens from its (public or DP) bounds alone. */
function gridVocab(col: ColumnSchema, min: number, max: number, maxBins: number): ColumnVocab {
  const { step, decimals } = gridStep(col);
  const base = { type: 'numeric' as const, name: col.name, kind: col.kind, step, decimals, min, max };
  if (step > 0 && (max - min) / step + 1 <= maxBins) {
    // each grid value its own token (e.g. an integer score 0–10)
    const points: number[] = [];
    const k0 = Math.ceil(min / step - 1e-9);
    const k1 = Math.floor(max / step + 1e-9);
    for (let k = k0; k <= k1; k++) points.push(Number((k * step).toFixed(Math.max(0, decimals))));
    if (!points.length) points.push(min);
    return { ...base, points, edges: [], size: points.length + 1, nullToken: points.length };
  }
  const bins = Math.max(1, maxBins);
  const edges = Array.from({ length: bins + 1 }, (_, j) => min + ((max - min) * j) / bins);
  return { ...base, points: [], edges, size: bins + 1, nullToken: bins };
}

export class DpTransformer implements Generator {
  readonly kind = 'transformer' as const;
  private schema: TableSchema | null = null;
  private vocab: TableVocab | null = null;
  private cfg: NetworkConfig | null = null;
  private params: Params | null = null;
  private options: Resolved = { ...DEFAULTS, epsilon: 1 };
  receipt: PrivacyReceipt | null = null;
  notes: string[] = [];

  /** Vocabulary and saved schema from public facts or DP estimates (what preprocessing spends). */
  private dpVocab(table: Table, schema: TableSchema, eps: number, delta: number): { vocab: TableVocab; schema: TableSchema; spent: { epsilon: number; delta: number } } {
    const { cols, read, facts } = trainingColumnFacts(table, schema, this.options, eps, delta);
    this.notes = facts.notes;
    const dpSchema: TableSchema = savedSchema({ ...schema, columns: schema.columns.map((c) => ({ ...c })) });
    for (const c of dpSchema.columns) {
      c.missing = 0;
      c.distinct = 0;
      if (!cols.some((t) => t.name === c.name)) {
        delete c.min;
        delete c.max;
        delete c.categories;
      }
    }
    const columns: ColumnVocab[] = cols.map((c) => {
      const sc = dpSchema.columns.find((x) => x.name === c.name)!;
      if (NUMERIC_KINDS.includes(c.kind)) {
        const b = facts.bounds[c.name];
        sc.min = b.min;
        sc.max = b.max;
        return gridVocab(sc, b.min, b.max, this.options.maxBins);
      }
      const labels = facts.categories[c.name].filter((l): l is string => l !== null);
      sc.categories = labels;
      return { type: 'labels', name: c.name, kind: c.kind, labels, rareToken: -1, rareMembers: [], size: labels.length + 1, nullToken: labels.length };
    });
    return { vocab: withOffsets(columns), schema: dpSchema, spent: facts.spent };
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
    const cols = trainableColumns(schema);
    if (!cols.length) throw new Error('No column to train on: every column is excluded, an identifier or text.');
    const delta = o.delta ?? defaultDelta(N);
    const rng = new Rng(o.seed);

    const pre = this.dpVocab(table, schema, o.epsilon * o.preprocessingShare, delta * o.preprocessingShare);
    const epsTrain = o.epsilon - pre.spent.epsilon;
    const deltaTrain = delta - pre.spent.delta;
    this.schema = pre.schema;
    const vocab = (this.vocab = pre.vocab);
    const C = vocab.columns.length;
    const V = vocab.total;
    const T = C;
    const K = Math.max(...vocab.columns.map((c) => c.size));
    const width = Math.max(o.heads, Math.round(o.width / o.heads) * o.heads);
    const cfg: NetworkConfig = { vocab: V, maxTokens: K, columns: C, width, layers: o.layers, heads: o.heads, ffn: o.ffn, dropout: o.dropout };
    this.cfg = cfg;
    this.disposeParams();
    const params = (this.params = initParams(cfg, rng.seed()));
    const names = Object.keys(params);
    const vars = names.map((n) => params[n]);
    const tokenisers: ColumnTokeniser[] = vocab.columns.map((v, c) => columnTokeniser(v, readRawColumn(table.getChild(cols[c].name)!, cols[c])));

    const batch = Math.max(1, Math.min(o.batchSize, N));
    const q = batch / N;
    const stepsPerEpoch = Math.max(1, Math.round(N / batch));
    const noise = sigmaForEpsilon(epsTrain, { q, steps: stepsPerEpoch * o.epochs, delta: deltaTrain });
    const accountant = new RdpAccountant(q, noise, deltaTrain, epsTrain);
    const C_ = o.clipNorm;

    const causal = causalMask(T);
    const optimizer = tf.train.adam(o.learningRate, 0.9, 0.98);
    const schemaOrder = Array.from({ length: C }, (_, i) => i);
    const clock = new TrainClock();
    const yielder = new Yielder();
    let steps = 0;
    let stoppedEarly = false;
    let diverged: string | undefined;
    let epoch = 0;
    try {
      outer: for (epoch = 1; epoch <= o.epochs; epoch++) {
        let lossSum = 0;
        let seen = 0;
        for (let s = 0; s < stepsPerEpoch; s++) {
          if (signal?.aborted || !accountant.canStep()) {
            stoppedEarly = true;
            epoch--;
            break outer;
          }
          const rows = poissonSample(N, q, rng);
          const order = o.order === 'schema' || (o.order === 'mixed' && rng.next() < 0.5) ? schemaOrder : rng.shuffle(schemaOrder.slice());
          const mask = (() => {
            const a = new Float32Array(T * K);
            order.forEach((c, t) => a.fill(-1e9, t * K + vocab.columns[c].size, (t + 1) * K));
            return tf.tensor2d(a, [T, K]);
          })();
          const pc = tf.tensor1d(Int32Array.from({ length: T }, (_, t) => (t === 0 ? C : order[t - 1])), 'int32');
          const tc = tf.tensor1d(Int32Array.from(order), 'int32');
          // Σ_i clip(∇θ ℓ_i)
          const B = rows.length;
          const prevAll = new Int32Array(B * T);
          const targAll = new Int32Array(B * T); // position-major, like the logits
          rows.forEach((r, i) => {
            let p = V;
            for (let t = 0; t < T; t++) {
              const c = order[t];
              const tok = vocab.offsets[c] + tokenisers[c](r);
              prevAll[i * T + t] = p;
              targAll[t * B + i] = tok - vocab.offsets[c];
              p = tok;
            }
          });
          const seeds = o.dropout > 0 ? Array.from({ length: 2 * cfg.layers }, () => rng.seed()) : undefined;
          const batchIn: DpBatch = { prev: prevAll, target: targAll, B, T, prevColumns: pc, targetColumns: tc, mask, causal, dropoutSeeds: seeds };
          let sum: tf.Tensor[];
          if (!B) sum = vars.map((v) => tf.zerosLike(v));
          else {
            const r = o.clipping === 'loop' ? clippedSumLoop(params, cfg, batchIn, C_) : clippedSumGhost(params, cfg, batchIn, C_);
            sum = vars.map((v) => r.grads[v.name]);
            lossSum += r.loss;
            seen += B;
          }
          // noisy mean over the EXPECTED batch (the realised size is private); an empty batch still releases noise
          const noisy: tf.NamedTensorMap = {};
          tf.tidy(() => {
            vars.forEach((v, i) => {
              const z = tf.tensor(cryptoNormal(v.size, noise * C_), v.shape, 'float32');
              noisy[v.name] = tf.keep(tf.div(tf.add(sum[i], z), batch));
            });
          });
          optimizer.applyGradients(noisy as unknown as Record<string, tf.Variable>); // tfjs types want variables; any tensor works
          for (const t of [...sum, ...Object.values(noisy), mask, pc, tc]) t.dispose();
          accountant.step();
          steps++;
          await yielder.maybe();
        }
        const meanLoss = seen ? lossSum / seen : 0;
        if (!Number.isFinite(meanLoss)) {
          diverged = `training diverged at epoch ${epoch}`;
          break;
        }
        // the loss is computed on private rows: a progress signal only, never saved
        onProgress?.(clock.progress(epoch, o.epochs, { loss: meanLoss }, epoch * N));
      }
    } finally {
      causal.dispose();
      optimizer.dispose();
    }
    const spent = accountant.spent;
    this.receipt = privacyReceipt({
      epsilon: spent.epsilon + pre.spent.epsilon,
      delta: deltaTrain + pre.spent.delta,
      sigma: noise,
      q,
      steps,
      rows: N,
      clipNorm: C_,
      order: spent.order,
    });
    return { epochs: Math.max(0, Math.min(epoch, o.epochs)), stoppedEarly, diverged, backend: currentBackend(), history: clock.history };
  }

  sample(n: number, seed: number, options?: SampleOptions): Promise<Table> {
    return sampleThroughModelFile(this.save(), (saved) => TabularTransformer.load(saved), n, seed, options);
  }

  /** A transformer model file (weights, DP vocabulary, the receipt); never a training row. */
  save(): SavedModel {
    if (!this.params || !this.vocab || !this.cfg || !this.schema) throw new Error('The DP transformer has not been trained yet');
    const { epsilon: _e, delta: _d, publicBounds: _b, publicCategories: _c, ...rest } = this.options;
    return {
      format: 'doppel-model',
      version: 1,
      kind: 'transformer',
      schema: this.schema,
      options: jsonOptions({ ...rest, dp: true }),
      encoder: { vocab: this.vocab.columns, network: this.cfg },
      weights: serialiseWeights(this.params),
      privacy: this.receipt ?? undefined,
    };
  }

  private disposeParams(): void {
    if (this.params) for (const v of Object.values(this.params)) v.dispose();
    this.params = null;
  }

  dispose(): void {
    this.disposeParams();
  }
}

/** One Poisson batch in token form. */
export interface DpBatch {
  /** [B*T] previous-position global token ids, row-major. */
  prev: Int32Array;
  /** [T*B] local target tokens, position-major. */
  target: Int32Array;
  B: number;
  T: number;
  prevColumns: tf.Tensor1D;
  targetColumns: tf.Tensor1D;
  mask: tf.Tensor2D;
  causal: tf.Tensor;
  dropoutSeeds?: number[];
}

type Hooks = Record<string, tf.Tensor>;

/**
 * The network's forward pass (models/transformer/network.ts `forward` + `columnLogits`, copied so each
 * layer's output can take a zero perturbation E and its input be kept) → per-position cross-entropy
 * [T*B], position-major. Same arithmetic as the original, so the trained weights mean the same there.
 */
function positionLosses(p: Params, cfg: NetworkConfig, b: DpBatch, E?: Hooks, acts?: Hooks): tf.Tensor1D {
  const { B, T } = b;
  const d = cfg.width;
  const H = cfg.heads;
  const dh = d / H;
  const drop = b.dropoutSeeds && cfg.dropout > 0;
  let seedIx = 0;
  const dropout = (x: tf.Tensor2D) => (drop ? (tf.dropout(x, cfg.dropout, undefined, b.dropoutSeeds![seedIx++]) as tf.Tensor2D) : x);
  const hook = (name: string, y: tf.Tensor2D) => (E ? (tf.add(y, E[name]) as tf.Tensor2D) : y);
  const keep = (name: string, a: tf.Tensor2D) => {
    if (acts) acts[name] = tf.keep(a);
    return a;
  };
  const ln = (name: string, x: tf.Tensor2D, g: tf.Tensor, beta: tf.Tensor) => {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const xhat = keep(name, tf.mul(xc, tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), 1e-5))) as tf.Tensor2D);
    return hook(name, tf.add(tf.mul(xhat, g), beta) as tf.Tensor2D);
  };
  const lin = (name: string, x: tf.Tensor2D, w: tf.Tensor, bias: tf.Tensor) => hook(name, dense(keep(name, x), w, bias));
  const pos = tf.add(embed(p.colIn, b.prevColumns), embed(p.colOut, b.targetColumns));
  const tok = tf.reshape(embed(p.tok, tf.tensor1d(b.prev, 'int32')), [B, T, d]);
  let x = hook('x0', tf.reshape(tf.add(tok, pos), [B * T, d]) as tf.Tensor2D);
  const scale = 1 / Math.sqrt(dh);
  for (let l = 0; l < cfg.layers; l++) {
    const h = ln(`l${l}/ln1`, x, p[`l${l}/ln1/g`], p[`l${l}/ln1/b`]);
    const qkv = lin(`l${l}/qkv`, h, p[`l${l}/qkv/w`], p[`l${l}/qkv/b`]);
    const split = tf.transpose(tf.reshape(qkv, [B, T, 3, H, dh]), [2, 0, 3, 1, 4]);
    const [q, k, v] = tf.unstack(tf.reshape(split, [3, B * H, T, dh])) as tf.Tensor3D[];
    const scores = tf.add(tf.mul(bmm(q, tf.transpose(k, [0, 2, 1]) as tf.Tensor3D), scale), b.causal);
    const att = bmm(tf.softmax(scores) as tf.Tensor3D, v);
    const merged = tf.reshape(tf.transpose(tf.reshape(att, [B, H, T, dh]), [0, 2, 1, 3]), [B * T, d]) as tf.Tensor2D;
    x = tf.add(x, dropout(lin(`l${l}/o`, merged, p[`l${l}/o/w`], p[`l${l}/o/b`]))) as tf.Tensor2D;
    const h2 = ln(`l${l}/ln2`, x, p[`l${l}/ln2/g`], p[`l${l}/ln2/b`]);
    const f1 = tf.relu(lin(`l${l}/ff1`, h2, p[`l${l}/ff1/w`], p[`l${l}/ff1/b`])) as tf.Tensor2D;
    x = tf.add(x, dropout(lin(`l${l}/ff2`, f1, p[`l${l}/ff2/w`], p[`l${l}/ff2/b`]))) as tf.Tensor2D;
  }
  const hf = keep('head', ln('lnf', x, p['lnf/g'], p['lnf/b']));
  const logits = hook('logits', columnLogits(p, cfg, hf, B, T, b.targetColumns, b.mask));
  const K = logits.shape[1];
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d(b.target, 'int32'), K)), 1)) as tf.Tensor1D;
}

/** Hook shapes of positionLosses. */
function hookShapes(cfg: NetworkConfig, B: number, T: number): Record<string, number[]> {
  const d = cfg.width;
  const out: Record<string, number[]> = { x0: [B * T, d] };
  for (let l = 0; l < cfg.layers; l++) {
    out[`l${l}/ln1`] = [B * T, d];
    out[`l${l}/qkv`] = [B * T, 3 * d];
    out[`l${l}/o`] = [B * T, d];
    out[`l${l}/ln2`] = [B * T, d];
    out[`l${l}/ff1`] = [B * T, cfg.ffn];
    out[`l${l}/ff2`] = [B * T, d];
  }
  out['lnf'] = [B * T, d];
  out['logits'] = [T * B, cfg.maxTokens];
  return out;
}

/** Per-example squared gradient norms over every parameter (ghost norms, one backward pass); ℓ_i = mean CE over the row's positions. */
export function ghostNormsSq(p: Params, cfg: NetworkConfig, b: DpBatch): { normsSq: tf.Tensor1D; loss: number } {
  const { B, T } = b;
  const d = cfg.width;
  const shapes = hookShapes(cfg, B, T);
  const names = Object.keys(shapes);
  const acts: Hooks = {};
  try {
    return tf.tidy(() => {
      const es = names.map((n) => tf.zeros(shapes[n]));
      const f = (...e: tf.Tensor[]) => {
        const E: Hooks = {};
        names.forEach((n, i) => (E[n] = e[i]));
        return tf.div(tf.sum(positionLosses(p, cfg, b, E, acts)), T) as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(f)(es);
      const G: Hooks = {};
      names.forEach((n, i) => (G[n] = grads[i]));
      const seq = (t: tf.Tensor, w: number) => tf.reshape(t, [B, T, w]) as tf.Tensor3D;
      const rowSq = (t: tf.Tensor3D) => tf.sum(tf.square(t), [1, 2]);
      // embeddings: token, previous column, target column — each row's positions hit distinct rows
      let n2 = tf.mul(rowSq(seq(G.x0, d)), 3) as tf.Tensor;
      const lnNorm = (name: string) => {
        const g = seq(G[name], d);
        return tf.add(tf.sum(tf.square(tf.sum(tf.mul(g, seq(acts[name], d)), 1)), 1), tf.sum(tf.square(tf.sum(g, 1)), 1));
      };
      const denseNorm = (name: string, inW: number, outW: number) => sequenceGhostNormsSq(seq(acts[name], inW), seq(G[name], outW));
      for (let l = 0; l < cfg.layers; l++) {
        n2 = tf.add(n2, lnNorm(`l${l}/ln1`));
        n2 = tf.add(n2, denseNorm(`l${l}/qkv`, d, 3 * d));
        n2 = tf.add(n2, denseNorm(`l${l}/o`, d, d));
        n2 = tf.add(n2, lnNorm(`l${l}/ln2`));
        n2 = tf.add(n2, denseNorm(`l${l}/ff1`, d, cfg.ffn));
        n2 = tf.add(n2, denseNorm(`l${l}/ff2`, cfg.ffn, d));
      }
      n2 = tf.add(n2, lnNorm('lnf'));
      // heads: position t uses its own column's head, so no cross-position terms
      const h2 = tf.sum(tf.square(seq(acts.head, d)), 2); // [B, T]
      const g2 = tf.transpose(tf.sum(tf.square(tf.reshape(G.logits, [T, B, cfg.maxTokens])), 2)); // [B, T]
      n2 = tf.add(n2, tf.sum(tf.mul(tf.add(h2, 1), g2), 1));
      return { normsSq: n2 as tf.Tensor1D, loss: value.dataSync()[0] };
    });
  } finally {
    for (const t of Object.values(acts)) t.dispose();
  }
}

/** Σ_i s_i ∇ℓ_i with s_i = min(1, C/‖∇ℓ_i‖): ghost norms, then one backward pass of the reweighted loss. */
export function clippedSumGhost(p: Params, cfg: NetworkConfig, b: DpBatch, clipNorm: number): { grads: Record<string, tf.Tensor>; loss: number } {
  const { normsSq, loss: lossValue } = ghostNormsSq(p, cfg, b);
  const vars = Object.values(p);
  const grads = tf.tidy(() => {
    const s = clipScales(normsSq, clipNorm);
    const w = tf.reshape(tf.tile(tf.reshape(s, [1, b.B]), [b.T, 1]), [b.T * b.B]); // position-major weights
    const { grads } = tf.variableGrads(() => tf.div(tf.sum(tf.mul(positionLosses(p, cfg, b), w)), b.T) as tf.Scalar, vars);
    return grads;
  });
  normsSq.dispose();
  return { grads, loss: lossValue };
}

/** Reference: per-example gradients by single-example backward passes; also their squared norms. */
export function clippedSumLoop(p: Params, cfg: NetworkConfig, b: DpBatch, clipNorm: number): { grads: Record<string, tf.Tensor>; loss: number; normsSq: Float32Array } {
  const vars = Object.values(p);
  const { B, T } = b;
  const sum: Record<string, tf.Tensor> = {};
  for (const v of vars) sum[v.name] = tf.zerosLike(v);
  const normsSq = new Float32Array(B);
  let total = 0;
  for (let i = 0; i < B; i++) {
    const one: DpBatch = {
      ...b,
      B: 1,
      prev: b.prev.slice(i * T, (i + 1) * T),
      target: Int32Array.from({ length: T }, (_, t) => b.target[t * B + i]),
    };
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.div(tf.sum(positionLosses(p, cfg, one)), T) as tf.Scalar, vars);
      let n2 = tf.scalar(0);
      for (const v of vars) n2 = tf.add(n2, tf.sum(tf.square(grads[v.name])));
      const nv = n2.dataSync()[0];
      normsSq[i] = nv;
      const s = Math.min(1, clipNorm / (Math.sqrt(nv) + 1e-12));
      for (const v of vars) {
        const next = tf.keep(tf.add(sum[v.name], tf.mul(grads[v.name], s)));
        sum[v.name].dispose();
        sum[v.name] = next;
      }
      total += value.dataSync()[0];
    });
  }
  return { grads: sum, loss: total, normsSq };
}

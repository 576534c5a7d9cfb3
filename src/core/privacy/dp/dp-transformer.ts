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
 *   Per-example gradients are computed by a loop of single-example backward passes (microbatches of 1):
 *   correct for every layer including embeddings, attention and layer norm, but slower than ghost
 *   clipping (dp-sgd.ts sequenceGhostNormsSq would serve the dense layers; embeddings/attention would
 *   need their own per-example norms — not done).
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
import { causalMask, columnLogits, forward, initParams, loss, type NetworkConfig, type Params } from '../../models/transformer/network';
import { readColumns } from '../columns';
import { cryptoNormal } from './crypto-random';
import { poissonSample } from './dp-sgd';
import { dpPublicFacts, type DpColumnInput } from './dp-preprocess';
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
    const o = this.options;
    const cols = trainableColumns(schema);
    const read = readColumns(table, cols);
    const inputs: DpColumnInput[] = read.map((c) =>
      c.kind === 'numeric'
        ? { name: c.name, kind: 'numeric', values: c.values, publicRange: o.publicBounds?.[c.name] }
        : { name: c.name, kind: 'categorical', labels: c.labels, publicCategories: o.publicCategories?.[c.name] },
    );
    const facts = dpPublicFacts(inputs, eps, delta);
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
        return gridVocab(sc, b.min, b.max, o.maxBins);
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
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...DEFAULTS, ...(given as Partial<DpTransformerOptions>) } as Resolved;
    const o = this.options;
    if (!(o.epsilon > 0 && Number.isFinite(o.epsilon))) throw new Error(`DP training needs a finite ε > 0, got ${o.epsilon}`);
    const N = table.numRows;
    if (N < 2) throw new Error('Cannot train with differential privacy on fewer than 2 rows');
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
    const prev = new Int32Array(T);
    const target = new Int32Array(T);
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
          // Σ_i clip(∇θ ℓ_i): one single-example backward pass per sampled row
          const sum: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
          for (const r of rows) {
            let p = V;
            for (let t = 0; t < T; t++) {
              const c = order[t];
              const tok = vocab.offsets[c] + tokenisers[c](r);
              prev[t] = p;
              target[t] = tok - vocab.offsets[c];
              p = tok;
            }
            const seeds = o.dropout > 0 ? Array.from({ length: 2 * cfg.layers }, () => rng.seed()) : undefined;
            const value = tf.tidy(() => {
              const prevT = tf.tensor1d(prev, 'int32');
              const targT = tf.tensor1d(target, 'int32');
              const { value, grads } = tf.variableGrads(() => {
                const h = forward(params, cfg, { prevTokens: prevT, prevColumns: pc, targetColumns: tc, batch: 1, length: T, causal, dropoutSeeds: seeds });
                return loss(columnLogits(params, cfg, h, 1, T, tc, mask), targT);
              }, vars);
              const gs = vars.map((v) => grads[v.name]);
              let normSq = tf.scalar(0);
              for (const g of gs) normSq = tf.add(normSq, tf.sum(tf.square(g)));
              const scale = tf.minimum(1, tf.div(C_, tf.add(tf.sqrt(normSq), 1e-12)));
              gs.forEach((g, i) => {
                const next = tf.keep(tf.add(sum[i], tf.mul(g, scale)));
                sum[i].dispose();
                sum[i] = next;
              });
              return value.dataSync()[0];
            });
            lossSum += value;
            seen++;
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

  async sample(n: number, seed: number, options?: SampleOptions): Promise<Table> {
    const m = TabularTransformer.load(this.save());
    try {
      return await m.sample(n, seed, options);
    } finally {
      m.dispose();
    }
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

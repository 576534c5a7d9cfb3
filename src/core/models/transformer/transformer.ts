/**
 * Tabular transformer generator: one token per column, trained autoregressively (schema order or random
 * orders per batch), sampled column by column in chunks with temperature/top-p, and conditioned directly by
 * fixing tokens (=, in) or masking a numeric column's bins to a range.
 */
import * as tf from '@tensorflow/tfjs';
import type { Table } from 'apache-arrow';
import type { FitOptions, FitResult, Generator, SavedModel, SampleOptions, TrainProgress } from '../types';
import { readTidy, resumePoint } from '../training';
import { trainableColumns, type TableSchema } from '../../schema/types';
import { Rng } from '../../util/random';
import { labelVector, numberVector, readRawColumn, tableFromColumns, textVector } from '../../sample/arrow';
import { columnConstraints, type ColumnConstraint } from '../../sample/conditions';
import {
  allowedTokens, columnTokeniser, decodeLabel, decodeNumber, fitVocab, withOffsets,
  type ColumnTokeniser, type ColumnVocab, type TableVocab,
} from './vocab';
import {
  causalMask, columnLogits, disposeCache, emptyCache, forward, forwardStep, initParams, loss, oneColumnLogits,
  type NetworkConfig, type Params,
} from './network';

export type ColumnOrder = 'schema' | 'random' | 'mixed';

export interface TransformerOptions extends FitOptions {
  width?: number;
  layers?: number;
  heads?: number;
  ffn?: number;
  dropout?: number;
  learningRate?: number;
  /** schema: the schema's order; random: a new order per batch (any subset can be conditioned on);
   *  mixed (default): half the batches in schema order, half random. */
  order?: ColumnOrder;
  maxBins?: number;
  rareCount?: number;
  /** Epochs without a better validation loss before early stopping (default 5). */
  patience?: number;
}

const DEFAULTS = { epochs: 30, batchSize: 500, seed: 0, width: 64, layers: 2, heads: 4, ffn: 128, dropout: 0.1, learningRate: 2e-3, order: 'mixed' as ColumnOrder };

function currentBackend(): 'webgpu' | 'wasm' | 'cpu' {
  const b = tf.getBackend();
  return b === 'webgpu' || b === 'wasm' ? b : 'cpu';
}

function toBase64(bytes: Uint8Array): string {
  const B = (globalThis as { Buffer?: { from(b: Uint8Array): { toString(e: string): string } } }).Buffer;
  if (B) return B.from(bytes).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Float32Array {
  const B = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer;
  const bytes = B ? new Uint8Array(B.from(text, 'base64')) : Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

const sleep0 = () => new Promise<void>((r) => setTimeout(r, 0));

export class TabularTransformer implements Generator {
  readonly kind = 'transformer' as const;
  private schema: TableSchema | null = null;
  private vocab: TableVocab | null = null;
  private cfg: NetworkConfig | null = null;
  private params: Params | null = null;
  private options: TransformerOptions = {};

  static load(saved: SavedModel): TabularTransformer {
    if (saved.kind !== 'transformer') throw new Error(`Model file holds a ${saved.kind} model, not a transformer`);
    const enc = saved.encoder as { vocab: ColumnVocab[]; network: NetworkConfig };
    if (!enc?.vocab || !enc.network) throw new Error('Transformer model file is missing its vocabulary or network settings');
    const g = new TabularTransformer();
    g.schema = saved.schema;
    g.options = saved.options as TransformerOptions;
    g.vocab = withOffsets(enc.vocab);
    g.cfg = enc.network;
    g.params = assignParams(initParams(g.cfg, 0), saved.weights);
    return g;
  }

  async fit(
    table: Table,
    schema: TableSchema,
    options: TransformerOptions,
    onProgress?: (p: TrainProgress) => void,
    signal?: AbortSignal,
  ): Promise<FitResult> {
    const o = { ...DEFAULTS } as typeof DEFAULTS & TransformerOptions;
    for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
    this.dispose();
    this.schema = schema;
    const { resume: _resume, ...kept } = options;
    this.options = kept;
    const rng = new Rng(o.seed);
    const resume = resumePoint(o, 'transformer', schema);
    const saved = resume?.model.encoder as { vocab: ColumnVocab[]; network: NetworkConfig } | undefined;
    const trainable = trainableColumns(schema);
    if (trainable.length === 0) throw new Error('No column to train on: every column is excluded, an identifier or text.');
    const vocabSeed = rng.seed();
    const vocab = saved ? withOffsets(saved.vocab) : fitVocab(table, schema, trainable, vocabSeed, { maxBins: o.maxBins, rareCount: o.rareCount });
    this.vocab = vocab;
    const C = vocab.columns.length;
    const V = vocab.total;
    const width = Math.max(o.heads, Math.round(o.width / o.heads) * o.heads);
    const K = Math.max(...vocab.columns.map((c) => c.size));
    const cfg: NetworkConfig = saved?.network ?? { vocab: V, maxTokens: K, columns: C, width, layers: o.layers, heads: o.heads, ffn: o.ffn, dropout: o.dropout };
    this.cfg = cfg;
    this.params = initParams(cfg, rng.seed());
    if (resume) assignParams(this.params, resume.model.weights);
    const done = resume ? Math.min(resume.epoch, o.epochs) : 0;
    const vars = Object.values(this.params);

    // Raw columns once (not an encoded matrix); tokens are built per batch.
    const tokenisers: ColumnTokeniser[] = vocab.columns.map((v, c) => columnTokeniser(v, readRawColumn(table.getChild(trainable[c].name)!, trainable[c])));
    const n = table.numRows;
    if (n === 0) throw new Error('The table has no rows to train on.');
    const B = Math.max(1, Math.min(o.batchSize, n));
    const T = C;
    const causal = causalMask(T);
    const optimizer = tf.train.adam(o.learningRate, 0.9, 0.98);
    const schemaOrder = Array.from({ length: C }, (_, i) => i);
    const maskCache = new Map<string, tf.Tensor2D>();
    const padMask = (order: number[]) => {
      const key = order.join(',');
      let m = maskCache.get(key);
      if (!m) {
        const a = new Float32Array(T * K);
        order.forEach((c, t) => a.fill(-1e9, t * K + vocab.columns[c].size, (t + 1) * K));
        m = tf.tensor2d(a, [T, K]);
        if (key === schemaOrder.join(',')) maskCache.set(key, m);
      }
      return m;
    };

    // Early stopping (the UI's "Auto" epochs): hold out up to 10% of rows (≤ 2000), stop after `patience`
    // epochs without a better validation loss, and keep the best weights.
    const early = !!o.earlyStopping && n >= 100;
    const all = Int32Array.from({ length: n }, (_, i) => i);
    if (early) rng.shuffle(all);
    const holdout = early ? all.slice(0, Math.min(2000, Math.floor(n / 10))) : new Int32Array(0);
    const rows = early ? all.slice(holdout.length) : all;
    const patience = typeof o.patience === 'number' ? o.patience : 5;
    let best = Infinity;
    let bestWeights: tf.Tensor[] | null = null;
    let badEpochs = 0;
    let stoppedEarly = false;
    const validationLoss = (): number => {
      let total = 0;
      for (let lo = 0; lo < holdout.length; lo += B) {
        const m = Math.min(B, holdout.length - lo);
        const pv = new Int32Array(m * T);
        const tg = new Int32Array(m * T);
        for (let i = 0; i < m; i++) {
          let p = V;
          for (let t = 0; t < T; t++) {
            const tok = vocab.offsets[t] + tokenisers[t](holdout[lo + i]);
            pv[i * T + t] = p;
            tg[t * m + i] = tok - vocab.offsets[t];
            p = tok;
          }
        }
        total +=
          m *
          tf.tidy(() => {
            const tc = tf.tensor1d(Int32Array.from(schemaOrder), 'int32');
            const pc = tf.tensor1d(Int32Array.from({ length: T }, (_, t) => (t === 0 ? C : t - 1)), 'int32');
            const h = forward(this.params!, cfg, { prevTokens: tf.tensor1d(pv, 'int32'), prevColumns: pc, targetColumns: tc, batch: m, length: T, causal });
            return loss(columnLogits(this.params!, cfg, h, m, T, tc, padMask(schemaOrder)), tf.tensor1d(tg, 'int32')).dataSync()[0];
          });
      }
      return total / holdout.length;
    };
    const history: TrainProgress[] = [];
    const start = Date.now();
    let diverged: string | undefined;
    let lastGood = vars.map((v) => tf.keep(v.clone()));
    let epoch = 0;
    const nTrain = rows.length;
    const batches = Math.ceil(nTrain / B);
    const prev = new Int32Array(B * T);
    const target = new Int32Array(B * T);
    for (epoch = done; epoch < o.epochs; epoch++) {
      if (signal?.aborted) break;
      rng.shuffle(rows);
      let lossSum = tf.scalar(0);
      for (let b = 0; b < batches; b++) {
        const lo = b * B;
        const m = Math.min(B, nTrain - lo);
        if (m < B && batches > 1) continue; // equal shapes (no kernel re-specialisation); rows shuffle each epoch
        const order = o.order === 'schema' || (o.order === 'mixed' && rng.next() < 0.5) ? schemaOrder : rng.shuffle(schemaOrder.slice());
        for (let i = 0; i < m; i++) {
          const r = rows[lo + i];
          let p = V; // BOS
          for (let t = 0; t < T; t++) {
            const c = order[t];
            const tok = vocab.offsets[c] + tokenisers[c](r);
            prev[i * T + t] = p;
            target[t * m + i] = tok - vocab.offsets[c]; // position-major, local ids
            p = tok;
          }
        }
        const prevCols = Int32Array.from({ length: T }, (_, t) => (t === 0 ? C : order[t - 1]));
        const seeds = Array.from({ length: 2 * cfg.layers }, () => rng.seed());
        const mask = padMask(order);
        const cost = tf.tidy(() => {
          const prevT = tf.tensor1d(prev.subarray(0, m * T), 'int32');
          const targT = tf.tensor1d(target.subarray(0, m * T), 'int32');
          const pc = tf.tensor1d(prevCols, 'int32');
          const tc = tf.tensor1d(Int32Array.from(order), 'int32');
          const l = optimizer.minimize(
            () => {
              const h = forward(this.params!, cfg, { prevTokens: prevT, prevColumns: pc, targetColumns: tc, batch: m, length: T, causal, dropoutSeeds: seeds });
              return loss(columnLogits(this.params!, cfg, h, m, T, tc, mask), targT);
            },
            true,
            vars,
          )!;
          return tf.add(lossSum, l) as tf.Scalar;
        });
        if (!maskCache.has(order.join(','))) mask.dispose();
        lossSum.dispose();
        lossSum = cost;
        if (b % 4 === 3) {
          await sleep0();
          if (signal?.aborted) break;
        }
      }
      const counted = batches > 1 ? Math.floor(nTrain / B) : 1;
      const value = (await lossSum.data())[0] / counted;
      lossSum.dispose();
      if (!Number.isFinite(value)) {
        diverged = `Training diverged at epoch ${epoch + 1} (loss ${value}); kept the weights of epoch ${epoch}.`;
        vars.forEach((v, i) => v.assign(lastGood[i]));
        break;
      }
      lastGood.forEach((t) => t.dispose());
      lastGood = vars.map((v) => tf.keep(v.clone()));
      if (signal?.aborted) break;
      const losses: Record<string, number> = { loss: value };
      if (early) {
        const val = validationLoss();
        losses.validation = val;
        if (val < best - 1e-4) {
          best = val;
          bestWeights?.forEach((t) => t.dispose());
          bestWeights = vars.map((v) => tf.keep(v.clone()));
          badEpochs = 0;
        } else if (++badEpochs >= patience) stoppedEarly = true;
      }
      const elapsedMs = Date.now() - start;
      const p: TrainProgress = {
        epoch: epoch + 1,
        epochs: o.epochs,
        losses,
        elapsedMs,
        etaMs: (elapsedMs / (epoch + 1 - done)) * (o.epochs - epoch - 1),
        backend: currentBackend(),
        rowsSeen: (epoch + 1) * nTrain,
      };
      history.push(p);
      onProgress?.(p);
      if (stoppedEarly) break;
    }
    if (bestWeights) {
      if (stoppedEarly || diverged) vars.forEach((v, i) => v.assign(bestWeights![i]));
      bestWeights.forEach((t) => t.dispose());
    }
    lastGood.forEach((t) => t.dispose());
    causal.dispose();
    maskCache.forEach((t) => t.dispose());
    optimizer.dispose();
    return { epochs: done + history.length, stoppedEarly: stoppedEarly || !!signal?.aborted, diverged, backend: currentBackend(), history };
  }

  async sample(n: number, seed: number, options: SampleOptions = {}): Promise<Table> {
    if (!this.params || !this.vocab || !this.cfg || !this.schema) throw new Error('The transformer is not trained yet');
    const schema = this.schema;
    const vocab = this.vocab;
    const cfg = this.cfg;
    const C = vocab.columns.length;
    const V = vocab.total;
    const temperature = options.temperature ?? 1;
    const topP = options.topP ?? 1;
    if (!(temperature > 0)) throw new Error('temperature must be > 0');
    if (!(topP > 0 && topP <= 1)) throw new Error('top-p must be in (0, 1]');
    const constraints = columnConstraints(options.conditions ?? [], schema);
    for (const [name, c] of constraints) if (c.empty) throw new Error(`The conditions on column "${name}" contradict each other: no value satisfies them all.`);
    const colIndex = new Map(vocab.columns.map((v, i) => [v.name, i] as const));
    const perColumn: (ColumnConstraint | undefined)[] = vocab.columns.map((v) => constraints.get(v.name));
    for (const name of constraints.keys())
      if (!colIndex.has(name)) throw new Error(`Column "${name}" is not generated by this model, so it cannot be conditioned on.`);
    const allowed = vocab.columns.map((v, c) => allowedTokens(v, perColumn[c]));
    allowed.forEach((a, c) => {
      if (a && !a.some((x) => x)) throw new Error(`No value the model can generate for column "${vocab.columns[c].name}" satisfies the condition.`);
    });
    // Conditioned columns first when the model learnt any order; otherwise mask at their schema position.
    const anyOrder = (this.options.order ?? DEFAULTS.order) !== 'schema';
    const schemaOrder = Array.from({ length: C }, (_, i) => i);
    const order = anyOrder ? [...schemaOrder.filter((c) => perColumn[c]), ...schemaOrder.filter((c) => !perColumn[c])] : schemaOrder;

    const rng = new Rng(seed);
    const chunk = Math.max(1, Math.min(options.chunkSize ?? 2000, n));
    const tokens = new Int32Array(n * C); // local tokens, [row, column]
    const colIn = Int32Array.from({ length: C }, (_, t) => (t === 0 ? C : order[t - 1]));
    const colOut = Int32Array.from(order);
    for (let start = 0; start < n; start += chunk) {
      if (options.signal?.aborted) throw new DOMException('Sampling cancelled', 'AbortError');
      const m = Math.min(chunk, n - start);
      const stepPrev = new Int32Array(m).fill(V); // previous position's token per row (BOS first)
      const cache = emptyCache(cfg);
      try {
        for (let t = 0; t < C; t++) {
          const c = order[t];
          const col = vocab.columns[c];
          const K = col.size;
          const ok = allowed[c];
          let fixed = -1;
          if (ok) {
            let count = 0;
            ok.forEach((x, k) => x && (count++, (fixed = k)));
            if (count !== 1) fixed = -1;
          }
          // Every position goes through the cache (a fixed column still conditions the later ones).
          let logits: Float32Array | null = null;
          const prevT = tf.tensor1d(stepPrev, 'int32');
          const h = forwardStep(this.params!, cfg, cache, prevT, colIn[t], colOut[t]);
          prevT.dispose();
          if (fixed < 0) logits = readTidy(() => oneColumnLogits(this.params!, cfg, h, c, K));
          h.dispose();
          const probs = new Float64Array(K);
          const idx = Array.from({ length: K }, (_, k) => k);
          for (let i = 0; i < m; i++) {
            let tok = fixed;
            if (tok < 0) {
              let mx = -Infinity;
              for (let k = 0; k < K; k++) if (!ok || ok[k]) mx = Math.max(mx, logits![i * K + k] / temperature);
              let total = 0;
              for (let k = 0; k < K; k++) {
                probs[k] = !ok || ok[k] ? Math.exp(logits![i * K + k] / temperature - mx) : 0;
                total += probs[k];
              }
              if (topP < 1) {
                idx.sort((a, b) => probs[b] - probs[a]);
                let acc = 0;
                for (const k of idx) {
                  if (acc >= topP * total) probs[k] = 0;
                  else acc += probs[k];
                }
              }
              tok = rng.categorical(probs);
            }
            tokens[(start + i) * C + c] = tok;
            stepPrev[i] = vocab.offsets[c] + tok;
          }
          if (t % 4 === 3) await sleep0();
        }
      } finally {
        disposeCache(cache);
      }
      options.onProgress?.(start + m, n);
    }
    return this.decode(tokens, n, rng, perColumn);
  }

  private decode(tokens: Int32Array, n: number, rng: Rng, perColumn: (ColumnConstraint | undefined)[]): Table {
    const vocab = this.vocab!;
    const schema = this.schema!;
    const C = vocab.columns.length;
    const byName = new Map(vocab.columns.map((v, i) => [v.name, i] as const));
    const runTag = rng.nextUint32().toString(36);
    const columns = schema.columns.map((col) => {
      const c = byName.get(col.name);
      if (c === undefined) {
        if (col.kind === 'identifier') return textVector(Array.from({ length: n }, (_, i) => `syn-${runTag}-${i + 1}`));
        if (col.kind === 'categorical' || col.kind === 'boolean') return labelVector(new Array(n).fill(null), col.categories ?? []);
        if (col.kind === 'continuous' || col.kind === 'integer' || col.kind === 'datetime') return numberVector(new Float64Array(n).fill(NaN), col);
        return textVector(new Array(n).fill(null));
      }
      const v = vocab.columns[c];
      const cons = perColumn[c];
      if (v.type === 'labels') {
        const out: (string | null)[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = decodeLabel(v, tokens[i * C + c], rng, cons);
        return labelVector(out, col.categories ?? []);
      }
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = decodeNumber(v, tokens[i * C + c], rng, cons);
      return numberVector(out, col);
    });
    return tableFromColumns(schema, columns);
  }

  save(): SavedModel {
    if (!this.params || !this.vocab || !this.cfg || !this.schema) throw new Error('The transformer is not trained yet');
    const weights: SavedModel['weights'] = {};
    for (const [name, v] of Object.entries(this.params)) {
      const data = v.dataSync() as Float32Array;
      weights[name] = { shape: v.shape, data: toBase64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
    }
    return {
      format: 'doppel-model',
      version: 1,
      kind: 'transformer',
      schema: this.schema,
      options: this.options,
      encoder: { vocab: this.vocab.columns, network: this.cfg },
      weights,
    };
  }

  /** Every parameter is in the model file already. */
  checkpoint(): SavedModel {
    return this.save();
  }

  dispose(): void {
    if (this.params) for (const v of Object.values(this.params)) v.dispose();
    this.params = null;
  }
}

/** Saved weights into freshly built parameters (names and shapes from the network settings). */
function assignParams(params: Params, weights: SavedModel['weights']): Params {
  for (const [name, v] of Object.entries(params)) {
    const w = weights[name];
    if (!w) throw new Error(`Transformer model file is missing weight "${name}"`);
    const t = tf.tensor(fromBase64(w.data), w.shape);
    v.assign(t);
    t.dispose();
  }
  return params;
}

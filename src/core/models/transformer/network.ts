/**
 * The network: token + column embeddings, a small pre-LayerNorm causal transformer (Vaswani et al. 2017),
 * one softmax head per column (slices of one output matrix, masked to the column being predicted).
 *
 * Any-order autoregression (as in TabularARGN, Tiwald et al. 2025): position t sees the tokens of the
 * columns placed before it and is told which column it must predict (a "target column" embedding), so the
 * column order can change per batch and any subset of columns can be conditioned on by putting it first.
 *
 * wasm speed: matMul with transposeA/B is 10–15× slower on tfjs-wasm than an explicit transpose, and tfjs's
 * own matMul gradients use that form, so dense and batched products here carry hand-written gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { matMulT } from '../layers/dense';

export interface NetworkConfig {
  /** Total tokens (all columns); the BOS token is `vocab`. */
  vocab: number;
  /** Largest column vocabulary (per-column heads are padded to it). */
  maxTokens: number;
  columns: number;
  width: number;
  layers: number;
  heads: number;
  ffn: number;
  dropout: number;
}

export type Params = Record<string, tf.Variable>;

/** y = act(x·W + b) with an explicit-transpose gradient. */
export function dense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, relu = false): tf.Tensor2D {
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = tf.fused.matMul({ a: xi as tf.Tensor2D, b: wi as tf.Tensor2D, bias: bi, activation: relu ? 'relu' : 'linear' });
    save([xi, wi, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved;
        const g = relu ? tf.mul(dy, tf.step(ys)) : dy;
        return [
          matMulT(g as tf.Tensor2D, ws as tf.Tensor2D, false, true),
          matMulT(xs as tf.Tensor2D, g as tf.Tensor2D, true, false),
          tf.sum(g, 0),
        ];
      },
    };
  }) as never);
  return f(x, w, b) as tf.Tensor2D;
}

/** Batched a·b for rank-3 tensors with an explicit-transpose gradient. */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const f = tf.customGrad(((ai: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ai, bi]);
    return {
      value: tf.matMul(ai as tf.Tensor3D, bi as tf.Tensor3D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [as, bs] = saved;
        return [
          tf.matMul(dy as tf.Tensor3D, tf.transpose(bs, [0, 2, 1]) as tf.Tensor3D),
          tf.matMul(tf.transpose(as, [0, 2, 1]) as tf.Tensor3D, dy as tf.Tensor3D),
        ];
      },
    };
  }) as never);
  return f(a, b) as tf.Tensor3D;
}

/** Rows of an embedding table. The gradient is a scatter-add: tfjs-wasm has no UnsortedSegmentSum (gather's own gradient). */
export function embed(table: tf.Tensor, ids: tf.Tensor1D): tf.Tensor2D {
  const rows = table.shape[0];
  const f = tf.customGrad(((ti: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ids]);
    return {
      value: tf.gather(ti, ids),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.scatterND(tf.expandDims(saved[0], 1), dy, [rows, dy.shape[1]!])],
    };
  }) as never);
  return f(table) as tf.Tensor2D;
}

function layerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, 1e-5))), g), b) as tf.Tensor2D;
}

/** Seeded initial weights (Glorot-uniform dense layers, N(0, 0.02) embeddings). */
export function initParams(cfg: NetworkConfig, seed: number): Params {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const p: Params = {};
  const glorot = (name: string, i: number, o: number) => {
    const lim = Math.sqrt(6 / (i + o));
    p[name] = tf.variable(tf.randomUniform([i, o], -lim, lim, 'float32', next()), true);
  };
  const normal = (name: string, shape: number[]) =>
    (p[name] = tf.variable(tf.truncatedNormal(shape, 0, 0.02, 'float32', next()), true));
  const zeros = (name: string, n: number) => (p[name] = tf.variable(tf.zeros([n]), true));
  const ones = (name: string, n: number) => (p[name] = tf.variable(tf.ones([n]), true));
  const d = cfg.width;
  tf.tidy(() => {
    normal('tok', [cfg.vocab + 1, d]);
    normal('colIn', [cfg.columns + 1, d]);
    normal('colOut', [cfg.columns, d]);
    for (let l = 0; l < cfg.layers; l++) {
      ones(`l${l}/ln1/g`, d);
      zeros(`l${l}/ln1/b`, d);
      glorot(`l${l}/qkv/w`, d, 3 * d);
      zeros(`l${l}/qkv/b`, 3 * d);
      glorot(`l${l}/o/w`, d, d);
      zeros(`l${l}/o/b`, d);
      ones(`l${l}/ln2/g`, d);
      zeros(`l${l}/ln2/b`, d);
      glorot(`l${l}/ff1/w`, d, cfg.ffn);
      zeros(`l${l}/ff1/b`, cfg.ffn);
      glorot(`l${l}/ff2/w`, cfg.ffn, d);
      zeros(`l${l}/ff2/b`, d);
    }
    ones('lnf/g', d);
    zeros('lnf/b', d);
    // One softmax head per column, padded to the largest vocabulary: [columns, width × maxTokens].
    const lim = Math.sqrt(6 / (d + cfg.maxTokens));
    p['head/w'] = tf.variable(tf.randomUniform([cfg.columns, d * cfg.maxTokens], -lim, lim, 'float32', next()), true);
    p['head/b'] = tf.variable(tf.zeros([cfg.columns, cfg.maxTokens]), true);
  });
  return p;
}

export interface ForwardInput {
  /** [B*T] global token id of the previous position's column (BOS at t = 0). */
  prevTokens: tf.Tensor1D;
  /** [T] column of the previous position (columns = BOS). */
  prevColumns: tf.Tensor1D;
  /** [T] column predicted at each position. */
  targetColumns: tf.Tensor1D;
  batch: number;
  length: number;
  /** Additive causal mask [T, T]. */
  causal: tf.Tensor;
  /** Seeds for dropout; absent = no dropout (sampling). */
  dropoutSeeds?: number[];
}

/** Additive causal mask [T, T] (query, key). */
export function causalMask(T: number): tf.Tensor2D {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
  return tf.tensor2d(m, [T, T]);
}

/** Hidden states after the final LayerNorm, [B*T, width]. */
export function forward(p: Params, cfg: NetworkConfig, inp: ForwardInput): tf.Tensor2D {
  const { batch: B, length: T } = inp;
  const d = cfg.width;
  const H = cfg.heads;
  const dh = d / H;
  const drop = inp.dropoutSeeds && cfg.dropout > 0;
  let seedIx = 0;
  const dropout = (x: tf.Tensor2D) => (drop ? (tf.dropout(x, cfg.dropout, undefined, inp.dropoutSeeds![seedIx++]) as tf.Tensor2D) : x);
  const pos = tf.add(embed(p.colIn, inp.prevColumns), embed(p.colOut, inp.targetColumns)); // [T, d]
  const tok = tf.reshape(embed(p.tok, inp.prevTokens), [B, T, d]);
  let x = tf.reshape(tf.add(tok, pos), [B * T, d]) as tf.Tensor2D;
  const scale = 1 / Math.sqrt(dh);
  for (let l = 0; l < cfg.layers; l++) {
    const h = layerNorm(x, p[`l${l}/ln1/g`], p[`l${l}/ln1/b`]);
    const qkv = dense(h, p[`l${l}/qkv/w`], p[`l${l}/qkv/b`]); // [B*T, 3d]
    const split = tf.transpose(tf.reshape(qkv, [B, T, 3, H, dh]), [2, 0, 3, 1, 4]); // [3, B, H, T, dh]
    const [q, k, v] = tf.unstack(tf.reshape(split, [3, B * H, T, dh])) as tf.Tensor3D[];
    const scores = tf.add(tf.mul(bmm(q, tf.transpose(k, [0, 2, 1]) as tf.Tensor3D), scale), inp.causal);
    const att = bmm(tf.softmax(scores) as tf.Tensor3D, v); // [B*H, T, dh]
    const merged = tf.reshape(tf.transpose(tf.reshape(att, [B, H, T, dh]), [0, 2, 1, 3]), [B * T, d]) as tf.Tensor2D;
    x = tf.add(x, dropout(dense(merged, p[`l${l}/o/w`], p[`l${l}/o/b`])));
    const h2 = layerNorm(x, p[`l${l}/ln2/g`], p[`l${l}/ln2/b`]);
    const ff = dense(dense(h2, p[`l${l}/ff1/w`], p[`l${l}/ff1/b`], true), p[`l${l}/ff2/w`], p[`l${l}/ff2/b`]);
    x = tf.add(x, dropout(ff));
  }
  return layerNorm(x, p['lnf/g'], p['lnf/b']);
}

/**
 * Each position's logits over its target column's (padded) vocabulary, position-major: [T*B, maxTokens].
 * `padMask` [T, maxTokens] is -1e9 beyond each target column's vocabulary.
 */
export function columnLogits(p: Params, cfg: NetworkConfig, h: tf.Tensor2D, B: number, T: number, targetColumns: tf.Tensor1D, padMask: tf.Tensor2D): tf.Tensor2D {
  const K = cfg.maxTokens;
  const d = cfg.width;
  const ht = tf.transpose(tf.reshape(h, [B, T, d]), [1, 0, 2]) as tf.Tensor3D; // [T, B, d]
  const w = tf.reshape(embed(p['head/w'], targetColumns), [T, d, K]) as tf.Tensor3D;
  const b = tf.reshape(tf.add(embed(p['head/b'], targetColumns), padMask), [T, 1, K]);
  return tf.reshape(tf.add(bmm(ht, w), b), [T * B, K]) as tf.Tensor2D;
}

/** Logits of one column for hidden states [N, width]: [N, column vocabulary]. */
export function oneColumnLogits(p: Params, cfg: NetworkConfig, h: tf.Tensor2D, column: number, size: number): tf.Tensor2D {
  const K = cfg.maxTokens;
  const w = tf.reshape(tf.slice(p['head/w'], [column, 0], [1, cfg.width * K]), [cfg.width, K]);
  const b = tf.reshape(tf.slice(p['head/b'], [column, 0], [1, K]), [K]);
  return tf.slice(tf.add(tf.matMul(h, w as tf.Tensor2D), b), [0, 0], [h.shape[0], size]) as tf.Tensor2D;
}

/** Mean cross-entropy; `targets` [T*B] are local token ids, position-major like the logits. */
export function loss(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const K = logits.shape[1];
  const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, K)));
  return tf.div(tf.neg(picked), logits.shape[0]) as tf.Scalar;
}

/** Keys and values of the positions seen so far, per layer ([N*heads, length, dh]), for sampling. */
export interface KvCache {
  keys: (tf.Tensor3D | null)[];
  values: (tf.Tensor3D | null)[];
}

export function emptyCache(cfg: NetworkConfig): KvCache {
  return { keys: new Array(cfg.layers).fill(null), values: new Array(cfg.layers).fill(null) };
}

export function disposeCache(cache: KvCache): void {
  for (const t of [...cache.keys, ...cache.values]) t?.dispose();
}

/**
 * One new position for N sequences given the cache of the earlier ones (no dropout): the hidden state after
 * the final LayerNorm, [N, width]. The cache grows by one position (old tensors are released).
 * Same arithmetic as `forward`, so sampling costs one position per column instead of the whole prefix.
 */
export function forwardStep(p: Params, cfg: NetworkConfig, cache: KvCache, prevTokens: tf.Tensor1D, prevColumn: number, targetColumn: number): tf.Tensor2D {
  const N = prevTokens.shape[0];
  const d = cfg.width;
  const H = cfg.heads;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  return tf.tidy(() => {
    const pos = tf.add(tf.gather(p.colIn, [prevColumn]), tf.gather(p.colOut, [targetColumn])); // [1, d]
    let x = tf.add(tf.gather(p.tok, prevTokens), pos) as tf.Tensor2D;
    for (let l = 0; l < cfg.layers; l++) {
      const h = layerNorm(x, p[`l${l}/ln1/g`], p[`l${l}/ln1/b`]);
      const qkv = tf.fused.matMul({ a: h, b: p[`l${l}/qkv/w`] as tf.Tensor2D, bias: p[`l${l}/qkv/b`] });
      const split = tf.transpose(tf.reshape(qkv, [N, 3, H, dh]), [1, 0, 2, 3]); // [3, N, H, dh]
      const [q, k, v] = tf.unstack(tf.reshape(split, [3, N * H, 1, dh])) as tf.Tensor3D[];
      const oldK = cache.keys[l];
      const oldV = cache.values[l];
      const K = oldK ? tf.concat([oldK, k], 1) : k;
      const Vv = oldV ? tf.concat([oldV, v], 1) : v;
      oldK?.dispose();
      oldV?.dispose();
      cache.keys[l] = tf.keep(K as tf.Tensor3D);
      cache.values[l] = tf.keep(Vv as tf.Tensor3D);
      const scores = tf.mul(tf.matMul(q, tf.transpose(K, [0, 2, 1]) as tf.Tensor3D), scale); // [N*H, 1, L]
      const att = tf.matMul(tf.softmax(scores) as tf.Tensor3D, Vv as tf.Tensor3D); // [N*H, 1, dh]
      const merged = tf.reshape(att, [N, d]) as tf.Tensor2D;
      x = tf.add(x, tf.fused.matMul({ a: merged, b: p[`l${l}/o/w`] as tf.Tensor2D, bias: p[`l${l}/o/b`] }));
      const h2 = layerNorm(x, p[`l${l}/ln2/g`], p[`l${l}/ln2/b`]);
      const f1 = tf.fused.matMul({ a: h2, b: p[`l${l}/ff1/w`] as tf.Tensor2D, bias: p[`l${l}/ff1/b`], activation: 'relu' });
      x = tf.add(x, tf.fused.matMul({ a: f1, b: p[`l${l}/ff2/w`] as tf.Tensor2D, bias: p[`l${l}/ff2/b`] }));
    }
    return layerNorm(x, p['lnf/g'], p['lnf/b']);
  });
}

/**
 * Detection (classifier two-sample test, Lopez-Paz & Oquab 2017; SDMetrics LogisticDetection score):
 * can a classifier tell real rows from synthetic ones? k-fold CV AUC, 0.5 = cannot tell.
 */
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import { Rng } from '../util/random';
import { evaluatedColumns } from './columns';
import { binMatrix, denseMatrix, fitFeatureSpace, readShared, rowSet, type SharedColumn } from './features';
import { fitBoosted, fitLinear, rocAuc } from './learners';

export interface DetectionModelResult {
  /** Mean of the per-fold ROC AUCs. */
  auc: number;
  /** 1 − (2·max(AUC, 0.5) − 1): 1 = indistinguishable. */
  score: number;
  folds: number[];
}

export interface DetectionReport {
  /** The stronger of the two detectors (the one that tells real from synthetic best). */
  auc: number;
  score: number;
  model: 'logistic' | 'boosted-trees';
  models: { logistic: DetectionModelResult; boostedTrees: DetectionModelResult };
  folds: number;
  /** Rows used from each table (each capped at `maxRows`, sampled without replacement). */
  rows: { real: number; synthetic: number };
  subsampled: boolean;
  maxRows: number;
  elapsedMs: number;
}

export interface DetectionOptions {
  seed?: number;
  folds?: number;
  /** Cap per table (default 10 000 rows each). */
  maxRows?: number;
}

export const detectionScore = (auc: number) => 1 - (2 * Math.max(auc, 0.5) - 1);

/** k rows drawn without replacement from 0..n−1, sorted. */
export function sampleRows(n: number, k: number, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (k >= n) return all;
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.subarray(0, k).sort();
}

export function detectFromColumns(cols: SharedColumn[], nReal: number, nSyn: number, options: DetectionOptions = {}): DetectionReport {
  const t0 = Date.now();
  const rng = new Rng(options.seed ?? 0);
  const k = Math.max(2, options.folds ?? 3);
  const cap = options.maxRows ?? 10_000;
  const realRows = sampleRows(nReal, Math.min(cap, nReal), rng.fork());
  const synRows = sampleRows(nSyn, Math.min(cap, nSyn), rng.fork());
  const all = rowSet({ table: 0, rows: realRows }, { table: 1, rows: synRows });
  const space = fitFeatureSpace(cols, all);
  const n = realRows.length + synRows.length;
  const label = new Float64Array(n);
  for (let i = realRows.length; i < n; i++) label[i] = 1;
  // stratified folds: each table's rows dealt round-robin after a shuffle
  const fold = new Int32Array(n);
  for (const [a, b] of [
    [0, realRows.length],
    [realRows.length, n],
  ]) {
    const idx = rng.shuffle(Int32Array.from({ length: b - a }, (_, i) => a + i));
    idx.forEach((r, t) => (fold[r] = t % k));
  }
  const X = denseMatrix(space, all);
  const B = binMatrix(space, all);
  const w = space.width;
  const nf = cols.length;
  const discrete = cols.map((c) => c.type === 'discrete');
  const res = { logistic: [] as number[], boostedTrees: [] as number[] };
  for (let f = 0; f < k; f++) {
    const tr: number[] = [];
    const te: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? te : tr).push(i);
    const pick = (idx: number[]) => {
      const Xs = new Float32Array(idx.length * w);
      const Bs = new Uint8Array(idx.length * nf);
      const ys = new Float64Array(idx.length);
      idx.forEach((i, t) => {
        Xs.set(X.subarray(i * w, (i + 1) * w), t * w);
        for (let j = 0; j < nf; j++) Bs[j * idx.length + t] = B[j * n + i];
        ys[t] = label[i];
      });
      return { Xs, Bs, ys, n: idx.length };
    };
    const a = pick(tr);
    const b = pick(te);
    const task = { type: 'classification' as const, classes: 2 };
    const lin = fitLinear(a.Xs, a.n, w, a.ys, task, rng.fork());
    const pl = lin.predict(b.Xs, b.n);
    const gbt = fitBoosted(a.Bs, a.n, space.bins, discrete, a.ys, task, rng.fork(), { rounds: 40, depth: 3 });
    const pg = gbt.predict(b.Bs, b.n);
    const pos = (p: Float64Array) => Float64Array.from({ length: b.n }, (_, i) => p[i * 2 + 1]);
    res.logistic.push(rocAuc(pos(pl), b.ys));
    res.boostedTrees.push(rocAuc(pos(pg), b.ys));
  }
  const summary = (folds: number[]): DetectionModelResult => {
    const auc = folds.reduce((s, x) => s + x, 0) / folds.length;
    return { auc, score: detectionScore(auc), folds };
  };
  const logistic = summary(res.logistic);
  const boostedTrees = summary(res.boostedTrees);
  const stronger = boostedTrees.auc > logistic.auc ? boostedTrees : logistic;
  return {
    auc: stronger.auc,
    score: stronger.score,
    model: stronger === logistic ? 'logistic' : 'boosted-trees',
    models: { logistic, boostedTrees },
    folds: k,
    rows: { real: realRows.length, synthetic: synRows.length },
    subsampled: realRows.length < nReal || synRows.length < nSyn,
    maxRows: cap,
    elapsedMs: Date.now() - t0,
  };
}

/** C2ST of `synthetic` against `real`: logistic regression and boosted trees, k-fold, seeded. */
export function evaluateDetection(real: Table, synthetic: Table, schema: TableSchema, options: DetectionOptions = {}): DetectionReport {
  const cols = readShared([real, synthetic], evaluatedColumns(schema), ['real', 'synthetic']);
  return detectFromColumns(cols, real.numRows, synthetic.numRows, options);
}

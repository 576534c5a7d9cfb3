/**
 * ML utility (train-on-synthetic, test-on-real; Esteban et al. 2017 "TSTR"): a model trained on the synthetic
 * table and one trained on real rows are scored on the same real test rows that neither saw.
 */
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import { Rng } from '../util/random';
import { evaluatedColumns } from './columns';
import { sampleRows } from './detection';
import { binMatrix, denseMatrix, fitFeatureSpace, readShared, rowSet, type RowSet, type SharedColumn } from './features';
import { fitBoosted, fitLinear, rocAuc, type Task } from './learners';

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  /** Binary: ROC AUC of the second class; multiclass: macro one-vs-rest AUC over classes present in the test rows. */
  auc: number;
}
export interface RegressionMetrics {
  r2: number;
  mae: number;
}
export type UtilityMetrics = ClassificationMetrics | RegressionMetrics;

export interface UtilityReport {
  target: string;
  task: 'classification' | 'regression';
  classes?: string[];
  /** Trained on real rows (the reference), tested on the real test rows — boosted trees. */
  real: UtilityMetrics;
  /** Trained on the synthetic table, tested on the same real test rows — boosted trees. */
  synthetic: UtilityMetrics;
  models: {
    boostedTrees: { real: UtilityMetrics; synthetic: UtilityMetrics };
    logistic: { real: UtilityMetrics; synthetic: UtilityMetrics };
  };
  test: {
    source: 'holdout' | 'split';
    rows: number;
    /** Plain-language caveat shown with the numbers. */
    note: string;
  };
  rows: { realTrain: number; syntheticTrain: number; maxRows: number; subsampled: boolean };
  elapsedMs: number;
}

export interface UtilityOptions {
  target: string;
  /** Real rows the generator never saw. Without it a seeded 20% of `real` is held out (see test.note). */
  holdout?: Table;
  seed?: number;
  /** Cap on rows per training set and on test rows (default 10 000). */
  maxRows?: number;
  /** Override the task the target's kind implies. */
  task?: 'classification' | 'regression';
}

/** What fairness needs from the utility run: test rows, labels and both models' class predictions. */
export interface UtilityRun {
  report: UtilityReport;
  columns: SharedColumn[];
  /** Test rows (table index 0 = real, 2 = holdout). */
  test: RowSet;
  /** Test labels (class index, or value for regression). */
  y: Float64Array;
  /** Predicted class per test row (classification only), by the boosted trees. */
  predicted?: { real: Int32Array; synthetic: Int32Array };
  /** Real-train class counts (for picking the "positive" outcome). */
  realClassCounts?: Float64Array;
}

function classification(probs: Float64Array, y: Float64Array, K: number): ClassificationMetrics {
  const n = y.length;
  const pred = new Int32Array(n);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < K; c++) if (probs[i * K + c] > probs[i * K + best]) best = c;
    pred[i] = best;
    if (best === y[i]) correct++;
  }
  // macro-F1 over classes present in the truth or the predictions (as scikit-learn)
  let f1 = 0;
  let used = 0;
  for (let c = 0; c < K; c++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      if (pred[i] === c && y[i] === c) tp++;
      else if (pred[i] === c) fp++;
      else if (y[i] === c) fn++;
    }
    if (tp + fp + fn === 0) continue;
    used++;
    f1 += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  let auc: number;
  if (K === 2) auc = rocAuc(Float64Array.from({ length: n }, (_, i) => probs[i * 2 + 1]), Float64Array.from(y, (v) => (v === 1 ? 1 : 0)));
  else {
    let s = 0;
    let m = 0;
    for (let c = 0; c < K; c++) {
      let pos = 0;
      for (let i = 0; i < n; i++) if (y[i] === c) pos++;
      if (pos === 0 || pos === n) continue;
      s += rocAuc(Float64Array.from({ length: n }, (_, i) => probs[i * K + c]), Float64Array.from(y, (v) => (v === c ? 1 : 0)));
      m++;
    }
    auc = m ? s / m : 0.5;
  }
  return { accuracy: n ? correct / n : NaN, macroF1: used ? f1 / used : NaN, auc };
}

export function argmaxRows(probs: Float64Array, n: number, K: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < K; c++) if (probs[i * K + c] > probs[i * K + best]) best = c;
    out[i] = best;
  }
  return out;
}

function regression(pred: Float64Array, y: Float64Array): RegressionMetrics {
  const n = y.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += y[i];
  m /= n || 1;
  let ssr = 0;
  let sst = 0;
  let abs = 0;
  for (let i = 0; i < n; i++) {
    ssr += (y[i] - pred[i]) ** 2;
    sst += (y[i] - m) ** 2;
    abs += Math.abs(y[i] - pred[i]);
  }
  return { r2: sst > 0 ? 1 - ssr / sst : NaN, mae: n ? abs / n : NaN };
}

/** Utility run over already-read columns: tables 0 = real, 1 = synthetic, 2 = holdout (optional). */
export function utilityFromColumns(all: SharedColumn[], sizes: number[], options: UtilityOptions): UtilityRun {
  const t0 = Date.now();
  const rng = new Rng(options.seed ?? 0);
  const cap = options.maxRows ?? 10_000;
  const targetCol = all.find((c) => c.name === options.target);
  if (!targetCol) throw new Error(`utility: target column "${options.target}" is not among the evaluated columns (check the name; identifiers and text cannot be targets)`);
  const features = all.filter((c) => c !== targetCol);
  if (!features.length) throw new Error('utility: the table needs at least one column besides the target');
  const taskType = options.task ?? (targetCol.type === 'discrete' ? 'classification' : 'regression');
  if (taskType === 'regression' && targetCol.type !== 'numeric') throw new Error(`utility: target "${targetCol.name}" is categorical; regression needs a numeric target`);

  // labels: class index (classification, numeric targets cut to their distinct values) or value; NaN = null
  let classes: string[] | undefined;
  let labelOf: (t: number, r: number) => number;
  if (taskType === 'classification') {
    if (targetCol.type === 'discrete') {
      classes = targetCol.labels;
      labelOf = (t, r) => {
        const v = (targetCol.data[t] as Int32Array)[r];
        return v < 0 ? NaN : v;
      };
    } else {
      const distinct = new Map<number, number>();
      for (const d of targetCol.data) for (const v of d as Float64Array) if (v === v && !distinct.has(v)) distinct.set(v, distinct.size);
      if (distinct.size > 50) throw new Error(`utility: target "${targetCol.name}" has ${distinct.size} distinct numbers; use regression`);
      const sorted = [...distinct.keys()].sort((a, b) => a - b);
      const index = new Map(sorted.map((v, i) => [v, i]));
      classes = sorted.map(String);
      labelOf = (t, r) => {
        const v = (targetCol.data[t] as Float64Array)[r];
        return v === v ? index.get(v)! : NaN;
      };
    }
  } else labelOf = (t, r) => (targetCol.data[t] as Float64Array)[r];
  const K = classes ? Math.max(2, classes.length) : 1;

  const labelled = (t: number, n: number) => {
    const rows: number[] = [];
    for (let r = 0; r < n; r++) if (labelOf(t, r) === labelOf(t, r)) rows.push(r);
    return Int32Array.from(rows);
  };
  const cut = (rows: Int32Array) => (rows.length > cap ? Int32Array.from(sampleRows(rows.length, cap, rng.fork()), (i) => rows[i]) : rows);

  const hasHoldout = options.holdout !== undefined && sizes.length > 2;
  let realTrainRows: Int32Array;
  let testTable: number;
  let testRows: Int32Array;
  const realLabelled = labelled(0, sizes[0]);
  if (hasHoldout) {
    realTrainRows = realLabelled;
    testTable = 2;
    testRows = labelled(2, sizes[2]);
  } else {
    const order = rng.fork().shuffle(Int32Array.from(realLabelled));
    const nTest = Math.max(1, Math.round(order.length * 0.2));
    testRows = order.slice(0, nTest).sort();
    realTrainRows = order.slice(nTest).sort();
    testTable = 0;
  }
  if (realTrainRows.length < 5 || testRows.length < 5) throw new Error(`utility: too few labelled rows for "${targetCol.name}" (real training ${realTrainRows.length}, test ${testRows.length}; need at least 5 each)`);
  const synRows0 = labelled(1, sizes[1]);
  if (synRows0.length < 5) throw new Error(`utility: the synthetic table has only ${synRows0.length} rows with a "${targetCol.name}" value`);
  const subsampled = realTrainRows.length > cap || synRows0.length > cap || testRows.length > cap;
  realTrainRows = cut(realTrainRows);
  const synRows = cut(synRows0);
  testRows = cut(testRows);

  const realSet = rowSet({ table: 0, rows: realTrainRows });
  const synSet = rowSet({ table: 1, rows: synRows });
  const testSet = rowSet({ table: testTable, rows: testRows });
  const space = fitFeatureSpace(features, realSet);
  const discrete = features.map((c) => c.type === 'discrete');
  const yOf = (t: number, rows: Int32Array) => Float64Array.from(rows, (r) => labelOf(t, r));
  const yTest = yOf(testTable, testRows);
  const task: Task = classes ? { type: 'classification', classes: K } : { type: 'regression' };
  const Xtest = denseMatrix(space, testSet);
  const Btest = binMatrix(space, testSet);
  const nT = testRows.length;
  const score = (p: Float64Array) => (classes ? classification(p, yTest, K) : regression(p, yTest));

  // both sides train with the same seeds, so identical training rows give identical models
  const modelSeed = rng.seed();
  const train = (set: RowSet, t: number, rows: Int32Array) => {
    const y = yOf(t, rows);
    const n = rows.length;
    const lin = fitLinear(denseMatrix(space, set), n, space.width, y, task, new Rng(modelSeed));
    const gbt = fitBoosted(binMatrix(space, set), n, space.bins, discrete, y, task, new Rng(modelSeed + 1));
    const pl = lin.predict(Xtest, nT);
    const pg = gbt.predict(Btest, nT);
    return { logistic: score(pl), boosted: score(pg), pg };
  };
  const onReal = train(realSet, 0, realTrainRows);
  const onSyn = train(synSet, 1, synRows);

  let realClassCounts: Float64Array | undefined;
  if (classes) {
    realClassCounts = new Float64Array(K);
    for (const r of realTrainRows) realClassCounts[labelOf(0, r)]++;
  }
  const report: UtilityReport = {
    target: targetCol.name,
    task: taskType,
    ...(classes ? { classes } : {}),
    real: onReal.boosted,
    synthetic: onSyn.boosted,
    models: {
      boostedTrees: { real: onReal.boosted, synthetic: onSyn.boosted },
      logistic: { real: onReal.logistic, synthetic: onSyn.logistic },
    },
    test: {
      source: hasHoldout ? 'holdout' : 'split',
      rows: nT,
      note: hasHoldout
        ? 'Tested on the holdout rows, which the generator never saw.'
        : 'No holdout given: a seeded 20% of the real rows is the test set and the real model trains on the other 80%. If the generator was trained on all real rows it has seen these test rows, so the synthetic score may be optimistic; pass --holdout for an honest figure.',
    },
    rows: { realTrain: realTrainRows.length, syntheticTrain: synRows.length, maxRows: cap, subsampled },
    elapsedMs: Date.now() - t0,
  };
  return {
    report,
    columns: all,
    test: testSet,
    y: yTest,
    ...(classes ? { predicted: { real: argmaxRows(onReal.pg, nT, K), synthetic: argmaxRows(onSyn.pg, nT, K) }, realClassCounts } : {}),
  };
}

export function readUtilityColumns(real: Table, synthetic: Table, schema: TableSchema, holdout?: Table): { columns: SharedColumn[]; sizes: number[] } {
  const tables = holdout ? [real, synthetic, holdout] : [real, synthetic];
  return { columns: readShared(tables, evaluatedColumns(schema)), sizes: tables.map((t) => t.numRows) };
}

/** Train-on-synthetic vs train-on-real, both tested on the same real rows. */
export function evaluateUtility(real: Table, synthetic: Table, schema: TableSchema, options: UtilityOptions): UtilityReport {
  const col = schema.columns.find((c) => c.name === options.target);
  if (!col) throw new Error(`utility: no column named "${options.target}" (columns: ${schema.columns.map((c) => c.name).join(', ')})`);
  const { columns, sizes } = readUtilityColumns(real, synthetic, schema, options.holdout);
  return utilityFromColumns(columns, sizes, options).report;
}

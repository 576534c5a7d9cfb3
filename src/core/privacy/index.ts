/**
 * Disclosure risk of a synthetic table, measured against the real training rows and a holdout of
 * real rows that never reached the generator.
 */
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import { Rng } from '../util/random';
import { attributeInference, singlingOut, type AttributeInferenceResult, type SinglingOutResult } from './anonymeter';
import { anonymity, type KAnonymityResult, type LDiversityResult } from './anonymity';
import { comparedColumns, readColumns, type PrivacyColumn } from './columns';
import { encodeRows, fitDistanceSpace, nearest, type EncodedRows, type NearestResult } from './distance';
import { aucWithInterval, quantile, rocPoints, sampleIndices, sharedHistograms, type Histogram } from './stats';

export { splitHoldout } from './holdout';
export type { AttributeInferenceResult, SinglingOutResult, KAnonymityResult, LDiversityResult, Histogram };

export interface PrivacyOptions {
  sensitive?: string[];
  quasiIdentifiers?: string[];
  seed?: number;
  /** Attacks per Anonymeter-style evaluation (default 1000). */
  attacks?: number;
  /** Tile edge for the distance matrix products (default 4096). */
  tile?: number;
  signal?: AbortSignal;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface MiaAttack {
  auc: number;
  low: number;
  high: number;
}

export type TrafficLight = 'green' | 'amber' | 'red';

export interface PrivacyReport {
  /** Share of synthetic rows closer to (an equal-size sample of) training rows than to holdout rows; ties ½. Ideal 0.5. */
  dcrShare: number;
  /** 0.5 + 1.645·√(0.25/n): one-sided 95% line for n synthetic rows. */
  dcrPassLine: number;
  dcrPass: boolean;
  /** Shares against each disjoint equal-size training sample (averaged into dcrShare), and their spread (SD). */
  dcrShares: number[];
  dcrShareSpread: number;
  /** Paired form: share of (synthetic row, holdout row) pairs where the synthetic row's DCR to training is smaller; ties ½. */
  dcrPairedShare: number;
  dcrPairedPassLine: number;
  /** Synthetic rows identical (all compared columns) to some training row. */
  exactCopies: number;
  exactCopiesShare: number;
  /** Baseline: holdout rows identical to some training row (real duplicates in the population). */
  holdoutExactCopies: number;
  holdoutExactCopiesShare: number;
  /** Nearest-neighbour distance ratio of synthetic rows (closest / second-closest training row). Low = sits on one record. */
  nndr: { median: number; mean: number; p05: number };
  dcr: {
    syntheticToTrain: { median: number; p05: number };
    holdoutToTrain: { median: number; p05: number };
    /** Shared-edge histograms of DCR (distance, not squared) for the UI. */
    histogram: { edges: number[]; synthetic: number[]; holdout: number[] };
  };
  mia: MiaAttack & {
    /** The stronger of the two attacks, reported above. */
    attack: 'distance' | 'density';
    attacks: { distance: MiaAttack; density: MiaAttack | null };
    roc: { fpr: number; tpr: number }[];
    members: number;
    nonMembers: number;
  };
  attributeInference: AttributeInferenceResult[];
  singlingOut: SinglingOutResult | null;
  kAnonymity: KAnonymityResult;
  lDiversity: LDiversityResult | null;
  summary: { level: TrafficLight; reasons: string[] };
  sizes: { train: number; holdout: number; synthetic: number; equalSample: number; columns: number };
  /** What one compared record is: a row, or a patient's whole history (longitudinal records). Absent: row. */
  unit?: 'row' | 'patient';
  sensitive: string[];
  quasiIdentifiers: string[];
  elapsedMs: number;
}

const QI_NAME = /(^|_|\b)(age|sex|gender|race|ethnic|ethnicity|zip|zipcode|postcode|postal|marital|marital_status|country|native_country|birth|dob|residence|residence_type|nationality|religion)($|_|\b)/i;

/** Quasi-identifiers: given → schema flags → demographic column names → discrete columns. */
export function defaultQuasiIdentifiers(schema: TableSchema, sensitive: string[] = []): string[] {
  const cols = comparedColumns(schema).filter((c) => !sensitive.includes(c.name));
  const flagged = cols.filter((c) => c.quasiIdentifier).map((c) => c.name);
  if (flagged.length) return flagged;
  const named = cols.filter((c) => QI_NAME.test(c.name)).map((c) => c.name);
  if (named.length) return named;
  return cols.filter((c) => c.kind === 'categorical' || c.kind === 'boolean').map((c) => c.name);
}

/** Sensitive columns: given → schema flags → the target column. */
export function defaultSensitive(schema: TableSchema): string[] {
  const cols = comparedColumns(schema);
  const flagged = cols.filter((c) => c.sensitive).map((c) => c.name);
  if (flagged.length) return flagged;
  if (schema.target && cols.some((c) => c.name === schema.target)) return [schema.target];
  return [];
}

function mergeTop2(a: NearestResult, b: NearestResult, offsetB: number): { d1: Float64Array; i1: Int32Array; d2: Float64Array; i2: Int32Array } {
  const n = a.d1.length;
  const d1 = new Float64Array(n);
  const i1 = new Int32Array(n);
  const d2 = new Float64Array(n);
  const i2 = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c: [number, number][] = [
      [a.d1[i], a.i1[i]],
      [a.d2 ? a.d2[i] : Infinity, a.i2 ? a.i2[i] : -1],
      [b.d1[i], b.i1[i] >= 0 ? b.i1[i] + offsetB : -1],
      [b.d2 ? b.d2[i] : Infinity, b.i2 && b.i2[i] >= 0 ? b.i2[i] + offsetB : -1],
    ];
    c.sort((x, y) => x[0] - y[0]);
    d1[i] = c[0][0];
    i1[i] = c[0][1];
    d2[i] = c[1][0];
    i2[i] = c[1][1];
  }
  return { d1, i1, d2, i2 };
}

const EMPTY: NearestResult = { d1: new Float64Array(0), i1: new Int32Array(0) };

function rowCount(cols: readonly PrivacyColumn[]): number {
  if (!cols.length) return 0;
  return cols[0].kind === 'numeric' ? cols[0].values.length : cols[0].labels.length;
}

export async function evaluatePrivacy(
  train: Table,
  synthetic: Table,
  holdout: Table,
  schema: TableSchema,
  options: PrivacyOptions = {},
): Promise<PrivacyReport> {
  const t0 = Date.now();
  const rng = new Rng(options.seed ?? 0);
  const tile = options.tile ?? 4096;
  const compared = comparedColumns(schema);
  if (compared.length === 0) throw new Error('privacy evaluation: the schema has no columns to compare (all excluded, identifiers or text)');
  const trainCols = readColumns(train, compared);
  const synCols = readColumns(synthetic, compared);
  const holdCols = readColumns(holdout, compared);
  const nT = rowCount(trainCols);
  const nS = rowCount(synCols);
  const nH = rowCount(holdCols);
  if (nT < 2 || nH < 1 || nS < 1)
    throw new Error(`privacy evaluation needs at least 2 training rows, 1 holdout row and 1 synthetic row (got ${nT}, ${nH}, ${nS})`);

  // equal-size samples: members (training rows) and non-members (holdout rows). The attacker's reference sample of
  // the population (density-ratio attack) is the rest of the training rows, or, when there is no rest, the other
  // members and non-members (leave-one-out).
  const nEq = Math.min(nH, nT);
  const memberRows = sampleIndices(nT, nEq, rng.fork());
  const isMember = new Uint8Array(nT);
  for (const r of memberRows) isMember[r] = 1;
  const restRows = new Int32Array(nT - nEq);
  for (let r = 0, k = 0; r < nT; r++) if (!isMember[r]) restRows[k++] = r;
  const nonRows = sampleIndices(nH, nEq, rng.fork());
  // The DCR share is averaged over disjoint equal-size training samples (the members and further slices of
  // the rest): one sample's luck in covering the space otherwise moves the share far more than √(0.25/n).
  const restOrder = rng.fork().shuffle(restRows.slice());
  const slices = Math.max(1, Math.floor(nT / nEq));
  const sliceRows: Int32Array[] = [];
  for (let k = 1; k < slices; k++) sliceRows.push(restOrder.slice((k - 1) * nEq, k * nEq).sort());
  const tailRows = restOrder.slice((slices - 1) * nEq).sort();

  const space = fitDistanceSpace(trainCols, [synCols, holdCols]);
  const syn = encodeRows(space, synCols);
  const mem = encodeRows(space, trainCols, memberRows);
  const rest = encodeRows(space, trainCols, restRows);
  const hold = encodeRows(space, holdCols, nonRows);
  const allTrain = encodeRows(space, trainCols);
  const allHold = encodeRows(space, holdCols);

  const stages = (rest.n > 0 ? 6 : 7) + Math.max(0, sliceRows.length - 1) + 1;
  let stage = 0;
  const nn = async (name: string, l: EncodedRows, r: EncodedRows, k: 1 | 2, colMin: boolean) => {
    if (l.n === 0 || r.n === 0) return EMPTY;
    const res = await nearest(space, l, r, {
      k,
      colMin,
      tile,
      signal: options.signal,
      onTile: (d, t) => options.onProgress?.(name, stage + d / t, stages),
    });
    stage++;
    return res;
  };
  const sliceEnc = sliceRows.map((r) => encodeRows(space, trainCols, r));
  const tail = encodeRows(space, trainCols, tailRows);
  const synMem = await nn('synthetic → training', syn, mem, 2, true);
  const synSlices: NearestResult[] = [];
  for (const e of sliceEnc) synSlices.push(await nn('synthetic → training', syn, e, 2, false));
  const synTail = await nn('synthetic → training', syn, tail, 2, false);
  const synHold = await nn('synthetic → holdout', syn, hold, 1, true);
  const holdMem = await nn('holdout → training', hold, mem, 1, true);
  const holdRest = await nn('holdout → training', hold, rest, 1, false);
  let memRef: Float64Array;
  let holdRef: Float64Array;
  if (rest.n > 0) {
    memRef = (await nn('reference densities', mem, rest, 1, false)).d1;
    holdRef = holdRest.d1;
  } else {
    // leave-one-out: nearest other real row among members ∪ non-members (self is the nearest, at 0)
    const memMem = await nn('reference densities', mem, mem, 2, false);
    const holdHold = await nn('reference densities', hold, hold, 2, false);
    memRef = Float64Array.from(memMem.d2!, (d, j) => Math.min(d, holdMem.colD![j]));
    holdRef = Float64Array.from(holdHold.d2!, (d, j) => Math.min(d, holdMem.d1[j]));
  }

  // exact matches by key (exact regardless of float32 rounding in the products)
  const keySet = (e: EncodedRows) => new Set(e.keys);
  const memKeys = keySet(mem);
  const holdKeys = keySet(hold);
  const trainKeys = keySet(allTrain);

  let synTrain: NearestResult = synMem;
  for (const part of [...synSlices, synTail]) if (part.d1.length) synTrain = { ...mergeTop2(synTrain, part, 0) };
  const sliceKeys = [memKeys, ...sliceEnc.map(keySet)];
  const sliceD = [synMem, ...synSlices];
  const closerBySlice = new Float64Array(sliceD.length);
  let exactCopies = 0;
  const dcrSyn = new Float64Array(nS);
  const ratio = new Float64Array(nS);
  for (let i = 0; i < nS; i++) {
    const key = syn.keys[i];
    const isCopy = trainKeys.has(key);
    if (isCopy) exactCopies++;
    const d1 = isCopy ? 0 : synTrain.d1[i];
    dcrSyn[i] = Math.sqrt(d1);
    const d2 = synTrain.d2![i];
    ratio[i] = d2 === 0 || !Number.isFinite(d2) ? 1 : Math.sqrt(d1 / d2);
    const dH = holdKeys.has(key) ? 0 : synHold.d1[i];
    for (let k = 0; k < sliceD.length; k++) {
      const dT = sliceKeys[k].has(key) ? 0 : sliceD[k].d1[i];
      closerBySlice[k] += dT < dH ? 1 : dT === dH ? 0.5 : 0;
    }
  }
  const shares = Array.from(closerBySlice, (c) => c / nS);
  const dcrHoldAll = (i: number) => Math.sqrt(trainKeys.has(hold.keys[i]) ? 0 : Math.min(holdMem.d1[i], holdRest.d1.length ? holdRest.d1[i] : Infinity));
  let holdoutExactCopies = 0;
  for (const k of allHold.keys) if (trainKeys.has(k)) holdoutExactCopies++;
  const dcrHold = new Float64Array(hold.n);
  for (let i = 0; i < hold.n; i++) {
    const d = Math.min(holdMem.d1[i], holdRest.d1.length ? holdRest.d1[i] : Infinity);
    dcrHold[i] = Math.sqrt(trainKeys.has(hold.keys[i]) ? 0 : d);
  }
  const dcrShare = shares.reduce((a, b) => a + b, 0) / shares.length;
  // paired form: a synthetic row's DCR against a holdout row's DCR (both to all training rows), n equal-size pairs;
  // 0.5 for a generator as good as fresh real data, ≈ 1 for copies whatever the split sizes, and low (not high)
  // for synthetic rows far from all real data
  const pairs = Math.min(nS, hold.n);
  const pairRng = rng.fork();
  const synPick = sampleIndices(nS, pairs, pairRng);
  const holdPick = pairRng.shuffle(sampleIndices(hold.n, pairs, pairRng));
  let pairedCloser = 0;
  for (let k = 0; k < pairs; k++) {
    const a = dcrSyn[synPick[k]];
    const b = dcrHoldAll(holdPick[k]);
    pairedCloser += a < b ? 1 : a === b ? 0.5 : 0;
  }
  const dcrPairedShare = pairs ? pairedCloser / pairs : NaN;
  const dcrPairedPassLine = 0.5 + 1.645 * Math.sqrt(0.25 / Math.max(1, pairs));
  const shareSpread = shares.length > 1 ? Math.sqrt(shares.reduce((a, b) => a + (b - dcrShare) ** 2, 0) / (shares.length - 1)) : NaN;
  const dcrPassLine = 0.5 + 1.645 * Math.sqrt(0.25 / nS);
  const [hSyn, hHold] = sharedHistograms([dcrSyn, dcrHold], 30);
  const ratioMean = ratio.reduce((a, b) => a + b, 0) / nS;

  // membership inference: members = the equal-size training sample, non-members = the holdout sample
  const synKeys = keySet(syn);
  const memSynD = Float64Array.from(synMem.colD!, (d, j) => Math.sqrt(synKeys.has(mem.keys[j]) ? 0 : d));
  const nonSynD = Float64Array.from(synHold.colD!, (d, j) => Math.sqrt(synKeys.has(hold.keys[j]) ? 0 : d));
  const distance = aucWithInterval(
    Float64Array.from(memSynD, (d) => -d),
    Float64Array.from(nonSynD, (d) => -d),
  );
  // DOMIAS (van Breugel et al. 2023): score = p_synthetic(x) / p_reference(x); with 1-NN density estimates
  // p ∝ 1/d^D the log-ratio is D·(log d_ref − log d_syn), and AUC needs it only up to that positive factor
  let density: ReturnType<typeof aucWithInterval> | null = null;
  let densityPos: Float64Array | null = null;
  let densityNeg: Float64Array | null = null;
  {
    const eps = 1e-6;
    densityPos = Float64Array.from(memSynD, (d, j) => Math.log(Math.sqrt(memRef[j]) + eps) - Math.log(d + eps));
    densityNeg = Float64Array.from(nonSynD, (d, j) => Math.log(Math.sqrt(holdRef[j]) + eps) - Math.log(d + eps));
    density = aucWithInterval(densityPos, densityNeg);
  }
  const useDensity = density !== null && density.auc > distance.auc;
  const best = useDensity ? density! : distance;
  const roc = useDensity
    ? rocPoints(densityPos!, densityNeg!)
    : rocPoints(Float64Array.from(memSynD, (d) => -d), Float64Array.from(nonSynD, (d) => -d));
  const pickAuc = (a: { auc: number; low: number; high: number }): MiaAttack => ({ auc: a.auc, low: a.low, high: a.high });

  // Anonymeter-style attacks
  const sensitive = (options.sensitive ?? defaultSensitive(schema)).filter((s) => compared.some((c) => c.name === s));
  const quasi = (options.quasiIdentifiers ?? defaultQuasiIdentifiers(schema, sensitive)).filter((s) => compared.some((c) => c.name === s));
  const attacks = Math.min(options.attacks ?? 1000, nEq);
  const targets = sampleIndices(memberRows.length, attacks, rng.fork()).map((k) => memberRows[k]);
  const controls = sampleIndices(nonRows.length, attacks, rng.fork()).map((k) => nonRows[k]);
  const attributeResults: AttributeInferenceResult[] = [];
  for (const s of sensitive) {
    const known = quasi.filter((q) => q !== s);
    if (!known.length) continue;
    options.onProgress?.('attribute inference', stage, stages);
    attributeResults.push(
      await attributeInference({ train: trainCols, synthetic: synCols, control: holdCols, targets, controls, sensitive: s, known, rng: rng.fork() }),
    );
  }
  const soColumns = quasi.length >= 2 ? quasi : compared.map((c) => c.name);
  const singling = singlingOut({
    synthetic: synCols,
    members: trainCols,
    memberRows,
    control: holdCols,
    controlRows: nonRows,
    columns: soColumns,
    attacks: Math.min(options.attacks ?? 1000, 500),
    rng: rng.fork(),
  });
  const anon = anonymity(synCols, quasi, sensitive);

  // traffic light
  const reasons: string[] = [];
  let level: TrafficLight = 'green';
  const raise = (l: TrafficLight, why: string) => {
    reasons.push(why);
    if (l === 'red' || (l === 'amber' && level === 'green')) level = l;
  };
  const copyShare = exactCopies / nS;
  const holdCopyShare = holdoutExactCopies / nH;
  if (copyShare > holdCopyShare + 0.01 + 3 * Math.sqrt(Math.max(holdCopyShare, 1 / nH) / nS))
    raise('red', `${exactCopies} synthetic rows (${(100 * copyShare).toFixed(1)}%) are exact copies of training rows; real holdout rows match training rows only ${(100 * holdCopyShare).toFixed(1)}% of the time`);
  // the headline is the stronger of two attacks, so the amber test widens its interval for two looks (z 2.24),
  // and an AUC below 0.55 is not a material finding even when it is statistically above 0.5
  const seBest = useDensity ? density!.se : distance.se;
  if (best.low > 0.6) raise('red', `membership inference AUC ${best.auc.toFixed(2)} (95% CI ${best.low.toFixed(2)}–${best.high.toFixed(2)}) is well above 0.5`);
  else if (best.auc - 2.24 * seBest > 0.5 && best.auc >= 0.55)
    raise('amber', `membership inference AUC ${best.auc.toFixed(2)} is above 0.5 (95% CI ${best.low.toFixed(2)}–${best.high.toFixed(2)})`);
  // the pass line treats rows as independent; rows far from all real data share the same few nearest
  // records, so the share also has to stand clear of its spread across training samples
  // (and the paired share must agree: rows far from all data push the unpaired share up, the paired one down)
  const unstable = (Number.isFinite(shareSpread) && dcrShare <= 0.5 + 2 * shareSpread) || !(dcrPairedShare > dcrPairedPassLine);
  if (dcrShare > dcrPassLine && !unstable)
    raise(dcrShare > 0.6 ? 'red' : 'amber', `${(100 * dcrShare).toFixed(1)}% of synthetic rows are closer to training than to holdout rows (pass line ${(100 * dcrPassLine).toFixed(1)}%)`);
  else if (dcrShare > dcrPassLine)
    reasons.push(
      `the DCR share ${(100 * dcrShare).toFixed(1)}% is above the pass line, but not beyond its spread across training samples (±${(100 * shareSpread).toFixed(1)}%) or not confirmed by the paired share (${(100 * dcrPairedShare).toFixed(1)}%), so it is not counted as a finding`,
    );
  // findings need main's lower bound above control's upper bound (both samples are finite)
  const firm = (a: { main: { low: number }; control: { high: number } }) =>
    a.control.high >= 1 ? 0 : Math.max(0, (a.main.low - a.control.high) / (1 - a.control.high));
  for (const a of attributeResults)
    if (firm(a) > 0.05) raise(firm(a) > 0.2 ? 'red' : 'amber', `"${a.column}" can be inferred from ${a.knownColumns.join(', ')} better for training patients than for others (residual risk ${(100 * a.residualRisk).toFixed(0)}%)`);
  if (singling.attacks > 0 && firm(singling) > 0.05)
    raise(firm(singling) > 0.2 ? 'red' : 'amber', `predicates built from synthetic rows single out training patients more often than others (residual risk ${(100 * singling.residualRisk).toFixed(0)}%)`);
  if (!reasons.length) reasons.push('no measured risk above what real data from the same population would show');

  return {
    dcrShare,
    dcrPassLine,
    dcrPass: dcrShare <= dcrPassLine,
    dcrShares: shares,
    dcrShareSpread: shareSpread,
    dcrPairedShare,
    dcrPairedPassLine,
    exactCopies,
    exactCopiesShare: copyShare,
    holdoutExactCopies,
    holdoutExactCopiesShare: holdCopyShare,
    nndr: { median: quantile(ratio, 0.5), mean: ratioMean, p05: quantile(ratio, 0.05) },
    dcr: {
      syntheticToTrain: { median: quantile(dcrSyn, 0.5), p05: quantile(dcrSyn, 0.05) },
      holdoutToTrain: { median: quantile(dcrHold, 0.5), p05: quantile(dcrHold, 0.05) },
      histogram: { edges: hSyn.edges, synthetic: hSyn.counts, holdout: hHold.counts },
    },
    mia: {
      ...pickAuc(best),
      attack: useDensity ? 'density' : 'distance',
      attacks: { distance: pickAuc(distance), density: density ? pickAuc(density) : null },
      roc,
      members: nEq,
      nonMembers: nEq,
    },
    attributeInference: attributeResults,
    singlingOut: singling.attacks > 0 ? singling : null,
    kAnonymity: anon.kAnonymity,
    lDiversity: anon.lDiversity,
    summary: { level, reasons },
    sizes: { train: nT, holdout: nH, synthetic: nS, equalSample: nEq, columns: compared.length },
    sensitive,
    quasiIdentifiers: quasi,
    elapsedMs: Date.now() - t0,
  };
}

/**
 * Attacks in the style of Anonymeter (Giomi et al. 2023, "A Unified Framework for Quantifying Privacy
 * Risk in Synthetic Data"): the same attack is run against records that trained the generator (main)
 * and records that did not (control); the control success is the baseline any good model of the
 * population gives away, and residual risk = (r_main − r_ctrl)/(1 − r_ctrl).
 */
import type { PrivacyColumn } from './columns';
import { encodeRows, fitDistanceSpace, nearest } from './distance';
import { wilson, type Interval } from './stats';
import type { Rng } from '../util/random';

export interface AttackRisk {
  attacks: number;
  main: Interval;
  control: Interval;
  /** (r_main − r_ctrl)/(1 − r_ctrl), clipped at 0, with the interval from main's Wilson bounds. */
  residualRisk: number;
  residualLow: number;
  residualHigh: number;
}

function residual(main: Interval, control: Interval): Pick<AttackRisk, 'residualRisk' | 'residualLow' | 'residualHigh'> {
  const c = control.rate;
  const r = (x: number) => (c >= 1 ? 0 : Math.min(1, Math.max(0, (x - c) / (1 - c))));
  return { residualRisk: r(main.rate), residualLow: r(main.low), residualHigh: r(main.high) };
}

export interface AttributeInferenceResult extends AttackRisk {
  column: string;
  /** Columns the attacker knows (the quasi-identifiers). */
  knownColumns: string[];
  /** Success of guessing from a random synthetic row (no linkage at all). */
  naive: Interval;
}

function pick(cols: readonly PrivacyColumn[], names: readonly string[]): PrivacyColumn[] {
  return names.map((n) => {
    const c = cols.find((x) => x.name === n);
    if (!c) throw new Error(`privacy evaluation: unknown column "${n}"`);
    return c;
  });
}

function guessCorrect(col: PrivacyColumn, truthRow: number, guessCol: PrivacyColumn, guessRow: number): boolean {
  if (col.kind === 'categorical') return col.labels[truthRow] === (guessCol as typeof col).labels[guessRow];
  const t = col.values[truthRow];
  const g = (guessCol as typeof col).values[guessRow];
  if (Number.isNaN(t) || Number.isNaN(g)) return Number.isNaN(t) && Number.isNaN(g);
  // numeric secrets count as guessed within 5% (Anonymeter's default tolerance)
  return Math.abs(g - t) <= 0.05 * Math.abs(t);
}

/**
 * For each target (a training record) the attacker knows its quasi-identifiers, links it to the
 * nearest synthetic record on those columns and reads off the sensitive value.
 */
export async function attributeInference(args: {
  train: readonly PrivacyColumn[];
  synthetic: readonly PrivacyColumn[];
  control: readonly PrivacyColumn[];
  targets: Int32Array; // rows of train
  controls: Int32Array; // rows of control
  sensitive: string;
  known: string[];
  rng: Rng;
}): Promise<AttributeInferenceResult> {
  const known = args.known.filter((k) => k !== args.sensitive);
  const secretT = pick(args.train, [args.sensitive])[0];
  const secretS = pick(args.synthetic, [args.sensitive])[0];
  const secretC = pick(args.control, [args.sensitive])[0];
  const nSyn = secretS.kind === 'numeric' ? secretS.values.length : secretS.labels.length;
  const score = async (cols: readonly PrivacyColumn[], rows: Int32Array, secret: PrivacyColumn) => {
    let ok = 0;
    if (known.length === 0 || nSyn === 0) return 0;
    const kt = pick(args.train, known);
    const space = fitDistanceSpace(kt, [pick(args.synthetic, known), pick(cols, known)]);
    const res = await nearest(space, encodeRows(space, pick(cols, known), rows), encodeRows(space, pick(args.synthetic, known)), { k: 1 });
    for (let i = 0; i < rows.length; i++) if (guessCorrect(secret, rows[i], secretS, res.i1[i])) ok++;
    return ok;
  };
  const mainOk = await score(args.train, args.targets, secretT);
  const ctrlOk = await score(args.control, args.controls, secretC);
  let naiveOk = 0;
  for (let i = 0; i < args.targets.length && nSyn > 0; i++) if (guessCorrect(secretT, args.targets[i], secretS, args.rng.int(nSyn))) naiveOk++;
  const main = wilson(mainOk, args.targets.length);
  const control = wilson(ctrlOk, args.controls.length);
  return {
    column: args.sensitive,
    knownColumns: known,
    attacks: args.targets.length,
    main,
    control,
    naive: wilson(naiveOk, args.targets.length),
    ...residual(main, control),
  };
}

type Clause = { c: number; op: 'eq' | 'null' | 'ge' | 'le'; v: number | string | null };

export interface SinglingOutResult extends AttackRisk {
  mode: 'multivariate';
  /** Columns per predicate at the start (more are added, up to 5, until one synthetic row is isolated). */
  columnsPerPredicate: number;
  /** Example predicates (derived from synthetic rows only). */
  examples: string[];
}

/**
 * Multivariate singling out: predicates ("age ≥ 87 AND sex = F AND site = 3") built from random
 * synthetic rows that isolate exactly one synthetic row; success when a predicate isolates exactly
 * one record of an equal-size sample of training records (main) or of control records.
 */
export function singlingOut(args: {
  synthetic: readonly PrivacyColumn[];
  members: readonly PrivacyColumn[];
  memberRows: Int32Array;
  control: readonly PrivacyColumn[];
  controlRows: Int32Array;
  columns: string[];
  attacks: number;
  rng: Rng;
}): SinglingOutResult {
  const cols = args.columns;
  const syn = pick(args.synthetic, cols);
  const nSyn = syn.length ? (syn[0].kind === 'numeric' ? syn[0].values.length : syn[0].labels.length) : 0;
  const per = Math.min(3, cols.length);
  const medians = syn.map((c) => {
    if (c.kind !== 'numeric') return 0;
    const v = Float64Array.from(c.values).filter((x) => !Number.isNaN(x)).sort();
    return v.length ? v[v.length >> 1] : 0;
  });
  const matches = (cs: readonly PrivacyColumn[], row: number, clauses: Clause[]) => {
    for (const cl of clauses) {
      const col = cs[cl.c];
      if (col.kind === 'categorical') {
        if (col.labels[row] !== cl.v) return false;
      } else {
        const x = col.values[row];
        if (cl.op === 'null') {
          if (!Number.isNaN(x)) return false;
        } else if (Number.isNaN(x)) return false;
        else if (cl.op === 'eq' && x !== cl.v) return false;
        else if (cl.op === 'ge' && !(x >= (cl.v as number))) return false;
        else if (cl.op === 'le' && !(x <= (cl.v as number))) return false;
      }
    }
    return true;
  };
  const count = (cs: readonly PrivacyColumn[], rows: ArrayLike<number> | null, n: number, clauses: Clause[], stopAt = 2) => {
    let k = 0;
    for (let i = 0; i < n; i++) if (matches(cs, rows ? rows[i] : i, clauses) && ++k >= stopAt) break;
    return k;
  };
  const predicates: Clause[][] = [];
  const seen = new Set<string>();
  const maxTries = args.attacks * 10;
  for (let t = 0; t < maxTries && predicates.length < args.attacks && nSyn > 0 && per > 0; t++) {
    const row = args.rng.int(nSyn);
    // start with `per` random columns and add more (up to 5) until the predicate isolates one synthetic row
    const chosen = new Set<number>();
    while (chosen.size < per) chosen.add(args.rng.int(cols.length));
    const clauseOf = (c: number): Clause => {
      const col = syn[c];
      if (col.kind === 'categorical') return { c, op: 'eq', v: col.labels[row] };
      const x = col.values[row];
      if (Number.isNaN(x)) return { c, op: 'null', v: null };
      return { c, op: x >= medians[c] ? 'ge' : 'le', v: x };
    };
    let clauses: Clause[] = [...chosen].sort((a, b) => a - b).map(clauseOf);
    while (count(syn, null, nSyn, clauses) > 1 && chosen.size < Math.min(5, cols.length)) {
      let c = args.rng.int(cols.length);
      while (chosen.has(c)) c = (c + 1) % cols.length;
      chosen.add(c);
      clauses = [...chosen].sort((a, b) => a - b).map(clauseOf);
    }
    const key = JSON.stringify(clauses);
    if (seen.has(key)) continue;
    seen.add(key);
    if (count(syn, null, nSyn, clauses) === 1) predicates.push(clauses);
  }
  const mem = pick(args.members, cols);
  const ctl = pick(args.control, cols);
  let mainOk = 0;
  let ctrlOk = 0;
  for (const p of predicates) {
    if (count(mem, args.memberRows, args.memberRows.length, p) === 1) mainOk++;
    if (count(ctl, args.controlRows, args.controlRows.length, p) === 1) ctrlOk++;
  }
  const main = wilson(mainOk, predicates.length);
  const control = wilson(ctrlOk, predicates.length);
  const show = (p: Clause[]) =>
    p
      .map((cl) => `${cols[cl.c]} ${cl.op === 'eq' ? '=' : cl.op === 'null' ? 'is missing' : cl.op === 'ge' ? '≥' : '≤'}${cl.op === 'null' ? '' : ' ' + (cl.v === null ? 'missing' : cl.v)}`)
      .join(' AND ');
  return {
    mode: 'multivariate',
    columnsPerPredicate: per,
    attacks: predicates.length,
    main,
    control,
    ...residual(main, control),
    examples: predicates.slice(0, 3).map(show),
  };
}

import { Rng } from '../util/random';

/**
 * Split row indices 0..n−1 into train and holdout (seeded). With `stratify`, each stratum (nulls
 * form their own stratum) gives the same fraction to the holdout, by largest remainders so the
 * holdout has exactly round(n·fraction) rows. Both index lists come back sorted.
 */
export function splitHoldout(
  n: number,
  fraction = 0.2,
  seed = 0,
  stratify?: ArrayLike<number | string | null | undefined>,
): { train: Int32Array; holdout: Int32Array } {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`row count must be a whole number ≥ 0, got ${n}`);
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`holdout fraction must be in [0, 1), got ${fraction}`);
  if (stratify && stratify.length !== n) throw new RangeError(`stratify has ${stratify.length} values for ${n} rows`);
  const rng = new Rng(seed);
  let total = Math.round(n * fraction);
  if (total >= n && n > 0) total = n - 1; // the generator needs at least one row

  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const v = stratify ? stratify[i] : 0;
    const key = v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '\u0000null' : `${typeof v}:${v}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  // largest-remainder allocation of `total` across strata (deterministic order: by key)
  const keys = [...groups.keys()].sort();
  const take = new Map<string, number>();
  let given = 0;
  const rema: { key: string; r: number; tie: number }[] = [];
  for (const k of keys) {
    const exact = (groups.get(k)!.length * total) / Math.max(1, n);
    const f = Math.floor(exact);
    take.set(k, f);
    given += f;
    rema.push({ key: k, r: exact - f, tie: rng.next() });
  }
  rema.sort((a, b) => b.r - a.r || a.tie - b.tie);
  for (let i = 0; given < total && i < rema.length; i++, given++) take.set(rema[i].key, take.get(rema[i].key)! + 1);

  const hold: number[] = [];
  const train: number[] = [];
  for (const k of keys) {
    const g = rng.shuffle(groups.get(k)!.slice());
    const t = take.get(k)!;
    for (let i = 0; i < g.length; i++) (i < t ? hold : train).push(g[i]);
  }
  const h = Int32Array.from(hold).sort();
  const tr = Int32Array.from(train).sort();
  return { train: tr, holdout: h };
}

/**
 * Hold back whole patients: round(P·fraction) of the P distinct ids (seeded), with every one of their rows.
 * Why: a row holdout would put some of a patient's visits in training and the rest in the holdout, so the
 * held-back "non-members" would be members. Row indices come back sorted.
 */
export function splitPatients(ids: ArrayLike<string | null>, fraction = 0.2, seed = 0): { train: Int32Array; holdout: Int32Array } {
  const index = new Map<string, number>();
  const patientOf = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] ?? '';
    let p = index.get(id);
    if (p === undefined) index.set(id, (p = index.size));
    patientOf[i] = p;
  }
  const held = new Uint8Array(index.size);
  for (const p of splitHoldout(index.size, fraction, seed).holdout) held[p] = 1;
  const hold: number[] = [];
  const train: number[] = [];
  for (let i = 0; i < ids.length; i++) (held[patientOf[i]] ? hold : train).push(i);
  return { train: Int32Array.from(train), holdout: Int32Array.from(hold) };
}

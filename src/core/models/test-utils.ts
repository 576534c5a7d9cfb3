/** Test helpers for the generators: a seeded synthetic mixed-type table and tfjs set-up in Node. */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Dictionary, Float64, Int32, Table, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../util/random';
import type { TableSchema } from '../schema/types';

export async function useWasm(): Promise<string> {
  if (tf.getBackend() !== 'wasm') {
    const before = new Set(process.listeners('uncaughtException'));
    setWasmPaths(path.resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
    if (!(await tf.setBackend('wasm'))) await tf.setBackend('cpu');
    for (const l of process.listeners('uncaughtException')) if (!before.has(l)) process.removeListener('uncaughtException', l);
  }
  await tf.ready();
  return tf.getBackend();
}

function dict(labels: string[], codes: Int32Array, valid?: Uint8Array) {
  const n = codes.length;
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (valid) {
    nullBitmap = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) if (valid[i]) nullBitmap[i >> 3] |= 1 << (i & 7);
    else nullCount++;
  }
  return makeVector(
    makeData({ type: new Dictionary(new Utf8(), new Int32()), length: n, nullCount, nullBitmap, data: codes, dictionary: vectorFromArray(labels, new Utf8()) }),
  );
}

/**
 * n rows: age (integer, tied to sex), chol (continuous, with nulls), sex (F/M), cp (4 codes, correlated with
 * target), target (0/1), id (unique strings, identifier), score (unique continuous, many digits).
 */
export function syntheticTable(n: number, seed = 1): { table: Table; schema: TableSchema } {
  const rng = new Rng(seed);
  const age = new Int32Array(n), sexC = new Int32Array(n), cpC = new Int32Array(n), tC = new Int32Array(n);
  const chol = new Float64Array(n), score = new Float64Array(n);
  const cholValid = new Uint8Array(n);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    sexC[i] = rng.next() < 0.6 ? 0 : 1;
    age[i] = Math.round(Math.min(80, Math.max(29, (sexC[i] ? 50 : 58) + 8 * rng.normal())));
    tC[i] = rng.next() < 0.45 ? 1 : 0;
    cpC[i] = tC[i] ? rng.categorical([1, 1, 2, 6]) : rng.categorical([5, 3, 1, 1]);
    cholValid[i] = rng.next() < 0.9 ? 1 : 0;
    chol[i] = cholValid[i] ? Math.round((200 + age[i] + 30 * rng.normal()) * 10) / 10 : 0;
    score[i] = 1000 + i + 0.123456789 + rng.next() * 0.5;
    ids.push(`PT-${(seed * 100000 + i).toString(36)}-${i}`);
  }
  const cholBits = new Uint8Array((n + 7) >> 3);
  let cholNull = 0;
  for (let i = 0; i < n; i++) if (cholValid[i]) cholBits[i >> 3] |= 1 << (i & 7); else cholNull++;
  const table = new Table({
    age: makeVector(makeData({ type: new Int32(), length: n, data: age })),
    chol: makeVector(makeData({ type: new Float64(), length: n, nullCount: cholNull, nullBitmap: cholBits, data: chol })),
    sex: dict(['F', 'M'], sexC),
    cp: dict(['4', '3', '2', '1'], cpC),
    target: dict(['0', '1'], tC),
    id: vectorFromArray(ids, new Utf8()),
    score: makeVector(makeData({ type: new Float64(), length: n, data: score })),
  });
  const minmax = (a: ArrayLike<number>, valid?: Uint8Array) => {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < a.length; i++) if (!valid || valid[i]) { lo = Math.min(lo, a[i]); hi = Math.max(hi, a[i]); }
    return { min: lo, max: hi };
  };
  const schema: TableSchema = {
    rows: n,
    columns: [
      { name: 'age', kind: 'integer', excluded: false, missing: 0, distinct: 50, decimals: 0, ...minmax(age) },
      { name: 'chol', kind: 'continuous', excluded: false, missing: cholNull, distinct: n, decimals: 1, ...minmax(chol, cholValid) },
      { name: 'sex', kind: 'categorical', excluded: false, missing: 0, distinct: 2, categories: ['F', 'M'] },
      { name: 'cp', kind: 'categorical', excluded: false, missing: 0, distinct: 4, categories: ['4', '3', '2', '1'] },
      { name: 'target', kind: 'boolean', excluded: false, missing: 0, distinct: 2, categories: ['0', '1'] },
      { name: 'id', kind: 'identifier', excluded: true, missing: 0, distinct: n },
      { name: 'score', kind: 'continuous', excluded: false, missing: 0, distinct: n, decimals: 9, ...minmax(score) },
    ],
  };
  return { table, schema };
}

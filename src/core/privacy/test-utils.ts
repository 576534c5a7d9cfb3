/**
 * Test support for privacy tests (Node only): a wasm tfjs backend and a small CSV → Arrow loader
 * following the Arrow conventions of data/types.ts, so the tests do not depend on the ingest module.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import Papa from 'papaparse';
import { Dictionary, Float64, Int32, Table, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../schema/types';

let ready: Promise<void> | null = null;
export function initTestBackend(): Promise<void> {
  ready ??= (async () => {
    setWasmPaths(path.resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
    if (!(await tf.setBackend('wasm'))) await tf.setBackend('cpu');
    await tf.ready();
  })();
  return ready;
}

export const DATA_DIR = path.resolve(process.cwd(), '../shared/data');

/** Parse a shared CSV: numbers → Float64/Int32, everything else a dictionary column; 'NA', 'N/A', '?' and '' are null. */
export function loadCsv(file: string, maxRows = Infinity): { rows: Record<string, string | null>[]; schema: TableSchema } {
  const text = fs.readFileSync(path.join(DATA_DIR, file), 'utf8');
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  const missing = new Set(['', 'NA', 'N/A', '?', 'null', 'NaN']);
  const rows = parsed.data.slice(0, maxRows).map((r) => {
    const o: Record<string, string | null> = {};
    for (const k of parsed.meta.fields!) {
      const v = (r[k] ?? '').trim();
      o[k] = missing.has(v) ? null : v;
    }
    return o;
  });
  const columns: ColumnSchema[] = parsed.meta.fields!.map((name) => {
    const vals = rows.map((r) => r[name]).filter((v): v is string => v !== null);
    const numeric = vals.length > 0 && vals.every((v) => v !== '' && Number.isFinite(Number(v)));
    const distinct = new Set(vals).size;
    const integer = numeric && vals.every((v) => Number.isInteger(Number(v)));
    const kind = name === 'id' ? 'identifier' : numeric && distinct > 2 ? (integer ? 'integer' : 'continuous') : 'categorical';
    return { name, kind, excluded: kind === 'identifier', missing: rows.length - vals.length, distinct } as ColumnSchema;
  });
  return { rows, schema: { rows: rows.length, columns } };
}

/** Arrow table of the given rows (indices into `rows`). */
export function toTable(rows: Record<string, string | null>[], schema: TableSchema, index?: ArrayLike<number>): Table {
  const pick = index ? Array.from(index as ArrayLike<number>, (i) => rows[i]) : rows;
  const vecs: Record<string, Vector> = {};
  for (const c of schema.columns) {
    const raw = pick.map((r) => r[c.name]);
    if (c.kind === 'integer') vecs[c.name] = vectorFromArray(raw.map((v) => (v === null ? null : Number(v))), new Int32());
    else if (c.kind === 'continuous') vecs[c.name] = vectorFromArray(raw.map((v) => (v === null ? null : Number(v))), new Float64());
    else if (c.kind === 'identifier') vecs[c.name] = vectorFromArray(raw, new Utf8());
    else vecs[c.name] = vectorFromArray(raw, new Dictionary(new Utf8(), new Int32()));
  }
  return new Table(vecs);
}

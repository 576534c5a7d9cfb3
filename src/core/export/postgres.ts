/**
 * PostgreSQL load script for `psql -f`: CREATE TABLE with matching column types, then the rows through
 * COPY … FROM stdin (text format: tab-separated, \N for null, `\.` terminator), all in one transaction.
 *
 * Types: integer columns → integer (bigint when a value leaves int32), continuous → double precision
 * (values at the input's fraction digits, as in the CSV), date-only datetimes → date, others → timestamp
 * (UTC instants, no zone), text/identifiers → text. Category labels stay text unless they are clearly
 * boolean words (true/false, t/f, yes/no, y/n) → boolean, or all canonical whole numbers (codes such
 * as 1–4) → integer, so every label is stored exactly.
 */
import { Type, type Table, type Vector } from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../schema/types';
import { formatFixed } from './csv';
import { batchReaders } from './read';

export interface PostgresOptions {
  /** Table to create (one identifier, quoted in the script). */
  tableName: string;
  /** Optional schema (namespace) the table lives in; created if missing. */
  schemaName?: string;
  /** Emit DROP TABLE IF EXISTS before CREATE TABLE (default false: loading twice fails instead of replacing data). */
  dropExisting?: boolean;
  /** Rows per chunk yielded by `postgresScriptChunks` (default 10 000). */
  chunkRows?: number;
}

export type PgType = 'integer' | 'bigint' | 'double precision' | 'text' | 'boolean' | 'date' | 'timestamp';

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n']);
const CANONICAL_INT = /^-?(0|[1-9]\d{0,9})$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const DATE_ONLY = new Set(['yyyy-mm-dd', 'dd/mm/yyyy', 'mm/dd/yyyy']);

/** `"name"` with embedded quotes doubled: safe for any column name (`alk.phos`, `glyburide-metformin`, `Order`). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The labels a dictionary/text column holds (distinct, non-null). */
function labelsOf(vec: Vector): string[] {
  const seen = new Set<string>();
  for (const data of vec.data) {
    if (data.type.typeId === Type.Dictionary && data.dictionary) {
      // Only labels some row uses: a dictionary may carry unused entries.
      const dict = data.dictionary as Vector;
      const idx = data.values as ArrayLike<number>;
      const used = new Uint8Array(dict.length);
      const bits = data.nullCount > 0 ? data.nullBitmap : undefined;
      for (let i = 0; i < data.length; i++) {
        const j = data.offset + i;
        if (bits && !((bits[j >> 3] >> (j & 7)) & 1)) continue;
        used[idx[i]] = 1;
      }
      used.forEach((u, k) => {
        const l = dict.get(k);
        if (u && l !== null && l !== undefined) seen.add(String(l));
      });
    }
  }
  if (vec.type.typeId !== Type.Dictionary) for (const v of vec) if (v !== null && v !== undefined) seen.add(String(v));
  return [...seen];
}

function integerRange(vec: Vector): boolean {
  for (const v of vec) {
    if (v === null || v === undefined) continue;
    const n = Number(v);
    if (n < INT32_MIN || n > INT32_MAX) return false;
  }
  return true;
}

/** The PostgreSQL type for one column, from its Arrow type and schema kind. */
export function postgresType(vec: Vector | null, col: ColumnSchema): PgType {
  if (!vec) return 'text';
  const id = vec.type.typeId;
  if (id === Type.Timestamp || id === Type.Date || col.kind === 'datetime') {
    return col.datetimeFormat && DATE_ONLY.has(col.datetimeFormat) ? 'date' : 'timestamp';
  }
  if (id === Type.Bool) return 'boolean';
  if (id === Type.Int) return (vec.type as { bitWidth: number }).bitWidth <= 32 && (vec.type as { isSigned: boolean }).isSigned ? 'integer' : integerRange(vec) ? 'integer' : 'bigint';
  if (id === Type.Float) return col.kind === 'integer' ? (integerRange(vec) ? 'integer' : 'bigint') : 'double precision';
  if (id === Type.Dictionary && (col.kind === 'categorical' || col.kind === 'boolean')) {
    const labels = labelsOf(vec);
    if (labels.length === 0) return 'text';
    const lower = labels.map((l) => l.toLowerCase());
    const hasTrue = lower.some((l) => TRUE_WORDS.has(l));
    const hasFalse = lower.some((l) => FALSE_WORDS.has(l));
    if (lower.every((l) => TRUE_WORDS.has(l) || FALSE_WORDS.has(l)) && (hasTrue || hasFalse) && labels.length <= 2) return 'boolean';
    if (labels.every((l) => CANONICAL_INT.test(l) && Number(l) >= INT32_MIN && Number(l) <= INT32_MAX)) return 'integer';
  }
  return 'text';
}

/** COPY text format escaping (backslash, tab, newline, carriage return). */
function copyText(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function pgTimestamp(ms: number, dateOnly: boolean): string {
  const d = new Date(ms);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (dateOnly) return date;
  const frac = d.getUTCMilliseconds() ? `.${pad(d.getUTCMilliseconds(), 3)}` : '';
  return `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac}`;
}

const NULL = '\\N';

/** COPY text for one non-null value of a column of the given type. */
function valueFormatter(col: ColumnSchema, type: PgType): (v: number | string | boolean | bigint) => string {
  switch (type) {
    case 'integer':
    case 'bigint':
      return (v) => {
        if (typeof v === 'string') return v; // canonical integer label
        if (typeof v === 'bigint') return String(v);
        const n = Number(v);
        return Number.isFinite(n) ? String(Math.round(n)) : NULL;
      };
    case 'double precision': {
      const d = col.decimals;
      return (v) => {
        const n = Number(v);
        if (Number.isNaN(n)) return NULL;
        if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
        return d !== undefined && d >= 0 && d <= 20 ? formatFixed(n, d) : String(n);
      };
    }
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? (v ? 't' : 'f') : TRUE_WORDS.has(String(v).toLowerCase()) ? 't' : 'f');
    case 'date':
    case 'timestamp':
      return (v) => {
        const ms = Number(v);
        return Number.isFinite(ms) ? pgTimestamp(ms, type === 'date') : NULL;
      };
    default:
      return (v) => copyText(String(v));
  }
}

/** The script in chunks: preamble with CREATE TABLE and COPY, then up to `chunkRows` data lines per yield, then `\.` and COMMIT. */
export function* postgresScriptChunks(table: Table, schema: TableSchema, options: PostgresOptions): Generator<string> {
  if (!options.tableName) throw new Error('A table name is needed for the PostgreSQL script.');
  const target = (options.schemaName ? `${quoteIdent(options.schemaName)}.` : '') + quoteIdent(options.tableName);
  const vectors = schema.columns.map((c) => table.getChild(c.name));
  const types = schema.columns.map((c, k) => postgresType(vectors[k], c));
  const formatters = schema.columns.map((c, k) => valueFormatter(c, types[k]));
  const width = Math.max(...schema.columns.map((c) => quoteIdent(c.name).length), 1);
  const head = [
    `-- Synthetic data written by Doppel: ${table.numRows} rows, ${schema.columns.length} columns. No real patient rows.`,
    `-- Load with: psql -v ON_ERROR_STOP=1 -d <database> -f <this file>`,
    `SET client_encoding = 'UTF8';`,
    `SET standard_conforming_strings = on;`,
    `BEGIN;`,
  ];
  if (options.schemaName) head.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schemaName)};`);
  if (options.dropExisting) head.push(`DROP TABLE IF EXISTS ${target};`);
  head.push(`CREATE TABLE ${target} (`);
  head.push(schema.columns.map((c, k) => `  ${quoteIdent(c.name).padEnd(width)} ${types[k]}`).join(',\n'));
  head.push(`);`);
  head.push(`COPY ${target} (${schema.columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM stdin;`);
  yield head.join('\n') + '\n';
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? 10_000));
  const lines: string[] = [];
  const cells: string[] = new Array(formatters.length);
  for (const { rows, readers } of batchReaders(table, schema.columns.map((c) => c.name))) {
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < formatters.length; k++) {
        const v = readers[k] ? readers[k]!(i) : null;
        cells[k] = v === null ? NULL : formatters[k](v);
      }
      lines.push(cells.join('\t'));
      if (lines.length >= chunkRows) {
        yield lines.join('\n') + '\n';
        lines.length = 0;
      }
    }
  }
  if (lines.length) yield lines.join('\n') + '\n';
  yield '\\.\nCOMMIT;\n';
}

/** The whole script as one string. */
export function toPostgresScript(table: Table, schema: TableSchema, options: PostgresOptions): string {
  let out = '';
  for (const chunk of postgresScriptChunks(table, schema, options)) out += chunk;
  return out;
}

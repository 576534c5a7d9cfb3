/**
 * Arrow table → CSV text that looks like the input: same header and column order as the schema,
 * labels verbatim, integers without `.0` (unless the input wrote them so), numbers at the input's
 * fraction digits, datetimes in the input's format, nulls as empty cells. RFC 4180 quoting.
 *
 * Spreadsheet formula-injection guard (OWASP "CSV injection"), on by default: a text cell that starts
 * with = + - @ tab or CR gets a leading apostrophe. Numbers and number-like labels ("-1", "+2.5") are
 * left alone, so numeric data survives a round trip.
 */
import { Type, makeVector, type Data, type Table, type Vector } from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../schema/types';
import { formatDatetime } from '../schema/datetime';

export interface CsvOptions {
  /** Neutralise spreadsheet formulas in text cells (default true). */
  formulaGuard?: boolean;
  /** Field delimiter (default ','). */
  delimiter?: string;
  /** Line ending (default '\n'). */
  newline?: '\n' | '\r\n';
  /** Prefix a UTF-8 byte-order mark so Excel opens the file as UTF-8 (default false). */
  bom?: boolean;
  /** Rows per chunk yielded by `csvChunks` (default 10 000). */
  chunkRows?: number;
}

const NUMBER_LIKE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** The guard for one text cell: only non-numeric text that a spreadsheet would read as a formula. */
export function guardFormula(text: string): string {
  return FORMULA_START.test(text) && !NUMBER_LIKE.test(text.trim()) ? `'${text}` : text;
}

/** RFC 4180: quote when the cell holds the delimiter, a quote, CR or LF; also keep edge spaces and empty strings. */
export function quoteCsvCell(text: string, delimiter = ','): string {
  if (text === '') return '""';
  if (text.includes(delimiter) || /["\r\n]/.test(text) || text !== text.trim()) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** Round half away from zero at `d` fraction digits, via decimal exponent so 1.005 → 1.01, never "-0.0". */
export function formatFixed(v: number, d: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '' : String(v);
  let r: number;
  if (Math.abs(v) < 1e15) {
    const s = Math.sign(v);
    r = s * Number(`${Math.round(Number(`${Math.abs(v)}e${d}`))}e-${d}`);
    if (!Number.isFinite(r)) r = v;
  } else r = v;
  const out = r.toFixed(d);
  return Number(out) === 0 ? out.replace(/^-/, '') : out;
}

/** Shortest round-trip text of a number (no exponent for ordinary magnitudes). */
function formatShortest(v: number): string {
  if (Number.isNaN(v)) return '';
  if (Object.is(v, -0)) return '0';
  return String(v);
}

function numberFormatter(col: ColumnSchema | undefined): (v: number) => string {
  if (col?.kind === 'datetime') return (v) => (Number.isFinite(v) ? formatDatetime(v, col.datetimeFormat) : '');
  const d = col?.decimals;
  if (col?.kind === 'integer') return d && d > 0 ? (v) => formatFixed(Math.round(v), d) : (v) => formatFixed(v, 0);
  if (d !== undefined && d >= 0 && d <= 20) return (v) => formatFixed(v, d);
  return formatShortest;
}

type CellWriter = (row: number) => string;

/** A writer of ready-to-join (formatted, guarded, quoted) cells for one column of one record batch. */
function cellWriter(data: Data, col: ColumnSchema | undefined, opts: Required<Pick<CsvOptions, 'formulaGuard' | 'delimiter'>>): CellWriter {
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  const off = data.offset;
  const valid = bitmap ? (i: number) => ((bitmap[(off + i) >> 3] >> ((off + i) & 7)) & 1) === 1 : () => true;
  const text = (s: string) => quoteCsvCell(opts.formulaGuard ? guardFormula(s) : s, opts.delimiter);
  const typeId = data.type.typeId;

  if (typeId === Type.Dictionary && data.dictionary) {
    // Format each label once; rows look them up by index.
    const labels = Array.from(data.dictionary as Vector, (l) => (l === null || l === undefined ? '' : text(String(l))));
    const idx = data.values as ArrayLike<number>;
    return (i) => (valid(i) ? labels[idx[i]] ?? '' : '');
  }
  const half = typeId === Type.Float && (data.type as { precision?: number }).precision === 0;
  if ((typeId === Type.Int || typeId === Type.Float) && !half) {
    const vals = data.values as ArrayLike<number | bigint>;
    const fmt = numberFormatter(col);
    const stride = (data as Data & { stride?: number }).stride ?? 1;
    if (stride === 1) return (i) => (valid(i) ? fmt(Number(vals[i])) : '');
  }
  if (typeId === Type.Timestamp || typeId === Type.Date) {
    const vec = makeVector(data);
    const format = col?.datetimeFormat;
    return (i) => {
      if (!valid(i)) return '';
      const v = vec.get(i) as number | Date | bigint | null;
      if (v === null || v === undefined) return '';
      const ms = typeof v === 'number' ? v : Number(v instanceof Date ? v.getTime() : v);
      return Number.isFinite(ms) ? formatDatetime(ms, format) : '';
    };
  }
  // Utf8, Bool and anything else: through Arrow's getter.
  const vec = makeVector(data);
  const fmt = numberFormatter(col);
  return (i) => {
    if (!valid(i)) return '';
    const v = vec.get(i) as unknown;
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') return fmt(v);
    if (typeof v === 'bigint') return fmt(Number(v));
    if (v instanceof Date) return formatDatetime(v.getTime(), col?.datetimeFormat);
    return text(String(v));
  };
}

function headerLine(schema: TableSchema, delimiter: string): string {
  // Column names are the data owner's own header, written as-is (no guard) so the output header equals the input's.
  return schema.columns.map((c) => quoteCsvCell(c.name, delimiter)).join(delimiter);
}

/**
 * The CSV in chunks: the header first, then up to `chunkRows` rows per yield, each chunk ending with a
 * newline. Columns follow `schema.columns`; a schema column absent from the table is written as empty cells.
 */
export function* csvChunks(table: Table, schema: TableSchema, options: CsvOptions = {}): Generator<string> {
  const delimiter = options.delimiter ?? ',';
  const nl = options.newline ?? '\n';
  const formulaGuard = options.formulaGuard ?? true;
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? 10_000));
  yield (options.bom ? '\uFEFF' : '') + headerLine(schema, delimiter) + nl;
  const fields = table.schema.fields.map((f) => f.name);
  const colIndex = schema.columns.map((c) => fields.indexOf(c.name));
  const lines: string[] = [];
  for (const batch of table.batches) {
    const writers: (CellWriter | null)[] = schema.columns.map((c, k) =>
      colIndex[k] < 0 ? null : cellWriter(batch.data.children[colIndex[k]], c, { formulaGuard, delimiter }),
    );
    const n = batch.numRows;
    const cells: string[] = new Array(writers.length);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < writers.length; k++) cells[k] = writers[k] ? writers[k]!(i) : '';
      lines.push(cells.join(delimiter));
      if (lines.length >= chunkRows) {
        yield lines.join(nl) + nl;
        lines.length = 0;
      }
    }
  }
  if (lines.length) yield lines.join(nl) + nl;
}

/** The whole CSV as one string (small and medium tables; stream big ones with `csvChunks`). */
export function writeCsv(table: Table, schema: TableSchema, options: CsvOptions = {}): string {
  let out = '';
  for (const chunk of csvChunks(table, schema, options)) out += chunk;
  return out;
}

/** Alias the CLI looks for. */
export const csvText = writeCsv;

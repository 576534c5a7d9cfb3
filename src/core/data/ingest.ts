/**
 * CSV bytes → Arrow table + inferred schema, streaming: bytes are decoded chunk by chunk (UTF-8, or
 * Windows-1252 when the bytes are not valid UTF-8) and fed to papaparse's incremental parser; cells go
 * straight into compact per-column accumulators, so the text is never held whole, let alone twice.
 */
import Papa from 'papaparse';
import { Table, type Vector } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import { inferColumnKind } from '../schema/infer';
import { ColumnAccumulator } from './column-accumulator';
import { buildColumn } from './build';
import { missingTokenSet } from './missing';
import { NEWLINE, looksLikeHeader, sniffBinary, sniffDelimiter, sniffLineEnding, type LineEnding } from './sniff';
import { IngestError, type ByteSource, type IngestOptions, type IngestReport, type IngestResult } from './types';

/**
 * Default size limit: 1 GiB. The parsed table needs roughly 1–2 bytes of memory per input byte
 * (typed arrays plus dictionaries), and a browser tab usually gets 2–4 GB.
 */
export const DEFAULT_MAX_BYTES = 1024 ** 3;
/** Bytes of text looked at to sniff the delimiter and line ending. */
const SNIFF_CHARS = 64 * 1024;
/** A single record this long means an unterminated quote swallowed the rest of the file. */
const MAX_RECORD_CHARS = 16 * 1024 * 1024;
/** Ragged line numbers kept for the report (the count is always exact). */
const MAX_RAGGED_KEPT = 100_000;

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

class InvalidUtf8 extends Error {}

interface PapaParser {
  parse(input: string, baseIndex: number, ignoreLastRow: boolean): Papa.ParseResult<string[]>;
}
const PapaParserClass = (Papa as unknown as { Parser: new (config: object) => PapaParser }).Parser;

const listLines = (lines: number[], total: number) =>
  lines.slice(0, 5).join(', ') + (total > 5 ? ` (and ${total - 5} more)` : '');

export async function ingest(source: ByteSource, options: IngestOptions = {}): Promise<IngestResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (source.size > maxBytes) throw tooLarge(source.name, source.size, maxBytes);
  try {
    return await ingestAs(source, options, 'utf-8');
  } catch (e) {
    if (!(e instanceof InvalidUtf8)) throw e;
    return ingestAs(source, options, 'windows-1252');
  }
}

/** Convenience for tests and pasted text. */
export function ingestText(text: string, name = 'pasted.csv', options: IngestOptions = {}): Promise<IngestResult> {
  return ingest(bytesSource(new TextEncoder().encode(text), name), options);
}

/** A ByteSource over bytes already in memory, handed out in 64 KB chunks like a real stream. */
export function bytesSource(bytes: Uint8Array, name: string, chunkSize = 64 * 1024): ByteSource {
  return {
    name,
    size: bytes.length,
    async *open() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, Math.min(bytes.length, i + chunkSize));
    },
  };
}

function tooLarge(file: string, size: number, max: number): IngestError {
  return new IngestError(
    'too-large',
    `${file} is ${formatBytes(size)}, larger than the ${formatBytes(max)} limit for one table. Load an extract with fewer rows or columns.`,
  );
}

function cancelled(file: string): IngestError {
  return new IngestError('cancelled', `Loading ${file} was cancelled.`);
}

async function ingestAs(source: ByteSource, options: IngestOptions, encoding: 'utf-8' | 'windows-1252'): Promise<IngestResult> {
  const file = source.name;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const missing = missingTokenSet(options.missingTokens);
  const signal = options.signal;
  const notes: string[] = [];
  if (encoding === 'windows-1252') notes.push('The file is not valid UTF-8: read it as Windows-1252 (Latin-1).');

  const decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
  const decode = (bytes?: Uint8Array): string => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      throw new InvalidUtf8();
    }
  };

  // Parse state.
  let sniffText = '';
  let parser: PapaParser | null = null;
  let delimiter = ',';
  let lineEnding: LineEnding = 'LF';
  let lineChar = '\n';
  let partial = '';
  let line = 1; // 1-based physical line where the next record starts
  let hasHeader = true;
  let names: string[] | null = null;
  let columns: ColumnAccumulator[] = [];
  let rows = 0;
  const ragged: number[] = [];
  let raggedCount = 0;
  let emptyRows = 0;
  let delimiterHint: string | null = null;

  const fail = (e: IngestError): never => { throw e; };

  const setupColumns = (header: string[] | null, width: number) => {
    const raw = header ? header.map((h) => h.trim()) : Array.from({ length: width }, (_, j) => `column_${j + 1}`);
    if (!header) notes.push(`No header row found: columns are named column_1 … column_${width}.`);
    const used = new Set<string>();
    const seen = new Set(raw);
    names = raw.map((h, j) => {
      let name = h;
      if (name === '') {
        name = `column_${j + 1}`;
        for (let k = 2; seen.has(name) || used.has(name); k++) name = `column_${j + 1}_${k}`;
        notes.push(`Column ${j + 1} has no name: named it "${name}".`);
      } else if (used.has(name)) {
        let k = 2;
        while (used.has(`${h}_${k}`) || seen.has(`${h}_${k}`)) k++;
        name = `${h}_${k}`;
        notes.push(`Column name "${h}" appears more than once: renamed column ${j + 1} to "${name}".`);
      }
      used.add(name);
      return name;
    });
    columns = names.map(() => new ColumnAccumulator(false, delimiter !== ','));
  };

  const handleRecord = (record: string[], startLine: number) => {
    if (record.length === 1 && record[0].trim() === '') return; // blank line
    // Spreadsheets export rows of bare delimiters (",,,,"): not patients, so not rows.
    let empty = true;
    for (let j = 0; j < record.length && empty; j++) if (record[j].trim() !== '') empty = false;
    if (empty) {
      if (names) emptyRows++;
      return;
    }
    if (!names) {
      if (looksLikeHeader(record)) { setupColumns(record, record.length); return; }
      hasHeader = false;
      setupColumns(null, record.length);
    }
    const width = columns.length;
    if (record.length !== width) {
      // A trailing delimiter (extra empty fields) is harmless.
      const harmless = record.length > width && record.slice(width).every((c) => c.trim() === '');
      if (!harmless) {
        raggedCount++;
        if (ragged.length < MAX_RAGGED_KEPT) ragged.push(startLine);
        return;
      }
    }
    for (let j = 0; j < width; j++) {
      const s = record[j].trim();
      if (missing.has(s)) columns[j].pushMissing();
      else columns[j].push(s);
    }
    rows++;
  };

  const parseText = (text: string, final: boolean) => {
    const input = partial + text;
    if (!input) return;
    const result = parser!.parse(input, 0, !final);
    const consumed = final ? input.length : result.meta.cursor;
    partial = input.substring(consumed);
    const quoted = input.indexOf('"') >= 0;
    const starts: number[] = [];
    for (const record of result.data) {
      const startLine = line;
      starts.push(startLine);
      let newlines = 0;
      if (quoted) for (const f of record) for (let p = f.indexOf(lineChar); p >= 0; p = f.indexOf(lineChar, p + 1)) newlines++;
      line += 1 + newlines;
      handleRecord(record, startLine);
    }
    const unclosed = result.errors.find((e) => e.code === 'MissingQuotes');
    if (unclosed || partial.length > MAX_RECORD_CHARS) {
      const at = unclosed && unclosed.row !== undefined && starts[unclosed.row] !== undefined ? starts[unclosed.row] : line;
      fail(new IngestError(
        'unreadable',
        `${file}: the quoted field that starts on line ${at} is never closed (a " is missing), so the rest of the file would be one cell. Fix the quotes on that line and load it again.`,
        [at],
      ));
    }
  };

  const feed = (text: string, final: boolean) => {
    if (parser) return parseText(text, final);
    sniffText += text;
    if (sniffText.length < SNIFF_CHARS && !final) return;
    let sample = sniffText;
    sniffText = '';
    if (sample.startsWith('\uFEFF')) sample = sample.slice(1);
    else if (encoding === 'windows-1252' && sample.startsWith('ï»¿')) sample = sample.slice(3);
    const head = sample.trimStart();
    if (head === '') fail(new IngestError('empty-file', `${file} is empty: it has no header and no rows. Choose a CSV file with a header row and at least one data row.`));
    if (head[0] === '{' || head[0] === '[' || head[0] === '<') {
      const what = head[0] === '<' ? 'an HTML or XML document' : 'JSON';
      fail(new IngestError('binary-file', `${file} is not a CSV file (it looks like ${what}). Export the table as CSV (comma-separated values) and load that.`));
    }
    lineEnding = sniffLineEnding(sample);
    const newline = NEWLINE[lineEnding];
    lineChar = lineEnding === 'CR' ? '\r' : '\n';
    // Excel's "sep=;" first line names the delimiter.
    const hint = /^sep=(.)[ \t]*(?:\r\n|\r|\n)/i.exec(sample);
    if (hint) {
      delimiterHint = hint[1];
      sample = sample.slice(hint[0].length);
      line = 2;
    }
    delimiter = delimiterHint ?? sniffDelimiter(sample, newline, final);
    parser = new PapaParserClass({ delimiter, newline });
    parseText(sample, final);
  };

  // Stream.
  let bytesRead = 0;
  let lastProgress = 0;
  let lastYield = Date.now();
  const total = source.size;
  const progress = (force: boolean) => {
    if (!options.onProgress) return;
    const now = Date.now();
    if (!force && now - lastProgress < 100) return;
    lastProgress = now;
    options.onProgress({ bytesRead, totalBytes: total, rows });
  };

  if (signal?.aborted) throw cancelled(file);
  let head: Uint8Array | null = new Uint8Array(0);
  const checkHead = () => {
    const what = sniffBinary(head!);
    if (what) fail(new IngestError('binary-file', `${file} is not a CSV text file (it looks like ${what}). Export the table as CSV (comma-separated values) and load that.`));
    const text = decode(head!);
    head = null;
    feed(text, false);
  };
  try {
    for await (const chunk of source.open()) {
      if (signal?.aborted) throw cancelled(file);
      bytesRead += chunk.length;
      if (bytesRead > maxBytes) throw tooLarge(file, Math.max(bytesRead, total), maxBytes);
      if (head) {
        const joined: Uint8Array = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        head = joined;
        if (head.length >= 4096) checkHead();
      } else feed(decode(chunk), false);
      progress(false);
      if (Date.now() - lastYield > 50) {
        // Let the worker's event loop deliver a Cancel message even when reads resolve as microtasks.
        await new Promise((r) => setTimeout(r, 0));
        lastYield = Date.now();
      }
    }
  } catch (e) {
    if (e instanceof IngestError || e instanceof InvalidUtf8) throw e;
    throw new IngestError('unreadable', `Could not read ${file}: ${e instanceof Error ? e.message : String(e)}.`);
  }
  if (head) {
    if (head.length === 0) fail(new IngestError('empty-file', `${file} is empty: it has no header and no rows. Choose a CSV file with a header row and at least one data row.`));
    checkHead();
  }
  feed(decode(), true);
  if (signal?.aborted) throw cancelled(file);

  if (!names) fail(new IngestError('empty-file', `${file} is empty: it has no header and no rows. Choose a CSV file with a header row and at least one data row.`));
  const columnNames = names as unknown as string[];
  if (raggedCount > 0 && (!options.skipRaggedRows || rows === 0)) {
    fail(new IngestError(
      'ragged-rows',
      `${file}: ${raggedCount} ${raggedCount === 1 ? 'row does' : 'rows do'} not have ${columnNames.length} fields like the header, on line${raggedCount === 1 ? '' : 's'} ${listLines(ragged, raggedCount)}. Fix ${raggedCount === 1 ? 'that row' : 'those rows'} or choose "skip these rows".`,
      ragged.slice(0, 100),
    ));
  }
  if (raggedCount > 0) notes.push(`Skipped ${raggedCount} ${raggedCount === 1 ? 'row' : 'rows'} with the wrong number of fields (line${raggedCount === 1 ? '' : 's'} ${listLines(ragged, raggedCount)}).`);
  if (emptyRows > 0) notes.push(`Skipped ${emptyRows} ${emptyRows === 1 ? 'row' : 'rows'} with every cell empty.`);
  if (rows === 0) fail(new IngestError('header-only', `${file} has a header but no data rows. Choose a file with at least one data row.`));

  // Infer kinds and build Arrow columns.
  const epoch = new Set(options.epochColumns ?? []);
  const vectors: Record<string, Vector> = {};
  const schema: TableSchema = { rows, columns: [] };
  const decimalCommaColumns: string[] = [];
  columnNames.forEach((name, j) => {
    const acc = columns[j];
    const guess = inferColumnKind(
      {
        name, rows, missing: acc.missing, distinct: acc.distinct(), numeric: acc.numeric, allInteger: acc.allInteger,
        min: acc.min, max: acc.max, labels: acc.dict ? acc.labels : null, counts: acc.dict ? acc.counts : null,
      },
      { epoch: epoch.has(name) },
    );
    const built = buildColumn(acc, name, guess.kind, { excluded: guess.excluded, note: guess.note, datetimeFormat: guess.datetimeFormat });
    if (acc.sawDecimalComma && acc.numeric) decimalCommaColumns.push(name);
    if (acc.relabelled) notes.push(`Column "${name}" mixes numbers and text: numbers before the first text value were re-written from their values.`);
    vectors[name] = built.vector;
    schema.columns.push(built.schema);
    columns[j] = null as unknown as ColumnAccumulator; // let the accumulator go
  });
  if (decimalCommaColumns.length)
    notes.push(`Read decimal commas as decimal points in ${decimalCommaColumns.map((n) => `"${n}"`).join(', ')} (e.g. 2,5 = 2.5).`);
  progress(true);

  const report: IngestReport = {
    file, encoding, delimiter, hasHeader, lineEnding, rows, notes, skippedRows: raggedCount > 0 ? ragged : [],
  };
  return { table: new Table(vectors), schema, report };
}

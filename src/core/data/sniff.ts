/**
 * Sniffing the start of a file: binary or text, line ending, delimiter, header row.
 */
import Papa from 'papaparse';
import { parseNumber } from './column-accumulator';

export const DELIMITERS = [',', ';', '\t', '|'] as const;

/** What a non-CSV file looks like, from its first bytes; null when it looks like text. */
export function sniffBinary(head: Uint8Array): string | null {
  const b = head;
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a zip archive or an Excel workbook (.xlsx)';
  if (starts(0xd0, 0xcf, 0x11, 0xe0)) return 'an old Excel workbook (.xls)';
  if (starts(0x25, 0x50, 0x44, 0x46)) return 'a PDF document';
  if (starts(0x1f, 0x8b)) return 'a gzip-compressed file';
  if (starts(0x50, 0x41, 0x52, 0x31)) return 'a Parquet file';
  if (starts(0x89, 0x50, 0x4e, 0x47) || starts(0xff, 0xd8, 0xff)) return 'an image';
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return 'UTF-16 text (save it as UTF-8 CSV)';
  let control = 0;
  const n = Math.min(b.length, 8192);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0) return 'binary data';
    if (c < 0x09 || (c > 0x0d && c < 0x20)) control++;
  }
  return n > 0 && control / n > 0.05 ? 'binary data' : null;
}

export type LineEnding = 'LF' | 'CRLF' | 'CR';

export function sniffLineEnding(text: string): LineEnding {
  const cr = text.indexOf('\r');
  const lf = text.indexOf('\n');
  if (cr < 0) return 'LF';
  if (lf < 0) return 'CR';
  if (lf < cr) return 'LF';
  return text[cr + 1] === '\n' ? 'CRLF' : 'CR';
}

export const NEWLINE: Record<LineEnding, string> = { LF: '\n', CRLF: '\r\n', CR: '\r' };

const isBlankRow = (r: string[]) => r.length === 1 && r[0].trim() === '';

/** Rows of a sample, dropping the last one when the sample is cut mid-file. */
function sampleRows(text: string, delimiter: string, newline: string, complete: boolean): string[][] {
  const parser = new (Papa as unknown as { Parser: new (c: object) => { parse(i: string, b: number, ignoreLast: boolean): Papa.ParseResult<string[]> } }).Parser({ delimiter, newline });
  const rows = parser.parse(text, 0, !complete).data.filter((r) => !isBlankRow(r));
  return rows.slice(0, 200);
}

/** The delimiter whose field counts are most consistent, header included; ',' when none splits. */
export function sniffDelimiter(text: string, newline: string, complete: boolean): string {
  let best = ',', bestScore = -1, bestWidth = 1;
  for (const d of DELIMITERS) {
    const rows = sampleRows(text, d, newline, complete);
    if (rows.length === 0) continue;
    const freq = new Map<number, number>();
    for (const r of rows) freq.set(r.length, (freq.get(r.length) ?? 0) + 1);
    let mode = 1, modeCount = 0;
    for (const [w, c] of freq) if (c > modeCount || (c === modeCount && w > mode)) { mode = w; modeCount = c; }
    if (mode <= 1) continue;
    const score = modeCount / rows.length + (rows[0].length === mode ? 1 : 0);
    if (score > bestScore + 1e-9 || (Math.abs(score - bestScore) <= 1e-9 && mode > bestWidth)) {
      best = d; bestScore = score; bestWidth = mode;
    }
  }
  return best;
}

const DATE_LIKE = /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}/;

/** A header row has no numbers or dates in it; a data row usually does. */
export function looksLikeHeader(firstRow: string[]): boolean {
  return !firstRow.some((cell) => {
    const s = cell.trim();
    return s !== '' && (parseNumber(s, true) !== null || DATE_LIKE.test(s));
  });
}

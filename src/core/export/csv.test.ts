import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import {
  Dictionary, Float64, Int32, Table, TimestampMillisecond, Utf8, makeData, makeVector, vectorFromArray, type Vector,
} from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../schema/types';
import { csvChunks, formatFixed, guardFormula, writeCsv } from './csv';
import { ingest } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { DEFAULT_MISSING_TOKENS } from '../data/missing';

const fractionDigits = (s: string) => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);
const DATA = path.resolve(process.cwd(), '../shared/data');

function col(name: string, kind: ColumnSchema['kind'], extra: Partial<ColumnSchema> = {}): ColumnSchema {
  return { name, kind, excluded: false, missing: 0, distinct: 0, ...extra };
}
const dict = (xs: (string | null)[]) => vectorFromArray(xs, new Dictionary(new Utf8(), new Int32()));
function timestamps(ms: (number | null)[]): Vector {
  const n = ms.length;
  const bits = new Uint8Array((n + 7) >> 3);
  const data = new BigInt64Array(n);
  ms.forEach((v, i) => {
    if (v !== null) {
      data[i] = BigInt(v);
      bits[i >> 3] |= 1 << (i & 7);
    }
  });
  const nullCount = ms.filter((v) => v === null).length;
  return makeVector(makeData({ type: new TimestampMillisecond(), length: n, nullCount, nullBitmap: bits, data: data as never }));
}
const parse = (csv: string) => Papa.parse<string[]>(csv.trimEnd(), {}).data;

describe('writeCsv', () => {
  const schema: TableSchema = {
    rows: 4,
    columns: [
      col('age', 'integer', { decimals: 1 }),
      col('sex', 'categorical', { categories: ['M', 'F'] }),
      col('chol', 'integer', { decimals: 0 }),
      col('bmi', 'continuous', { decimals: 2 }),
      col('ratio', 'continuous'),
      col('smoker', 'boolean', { categories: ['yes', 'no'] }),
      col('admitted', 'datetime', { datetimeFormat: 'dd/mm/yyyy' }),
      col('note', 'text'),
    ],
  };
  const table = new Table({
    age: vectorFromArray([63, 41, null, 70], new Int32()),
    sex: dict(['M', 'F', 'F', null]),
    chol: vectorFromArray([233, null, 250, -4], new Int32()),
    bmi: vectorFromArray([27.456, 30, null, -0.001], new Float64()),
    ratio: vectorFromArray([0.1 + 0.2, 1 / 3, 2, null], new Float64()),
    smoker: dict(['yes', null, 'no', 'yes']),
    admitted: timestamps([Date.UTC(2020, 0, 31), null, Date.UTC(1999, 11, 1), Date.UTC(2024, 1, 29)]),
    note: vectorFromArray(['plain', 'has, comma', 'say "hi"\nbye', null], new Utf8()),
  });

  it('writes the header, column order and cells as the input wrote them', () => {
    const csv = writeCsv(table, schema);
    const rows = parse(csv);
    expect(rows[0]).toEqual(['age', 'sex', 'chol', 'bmi', 'ratio', 'smoker', 'admitted', 'note']);
    expect(rows.slice(1)).toEqual([
      ['63.0', 'M', '233', '27.46', String(0.1 + 0.2), 'yes', '31/01/2020', 'plain'],
      ['41.0', 'F', '', '30.00', String(1 / 3), '', '', 'has, comma'],
      ['', 'F', '250', '', '2', 'no', '01/12/1999', 'say "hi"\nbye'],
      ['70.0', '', '-4', '0.00', '', 'yes', '29/02/2024', ''],
    ]);
    // RFC 4180 quoting in the raw text.
    expect(csv).toContain('"has, comma"');
    expect(csv).toContain('"say ""hi""\nbye"');
  });

  it('follows schema column order, not table order, and writes an absent column as empty cells', () => {
    const s: TableSchema = { rows: 2, columns: [col('b', 'integer'), col('gone', 'text'), col('a', 'categorical')] };
    const t = new Table({ a: dict(['x', 'y']), b: vectorFromArray([1, 2], new Int32()) });
    expect(writeCsv(t, s)).toBe('b,gone,a\n1,,x\n2,,y\n');
  });

  it('datetime formats round-trip the way the input wrote them', () => {
    const t0 = Date.UTC(2021, 6, 4, 9, 5, 7);
    const formats: [string, string][] = [
      ['yyyy-mm-dd', '2021-07-04'],
      ['yyyy-mm-dd hh:mm', '2021-07-04 09:05'],
      ['yyyy-mm-dd hh:mm:ss', '2021-07-04 09:05:07'],
      ['dd/mm/yyyy', '04/07/2021'],
      ['mm/dd/yyyy', '07/04/2021'],
      ['mm/dd/yyyy hh:mm', '07/04/2021 09:05'],
      ['iso', '2021-07-04T09:05:07.000Z'],
    ];
    for (const [fmt, want] of formats) {
      const s: TableSchema = { rows: 1, columns: [col('t', 'datetime', { datetimeFormat: fmt })] };
      expect(writeCsv(new Table({ t: timestamps([t0]) }), s)).toBe(`t\n${want}\n`);
    }
  });

  it('integers stored as Float64 (too big for Int32) have no ".0"; decimals undefined gives shortest repr', () => {
    const s: TableSchema = { rows: 2, columns: [col('big', 'integer', { decimals: 0 }), col('x', 'continuous')] };
    const t = new Table({ big: vectorFromArray([3_000_000_000, -5], new Float64()), x: vectorFromArray([1e-7, 123456.789], new Float64()) });
    expect(writeCsv(t, s)).toBe('big,x\n3000000000,1e-7\n-5,123456.789\n');
  });

  it('formula guard (default on) touches non-numeric text only', () => {
    const s: TableSchema = { rows: 6, columns: [col('label', 'categorical'), col('free', 'text'), col('n', 'continuous')] };
    const t = new Table({
      label: dict(['-1', '=SUM(A1:A2)', '+2.5', '@cmd', '-', 'ok']),
      free: vectorFromArray(['\tx', '\rx', '=1+1', '-3.2', '+44 20 7946 0000', 'a=b'], new Utf8()),
      n: vectorFromArray([-3.2, -1, 0, 1, 2, 3], new Float64()),
    });
    const rows = parse(writeCsv(t, s)).slice(1);
    expect(rows.map((r) => r[0])).toEqual(['-1', "'=SUM(A1:A2)", '+2.5', "'@cmd", "'-", 'ok']);
    expect(rows.map((r) => r[1])).toEqual(["'\tx", "'\rx", "'=1+1", '-3.2', "'+44 20 7946 0000", 'a=b']);
    expect(rows.map((r) => r[2])).toEqual(['-3.2', '-1', '0', '1', '2', '3']);
    // Off: verbatim.
    const raw = parse(writeCsv(t, s, { formulaGuard: false })).slice(1);
    expect(raw.map((r) => r[0])).toEqual(['-1', '=SUM(A1:A2)', '+2.5', '@cmd', '-', 'ok']);
    expect(guardFormula('-1e5')).toBe('-1e5');
    expect(guardFormula('-x')).toBe("'-x");
  });

  it('rounds half away from zero without binary artefacts and never writes -0', () => {
    expect(formatFixed(1.005, 2)).toBe('1.01');
    expect(formatFixed(-1.005, 2)).toBe('-1.01');
    expect(formatFixed(2.5, 0)).toBe('3');
    expect(formatFixed(-0.04, 1)).toBe('0.0');
    expect(formatFixed(1e-7, 3)).toBe('0.000');
    expect(formatFixed(123.4, 0)).toBe('123');
  });

  it('options: delimiter, CRLF, BOM; chunks concatenate to the whole file', () => {
    const s: TableSchema = { rows: 3, columns: [col('a', 'text'), col('b', 'integer')] };
    const t = new Table({ a: vectorFromArray(['x;y', 'z', 'w'], new Utf8()), b: vectorFromArray([1, 2, 3], new Int32()) });
    expect(writeCsv(t, s, { delimiter: ';', newline: '\r\n', bom: true })).toBe('\uFEFFa;b\r\n"x;y";1\r\nz;2\r\nw;3\r\n');
    const chunks = [...csvChunks(t, s, { chunkRows: 2 })];
    expect(chunks).toEqual(['a,b\n', 'x;y,1\nz,2\n', 'w,3\n']);
    expect(chunks.join('')).toBe(writeCsv(t, s));
  });

  it('writes across several record batches (sliced data, null bitmaps with offsets)', () => {
    const s: TableSchema = { rows: 6, columns: [col('k', 'categorical'), col('v', 'integer')] };
    const whole = new Table({ k: dict(['a', null, 'b', 'a', null, 'c']), v: vectorFromArray([1, 2, null, 4, 5, null], new Int32()) });
    const multi = new Table([...whole.slice(0, 2).batches, ...whole.slice(2, 5).batches, ...whole.slice(5).batches]);
    expect(multi.batches.length).toBe(3);
    expect(writeCsv(multi, s)).toBe(writeCsv(whole, s));
    expect(writeCsv(multi, s)).toBe('k,v\na,1\n,2\nb,\na,4\n,5\nc,\n');
  });
});

// Numeric cells come back at the column's fraction digits (the most the input used), so "67" in a
// column that also holds "0.08" is written "67.00": same number, uniform width. Everything else is verbatim.
describe('CSV → Arrow → CSV reproduces the input cells', () => {
  const missing = new Set(DEFAULT_MISSING_TOKENS);
  it.each(['heart_cleveland.csv', 'stroke.csv', 'framingham.csv', 'pbcseq.csv'])('%s', async (f) => {
    const file = path.join(DATA, f);
    const { table, schema } = await ingest(nodeFileSource(file));
    const input = Papa.parse<string[]>(readFileSync(file, 'utf8'), { skipEmptyLines: true }).data;
    const output = parse(writeCsv(table, schema, { formulaGuard: false }));
    expect(output[0]).toEqual(input[0].map((h) => h.trim()));
    expect(output.length).toBe(input.length);
    const diffs: string[] = [];
    for (let i = 1; i < input.length; i++)
      for (let j = 0; j < input[i].length; j++) {
        const cell = input[i][j].trim();
        const want = missing.has(cell) ? '' : cell;
        const c = schema.columns[j];
        const numeric = want !== '' && (c.kind === 'continuous' || c.kind === 'integer');
        const same = numeric ? Number(output[i][j]) === Number(want) && fractionDigits(output[i][j]) === (c.decimals ?? 0) : output[i][j] === want;
        if (!same && diffs.length < 5) diffs.push(`line ${i + 1} ${input[0][j]}: "${cell}" → "${output[i][j]}"`);
      }
    expect(diffs).toEqual([]);
  });
});

it('heart_cleveland (every number written with ".0") comes back byte-for-byte, "?" as empty cells', async () => {
  const file = path.join(DATA, 'heart_cleveland.csv');
  const { table, schema } = await ingest(nodeFileSource(file));
  const input = readFileSync(file, 'utf8').replace(/\r\n/g, '\n').trimEnd().split('\n');
  const output = writeCsv(table, schema).trimEnd().split('\n');
  expect(output).toEqual(input.map((l) => l.split(',').map((c) => (c.trim() === '?' ? '' : c.trim())).join(',')));
});

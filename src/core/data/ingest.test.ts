import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Dictionary, Float64, Int32, TimestampMillisecond, Utf8 } from 'apache-arrow';
import { bytesSource, ingest, ingestText } from './ingest';
import { nodeFileSource } from './node-source';
import { blobSource } from './blob-source';
import { IngestError, type IngestProgress } from './types';
import type { ColumnSchema } from '../schema/types';

const DATA = path.resolve(process.cwd(), '../shared/data');
const file = (name: string) => path.join(DATA, name);
const col = (cols: ColumnSchema[], name: string) => {
  const c = cols.find((c) => c.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
};

async function rejects(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('expected an IngestError');
}

describe('real files in ../shared/data', () => {
  it('heart_cleveland: ? missing, codes as categories, labels as written', async () => {
    const { table, schema, report } = await ingest(nodeFileSource(file('heart_cleveland.csv')));
    expect(schema.rows).toBe(303);
    expect(table.numRows).toBe(303);
    expect(report).toMatchObject({ encoding: 'utf-8', delimiter: ',', hasHeader: true, lineEnding: 'LF', notes: [] });
    const c = schema.columns;
    expect(col(c, 'ca')).toMatchObject({ kind: 'categorical', missing: 4, distinct: 4 });
    expect(col(c, 'thal')).toMatchObject({ kind: 'categorical', missing: 2, distinct: 3 });
    expect(col(c, 'cp')).toMatchObject({ kind: 'categorical', distinct: 4, missing: 0 });
    expect(col(c, 'age')).toMatchObject({ kind: 'integer', decimals: 1, min: 29, max: 77, distinct: 41 });
    expect(col(c, 'oldpeak')).toMatchObject({ kind: 'continuous', decimals: 1, min: 0, max: 6.2 });
    expect(col(c, 'sex').kind).toBe('boolean');
    expect(col(c, 'num').categories).toEqual(['0', '1', '2', '3', '4']);
    expect(col(c, 'cp').categories).toEqual(['4.0', '3.0', '2.0', '1.0']);
    expect(c.reduce((s, x) => s + x.missing, 0)).toBe(6);
    expect(table.getChild('age')!.type).toBeInstanceOf(Int32);
    expect(table.getChild('oldpeak')!.type).toBeInstanceOf(Float64);
    const ca = table.getChild('ca')!;
    expect(ca.type).toBeInstanceOf(Dictionary);
    expect(ca.nullCount).toBe(4);
    expect(ca.get(0)).toBe('0.0');
    expect(table.getChild('age')!.get(0)).toBe(63);
  });

  it('stroke: N/A bmi, id excluded as identifier', async () => {
    const { schema, table } = await ingest(nodeFileSource(file('stroke.csv')));
    expect(schema.rows).toBe(5110);
    expect(col(schema.columns, 'bmi')).toMatchObject({ kind: 'continuous', missing: 201 });
    expect(col(schema.columns, 'id')).toMatchObject({ kind: 'identifier', excluded: true, distinct: 5110 });
    expect(col(schema.columns, 'gender')).toMatchObject({ kind: 'categorical', categories: ['Female', 'Male', 'Other'] });
    expect(col(schema.columns, 'stroke').kind).toBe('boolean');
    expect(col(schema.columns, 'age').kind).toBe('continuous');
    expect(table.getChild('id')!.type).toBeInstanceOf(Utf8);
    expect(table.getChild('bmi')!.nullCount).toBe(201);
  });

  it('adult: ? missing in three columns, income categorical', async () => {
    const { schema } = await ingest(nodeFileSource(file('adult.csv')));
    expect(schema.rows).toBe(32561);
    const c = schema.columns;
    expect(col(c, 'workclass')).toMatchObject({ kind: 'categorical', missing: 1836, distinct: 8 });
    expect(col(c, 'occupation')).toMatchObject({ missing: 1843, distinct: 14 });
    expect(col(c, 'native_country')).toMatchObject({ missing: 583, distinct: 41 });
    expect(col(c, 'income')).toMatchObject({ kind: 'categorical', categories: ['<=50K', '>50K'] });
    expect(col(c, 'age').kind).toBe('integer');
    expect(col(c, 'fnlwgt')).toMatchObject({ kind: 'integer', distinct: 21648 });
    expect(col(c, 'education_num').kind).toBe('integer');
    expect(c.filter((x) => x.excluded)).toEqual([]);
  });

  it('diabetes130 sample: ? missing, ids excluded, codes', async () => {
    const { schema } = await ingest(nodeFileSource(file('diabetes130_sample20k.csv')));
    expect(schema.rows).toBe(20000);
    expect(schema.columns).toHaveLength(50);
    const c = schema.columns;
    expect(col(c, 'encounter_id')).toMatchObject({ kind: 'identifier', excluded: true, distinct: 20000 });
    expect(col(c, 'patient_nbr')).toMatchObject({ kind: 'identifier', excluded: true });
    expect(col(c, 'weight')).toMatchObject({ missing: 19441, distinct: 8 });
    expect(col(c, 'race')).toMatchObject({ kind: 'categorical', missing: 439, distinct: 5 });
    expect(col(c, 'payer_code')).toMatchObject({ missing: 7976, distinct: 17 });
    expect(col(c, 'medical_specialty')).toMatchObject({ missing: 9833, distinct: 62 });
    expect(col(c, 'diag_1')).toMatchObject({ kind: 'categorical', missing: 6, distinct: 535 });
    expect(col(c, 'admission_type_id')).toMatchObject({ kind: 'categorical', distinct: 8, excluded: false });
    expect(col(c, 'max_glu_serum')).toMatchObject({ kind: 'categorical', missing: 0, distinct: 4 }); // "None" is a category here
    expect(col(c, 'examide')).toMatchObject({ kind: 'categorical', distinct: 1 });
  });

  it('framingham: NA missing per column', async () => {
    const { schema } = await ingest(nodeFileSource(file('framingham.csv')));
    expect(schema.rows).toBe(4240);
    const miss = Object.fromEntries(schema.columns.filter((c) => c.missing).map((c) => [c.name, c.missing]));
    expect(miss).toEqual({ glucose: 388, education: 105, BPMeds: 53, totChol: 50, cigsPerDay: 29, BMI: 19, heartRate: 1 });
    expect(col(schema.columns, 'education').kind).toBe('categorical');
    expect(col(schema.columns, 'BPMeds').kind).toBe('boolean');
    expect(col(schema.columns, 'BMI').kind).toBe('continuous');
  });

  it('pbcseq: quoted header and values, NA missing, id is an identifier', async () => {
    const { schema } = await ingest(nodeFileSource(file('pbcseq.csv')));
    expect(schema.rows).toBe(1945);
    const c = schema.columns;
    expect(c.reduce((s, x) => s + x.missing, 0)).toBe(1133);
    expect(col(c, 'chol').missing).toBe(821);
    expect(col(c, 'id')).toMatchObject({ kind: 'identifier', distinct: 312 });
    expect(col(c, 'sex')).toMatchObject({ kind: 'categorical', categories: ['f', 'm'] });
    expect(col(c, 'edema')).toMatchObject({ kind: 'categorical', distinct: 3 });
    expect(col(c, 'alk.phos')).toMatchObject({ missing: 60 });
  });

  it('wdbc, heart failure, IDs mapping load', async () => {
    const w = await ingest(nodeFileSource(file('breast_cancer_wdbc.csv')));
    expect(w.schema.rows).toBe(569);
    expect(w.schema.columns.filter((c) => c.kind === 'continuous')).toHaveLength(30);
    expect(col(w.schema.columns, 'id').kind).toBe('identifier');
    expect(col(w.schema.columns, 'diagnosis')).toMatchObject({ kind: 'categorical', categories: ['B', 'M'] });
    const h = await ingest(nodeFileSource(file('heart_failure_prediction_918.csv')));
    expect(h.schema.rows).toBe(918);
    expect(col(h.schema.columns, 'ChestPainType')).toMatchObject({ kind: 'categorical', distinct: 4 });
    expect(col(h.schema.columns, 'Cholesterol')).toMatchObject({ kind: 'integer', missing: 0 });
    const m = await ingest(nodeFileSource(file('diabetes130_IDs_mapping.csv')));
    expect(m.schema.columns.map((c) => c.name)).toEqual(['admission_type_id', 'description']);
  });
});

describe('format variants', () => {
  const heart = readFileSync(file('heart_cleveland.csv'), 'utf8');

  it('semicolon-delimited with decimal commas', async () => {
    const text = heart.split('\n').map((l) => l.replace(/,/g, ';').replace(/(\d)\.(\d)/g, '$1,$2')).join('\n');
    const { schema, report } = await ingestText(text, 'heart-semicolon.csv');
    expect(report.delimiter).toBe(';');
    expect(schema.rows).toBe(303);
    expect(schema.columns).toHaveLength(14);
    expect(col(schema.columns, 'ca').missing).toBe(4);
    const plain = await ingestText(heart, 'heart.csv');
    expect(schema.columns.map((c) => c.kind)).toEqual(plain.schema.columns.map((c) => c.kind));
    expect(col(schema.columns, 'oldpeak')).toMatchObject({ kind: 'continuous', min: 0, max: 6.2, decimals: 1 });
    expect(col(schema.columns, 'age')).toMatchObject({ kind: 'integer', decimals: 1, min: 29 });
    expect(report.notes[0]).toMatch(/^Read decimal commas as decimal points in "age", "sex", /);
  });

  it('long digit strings stay exact text (no float rounding)', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `1234567890123456${String(100 + i)}`);
    const { table, schema } = await ingestText('mrn_code,x\n' + ids.map((id, i) => `${id},${i % 4}`).join('\n'), 'ids.csv');
    expect(schema.columns[0]).toMatchObject({ kind: 'identifier', excluded: true });
    expect(table.getChild('mrn_code')!.get(3)).toBe(ids[3]);
  });

  it.each([['\t', 'tab'], ['|', 'pipe']])('%s-delimited (%s)', async (d) => {
    const { schema, report } = await ingestText(heart.replace(/,/g, d), 'heart.txt');
    expect(report.delimiter).toBe(d);
    expect(schema.columns.map((c) => c.kind)).toEqual(
      (await ingestText(heart, 'heart.csv')).schema.columns.map((c) => c.kind),
    );
    expect(col(schema.columns, 'thal').missing).toBe(2);
  });

  it.each([['CRLF', '\r\n'], ['CR', '\r']] as const)('%s line endings', async (name, nl) => {
    const { schema, report, table } = await ingest(bytesSource(new TextEncoder().encode(heart.replace(/\n/g, nl)), 'h.csv', 1000));
    expect(report.lineEnding).toBe(name);
    expect(schema.rows).toBe(303);
    expect(col(schema.columns, 'num').categories).toEqual(['0', '1', '2', '3', '4']);
    expect(table.getChild('num')!.get(301)).toBe('1');
    expect(table.getChild('ca')!.get(302)).toBeNull();
  });

  it('Latin-1 bytes fall back to windows-1252 with a note', async () => {
    const lines = readFileSync(file('heart_failure_prediction_918.csv'), 'utf8').split('\n');
    lines[0] = lines[0].replace('Sex', 'Género');
    lines[700] = lines[700].replace(',Normal,', ',Anómalo,');
    const latin1 = Buffer.from(lines.join('\n'), 'latin1');
    const { schema, report } = await ingest(bytesSource(latin1, 'heart-latin1.csv', 4096));
    expect(report.encoding).toBe('windows-1252');
    expect(report.notes).toContain('The file is not valid UTF-8: read it as Windows-1252 (Latin-1).');
    expect(schema.columns[1].name).toBe('Género');
    expect(col(schema.columns, 'RestingECG').categories).toContain('Anómalo');
    expect(schema.rows).toBe(918);
  });

  it('UTF-8 with BOM and multibyte characters split across chunks', async () => {
    const text = '\uFEFFpatient_group,score\n' + Array.from({ length: 60 }, (_, i) => `${i % 2 ? 'Zürich' : 'Ørsted'},${i}`).join('\n') + '\n';
    const { schema, report } = await ingest(bytesSource(new TextEncoder().encode(text), 'bom.csv', 3));
    expect(report.encoding).toBe('utf-8');
    expect(schema.columns[0]).toMatchObject({ name: 'patient_group', kind: 'categorical', categories: ['Ørsted', 'Zürich'] });
    expect(schema.rows).toBe(60);
  });

  it('quoted missing tokens, whitespace around tokens, embedded delimiters and newlines', async () => {
    const text = [
      'age,comment,site',
      '61,"fine, thanks",A',
      '"NA","line one\nline two",B',
      ' 70 ,\t?\t,"N/A"',
      '55, -  ,A',
      '48,"",B',
      '50,"said ""hi""",A',
    ].join('\n');
    const { table, schema } = await ingest(bytesSource(new TextEncoder().encode(text), 'q.csv', 5));
    expect(schema.rows).toBe(6);
    expect(col(schema.columns, 'age')).toMatchObject({ missing: 1, min: 48, max: 70 });
    expect(col(schema.columns, 'site').missing).toBe(1);
    const comment = table.getChild('comment')!;
    expect(comment.toArray()).toEqual(['fine, thanks', 'line one\nline two', null, null, null, 'said "hi"']);
  });

  it('no header row: columns are named and a note says so', async () => {
    const body = readFileSync(file('heart_cleveland.csv'), 'utf8').split('\n').slice(1).join('\n');
    const { schema, report } = await ingestText(body, 'noheader.csv');
    expect(report.hasHeader).toBe(false);
    expect(schema.rows).toBe(303);
    expect(schema.columns[0].name).toBe('column_1');
    expect(report.notes).toContain('No header row found: columns are named column_1 … column_14.');
  });

  it('datetimes: ISO, yyyy-mm-dd hh:mm, dd/mm/yyyy, mm/dd/yyyy; ambiguous stays categorical; epoch on request', async () => {
    const text = [
      'a,b,c,d,e,t',
      '2021-10-16,2021-10-16 08:30,25/12/2020,12/25/2020,01/02/2020,1600000000',
      '2020-02-22,2020-02-22 23:59,01/02/2021,02/01/2021,03/04/2020,1600086400',
      '2019-01-31,2019-01-31 00:00,13/01/2021,01/13/2021,05/06/2020,1600172800',
      '2019-01-31,,,,,',
    ].join('\n');
    const { schema, table } = await ingestText(text, 'dates.csv', { epochColumns: ['t'] });
    const kinds = schema.columns.map((c) => [c.kind, c.datetimeFormat]);
    expect(kinds).toEqual([
      ['datetime', 'yyyy-mm-dd'],
      ['datetime', 'yyyy-mm-dd hh:mm'],
      ['datetime', 'dd/mm/yyyy'],
      ['datetime', 'mm/dd/yyyy'],
      ['categorical', undefined],
      ['datetime', 'epoch-s'],
    ]);
    expect(table.getChild('a')!.type).toBeInstanceOf(TimestampMillisecond);
    expect(table.getChild('a')!.get(0)).toBe(Date.UTC(2021, 9, 16));
    expect(table.getChild('b')!.get(0)).toBe(Date.UTC(2021, 9, 16, 8, 30));
    expect(table.getChild('c')!.get(1)).toBe(Date.UTC(2021, 1, 1));
    expect(table.getChild('d')!.get(1)).toBe(Date.UTC(2021, 1, 1));
    expect(table.getChild('t')!.get(0)).toBe(1600000000000);
    expect(col(schema.columns, 'a')).toMatchObject({ min: Date.UTC(2019, 0, 31), max: Date.UTC(2021, 9, 16), distinct: 3 });
    const plain = await ingestText(text, 'dates.csv');
    expect(col(plain.schema.columns, 't').kind).not.toBe('datetime');
  });

  it('direct identifiers and free text are flagged as text and excluded', async () => {
    const FIRST = ['Alice', 'Bob', 'Chidi', 'Dana', 'Emma', 'Farid', 'Grace', 'Hugo'];
    const LAST = ['Smith', 'Okafor', 'Jones', 'Nguyen', 'Brown'];
    const rows = Array.from({ length: 40 }, (_, i) =>
      [`user${i}@example.org`, `+44 20 7946 ${String(1000 + i)}`, `SW1A ${i % 9}AA`, `${FIRST[i % 8]} ${LAST[Math.floor(i / 8)]}`, `patient reported mild pain after visit ${i} and rest`, i % 3].join(','),
    );
    const { schema } = await ingestText(['contact,tel,post,who,notes_field,grp', ...rows].join('\n'), 'pii.csv');
    expect(schema.columns.map((c) => [c.kind, c.excluded])).toEqual([
      ['text', true], ['text', true], ['text', true], ['text', true], ['text', true], ['categorical', false],
    ]);
  });

  it('custom missing tokens replace the defaults (empty stays missing)', async () => {
    const { schema } = await ingestText('a,b\n-,x\n.,\n3,y\n999,?\n', 'm.csv', { missingTokens: ['999'] });
    expect(col(schema.columns, 'a')).toMatchObject({ missing: 1, kind: 'categorical' });
    expect(col(schema.columns, 'b')).toMatchObject({ missing: 1, distinct: 3 });
  });
});

describe('bad input: one message per case', () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  it('empty file', async () => {
    const e = await rejects(ingest(bytesSource(new Uint8Array(0), 'empty.csv')));
    expect(e.code).toBe('empty-file');
    expect(e.message).toBe('empty.csv is empty: it has no header and no rows. Choose a CSV file with a header row and at least one data row.');
    const blank = await rejects(ingestText('\uFEFF\n\n  \n', 'blank.csv'));
    expect(blank.code).toBe('empty-file');
  });

  it('header only', async () => {
    const e = await rejects(ingestText('age,sex,cp\n\n', 'header.csv'));
    expect(e.code).toBe('header-only');
    expect(e.message).toBe('header.csv has a header but no data rows. Choose a file with at least one data row.');
  });

  it('ragged rows: first line numbers, then skip on request', async () => {
    const lines = ['a,b,c', ...Array.from({ length: 20 }, (_, i) => `${i},x${i % 3},${i * 2}`)];
    for (const i of [3, 7, 8, 12, 15, 19, 20]) lines[i - 1] = lines[i - 1] + ',extra';
    lines.splice(10, 0, '"multi\nline",y,1'); // a record on lines 11–12 moves the later ones down by 2
    const text = lines.join('\n');
    const e = await rejects(ingestText(text, 'ragged.csv'));
    expect(e.code).toBe('ragged-rows');
    expect(e.message).toBe('ragged.csv: 7 rows do not have 3 fields like the header, on lines 3, 7, 8, 14, 17 (and 2 more). Fix those rows or choose "skip these rows".');
    expect(e.lines).toEqual([3, 7, 8, 14, 17, 21, 22]);
    const ok = await ingestText(text, 'ragged.csv', { skipRaggedRows: true });
    expect(ok.schema.rows).toBe(14);
    expect(ok.report.skippedRows).toEqual([3, 7, 8, 14, 17, 21, 22]);
    expect(ok.report.notes).toContain('Skipped 7 rows with the wrong number of fields (lines 3, 7, 8, 14, 17 (and 2 more)).');
    const all = await rejects(ingestText('a,b\n1\n2\n', 'all.csv', { skipRaggedRows: true }));
    expect(all.message).toBe('all.csv: 2 rows do not have 2 fields like the header, on lines 2, 3. Fix those rows or choose "skip these rows".');
    const one = await rejects(ingestText('a,b\n1,2\n3\n', 'one.csv'));
    expect(one.message).toBe('one.csv: 1 row does not have 2 fields like the header, on line 3. Fix that row or choose "skip these rows".');
  });

  it('Excel sep= line and rows of bare delimiters', async () => {
    const { schema, report } = await ingestText('sep=;\r\na;b;c\r\n1;x;2,5\r\n;;\r\n3;y;4\r\n;\r\n', 'excel.csv');
    expect(report.delimiter).toBe(';');
    expect(schema.rows).toBe(2);
    expect(schema.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(report.notes).toContain('Skipped 2 rows with every cell empty.');
    const ragged = await rejects(ingestText('sep=,\na,b\n1,2\n3\n', 'hint.csv'));
    expect(ragged.lines).toEqual([4]);
  });

  it('trailing delimiter on data rows is not ragged', async () => {
    const { schema } = await ingestText('a,b\n1,2,\n3,4,\n', 'trail.csv');
    expect(schema.rows).toBe(2);
  });

  it('duplicate and blank column names are renamed with notes', async () => {
    const { schema, report } = await ingestText('age, ,age,,x\n1,2,3,4,5\n6,7,8,9,10\n', 'names.csv');
    expect(schema.columns.map((c) => c.name)).toEqual(['age', 'column_2', 'age_2', 'column_4', 'x']);
    expect(report.notes).toEqual([
      'Column 2 has no name: named it "column_2".',
      'Column name "age" appears more than once: renamed column 3 to "age_2".',
      'Column 4 has no name: named it "column_4".',
    ]);
  });

  it('binary and non-CSV files', async () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 1, 2, 3]);
    const e = await rejects(ingest(bytesSource(zip, 'data.xlsx')));
    expect(e.code).toBe('binary-file');
    expect(e.message).toBe('data.xlsx is not a CSV text file (it looks like a zip archive or an Excel workbook (.xlsx)). Export the table as CSV (comma-separated values) and load that.');
    const bin = new Uint8Array(5000).map((_, i) => (i * 7919) % 256);
    expect((await rejects(ingest(bytesSource(bin, 'x.bin')))).message).toBe(
      'x.bin is not a CSV text file (it looks like binary data). Export the table as CSV (comma-separated values) and load that.',
    );
    const json = await rejects(ingestText('[{"age": 1}]', 'rows.json'));
    expect(json.message).toBe('rows.json is not a CSV file (it looks like JSON). Export the table as CSV (comma-separated values) and load that.');
  });

  it('too large: names the limit', async () => {
    const e = await rejects(ingest({ name: 'big.csv', size: 3 * 1024 ** 3, open: async function* () {} }));
    expect(e.code).toBe('too-large');
    expect(e.message).toBe('big.csv is 3 GB, larger than the 1 GB limit for one table. Load an extract with fewer rows or columns.');
    const small = await rejects(ingestText('a,b\n1,2\n3,4\n', 'small.csv', { maxBytes: 5 }));
    expect(small.message).toBe('small.csv is 12 bytes, larger than the 5 bytes limit for one table. Load an extract with fewer rows or columns.');
  });

  it('unterminated quote names the line', async () => {
    const e = await rejects(ingestText('a,b\n1,2\n3,"oops\n5,6\n', 'quote.csv'));
    expect(e.code).toBe('unreadable');
    expect(e.message).toBe('quote.csv: the quoted field that starts on line 3 is never closed (a " is missing), so the rest of the file would be one cell. Fix the quotes on that line and load it again.');
  });

  it('cancel via AbortSignal, progress reports bytes and rows', async () => {
    const bytes = readFileSync(file('adult.csv'));
    const controller = new AbortController();
    const seen: IngestProgress[] = [];
    const source = bytesSource(bytes, 'adult.csv', 256 * 1024);
    const slow = { ...source, open: async function* () { for await (const c of source.open()) { await new Promise((r) => setTimeout(r, 110)); yield c; } } };
    const e = await rejects(ingest(slow, { signal: controller.signal, onProgress: (p) => { seen.push(p); if (p.bytesRead > 1e6) controller.abort(); } }));
    expect(e.code).toBe('cancelled');
    expect(e.message).toBe('Loading adult.csv was cancelled.');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.totalBytes === bytes.length)).toBe(true);
    expect(seen.at(-1)!.rows).toBeGreaterThan(0);
  });

  it('final progress covers the whole file', async () => {
    const seen: IngestProgress[] = [];
    await ingest(nodeFileSource(file('heart_cleveland.csv')), { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({ bytesRead: 18538, totalBytes: 18538, rows: 303 });
  });

  it('missing file on disk', () => {
    expect(() => nodeFileSource('/nonexistent/dir/x.csv')).toThrow('Cannot read /nonexistent/dir/x.csv: no such file.');
  });
});

describe('blob source', () => {
  it('reads a Blob the way the worker does', async () => {
    const blob = new Blob([readFileSync(file('heart_cleveland.csv'))]);
    const { schema } = await ingest(blobSource(blob, 'heart.csv'));
    expect(schema.rows).toBe(303);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Dictionary, Float64, Int32, TimestampMillisecond, Utf8 } from 'apache-arrow';
import { ingest, ingestText } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { applySchemaEdit, retypeColumn } from './edit';
import { applySdvMetadata, fromSdvMetadata, toSdvMetadata } from './sdv';
import { formatDatetime, parseDatetime } from './datetime';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/quality');
const DATA = path.resolve(process.cwd(), '../shared/data');
const readJson = (f: string) => JSON.parse(readFileSync(path.join(FIXTURES, f), 'utf8'));

describe('retypeColumn', () => {
  it("categorical '1.0' labels → integer keeps decimals and nulls", async () => {
    const { table, schema } = await ingest(nodeFileSource(path.join(DATA, 'heart_cleveland.csv')));
    const out = retypeColumn(table, schema, 'ca', 'integer');
    const ca = out.schema.columns.find((c) => c.name === 'ca')!;
    expect(ca).toMatchObject({ kind: 'integer', decimals: 1, min: 0, max: 3, missing: 4, distinct: 4, excluded: false });
    expect(out.table.getChild('ca')!.type).toBeInstanceOf(Int32);
    expect(out.table.getChild('ca')!.nullCount).toBe(4);
    expect(out.table.getChild('ca')!.get(1)).toBe(3);
    // the other columns and the inputs are untouched
    expect(out.table.getChild('age')!.data[0]).toBe(table.getChild('age')!.data[0]);
    expect(schema.columns.find((c) => c.name === 'ca')!.kind).toBe('categorical');
    expect(out.table.schema.fields.map((f) => f.name)).toEqual(table.schema.fields.map((f) => f.name));
    // and back: labels as written again
    const back = retypeColumn(out.table, out.schema, 'ca', 'categorical');
    expect(back.schema.columns.find((c) => c.name === 'ca')!.categories).toEqual(['0.0', '1.0', '2.0', '3.0']);
    expect(back.table.getChild('ca')!.type).toBeInstanceOf(Dictionary);
  });

  it('integer → continuous → identifier, datetime from text, and a clear error for text → integer', async () => {
    const { table, schema } = await ingestText('a,b,c\n1,x,2021-01-02\n2,y,2021-03-04\n3,x,\n', 't.csv');
    expect(schema.columns.map((c) => c.kind)).toEqual(['integer', 'categorical', 'datetime']);
    const cont = retypeColumn(table, schema, 'a', 'continuous');
    expect(cont.table.getChild('a')!.type).toBeInstanceOf(Float64);
    const id = retypeColumn(cont.table, cont.schema, 'a', 'identifier');
    expect(id.schema.columns[0]).toMatchObject({ kind: 'identifier', excluded: true });
    expect(id.table.getChild('a')!.type).toBeInstanceOf(Utf8);
    expect(id.table.getChild('a')!.toArray()).toEqual(['1', '2', '3']);
    const asText = retypeColumn(table, schema, 'c', 'categorical');
    expect(asText.schema.columns[2].categories).toEqual(['2021-01-02', '2021-03-04']);
    const asDate = retypeColumn(asText.table, asText.schema, 'c', 'datetime');
    expect(asDate.table.getChild('c')!.type).toBeInstanceOf(TimestampMillisecond);
    expect(asDate.schema.columns[2]).toMatchObject({ datetimeFormat: 'yyyy-mm-dd', missing: 1 });
    expect(() => retypeColumn(table, schema, 'b', 'integer')).toThrow('Column "b" has values that are not numbers (such as "x"), so it cannot be numeric.');
    expect(() => retypeColumn(table, schema, 'b', 'datetime')).toThrow('Column "b" has values that are not dates (such as "x"), so it cannot be a datetime.');
  });
});

describe('applySchemaEdit', () => {
  it('bounds, exclude, roles, target', async () => {
    const { table, schema } = await ingestText('age,sex,y\n30,M,1\n40,F,0\n50,F,1\n', 't.csv');
    let s = applySchemaEdit(table, schema, { type: 'bounds', column: 'age', min: 18, max: 90 }).schema;
    expect(s.columns[0]).toMatchObject({ min: 18, max: 90 });
    expect(schema.columns[0]).toMatchObject({ min: 30, max: 50 });
    s = applySchemaEdit(table, s, { type: 'excluded', column: 'sex', excluded: true }).schema;
    s = applySchemaEdit(table, s, { type: 'sensitive', column: 'y', sensitive: true }).schema;
    s = applySchemaEdit(table, s, { type: 'quasiIdentifier', column: 'age', quasiIdentifier: true }).schema;
    s = applySchemaEdit(table, s, { type: 'target', column: 'y' }).schema;
    expect(s.columns.map((c) => [c.excluded, !!c.sensitive, !!c.quasiIdentifier])).toEqual([[false, false, true], [true, false, false], [false, true, false]]);
    expect(s.target).toBe('y');
    expect(applySchemaEdit(table, s, { type: 'target', column: undefined }).schema.target).toBeUndefined();
    expect(() => applySchemaEdit(table, s, { type: 'bounds', column: 'age', min: 99 })).toThrow('For "age" the minimum (99) is above the maximum (90).');
    expect(() => applySchemaEdit(table, s, { type: 'bounds', column: 'sex', min: 1 })).toThrow('Column "sex" is categorical: only numbers and dates have bounds.');
    expect(() => applySchemaEdit(table, s, { type: 'target', column: 'nope' })).toThrow('There is no column "nope".');
    const retyped = applySchemaEdit(table, s, { type: 'kind', column: 'age', kind: 'categorical' });
    expect(retyped.schema.columns[0]).toMatchObject({ kind: 'categorical', quasiIdentifier: true, categories: ['30', '40', '50'] });
  });
});

describe('SDV metadata', () => {
  it('exports the SDV single-table layout', async () => {
    const { schema } = await ingestText(
      ['id,age,bmi,sex,smoker,d,email', ...Array.from({ length: 30 }, (_, i) => `${i + 1},${20 + (i % 15)},${(20 + i / 3).toFixed(1)},${i % 2 ? 'M' : 'F'},${i % 3 ? 'yes' : 'no'},2020-01-${String(1 + (i % 28)).padStart(2, '0')},p${i}@mail.org`)].join('\n'),
      'm.csv',
    );
    expect(toSdvMetadata(schema)).toEqual({
      columns: {
        id: { sdtype: 'id' },
        age: { sdtype: 'numerical', computer_representation: 'Int64' },
        bmi: { sdtype: 'numerical', computer_representation: 'Float' },
        sex: { sdtype: 'categorical' },
        smoker: { sdtype: 'boolean' },
        d: { sdtype: 'datetime', datetime_format: '%Y-%m-%d' },
        email: { sdtype: 'email', pii: true },
      },
      primary_key: 'id',
      METADATA_SPEC_VERSION: 'SINGLE_TABLE_V1',
    });
  });

  it('round trip with Doppel extensions keeps kinds, exclusion, bounds and roles', async () => {
    const { table, schema } = await ingest(nodeFileSource(path.join(DATA, 'stroke.csv')));
    let edited = applySchemaEdit(table, schema, { type: 'bounds', column: 'bmi', min: 10, max: 80 });
    edited = applySchemaEdit(edited.table, edited.schema, { type: 'sensitive', column: 'stroke', sensitive: true });
    edited = applySchemaEdit(edited.table, edited.schema, { type: 'target', column: 'stroke' });
    const json = JSON.parse(JSON.stringify(toSdvMetadata(edited.schema, { extensions: true })));
    const bare = fromSdvMetadata(json);
    expect(bare.columns.map((c) => [c.name, c.kind, c.excluded])).toEqual(edited.schema.columns.map((c) => [c.name, c.kind, c.excluded]));
    expect(bare.target).toBe('stroke');
    const applied = applySdvMetadata(table, schema, json);
    expect(applied.schema.columns.map((c) => c.kind)).toEqual(edited.schema.columns.map((c) => c.kind));
    expect(applied.schema.columns.find((c) => c.name === 'bmi')).toMatchObject({ min: 10, max: 80 });
    expect(applied.schema.columns.find((c) => c.name === 'stroke')!.sensitive).toBe(true);
    // Plain SDV export round-trips the kinds too.
    expect(fromSdvMetadata(toSdvMetadata(schema)).columns.map((c) => c.kind)).toEqual(schema.columns.map((c) => c.kind));
  });

  it('applies the real fixture metadata files (heart, edge, adult)', async () => {
    const heart = await ingest(nodeFileSource(path.join(FIXTURES, 'heart_real.csv')));
    const h = applySdvMetadata(heart.table, heart.schema, readJson('heart.metadata.json'));
    const kinds = Object.fromEntries(h.schema.columns.map((c) => [c.name, c.kind]));
    expect(kinds).toMatchObject({ age: 'integer', sex: 'categorical', cp: 'categorical', oldpeak: 'continuous', fbs: 'categorical', ca: 'categorical' });
    expect(h.table.getChild('sex')!.type).toBeInstanceOf(Dictionary);

    const edge = await ingest(nodeFileSource(path.join(FIXTURES, 'edge_real.csv')));
    const e = applySdvMetadata(edge.table, edge.schema, readJson('edge.metadata.json'));
    const ek = Object.fromEntries(e.schema.columns.map((c) => [c.name, c.kind]));
    expect(ek).toMatchObject({ site: 'categorical', smoker: 'categorical', ward: 'categorical', admitted: 'datetime' });
    expect(['integer', 'continuous']).toContain(ek.constant);
    expect(['integer', 'continuous']).toContain(ek.age);
    expect(e.schema.columns.find((c) => c.name === 'admitted')!.datetimeFormat).toBe('yyyy-mm-dd');

    const adult = fromSdvMetadata(readJson('adult_tvae.metadata.json'));
    expect(adult.columns.filter((c) => c.kind === 'categorical')).toHaveLength(9);
  });

  it('rejects what is not metadata, and columns the table lacks', async () => {
    expect(() => fromSdvMetadata({ tables: {} })).toThrow('This is not SDV single-table metadata: it describes 0 tables; Doppel needs exactly one.');
    expect(() => fromSdvMetadata('{')).toThrow('This is not SDV single-table metadata: it is not valid JSON.');
    expect(() => fromSdvMetadata({ columns: { a: {} } })).toThrow('This is not SDV single-table metadata: column "a" has no "sdtype".');
    const { table, schema } = await ingestText('a\n1\n2\n', 't.csv');
    expect(() => applySdvMetadata(table, schema, { columns: { b: { sdtype: 'numerical' } } })).toThrow(
      'The metadata describes column "b" that the table does not have.',
    );
  });
});

describe('datetime formats', () => {
  it('parse and format are inverse for every format', () => {
    const t = Date.UTC(2021, 2, 4, 5, 6, 7);
    for (const f of ['yyyy-mm-dd hh:mm:ss', 'iso', 'epoch-s', 'epoch-ms'] as const) expect(parseDatetime(formatDatetime(t, f), f)).toBe(t);
    const m = Date.UTC(2021, 2, 4, 5, 6);
    for (const f of ['yyyy-mm-dd hh:mm', 'dd/mm/yyyy hh:mm', 'mm/dd/yyyy hh:mm'] as const) expect(parseDatetime(formatDatetime(m, f), f)).toBe(m);
    expect(parseDatetime('31/02/2020', 'dd/mm/yyyy')).toBeNull();
    expect(parseDatetime('2020-01-01T10:00:00+02:00', 'iso')).toBe(Date.UTC(2020, 0, 1, 8));
  });
});

describe('inferSchema on an Arrow table', () => {
  it('gives the same kinds as ingest', async () => {
    const { table, schema } = await ingest(nodeFileSource(path.join(DATA, 'heart_cleveland.csv')));
    const { inferSchema } = await import('./infer-table');
    const again = inferSchema(table);
    expect(again.schema.columns.map((c) => [c.name, c.kind, c.missing, c.distinct])).toEqual(schema.columns.map((c) => [c.name, c.kind, c.missing, c.distinct]));
  });
});

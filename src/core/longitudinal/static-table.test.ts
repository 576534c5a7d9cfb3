import path from 'node:path';
import type { Table, Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ingest, ingestText } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { writeCsv } from '../export/csv';
import { columnText } from '../schema/edit';
import type { TableSchema } from '../schema/types';
import { joinStatic } from './join';
import { dropColumns, patientTable } from './static-table';

const STATIC = ['futime', 'status', 'trt', 'age', 'sex'];
const cells = (table: Table, schema: TableSchema, name: string) =>
  columnText(table.getChild(name) as Vector, schema.columns.find((c) => c.name === name)!);

describe('dropColumns', async () => {
  const l = await ingestText('id,day,bili\n1,0,1.5\n1,30,1.7\n2,0,0.9', 'visits.csv');
  const s = await ingestText('id,sex,age\n1,f,50\n2,m,61', 'patients.csv');

  it('undoes joinStatic: same columns, kinds and cells as the long table alone', () => {
    const j = joinStatic(l.table, { ...l.schema, idColumn: 'id', timeColumn: 'day' }, s.table, s.schema, 'id');
    const back = dropColumns(j.table, j.schema, ['sex', 'age']);
    expect(back.schema).toEqual({ ...l.schema, idColumn: 'id', timeColumn: 'day' });
    expect(back.table.schema.fields.map((f) => f.name)).toEqual(['id', 'day', 'bili']);
    expect(writeCsv(back.table, back.schema)).toBe(writeCsv(l.table, l.schema));
  });

  it('clears a target that was dropped, keeps one that was not', () => {
    const j = joinStatic(l.table, l.schema, s.table, s.schema, 'id');
    expect(dropColumns(j.table, { ...j.schema, target: 'sex' }, ['sex', 'age']).schema.target).toBeUndefined();
    expect(dropColumns(j.table, { ...j.schema, target: 'bili' }, ['sex', 'age']).schema.target).toBe('bili');
  });
});

describe('patientTable', () => {
  it('gives pbcseq back its per-patient table: 312 rows, the first visit’s static values', async () => {
    const { table, schema } = await ingest(nodeFileSource(path.resolve(process.cwd(), '../shared/data/pbcseq.csv')));
    const p = patientTable(table, schema, 'id', STATIC);
    expect(p.table.numRows).toBe(312);
    expect(p.schema.rows).toBe(312);
    expect(p.schema.columns.map((c) => c.name)).toEqual(['id', ...STATIC]);
    const ids = cells(table, schema, 'id');
    const first = ids.map((id, i) => (i === ids.indexOf(id) ? i : -1)).filter((i) => i >= 0);
    expect(cells(p.table, p.schema, 'id')).toEqual(first.map((i) => ids[i]));
    for (const name of STATIC) {
      const all = cells(table, schema, name);
      expect(cells(p.table, p.schema, name)).toEqual(first.map((i) => all[i]));
    }
  });

  it('keeps missing static cells missing and writes the CSV in the column kinds', async () => {
    const l = await ingestText('id,day,x,sex,age\n7,0,1,f,50.5\n7,3,2,f,50.5\n9,0,1,,\n8,0,4,m,61.0', 'visits.csv');
    const p = patientTable(l.table, l.schema, 'id', ['sex', 'age']);
    expect(writeCsv(p.table, p.schema).trim().split(/\r?\n/)).toEqual(['id,sex,age', '7,f,50.5', '9,,', '8,m,61.0']);
  });

  it('names a column the table does not have', async () => {
    const l = await ingestText('id,day\n1,0', 'visits.csv');
    expect(() => patientTable(l.table, l.schema, 'id', ['sex'])).toThrow('No column "sex"');
  });
});

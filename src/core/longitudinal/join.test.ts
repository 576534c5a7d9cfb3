import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ingest, ingestText } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { columnText } from '../schema/edit';
import type { TableSchema } from '../schema/types';
import type { Table } from 'apache-arrow';
import { JoinError, joinStatic } from './join';
import { classifyColumns, groupByEntity } from './structure';

const DATA = path.resolve(process.cwd(), '../shared/data');
const STATIC = ['futime', 'status', 'trt', 'age', 'sex'];

const cells = (table: Table, schema: TableSchema, name: string) =>
  columnText(table.getChild(name) as Vector, schema.columns.find((c) => c.name === name)!);

/** pbcseq split into (id, static columns), one row per patient, and (id, day, time-varying), one per visit. */
function split(text: string, keep: (id: string) => boolean = () => true): { long: string; statics: string } {
  const lines = text.trim().split(/\r?\n/).map((l) => l.split(','));
  const header = lines[0].map((h) => h.replace(/"/g, ''));
  const sIdx = [0, ...STATIC.map((n) => header.indexOf(n))];
  const lIdx = header.map((_, j) => j).filter((j) => !sIdx.includes(j) || j === 0);
  const seen = new Set<string>();
  const statics = [sIdx.map((j) => lines[0][j]).join(',')];
  for (const row of lines.slice(1)) {
    if (seen.has(row[0]) || !keep(row[0])) continue;
    seen.add(row[0]);
    statics.push(sIdx.map((j) => row[j]).join(','));
  }
  return { long: lines.map((row) => lIdx.map((j) => row[j]).join(',')).join('\n'), statics: statics.join('\n') };
}

describe('joinStatic on pbcseq split into static and visit tables', async () => {
  const file = path.join(DATA, 'pbcseq.csv');
  const original = await ingest(nodeFileSource(file));
  const parts = split(readFileSync(file, 'utf8'));
  const long = await ingestText(parts.long, 'visits.csv');
  const statics = await ingestText(parts.statics, 'patients.csv');

  it('joins the static columns back cell for cell', () => {
    expect(statics.table.numRows).toBe(312);
    const j = joinStatic(long.table, long.schema, statics.table, statics.schema, 'id', { long: 'visits.csv', static: 'patients.csv' });
    expect(j.table.numRows).toBe(1945);
    expect(j.ignoredStaticRows).toBe(0);
    expect(j.patientsWithoutStatic).toBe(0);
    // header: the long table's columns, then the static table's extra columns
    expect(j.schema.columns.map((c) => c.name)).toEqual([...long.schema.columns.map((c) => c.name), ...STATIC]);
    expect(j.table.schema.fields.map((f) => f.name)).toEqual(j.schema.columns.map((c) => c.name));
    for (const name of STATIC) {
      expect(j.schema.columns.find((c) => c.name === name)!.kind).toBe(original.schema.columns.find((c) => c.name === name)!.kind);
      expect(cells(j.table, j.schema, name)).toEqual(cells(original.table, original.schema, name));
    }
    expect(cells(j.table, j.schema, 'bili')).toEqual(cells(original.table, original.schema, 'bili'));
  });

  it('the joined columns classify as static', () => {
    const j = joinStatic(long.table, long.schema, statics.table, statics.schema, 'id');
    const schema = { ...j.schema, idColumn: 'id', timeColumn: 'day' };
    const roles = classifyColumns(j.table, schema, groupByEntity(j.table, 'id', 'day'));
    expect(roles.static.sort()).toEqual([...STATIC].sort());
    expect(roles.timeVarying).toContain('bili');
  });

  it('gives patients without a static row missing static cells, and counts static rows with no visits', async () => {
    // drop patients 1–3 from the static table; add two patients who have no visits
    const some = split(readFileSync(file, 'utf8'), (id) => Number(id) > 3).statics + '\n9001,100,0,1,50.1,f\n9002,200,1,2,60.2,m';
    const s = await ingestText(some, 'patients.csv');
    const j = joinStatic(long.table, long.schema, s.table, s.schema, 'id');
    expect(j.patientsWithoutStatic).toBe(3);
    expect(j.ignoredStaticRows).toBe(2);
    const ids = cells(j.table, j.schema, 'id');
    const age = cells(j.table, j.schema, 'age');
    const want = cells(original.table, original.schema, 'age');
    for (let i = 0; i < ids.length; i++) expect(age[i]).toBe(Number(ids[i]) <= 3 ? null : want[i]);
    expect(j.schema.columns.find((c) => c.name === 'age')!.missing).toBe(ids.filter((x) => Number(x) <= 3).length);
  });

  it('matches ids as trimmed text', async () => {
    const l = await ingestText('id,day,x\n1,0,5\n1,7,6\nB,0,1', 'visits.csv');
    const s = await ingestText('id,sex\n" 1 ",f\nB ,m', 'patients.csv');
    const j = joinStatic(l.table, l.schema, s.table, s.schema, 'id');
    expect(cells(j.table, j.schema, 'sex')).toEqual(['f', 'f', 'm']);
  });
});

describe('joinStatic errors', async () => {
  const l = await ingestText('id,day,bili\n1,0,1.5\n1,30,1.7\n2,0,0.9', 'visits.csv');
  const names = { long: 'visits.csv', static: 'patients.csv' };
  const join = async (text: string) => {
    const s = await ingestText(text, 'patients.csv');
    return () => joinStatic(l.table, l.schema, s.table, s.schema, 'id', names);
  };

  it('names a duplicate id and its lines', async () => {
    const f = await join('id,sex\n1,f\n2,m\n1,f');
    expect(f).toThrow(JoinError);
    expect(f).toThrow('patients.csv has patient id "1" twice in column "id" (lines 2 and 4); keep one row per patient.');
  });

  it('names a duplicate after trimming', async () => {
    expect(await join('id,sex\n1,f\n" 1",m')).toThrow('patient id "1" twice');
  });

  it('names a missing id column', async () => {
    expect(await join('patient,sex\n1,f')).toThrow(
      'patients.csv has no column "id" to join on (its columns: patient, sex); add the patient id column, or rename its id column to "id".',
    );
  });

  it('names a column that is in both files', async () => {
    expect(await join('id,sex,bili\n1,f,2\n2,m,3')).toThrow(
      'Column "bili" is in both visits.csv and patients.csv; drop it from one of them (or rename it) so each column has one source.',
    );
  });

  it('names a row without an id', async () => {
    expect(await join('id,sex\n1,f\n,m')).toThrow('patients.csv line 3 has no patient id in column "id"');
  });
});

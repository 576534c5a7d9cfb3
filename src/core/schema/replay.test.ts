import { describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { ingestText } from '../data/ingest';
import { applySchemaEdit, type SchemaEdit } from './edit';
import { describeEdit, schemaEdits } from './replay';
import { sameColumns, type TableSchema } from './types';

const CSV = 'pid,day,age,sex,code,note\n1,0,63,f,1,a\n1,30,63,f,2,b\n2,0,70,m,1,c\n2,10,70,m,3,d\n3,0,55,f,2,e\n';

function apply(t: { table: Table; schema: TableSchema }, edits: SchemaEdit[]) {
  let cur = t;
  for (const e of edits) cur = applySchemaEdit(cur.table, cur.schema, e);
  return cur;
}

describe('schemaEdits', () => {
  it('nothing edited: nothing to replay', async () => {
    const { schema } = await ingestText(CSV, 't.csv');
    expect(schemaEdits(schema, schema)).toEqual({ edits: [], missing: [] });
  });

  it('replays kinds, exclusions, bounds, privacy roles, id, time and target onto the file read again', async () => {
    const first = await ingestText(CSV, 't.csv');
    const edited = apply(first, [
      { type: 'kind', column: 'code', kind: 'categorical' },
      { type: 'excluded', column: 'sex', excluded: true },
      { type: 'bounds', column: 'age', min: 18, max: 110 },
      { type: 'sensitive', column: 'sex', sensitive: true },
      { type: 'quasiIdentifier', column: 'age', quasiIdentifier: true },
      { type: 'kind', column: 'pid', kind: 'identifier' },
      { type: 'timeColumn', column: 'day' },
      { type: 'idColumn', column: 'pid' },
      { type: 'target', column: 'code' },
    ]);
    const again = await ingestText(CSV, 't.csv');
    const r = schemaEdits(again.schema, edited.schema);
    expect(r.missing).toEqual([]);
    // The id comes before the time column, the target last.
    expect(r.edits.slice(-3).map((e) => e.type)).toEqual(['idColumn', 'timeColumn', 'target']);
    const out = apply(again, r.edits);
    expect(out.schema).toEqual(edited.schema);
    expect(sameColumns(out.schema, edited.schema)).toBe(true);
    // Replayed once, there is nothing left to do.
    expect(schemaEdits(out.schema, edited.schema).edits).toEqual([]);
  });

  it('a kind change that decides the use is followed by the use the user had', async () => {
    const first = await ingestText(CSV, 't.csv');
    // note → identifier (left out), then back to categorical and left out by hand
    const edited = apply(first, [
      { type: 'kind', column: 'note', kind: 'categorical' },
      { type: 'excluded', column: 'note', excluded: true },
    ]);
    const r = schemaEdits(first.schema, edited.schema);
    expect(apply(first, r.edits).schema.columns.find((c) => c.name === 'note')).toEqual(edited.schema.columns.find((c) => c.name === 'note'));
  });

  it('columns the table no longer has are listed, and roles on them are not set', async () => {
    const first = await ingestText(CSV, 't.csv');
    const edited = apply(first, [
      { type: 'sensitive', column: 'note', sensitive: true },
      { type: 'target', column: 'note' },
      { type: 'idColumn', column: 'pid' },
    ]);
    const fewer = await ingestText('pid,day,age,sex,code\n1,0,63,f,1\n', 't.csv');
    const r = schemaEdits(fewer.schema, edited.schema, first.schema);
    expect(r.missing).toEqual(['note']);
    // Other observed bounds are not taken for the user's: only the id is replayed.
    expect(r.edits).toEqual([{ type: 'idColumn', column: 'pid' }]);
  });

  it('with the schema it was edited from: only what the user changed is replayed, a new inference stays', async () => {
    // Read with "-" as a plain label, "x" is categorical; read again with "-" missing, it is an integer.
    const text = 'x,y,z\n1,a,5\n-,b,6\n3,a,7\n';
    const before = await ingestText(text, 't.csv', { missingTokens: [''] });
    expect(before.schema.columns[0].kind).toBe('categorical');
    const edited = apply(before, [
      { type: 'excluded', column: 'y', excluded: true },
      { type: 'kind', column: 'z', kind: 'continuous' },
    ]);
    const after = await ingestText(text, 't.csv', { missingTokens: ['', '-'] });
    expect(after.schema.columns[0].kind).toBe('integer');
    const r = schemaEdits(after.schema, edited.schema, before.schema);
    expect(r.edits.map((e) => `${e.type}:${e.column}`)).toEqual(['excluded:y', 'kind:z']);
    const out = apply(after, r.edits).schema;
    expect(out.columns.map((c) => `${c.name}:${c.kind}:${c.excluded}`)).toEqual(['x:integer:false', 'y:categorical:true', 'z:continuous:false']);
    // Without the base, the old inference would be forced back onto "x".
    expect(schemaEdits(after.schema, edited.schema).edits.some((e) => e.column === 'x')).toBe(true);
  });

  it('describes an edit for a message', () => {
    expect(describeEdit({ type: 'kind', column: 'age', kind: 'datetime' })).toBe('“age” as datetime');
    expect(describeEdit({ type: 'idColumn', column: 'pid' })).toBe('“pid” as the patient id column');
    expect(describeEdit({ type: 'excluded', column: 'sex', excluded: true })).toBe('“sex” left out of training');
  });
});

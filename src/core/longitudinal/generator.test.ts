import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { ingest } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { initNodeBackend } from '../../cli/tf-node';
import type { TableSchema } from '../schema/types';
import { flattenPatients, unflattenPatients, VISITS } from './flatten';
import { LongitudinalGenerator } from './generator';
import { groupByEntity, textColumn } from './structure';
import { evaluateTemporal } from './metrics';

const DATA = path.resolve(process.cwd(), '../shared/data');

let table: Table;
let schema: TableSchema;

beforeAll(async () => {
  await initNodeBackend('wasm');
  const loaded = await ingest(nodeFileSource(path.join(DATA, 'pbcseq.csv')));
  table = loaded.table;
  schema = { ...loaded.schema, idColumn: 'id', timeColumn: 'day' };
});

/** Visit rows as text without the id, so a round trip can be compared as a multiset. */
function visitRows(t: Table, columns: string[]): string[] {
  const cols = columns.map((c) => textColumn(t, c));
  return Array.from({ length: t.numRows }, (_, i) => cols.map((c) => c[i] ?? '∅').join('|')).sort();
}

describe('patients as sequences', () => {
  it('flattens pbcseq to one row per patient and back to the same visits', () => {
    const { wide, wideSchema, layout } = flattenPatients(table, schema);
    expect(wide.numRows).toBe(312);
    expect(layout.maxVisits).toBe(16);
    expect(layout.truncatedPatients).toBe(0);
    expect(wideSchema.columns.find((c) => c.name === VISITS)?.max).toBe(16);
    const back = unflattenPatients(wide, layout, schema);
    expect(back.schema.fields.map((f) => f.name)).toEqual(table.schema.fields.map((f) => f.name));
    const others = schema.columns.map((c) => c.name).filter((c) => c !== 'id');
    expect(visitRows(back, others)).toEqual(visitRows(table, others));
    // fresh ids above the real ones
    const ids = new Set(textColumn(back, 'id'));
    expect(ids.size).toBe(312);
    for (const id of ids) expect(Number(id)).toBeGreaterThan(312);
  });

  it('truncates histories longer than the cap and says how many', () => {
    const { layout } = flattenPatients(table, schema, { maxVisits: 4 });
    expect(layout.maxVisits).toBe(4);
    expect(layout.truncatedPatients).toBeGreaterThan(100);
  });
});

describe('longitudinal generator (tVAE inside)', () => {
  it('generates patients with ordered visits, constant static columns and fresh ids', async () => {
    const g = new LongitudinalGenerator('tvae');
    await g.fit(table, schema, { epochs: 30, batchSize: 100, seed: 7 });
    const syn = await g.sample(200, 11);
    const groups = groupByEntity(syn, 'id', 'day');
    expect(groups.ids.length).toBe(200);
    const real = new Set(textColumn(table, 'id'));
    for (const id of groups.ids) expect(real.has(id)).toBe(false);
    const sex = textColumn(syn, 'sex');
    const day = textColumn(syn, 'day');
    for (let e = 0; e < groups.ids.length; e++) {
      const n = groups.offsets[e + 1] - groups.offsets[e];
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(16);
      for (let k = groups.offsets[e] + 1; k < groups.offsets[e + 1]; k++) {
        expect(sex[groups.order[k]]).toBe(sex[groups.order[groups.offsets[e]]]);
        expect(Number(day[groups.order[k]])).toBeGreaterThanOrEqual(Number(day[groups.order[k - 1]]));
      }
    }
    const report = evaluateTemporal(table, syn, schema);
    expect(report.staticColumns).toContain('sex');
    expect(report.visitsPerPatient.ksComplement).toBeGreaterThan(0.5);
    // same seed, same patients
    const again = await g.sample(200, 11);
    expect(visitRows(again, ['id', 'day', 'bili'])).toEqual(visitRows(syn, ['id', 'day', 'bili']));
    const saved = g.save();
    expect(Object.keys(saved.layout).sort()).toEqual(
      ['idColumn', 'idMax', 'maxVisits', 'static', 'timeColumn', 'timeVarying', 'truncatedPatients'].sort(),
    );
    g.dispose();
  });
});

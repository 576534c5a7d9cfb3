import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Float64, Table, vectorFromArray, type Vector } from 'apache-arrow';
import { ingest } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { initNodeBackend } from '../../cli/tf-node';
import type { TableSchema } from '../schema/types';
import { flattenPatients, meanColumn, SAME_AS_PREVIOUS, unflattenPatients, visitColumn, VISITS } from './flatten';
import { numericColumn } from './structure';
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

  it("stores a lab as the patient's mean plus each visit's deviation, and a persisting status as same-as-previous", () => {
    const { wide, layout } = flattenPatients(table, schema);
    expect(layout.centred?.map((c) => c.name)).toContain('bili');
    expect(layout.sameAsPrevious).toContain('ascites');
    // patient 1 (first in the file): the mean of their bilirubin values, deviations around it
    const bili = numericColumn(table, 'bili').slice(0, 2); // patient 1 has two visits: 14.5 and 21.3
    const mean = numericColumn(wide, meanColumn('bili'))[0];
    expect(mean).toBeCloseTo((bili[0] + bili[1]) / 2, 9);
    expect(numericColumn(wide, visitColumn('bili', 1))[0]).toBeCloseTo(bili[0] - mean, 9);
    const second = textColumn(wide, visitColumn('ascites', 2));
    expect(second.filter((v) => v === SAME_AS_PREVIOUS).length).toBeGreaterThan(200);
    // the first visit is always written out
    expect(textColumn(wide, visitColumn('ascites', 1))).not.toContain(SAME_AS_PREVIOUS);
    // never missing in pbcseq: a visit the model leaves empty takes the patient's level / neighbouring status
    expect(layout.complete).toEqual(expect.arrayContaining(['bili', 'edema', 'stage']));
    expect(layout.complete).not.toContain('chol');
    const blank = (name: string) => Array.from({ length: wide.numRows }, (_, i) => (i === 0 ? null : numericColumn(wide, name)[i]));
    const holes = withColumn(withColumn(wide, visitColumn('bili', 2), blank(visitColumn('bili', 2))), visitColumn('chol', 1), blank(visitColumn('chol', 1)));
    const back = unflattenPatients(holes, layout, schema);
    const b = numericColumn(back, 'bili');
    const g = groupByEntity(back, 'id', 'day');
    expect(b[g.order[1]]).toBeCloseTo(mean, 9); // patient 1's second visit: the mean of their bilirubin
    expect(Number.isNaN(numericColumn(back, 'chol')[g.order[0]])).toBe(true); // chol can be missing: stays missing
  });

  it('clips a rebuilt value to the real range and reads older layouts (raw visits) as they were', () => {
    const { wide, layout } = flattenPatients(table, schema);
    const { min: lo, max: hi } = layout.centred!.find((c) => c.name === 'bili')!;
    // push every deviation far out: rebuilt values land on the range's ends
    const far = wide.getChild(visitColumn('bili', 1))!;
    const shifted = Array.from({ length: wide.numRows }, (_, i) => (far.isValid(i) ? Number(far.get(i)) + (i % 2 ? 1e6 : -1e6) : null));
    const back = unflattenPatients(withColumn(wide, visitColumn('bili', 1), shifted), layout, schema);
    const g = groupByEntity(back, 'id', 'day');
    const b = numericColumn(back, 'bili');
    for (let e = 0; e < 20; e++) expect([lo, hi]).toContain(b[g.order[g.offsets[e]]]);
    // under DP the layout keeps no real range
    for (const c of flattenPatients(table, schema, { realRanges: false }).layout.centred!) expect(Object.keys(c)).toEqual(['name']);
    const raw = flattenPatients(table, schema, { rawVisits: true });
    expect(raw.layout.centred).toEqual([]);
    const { centred: _c, sameAsPrevious: _s, ...older } = raw.layout;
    const others = schema.columns.map((c) => c.name).filter((c) => c !== 'id');
    expect(visitRows(unflattenPatients(raw.wide, older, schema), others)).toEqual(visitRows(table, others));
  });

  it('truncates histories longer than the cap and says how many', () => {
    const { layout } = flattenPatients(table, schema, { maxVisits: 4 });
    expect(layout.maxVisits).toBe(4);
    expect(layout.truncatedPatients).toBeGreaterThan(100);
  });
});

/** The same table with one column's values replaced (numbers as a float column). */
function withColumn(t: Table, name: string, values: (number | null)[]): Table {
  const cols: Record<string, Vector> = {};
  for (const f of t.schema.fields) cols[f.name] = f.name === name ? vectorFromArray(values, new Float64()) : t.getChild(f.name)!;
  return new Table(cols);
}

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
      ['centred', 'complete', 'sameAsPrevious', 'idColumn', 'idMax', 'maxVisits', 'static', 'timeColumn', 'timeVarying', 'truncatedPatients'].sort(),
    );
    g.dispose();
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { classifyColumns, groupByEntity, summariseSequences } from './structure';
import { evaluateTemporal } from './metrics';

const DATA = path.resolve(process.cwd(), '../shared/data');

describe('longitudinal structure on pbcseq (Mayo PBC, 312 patients, 1945 visits)', async () => {
  const { table, schema } = await ingest(nodeFileSource(path.join(DATA, 'pbcseq.csv')));
  const groups = groupByEntity(table, 'id', 'day');

  it('groups visits by patient and sorts them by day', () => {
    expect(groups.ids.length).toBe(312);
    const s = summariseSequences(groups);
    expect(s.visits).toBe(1945);
    expect(s.length.min).toBe(1);
    expect(s.length.median).toBe(5);
    expect(s.length.max).toBe(16);
    for (let e = 0; e < groups.ids.length; e++) {
      expect(groups.times[groups.offsets[e]]).toBe(0); // every first visit is day 0
      for (let k = groups.offsets[e] + 1; k < groups.offsets[e + 1]; k++) expect(groups.times[k]).toBeGreaterThanOrEqual(groups.times[k - 1]);
    }
    expect(s.gap.min).toBeGreaterThan(0);
  });

  it('finds the patient-level columns as static', () => {
    const roles = classifyColumns(table, { ...schema, idColumn: 'id', timeColumn: 'day' }, groups);
    expect(roles.static.sort()).toEqual(['age', 'futime', 'sex', 'status', 'trt']);
    expect(roles.timeVarying).toContain('bili');
    expect(roles.timeVarying).toContain('chol');
  });

  it('scores a table against itself as perfect', () => {
    const r = evaluateTemporal(table, table, { ...schema, idColumn: 'id', timeColumn: 'day' });
    expect(r.visitsPerPatient.ksComplement).toBe(1);
    expect(r.gaps.ksComplement).toBe(1);
    expect(r.autocorrelation.bili.real).toBeGreaterThan(0.5); // bilirubin is strongly persistent within a patient
    expect(r.autocorrelation.bili.synthetic).toBe(r.autocorrelation.bili.real);
    expect(r.missingRate.chol.real).toBeCloseTo(821 / 1945, 6);
    expect(r.transitions.stage.tvComplement).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { columnConstraints, ConditionError, matchesConditions, parseCondition, parseConditions } from './conditions';
import { ConditionTooRareError, sampleWithRejection } from './rejection';
import { clinicTable } from '../models/transformer/test-table';
import type { Generator, SavedModel } from '../models/types';
import { takeRows } from './arrow';
import { Rng } from '../util/random';

const { table, schema } = clinicTable(300, 2);
schema.columns.push({ name: 'visit', kind: 'datetime', excluded: false, missing: 0, distinct: 10, min: 0, max: 1e12, datetimeFormat: 'yyyy-mm-dd' });

describe('parseCondition', () => {
  it('reads equality, sets and ranges', () => {
    expect(parseCondition('sex=F', schema)).toEqual({ column: 'sex', op: '=', value: 'F' });
    expect(parseCondition(' group in A, B ', schema)).toEqual({ column: 'group', op: 'in', values: ['A', 'B'] });
    expect(parseCondition('age>=65', schema)).toEqual({ column: 'age', op: '>=', value: 65 });
    expect(parseCondition('age > 65', schema)).toEqual({ column: 'age', op: '>', value: 65 });
    expect(parseCondition('bmi<30.5', schema)).toEqual({ column: 'bmi', op: '<', value: 30.5 });
    expect(parseCondition('age<=40', schema)).toEqual({ column: 'age', op: '<=', value: 40 });
    expect(parseCondition('sex="F"', schema)).toEqual({ column: 'sex', op: '=', value: 'F' });
    expect(parseCondition('sex=f', schema)).toEqual({ column: 'sex', op: '=', value: 'F' });
    const coded = { ...schema, columns: [...schema.columns, { name: 'cp', kind: 'categorical' as const, excluded: false, missing: 0, distinct: 2, categories: ['1.0', '2.0'] }] };
    expect(parseCondition('cp in 1,2', coded)).toEqual({ column: 'cp', op: 'in', values: ['1.0', '2.0'] });
    expect(parseCondition('age=70', schema)).toEqual({ column: 'age', op: '=', value: '70' });
    expect(parseCondition('visit>=2020-01-01', schema)).toEqual({ column: 'visit', op: '>=', value: Date.UTC(2020, 0, 1) });
  });

  it('explains what is wrong, naming the column and what it allows', () => {
    expect(() => parseCondition('weight>3', schema)).toThrow(/Unknown column "weight".*Columns: id, sex, age/);
    expect(() => parseCondition('sex=X', schema)).toThrow(/Column "sex" has no value "X". Allowed values: F, M/);
    expect(() => parseCondition('group in A,Z', schema)).toThrow(/Column "group" has no value "Z"/);
    expect(() => parseCondition('sex>=3', schema)).toThrow(/Column "sex" is categorical: ranges need a numeric column.*sex=value/);
    expect(() => parseCondition('age>=old', schema)).toThrow(/Column "age" is numeric: "old" is not a number/);
    expect(() => parseCondition('bmi=25', schema)).toThrow(/Column "bmi" is continuous: use a range/);
    expect(() => parseCondition('note=x', schema)).toThrow(/Column "note" is excluded/);
    expect(() => parseCondition('age', schema)).toThrow(/Cannot read condition "age"/);
    expect(() => parseCondition('age>=', schema)).toThrow(/has no value/);
    expect(() => parseCondition('sex!=F', schema)).toThrow(/"!=" is not supported/);
    expect(() => parseCondition('visit>=yesterday', schema)).toThrow(/date column.*yyyy-mm-dd/);
    expect(() => parseConditions(['age>70', 'age<60'], schema)).toThrow(/conditions on column "age" contradict/);
    expect(() => parseCondition('sex=X', schema)).toThrow(ConditionError);
  });

  it('merges constraints per column', () => {
    const c = columnConstraints(parseConditions(['age>=30', 'age<50', 'age>20'], schema), schema).get('age')!;
    expect([c.lo, c.loStrict, c.hi, c.hiStrict, c.empty]).toEqual([30, false, 50, true, false]);
  });
});

describe('matchesConditions', () => {
  it('marks the rows that satisfy every condition (nulls never do)', () => {
    const conds = parseConditions(['sex=F', 'age>=50'], schema);
    const ok = matchesConditions(table, conds, schema);
    const sex = table.getChild('sex')!;
    const age = table.getChild('age')!;
    for (let i = 0; i < table.numRows; i++) expect(ok[i]).toBe(sex.get(i) === 'F' && age.get(i) >= 50 ? 1 : 0);
  });
});

/** A generator that replays random rows of a real table (stands in for any model). */
function replay(real: Table): Generator {
  return {
    kind: 'tvae',
    fit: async () => ({ epochs: 0, stoppedEarly: false, backend: 'cpu', history: [] }),
    sample: async (n: number, seed: number) => {
      const rng = new Rng(seed);
      return takeRows(schema0, [{ table: real, rows: Array.from({ length: n }, () => rng.int(real.numRows)) }]);
    },
    save: () => ({ schema: schema0 }) as SavedModel,
    dispose: () => {},
  };
}
const schema0 = clinicTable(10, 2).schema;

describe('sampleWithRejection', () => {
  it('returns exactly n rows that all satisfy the conditions, repeatably', async () => {
    const conds = parseConditions(['sex=M', 'age>=40'], schema0);
    const a = await sampleWithRejection(replay(table), 120, 5, conds, { chunkSize: 100 });
    expect(a.numRows).toBe(120);
    expect(Array.from(matchesConditions(a, conds, schema0)).every((x) => x === 1)).toBe(true);
    const b = await sampleWithRejection(replay(table), 120, 5, conds, { chunkSize: 100 });
    expect(JSON.stringify(b.toArray())).toBe(JSON.stringify(a.toArray()));
  });

  it('gives an honest message when the condition is too rare to reach n under the cap', async () => {
    const conds = parseConditions(['age>=200'], schema0);
    const run = sampleWithRejection(replay(table), 50, 1, conds, { cap: 2000, chunkSize: 500 });
    await expect(run).rejects.toThrow(ConditionTooRareError);
    await expect(sampleWithRejection(replay(table), 50, 1, conds, { cap: 2000, chunkSize: 500 })).rejects.toThrow(
      /Only 0 of 50 rows satisfied "age>=200" after generating 2000 rows .*the cap is 2000.*too rare/,
    );
  });
});

/** A small seeded table for the transformer and sampling tests (not a test file itself). */
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../../schema/types';
import { Rng } from '../../util/random';
import { labelVector, numberVector, tableFromColumns, textVector } from '../../sample/arrow';

export function clinicTable(n: number, seed = 1): { table: Table; schema: TableSchema } {
  const rng = new Rng(seed);
  const sex: string[] = [];
  const age = new Float64Array(n);
  const group: string[] = [];
  const bmi = new Float64Array(n);
  const id: string[] = [];
  const note: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = rng.next() < 0.6 ? 'F' : 'M';
    const a = Math.round(Math.min(90, Math.max(18, (s === 'F' ? 55 : 45) + 15 * rng.normal())));
    // group follows age strongly: old → C, young → A/B
    const g = a >= 60 ? (rng.next() < 0.9 ? 'C' : 'B') : rng.next() < 0.6 ? 'A' : rng.next() < 0.8 ? 'B' : 'C';
    sex.push(s);
    age[i] = a;
    group.push(g);
    bmi[i] = Number((22 + a / 10 + 2 * rng.normal()).toFixed(1));
    id.push(`patient-${i}-${rng.nextUint32().toString(36)}`);
    note.push(`note ${rng.nextUint32().toString(36)} for ${i}`);
  }
  const count = (xs: string[]) => [...new Set(xs)].sort((a, b) => xs.filter((x) => x === b).length - xs.filter((x) => x === a).length);
  let amin = Infinity, amax = -Infinity, bmin = Infinity, bmax = -Infinity;
  for (let i = 0; i < n; i++) {
    amin = Math.min(amin, age[i]); amax = Math.max(amax, age[i]);
    bmin = Math.min(bmin, bmi[i]); bmax = Math.max(bmax, bmi[i]);
  }
  const schema: TableSchema = {
    rows: n,
    columns: [
      { name: 'id', kind: 'identifier', excluded: true, missing: 0, distinct: n },
      { name: 'sex', kind: 'categorical', excluded: false, missing: 0, distinct: 2, categories: count(sex) },
      { name: 'age', kind: 'integer', excluded: false, missing: 0, distinct: new Set(age).size, min: amin, max: amax, decimals: 0 },
      { name: 'group', kind: 'categorical', excluded: false, missing: 0, distinct: 3, categories: count(group) },
      { name: 'bmi', kind: 'continuous', excluded: false, missing: 0, distinct: new Set(bmi).size, min: bmin, max: bmax, decimals: 1 },
      { name: 'note', kind: 'text', excluded: true, missing: 0, distinct: n },
    ],
  };
  const table = tableFromColumns(schema, [
    textVector(id),
    labelVector(sex, schema.columns[1].categories),
    numberVector(age, schema.columns[2]),
    labelVector(group, schema.columns[3].categories),
    numberVector(bmi, schema.columns[4]),
    textVector(note),
  ]);
  return { table, schema };
}

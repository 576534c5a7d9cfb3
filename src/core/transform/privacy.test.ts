/**
 * The encoder's parameters are saved inside every model file: aggregates only, never a row.
 * Strings: no identifier/text/rare-free cell appears. Unique continuous values: none appears except the
 * column's observed min and max, which the schema carries on purpose (output clips to them, as the
 * product rules ask) — mixture means are weighted means of ≥ rareCount rows, CDF knots are means of
 * ≥ rareCount + 1 order statistics or values shared by ≥ rareCount rows.
 */
import { describe, expect, it } from 'vitest';
import { ingestText } from '../data/ingest';
import type { TableSchema } from '../schema/types';
import { Rng } from '../util/random';
import { fitEncoder, loadEncoder } from './encoder';

function uniqueTable(n: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = ['record,comment,level,score,group'];
  for (let i = 0; i < n; i++) {
    // A heavy tail plus a lone far outlier: the case where a mixture component could sit on one patient.
    const score = i === 5 ? 987.6543219 : (rng.next() < 0.5 ? 10 : 40) + 3 * rng.normal();
    const level = 100 + rng.next() * 50;
    lines.push(`R${(seed * 7919 + i * 104729).toString(36)}Q${i},note for visit ${rng.nextUint32().toString(16)},${level.toFixed(7)},${score.toFixed(7)},${rng.next() < 0.5 ? 'a' : 'b'}`);
  }
  return lines.join('\n');
}

async function load(n: number, seed: number) {
  const { table, schema } = await ingestText(uniqueTable(n, seed), 'unique.csv');
  const s: TableSchema = {
    ...schema,
    columns: schema.columns.map((c) =>
      c.name === 'record' ? { ...c, kind: 'identifier' as const, excluded: true } : c.name === 'comment' ? { ...c, kind: 'text' as const, excluded: true } : c,
    ),
  };
  return { table, schema: s };
}

describe('encoder parameters hold no row', () => {
  it.each([
    ['mode', 150],
    ['mode', 3000],
    ['stochastic', 150],
    ['stochastic', 3000],
    ['minmax', 500],
  ] as const)('%s normalisation, %i rows', async (normalisation, n) => {
    const { table, schema } = await load(n, 3);
    const enc = fitEncoder(table, schema, { seed: 1, normalisation });
    const json = JSON.stringify(enc.toJSON());
    // Round trip through JSON works (what a saved model stores).
    expect(loadEncoder(JSON.parse(json)).width).toBe(enc.width);
    const leaks: string[] = [];
    for (const name of ['record', 'comment']) {
      const v = table.getChild(name)!;
      for (let i = 0; i < n; i++) if (json.includes(String(v.get(i)))) leaks.push(`${name}: ${String(v.get(i))}`);
    }
    for (const name of ['level', 'score']) {
      const col = schema.columns.find((c) => c.name === name)!;
      const v = table.getChild(name)!;
      for (let i = 0; i < n; i++) {
        const x = v.get(i) as number;
        if (x === col.min || x === col.max) continue;
        // Any spelling a serialiser might use: full precision, and as written (7 decimals).
        if (json.includes(String(x)) || json.includes(x.toFixed(7))) leaks.push(`${name}: ${x}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('a lone outlier gets no mixture component of its own', async () => {
    const { table, schema } = await load(150, 3);
    const enc = fitEncoder(table, schema, { seed: 1 });
    const plan = enc.toJSON().columns.find((c) => c.name === 'score');
    if (plan?.type !== 'numeric' || !plan.mixture) throw new Error('score should be a mode-normalised column');
    for (const w of plan.mixture.weights) expect(w * 150).toBeGreaterThanOrEqual(5 * 0.99);
    for (const mu of plan.mixture.means) expect(Math.abs(mu - 987.6543219)).toBeGreaterThan(100);
  });
});

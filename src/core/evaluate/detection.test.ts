import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest, ingestText } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { Rng } from '../util/random';
import { evaluateDetection } from './detection';
import { rocAuc } from './learners';

const DATA = path.resolve(process.cwd(), '../shared/data');

describe('rocAuc', () => {
  it('ranks with ties', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
  });
});

describe('detection (C2ST)', () => {
  it('cannot tell a fresh real sample from real rows (AUC ≈ 0.5), tells garbage (AUC ≈ 1)', async () => {
    const { table, schema } = await ingest(nodeFileSource(path.join(DATA, 'adult.csv')));
    const real = table.slice(0, 1500);
    const fresh = table.slice(20000, 21500);
    const same = evaluateDetection(real, fresh, schema, { seed: 1, folds: 3 });
    expect(same.models.logistic.auc).toBeGreaterThan(0.4);
    expect(same.models.logistic.auc).toBeLessThan(0.6);
    expect(same.models.boostedTrees.auc).toBeLessThan(0.62);
    expect(same.score).toBeGreaterThan(0.75);

    // garbage: right column names and labels, values drawn uniformly at random
    const rng = new Rng(7);
    const cols = schema.columns;
    const lines = [cols.map((c) => c.name).join(',')];
    for (let r = 0; r < 1500; r++)
      lines.push(
        cols
          .map((c) =>
            c.categories ? c.categories[rng.int(c.categories.length)] : String(Math.round((c.min ?? 0) + rng.next() * ((c.max ?? 1) - (c.min ?? 0)))),
          )
          .join(','),
      );
    const garbage = (await ingestText(lines.join('\n'), 'garbage.csv')).table;
    const bad = evaluateDetection(real, garbage, schema, { seed: 1, folds: 3 });
    expect(bad.auc).toBeGreaterThan(0.95);
    expect(bad.score).toBeLessThan(0.1);
    expect(bad.rows).toEqual({ real: 1500, synthetic: 1500 });
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestText } from '../data/ingest';
import { Rng } from '../util/random';
import { fairnessFromColumns } from './fairness';
import { readUtilityColumns, utilityFromColumns, type ClassificationMetrics } from './utility';

const DATA = path.resolve(process.cwd(), '../shared/data');
const heartText = readFileSync(path.join(DATA, 'heart_cleveland.csv'), 'utf8').trim().split('\n');
const header = heartText[0];
const body = heartText.slice(1);

async function table(lines: string[]) {
  return ingestText([header, ...lines].join('\n'), 'heart.csv');
}

describe('ML utility on heart_cleveland', () => {
  it('a synthetic copy of the training rows scores as the real model; a shuffled target scores near chance', async () => {
    const train = await table(body.slice(0, 200));
    const holdout = await table(body.slice(200));
    // binarised target: disease present (num > 0)
    const bin = (ls: string[]) => ls.map((l) => l.replace(/,(\d)$/, (_, d) => `,${d === '0' ? 'no' : 'yes'}`));
    const trainB = await table(bin(body.slice(0, 200)));
    const holdB = await table(bin(body.slice(200)));
    const rng = new Rng(3);
    const targets = bin(body.slice(0, 200)).map((l) => l.slice(l.lastIndexOf(',') + 1));
    rng.shuffle(targets);
    const shuffled = await table(bin(body.slice(0, 200)).map((l, i) => l.slice(0, l.lastIndexOf(',') + 1) + targets[i]));

    const same = readUtilityColumns(trainB.table, trainB.table, trainB.schema, holdB.table);
    const a = utilityFromColumns(same.columns, same.sizes, { target: 'num', holdout: holdB.table, seed: 1 });
    expect(a.report.task).toBe('classification');
    const real = a.report.real as ClassificationMetrics;
    expect(real.auc).toBeGreaterThan(0.8);
    expect(real.accuracy).toBeGreaterThan(0.7);
    expect(a.report.synthetic).toEqual(a.report.real);
    expect(a.report.test).toMatchObject({ source: 'holdout', rows: 103 });

    const noisy = readUtilityColumns(trainB.table, shuffled.table, trainB.schema, holdB.table);
    const b = utilityFromColumns(noisy.columns, noisy.sizes, { target: 'num', holdout: holdB.table, seed: 1 });
    const syn = b.report.synthetic as ClassificationMetrics;
    expect(syn.auc).toBeLessThan(0.68);
    expect(syn.auc).toBeLessThan(real.auc - 0.15);

    // the 5-class target (one-vs-rest AUC) and a regression target
    const multi = readUtilityColumns(train.table, train.table, train.schema, holdout.table);
    const m = utilityFromColumns(multi.columns, multi.sizes, { target: 'num', holdout: holdout.table, seed: 1 });
    expect((m.report.real as ClassificationMetrics).auc).toBeGreaterThan(0.7);
    const r = utilityFromColumns(multi.columns, multi.sizes, { target: 'thalach', holdout: holdout.table, seed: 1 });
    expect(r.report.task).toBe('regression');
    expect((r.report.real as { r2: number }).r2).toBeGreaterThan(0.1);
  });

  it('without a holdout, a seeded 20% split is the test set and says so', async () => {
    const all = await table(body);
    const cols = readUtilityColumns(all.table, all.table, all.schema);
    const u = utilityFromColumns(cols.columns, cols.sizes, { target: 'num', seed: 2 });
    expect(u.report.test.source).toBe('split');
    expect(u.report.test.rows).toBe(61);
    expect(u.report.test.note).toMatch(/20%/);
  });
});

describe('fairness', () => {
  it('group shares real vs synthetic, erased groups and model gaps', async () => {
    const real = await table(body.slice(0, 200));
    const holdout = await table(body.slice(200));
    // synthetic: only men (sex 1.0), so women are erased
    const men = await table(body.slice(0, 200).filter((l) => l.split(',')[1] === '1.0'));
    const cols = readUtilityColumns(real.table, men.table, real.schema, holdout.table);
    const run = utilityFromColumns(cols.columns, cols.sizes, { target: 'num', holdout: holdout.table, seed: 1 });
    const f = fairnessFromColumns(cols.columns, 'sex', run);
    const women = f.groups.find((g) => g.group === '0.0')!;
    const menG = f.groups.find((g) => g.group === '1.0')!;
    const nWomen = body.slice(0, 200).filter((l) => l.split(',')[1] === '0.0').length;
    expect(women.realShare).toBeCloseTo(nWomen / 200, 12);
    expect(women.syntheticShare).toBe(0);
    expect(menG.syntheticShare).toBe(1);
    expect(menG.columnShapes).toBe(1);
    expect(f.erasedGroups).toEqual(['0.0']);
    expect(f.maxShareDifference).toBeCloseTo(nWomen / 200, 12);
    expect(f.utility).toBeDefined();
    for (const m of [f.utility!.real, f.utility!.synthetic]) {
      expect(m.demographicParityDifference).toBeGreaterThanOrEqual(0);
      expect(m.demographicParityDifference).toBeLessThanOrEqual(1);
      expect(m.groups.map((g) => g.group).sort()).toEqual(['0.0', '1.0']);
    }
    // numeric protected attribute → age bands
    const byAge = fairnessFromColumns(cols.columns, 'age');
    expect(byAge.grouping).toMatch(/age bands/);
    expect(byAge.groups.reduce((s, g) => s + g.realShare, 0)).toBeCloseTo(1, 12);
  });
});

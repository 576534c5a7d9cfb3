/**
 * npm run bench:privacy [-- --data file.csv] [--epochs N] [--seed N]
 * Fidelity and membership-inference risk against ε ∈ {1, 3, 10, ∞} for the tVAE (issue: privacy you can
 * defend). A seeded 70/30 split: the generator sees only the 70%; MIA and DCR compare training members with
 * the held-out 30%. ε = ∞ is the plain tVAE. Ranges and category lists are declared public (--public-domain
 * in the CLI), so ε is spent on training only. Writes bench/results/<time>-privacy.json and a table.
 * DP noise is crypto randomness (unseeded by design): repeat runs vary by a few hundredths.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { flag, numberFlag, parseArgs } from '../src/cli/args';
import { loadCsv } from '../src/cli/commands/profile';
import { initNodeBackend } from '../src/cli/tf-node';
import { createGenerator } from '../src/core/models/registry';
import { createDpGenerator } from '../src/core/privacy/dp';
import { declaredPublicDomain } from '../src/core/privacy/dp/dp-preprocess';
import { evaluatePrivacy, splitHoldout } from '../src/core/privacy';
import { evaluateQuality } from '../src/core/evaluate';
import { takeRows } from '../src/core/sample/arrow';
import type { FitOptions } from '../src/core/models/types';

const args = parseArgs(process.argv.slice(2));
const data = flag(args, 'data') ?? path.resolve(process.cwd(), '../shared/data/heart_cleveland.csv');
const epochs = numberFlag(args, 'epochs', 60)!;
const seed = numberFlag(args, 'seed', 0)!;
const backend = await initNodeBackend('wasm');
const { table, schema } = await loadCsv(data);
const split = splitHoldout(table.numRows, 0.3, seed);
const train = takeRows(schema, [{ table, rows: split.train }]);
const holdout = takeRows(schema, [{ table, rows: split.holdout }]);

const publicDomain = declaredPublicDomain(schema);

const rows: Record<string, unknown>[] = [];
for (const epsilon of [1, 3, 10, Infinity]) {
  const dp = Number.isFinite(epsilon);
  const g = dp ? await createDpGenerator('tvae') : await createGenerator('tvae');
  const options: FitOptions = { epochs, batchSize: 64, seed, ...(dp ? { epsilon, ...publicDomain } : {}) };
  const t0 = performance.now();
  await g.fit(train, schema, options);
  const seconds = (performance.now() - t0) / 1000;
  const synthetic = await g.sample(train.numRows, seed + 1);
  const q = evaluateQuality(train, synthetic, schema, { charts: false });
  const p = await evaluatePrivacy(train, synthetic, holdout, schema, { seed });
  const receipt = (g as { receipt?: { epsilon: number; sigma?: number } | null }).receipt;
  rows.push({
    epsilon: dp ? epsilon : 'inf',
    epsilonSpent: receipt?.epsilon ?? null,
    sigma: receipt?.sigma ?? null,
    columnShapes: q.columnShapes,
    columnPairTrends: q.columnPairTrends,
    overall: q.overall,
    miaAuc: p.mia.auc,
    miaLow: p.mia.low,
    miaHigh: p.mia.high,
    dcrShare: p.dcrShare,
    dcrPassLine: p.dcrPassLine,
    exactCopies: p.exactCopies,
    seconds,
  });
  g.dispose();
}

const result = { kind: 'privacy', data: path.basename(data), rows: { train: train.numRows, holdout: holdout.numRows }, epochs, backend, seed, at: new Date().toISOString(), results: rows };
const dir = path.resolve(process.cwd(), 'bench/results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${result.at.replace(/[:.]/g, '-')}-privacy.json`);
writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
const f = (x: unknown) => (typeof x === 'number' ? x.toFixed(3) : String(x));
console.log(`tVAE on ${result.data} (${train.numRows} train / ${holdout.numRows} holdout), ${epochs} epochs, ${backend}`);
console.log('ε      spent  overall shapes pairs  MIA AUC [95% CI]       DCR share (pass ≤)  s');
for (const r of rows)
  console.log(
    `${String(r.epsilon).padEnd(6)} ${f(r.epsilonSpent).padEnd(6)} ${f(r.overall)}   ${f(r.columnShapes)}  ${f(r.columnPairTrends)}  ${f(r.miaAuc)} [${f(r.miaLow)}, ${f(r.miaHigh)}]  ${f(r.dcrShare)} (${f(r.dcrPassLine)})   ${(r.seconds as number).toFixed(0)}`,
  );
console.log(`results: ${path.relative(process.cwd(), file)}`);

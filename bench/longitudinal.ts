/**
 * npm run bench:longitudinal [-- --data pbcseq.csv --id id --time day] [--models tvae,transformer] [--epochs N] [--seed N] [--raw-visits]
 * Temporal fidelity of longitudinal generation (patients with visits) on ../shared/data/pbcseq.csv: a seeded
 * split of patients, train on 80%, generate as many patients, and report the temporal metrics beside the real
 * values (visits per patient, gaps, lag-1 autocorrelation, first-to-last shift, transitions), row-level
 * Column Shapes / Pair Trends, and patient-level privacy against the held-out patients.
 * Writes bench/results/<time>-longitudinal.json and a table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { flag, numberFlag, parseArgs } from '../src/cli/args';
import { loadCsv } from '../src/cli/commands/profile';
import { initNodeBackend } from '../src/cli/tf-node';
import { LongitudinalGenerator } from '../src/core/longitudinal/generator';
import { groupByEntity } from '../src/core/longitudinal/structure';
import { evaluateTemporal } from '../src/core/longitudinal/metrics';
import { patientRecords } from '../src/core/longitudinal/flatten';
import { evaluateQuality } from '../src/core/evaluate';
import { evaluatePrivacy, splitHoldout } from '../src/core/privacy';
import { takeRows } from '../src/core/sample/arrow';
import type { GeneratorKind } from '../src/core/models/types';

const args = parseArgs(process.argv.slice(2), ['raw-visits']);
const data = flag(args, 'data') ?? path.resolve(process.cwd(), '../shared/data/pbcseq.csv');
const id = flag(args, 'id') ?? 'id';
const time = flag(args, 'time') ?? 'day';
const models = (flag(args, 'models') ?? 'tvae').split(',').map((m) => m.trim()) as GeneratorKind[];
const epochs = numberFlag(args, 'epochs', 300)!;
// Every visit as written (no per-patient means, no same-as-previous): the representation before 2026-12-02.
const rawVisits = args.flags.has('raw-visits');
const seed = numberFlag(args, 'seed', 0)!;
const backend = await initNodeBackend('wasm');
const loaded = await loadCsv(data);
const schema = { ...loaded.schema, idColumn: id, timeColumn: time };
const table = loaded.table;

// split patients, not rows: a patient's visits stay together
const groups = groupByEntity(table, id, time);
const split = splitHoldout(groups.ids.length, 0.2, seed);
const rowsOf = (patients: Int32Array) => {
  const rows: number[] = [];
  for (const e of patients) for (let k = groups.offsets[e]; k < groups.offsets[e + 1]; k++) rows.push(groups.order[k]);
  return rows;
};
const train = takeRows(schema, [{ table, rows: rowsOf(split.train) }]);
const holdout = takeRows(schema, [{ table, rows: rowsOf(split.holdout) }]);

const results: Record<string, unknown>[] = [];
for (const model of models) {
  const g = new LongitudinalGenerator(model);
  const t0 = performance.now();
  await g.fit(train, schema, { epochs, seed, batchSize: 100, rawVisits });
  const seconds = (performance.now() - t0) / 1000;
  const synthetic = await g.sample(split.train.length, seed + 1);
  const temporal = evaluateTemporal(train, synthetic, schema);
  const quality = evaluateQuality(train, synthetic, schema, { charts: false });
  const real = patientRecords(train, schema);
  const privacy = await evaluatePrivacy(real.wide, real.records(synthetic), real.records(holdout), real.wideSchema, { seed });
  results.push({
    model,
    visits: rawVisits ? 'raw' : 'patient means, same-as-previous',
    epochs,
    seconds,
    visitsPerPatientKs: temporal.visitsPerPatient.ksComplement,
    gapsKs: temporal.gaps.ksComplement,
    autocorrelation: temporal.autocorrelation,
    firstLastShift: temporal.firstLastShift,
    transitions: temporal.transitions,
    missingRate: temporal.missingRate,
    columnShapes: quality.columnShapes,
    columnPairTrends: quality.columnPairTrends,
    patientMiaAuc: privacy.mia.auc,
    patientDcrShare: privacy.dcrShare,
  });
  g.dispose();
}

const at = new Date().toISOString();
const out = { kind: 'longitudinal', data: path.basename(data), patients: { train: split.train.length, holdout: split.holdout.length }, backend, seed, at, results };
const dir = path.resolve(process.cwd(), 'bench/results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${at.replace(/[:.]/g, '-')}-longitudinal.json`);
writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
console.log(`${out.data}: ${split.train.length} training patients, ${split.holdout.length} held out, ${backend}`);
for (const r of results) {
  const ac = Object.entries(r.autocorrelation as Record<string, { real: number; synthetic: number }>)
    .map(([n, v]) => `${n} ${f(v.real)}/${f(v.synthetic)}`)
    .join(', ');
  console.log(
    `${r.model} (${r.epochs} epochs, ${(r.seconds as number).toFixed(0)} s): visits/patient ${f(r.visitsPerPatientKs as number)}, gaps ${f(r.gapsKs as number)}, ` +
      `shapes ${f(r.columnShapes as number)}, pairs ${f(r.columnPairTrends as number)}, patient MIA AUC ${f(r.patientMiaAuc as number)}`,
  );
  console.log(`  lag-1 autocorrelation real/synthetic: ${ac}`);
}
console.log(`results: ${path.relative(process.cwd(), file)}`);

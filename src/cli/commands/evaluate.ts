/**
 * doppel evaluate --real <real.csv> --synthetic <syn.csv> [--holdout <h.csv>] [--target col] [--protected col]
 *                 [--metadata sdv.json] [--json report.json] [--html report.html] [--seed N] [--no-detection]
 * Fidelity (quality, detection, utility, fairness; privacy when a holdout is given) of a synthetic table.
 * Kinds come from --metadata, else from the real file; the other files are read with the real file's kinds.
 * Utility needs a target (--target, or the metadata's); without --holdout it tests on a seeded 20% of --real
 * and says the figure may be optimistic.
 * Longitudinal tables (--id <col> [--time <col>]): temporal metrics are added, and privacy is measured per
 * patient (a patient, not a visit, is the unit of membership). --static <patients.csv> joins a per-patient CSV
 * onto the real table on the id (and onto the holdout when it lacks those columns); the synthetic file, as synth
 * writes it, already has them.
 */
import { writeFileSync } from 'node:fs';
import type { Table } from 'apache-arrow';
import { InputError, UsageError, flag, numberFlag, parseArgs } from '../args';
import { loadCsv } from './profile';
import { applySdvMetadata, retypeColumn } from '../../core/schema';
import type { TableSchema } from '../../core/schema/types';
import { evaluateAll, renderReportHtml, type EvaluationReport } from '../../core/evaluate';
import { readFileSync } from 'node:fs';
import { evaluateTemporal, type TemporalReport } from '../../core/longitudinal/metrics';
import { patientRecords } from '../../core/longitudinal/flatten';
import { initNodeBackend } from '../tf-node';
import { joinStaticFile, loadStatic, longitudinalFlags } from './static-join';

const USAGE =
  'usage: doppel evaluate --real <real.csv> --synthetic <syn.csv> [--holdout <h.csv>] [--target col] [--protected col] [--metadata m.json] [--json report.json] [--html report.html] [--seed N] [--no-detection] [--id col [--time col] [--static patients.csv]]';

/** Read `path` and convert its columns to the kinds of `schema` (same names required). */
async function loadAligned(
  path: string,
  schema: TableSchema,
  what: string,
  join?: (table: Table, schema: TableSchema) => Promise<{ table: Table; schema: TableSchema }>,
): Promise<Table> {
  let { table, schema: own } = await loadCsv(path);
  if (join) ({ table, schema: own } = await join(table, own));
  const names = new Set(own.columns.map((c) => c.name));
  const missing = schema.columns.filter((c) => !names.has(c.name)).map((c) => c.name);
  if (missing.length)
    throw new InputError(`${path}: the ${what} file has no column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (it must have the real file's header)`);
  for (const c of schema.columns) {
    const mine = own.columns.find((x) => x.name === c.name)!;
    if (mine.kind === c.kind) continue;
    try {
      const next = retypeColumn(table, own, c.name, c.kind, c.datetimeFormat ? { datetimeFormat: c.datetimeFormat as never } : {});
      table = next.table;
      own = next.schema;
    } catch (e) {
      // the evaluator still reads it (numbers parsed from text, unparseable cells as missing); say so
      process.stderr.write(`note: ${path}: column "${c.name}" read as ${c.kind} with unreadable cells as missing (${e instanceof Error ? e.message : e})\n`);
    }
  }
  return table;
}

function fmtPct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(1)}%`;
}

function summary(r: EvaluationReport, privacy: unknown, temporal?: TemporalReport): string {
  const q = r.quality;
  const lines: string[] = [];
  if (temporal) {
    const ac = Object.entries(temporal.autocorrelation)
      .slice(0, 4)
      .map(([n, v]) => `${n} ${v.real.toFixed(2)}/${v.synthetic.toFixed(2)}`);
    lines.push(
      `Temporal: visits per patient ${fmtPct(temporal.visitsPerPatient.ksComplement)}, gaps ${fmtPct(temporal.gaps.ksComplement)} (KS complement)` +
        (ac.length ? `; lag-1 autocorrelation real/synthetic: ${ac.join(', ')}` : ''),
    );
  }
  lines.push(`Quality ${fmtPct(q.overall)}  (column shapes ${fmtPct(q.columnShapes)}, pair trends ${fmtPct(q.columnPairTrends)}; strong pairs only ${fmtPct(q.columnPairTrendsStrong)})`);
  const worst = Object.entries(q.columns)
    .sort((a, b) => a[1].score - b[1].score)
    .slice(0, 3)
    .map(([n, c]) => `${n} ${fmtPct(c.score)}`);
  if (worst.length) lines.push(`  weakest columns: ${worst.join(', ')}`);
  if (r.detection)
    lines.push(
      `Detection AUC ${r.detection.auc.toFixed(3)} (${r.detection.model}; 0.5 = indistinguishable), score ${fmtPct(r.detection.score)}` +
        (r.detection.subsampled ? ` — ${r.detection.rows.real}+${r.detection.rows.synthetic} sampled rows` : ''),
    );
  if (r.utility) {
    const u = r.utility;
    const m = (x: typeof u.real) => ('accuracy' in x ? `accuracy ${fmtPct(x.accuracy)}, macro-F1 ${x.macroF1.toFixed(3)}, AUC ${x.auc.toFixed(3)}` : `R² ${x.r2.toFixed(3)}`);
    lines.push(`Utility (${u.target}, ${u.task}, ${u.test.rows} real test rows from ${u.test.source === 'holdout' ? 'the holdout' : 'a 20% split of --real'}):`);
    lines.push(`  trained on real:      ${m(u.real)}`);
    lines.push(`  trained on synthetic: ${m(u.synthetic)}`);
  }
  if (r.fairness) {
    const f = r.fairness;
    lines.push(`Fairness (${f.protected}): largest group share gap ${fmtPct(f.maxShareDifference)}${f.erasedGroups.length ? `; MISSING from synthetic: ${f.erasedGroups.join(', ')}` : ''}`);
    if (f.utility)
      lines.push(
        `  demographic parity diff real ${f.utility.real.demographicParityDifference.toFixed(3)} / synthetic ${f.utility.synthetic.demographicParityDifference.toFixed(3)}; equalized odds diff real ${f.utility.real.equalizedOddsDifference.toFixed(3)} / synthetic ${f.utility.synthetic.equalizedOddsDifference.toFixed(3)}`,
      );
  }
  if (privacy && typeof privacy === 'object') {
    const p = privacy as { dcrShare?: number; exactCopies?: number; mia?: { auc?: number }; summary?: { level?: string } };
    lines.push(
      `Privacy: ${p.summary?.level ?? ''} — DCR share ${fmtPct(p.dcrShare)} (ideal 50%), exact copies ${p.exactCopies ?? '—'}, MIA AUC ${p.mia?.auc?.toFixed(3) ?? '—'}`,
    );
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['no-detection']);
  if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"\n${USAGE}`);
  const realPath = flag(args, 'real');
  const synPath = flag(args, 'synthetic');
  if (!realPath || !synPath) throw new UsageError(USAGE);
  const holdoutPath = flag(args, 'holdout');
  const metadataPath = flag(args, 'metadata');
  const seed = numberFlag(args, 'seed', 0)!;

  const real = await loadCsv(realPath);
  for (const note of real.report.notes) process.stderr.write(`note: ${realPath}: ${note}\n`);
  let realTable = real.table;
  let schema = real.schema;
  const { idColumn, timeColumn, staticPath } = longitudinalFlags(args, schema, realPath);
  const statics = staticPath ? await loadStatic(staticPath) : undefined;
  // before --metadata, which may describe the static columns too
  if (staticPath && idColumn) ({ table: realTable, schema } = await joinStaticFile(realTable, schema, realPath, staticPath, idColumn, statics));
  if (metadataPath) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(metadataPath, 'utf8'));
    } catch (e) {
      throw new InputError(`${metadataPath}: cannot read the metadata JSON (${e instanceof Error ? e.message : e})`);
    }
    try {
      const applied = applySdvMetadata(realTable, schema, json);
      realTable = applied.table;
      schema = applied.schema;
    } catch (e) {
      throw new InputError(`${metadataPath}: ${e instanceof Error ? e.message : e}`);
    }
  }
  const target = flag(args, 'target') ?? schema.target;
  const protectedCol = flag(args, 'protected');
  for (const [what, name] of [
    ['--target', target],
    ['--protected', protectedCol],
  ] as const)
    if (name && !schema.columns.some((c) => c.name === name))
      throw new UsageError(`${what} "${name}" is not a column of ${realPath} (columns: ${schema.columns.map((c) => c.name).join(', ')})`);

  if (idColumn) schema = { ...schema, idColumn, timeColumn };

  const synthetic = await loadAligned(synPath, schema, 'synthetic');
  // a holdout in the long layout gets the same static join (the static file may cover its patients too)
  const staticNames = new Set(statics?.schema.columns.map((c) => c.name).filter((n) => n !== idColumn));
  const joinHoldout =
    staticPath && idColumn && statics
      ? async (t: Table, s: TableSchema) =>
          s.columns.some((c) => staticNames.has(c.name)) ? { table: t, schema: s } : joinStaticFile(t, s, holdoutPath!, staticPath, idColumn, statics)
      : undefined;
  const holdout = holdoutPath ? await loadAligned(holdoutPath, schema, 'holdout', joinHoldout) : undefined;
  process.stderr.write('evaluating…\n');
  const report = evaluateAll(realTable, synthetic, schema, {
    seed,
    target,
    protected: protectedCol,
    holdout,
    detection: flag(args, 'no-detection') !== 'true',
    onProgress: (stage, done, total) => process.stderr.write(`  ${stage} done (${done}/${total})\n`),
  });

  let temporal: TemporalReport | undefined;
  if (idColumn) {
    temporal = evaluateTemporal(realTable, synthetic, schema);
    (report as EvaluationReport & { temporal?: TemporalReport }).temporal = temporal;
  }

  let privacy: unknown;
  if (holdout) {
    try {
      await initNodeBackend('wasm');
      const mod = (await import('../../core/privacy/index')) as {
        evaluatePrivacy?: (t: Table, s: Table, h: Table, schema: TableSchema, o: object) => Promise<unknown>;
      };
      if (mod.evaluatePrivacy) {
        process.stderr.write('  privacy…\n');
        if (idColumn) {
          // one row per patient, so membership means a patient's whole history
          const real = patientRecords(realTable, schema);
          privacy = { ...((await mod.evaluatePrivacy(real.wide, real.records(synthetic), real.records(holdout), real.wideSchema, { seed })) as object), unit: 'patient' };
          report.notes.push('Privacy measured per patient (each patient\'s visits flattened into one record).');
        } else privacy = await mod.evaluatePrivacy(realTable, synthetic, holdout, schema, { seed });
        report.privacy = privacy;
      }
    } catch (e) {
      report.notes.push(`Privacy not computed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  } else report.notes.push('No --holdout given: privacy (distance to closest record, membership inference) not computed.');

  const jsonPath = flag(args, 'json');
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify(report, null, 1) + '\n');
  const htmlPath = flag(args, 'html');
  if (htmlPath) writeFileSync(htmlPath, renderReportHtml(report));
  process.stdout.write(summary(report, privacy, temporal));
  if (jsonPath) process.stdout.write(`report: ${jsonPath}\n`);
  if (htmlPath) process.stdout.write(`html report: ${htmlPath}\n`);
  return 0;
}

/**
 * doppel synth <in.csv> -o <out.csv> [--model tvae|ctgan|transformer] [--epochs N] [--batch N] [--rows N]
 *   [--seed N] [--save model.json] [--backend wasm|cpu] [--early-stopping] [--id col [--time col] [--static patients.csv [--static-out patients-synthetic.csv]]]
 * Ingest → train (progress on stderr) → sample → CSV.
 * With --id (longitudinal records: many visit rows per patient) --rows counts patients, and the output keeps
 * the input's header and column order with fresh patient ids. --static joins a per-patient CSV on the id first
 * (its columns follow the long table's in the output).
 * With --epsilon E [--delta D] training is differentially private (DP-SGD, RDP accountant); the privacy receipt
 * is printed and saved in the model file. In longitudinal mode the unit of privacy is the patient.
 */
import { accessSync, constants as fsConstants, createWriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { csvChunks } from '../../core/export/csv';
import type { Table } from 'apache-arrow';
import { InputError, UsageError, flag, numberFlag, parseArgs } from '../args';
import { loadCsv } from './profile';
import { initNodeBackend } from '../tf-node';
import { createGenerator } from '../../core/models/registry';
import type { BackendPreference, FitOptions, GeneratorKind, TrainProgress } from '../../core/models/types';
import type { TableSchema } from '../../core/schema/types';
import { LongitudinalGenerator } from '../../core/longitudinal/generator';
import { groupByEntity } from '../../core/longitudinal/structure';
import { joinStaticFile, longitudinalFlags } from './static-join';
import { patientTable } from '../../core/longitudinal/static-table';
import { createDpGenerator, type DpGenerator } from '../../core/privacy/dp';
import { declaredPublicDomain } from '../../core/privacy/dp/dp-preprocess';

const MODELS: GeneratorKind[] = ['tvae', 'ctgan', 'transformer'];

export function parseBackend(v: string | undefined): BackendPreference {
  const b = (v ?? 'wasm') as BackendPreference;
  if (!['wasm', 'cpu', 'auto'].includes(b)) throw new UsageError(`--backend must be wasm or cpu in Node, got "${v}"`);
  return b;
}

function positiveInt(args: ReturnType<typeof parseArgs>, name: string): number | undefined {
  const v = numberFlag(args, name);
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < (name === 'seed' ? 0 : 1)) throw new UsageError(`--${name} expects a ${name === 'seed' ? 'non-negative' : 'positive'} whole number, got ${v}`);
  return v;
}

function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One progress line per epoch on stderr (rewritten in place on a terminal). */
export function progressPrinter(): (p: TrainProgress) => void {
  const tty = process.stderr.isTTY;
  return (p) => {
    const losses = Object.entries(p.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
    const line = `epoch ${p.epoch}/${p.epochs}  ${losses}  ${(p.elapsedMs / p.epoch / 1000).toFixed(2)} s/epoch  ETA ${duration(p.etaMs)}  [${p.backend}]`;
    process.stderr.write(tty ? `\r\x1b[K${line}${p.epoch === p.epochs ? '\n' : ''}` : line + '\n');
  };
}

/** Stream the table as CSV (the export module's writer: cells formatted per schema, formula guard). */
export async function writeTableCsv(table: Table, schema: TableSchema, path: string): Promise<void> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  try {
    for (const chunk of csvChunks(table, schema)) {
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
  } catch (e) {
    out.destroy();
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new InputError(`Cannot write ${path}: ${code === 'ENOENT' ? 'no such folder' : code === 'EACCES' ? 'permission denied' : code}`);
    throw e;
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['early-stopping', 'quiet', 'public-domain']);
  const [input, ...extra] = args.positional;
  const out = flag(args, 'out') ?? flag(args, 'o');
  const usage =
    'usage: doppel synth <in.csv> -o <out.csv> [--model tvae|ctgan|transformer] [--epochs N] [--batch N] [--rows N] [--seed N] [--save model.json] [--backend wasm|cpu] [--id col [--time col] [--static patients.csv [--static-out patients-synthetic.csv]]] [--epsilon E [--delta D] [--public-domain]] [--rare-count N] [--normalisation mode|minmax|stochastic]';
  if (!input || !out) throw new UsageError(usage);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const model = (flag(args, 'model') ?? 'tvae') as GeneratorKind;
  if (!MODELS.includes(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}, got "${model}"`);
  const epochs = positiveInt(args, 'epochs');
  const batchSize = positiveInt(args, 'batch');
  const rowsWanted = positiveInt(args, 'rows');
  const seed = positiveInt(args, 'seed') ?? 0;
  const savePath = flag(args, 'save');
  // With --static: the synthetic patients' static columns as their own file too (one row per patient, same ids).
  const staticOut = flag(args, 'static-out');
  if (staticOut && !flag(args, 'static')) throw new UsageError('--static-out goes with --static (the per-patient input it mirrors)');
  const backendPref = parseBackend(flag(args, 'backend'));
  const quiet = flag(args, 'quiet') === 'true';

  // Fail before training, not after, when the output cannot be written.
  for (const target of [out, savePath, staticOut].filter((p): p is string => !!p)) {
    try {
      accessSync(dirname(resolve(target)), fsConstants.W_OK);
    } catch {
      throw new InputError(`Cannot write ${target}: the folder does not exist or is not writable`);
    }
  }
  const loaded = await loadCsv(input);
  const { report } = loaded;
  let { table, schema: inferred } = loaded;
  const { idColumn, timeColumn, staticPath } = longitudinalFlags(args, inferred, input);
  for (const note of report.notes) process.stderr.write(`note: ${note}\n`);
  const visitColumns = new Set(inferred.columns.map((c) => c.name));
  if (staticPath && idColumn) ({ table, schema: inferred } = await joinStaticFile(table, inferred, input, staticPath, idColumn));
  const staticColumns = inferred.columns.map((c) => c.name).filter((c) => !visitColumns.has(c));
  const schema: TableSchema = idColumn ? { ...inferred, idColumn, timeColumn } : inferred;
  if (table.numRows === 0) throw new InputError(`${input} has no data rows to learn from`);
  const backend = await initNodeBackend(backendPref);
  process.stderr.write(`${report.file}: ${table.numRows} rows × ${schema.columns.length} columns; training ${model} on ${backend}\n`);

  const epsilon = numberFlag(args, 'epsilon');
  const delta = numberFlag(args, 'delta');
  if (epsilon !== undefined && !(epsilon > 0)) throw new UsageError(`--epsilon must be a number > 0, got ${epsilon}`);
  if (delta !== undefined && epsilon === undefined) throw new UsageError('--delta goes with --epsilon');
  const generator = idColumn
    ? new LongitudinalGenerator(model)
    : epsilon !== undefined
      ? await createDpGenerator(model)
      : await createGenerator(model);
  const options: FitOptions = { seed };
  if (epsilon !== undefined) {
    options.epsilon = epsilon;
    if (delta !== undefined) options.delta = delta;
    if (flag(args, 'public-domain') === 'true') {
      // The user declares the value ranges and category lists public knowledge (clinical ranges, code
      // lists), so no ε is spent estimating them; the receipt covers training only under that declaration.
      Object.assign(options, declaredPublicDomain(schema));
    } else
      process.stderr.write(
        'note: part of ε is spent estimating value ranges and category lists; on small tables rare categories come out suppressed. ' +
          'If the ranges and category lists are public knowledge (clinical ranges, code lists), add --public-domain.\n',
      );
  }
  if (epochs !== undefined) options.epochs = epochs;
  if (batchSize !== undefined) options.batchSize = batchSize;
  if (flag(args, 'early-stopping') === 'true') options.earlyStopping = true;
  const rareCount = numberFlag(args, 'rare-count');
  if (rareCount !== undefined) {
    if (!Number.isInteger(rareCount) || rareCount < 0) throw new UsageError(`--rare-count expects a whole number ≥ 0, got ${rareCount}`);
    options.rareCount = rareCount;
  }
  const normalisation = flag(args, 'normalisation');
  if (normalisation !== undefined) {
    if (!['mode', 'minmax', 'stochastic'].includes(normalisation)) throw new UsageError(`--normalisation must be mode, minmax or stochastic, got "${normalisation}"`);
    options.normalisation = normalisation as FitOptions['normalisation'];
  }
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await generator.fit(table, schema, options, quiet ? undefined : progressPrinter(), ac.signal);
    if (result.diverged) process.stderr.write(`warning: ${result.diverged}\n`);
    const receipt = (generator as Partial<DpGenerator>).receipt ?? (generator instanceof LongitudinalGenerator ? generator.receipt : null);
    if (receipt) process.stderr.write(`privacy: ${receipt.text}\n`);
    if (ac.signal.aborted) process.stderr.write(`cancelled after ${result.epochs} epochs; sampling from the model as it is\n`);
    if (savePath) {
      try {
        await writeFile(savePath, JSON.stringify(generator.save()));
      } catch (e) {
        throw new InputError(`Cannot write ${savePath}: ${(e as Error).message}`);
      }
      process.stderr.write(`model saved to ${savePath}\n`);
    }
    const n = rowsWanted ?? (idColumn ? groupByEntity(table, idColumn).ids.length : table.numRows);
    const synthetic = await generator.sample(n, seed);
    await writeTableCsv(synthetic, schema, out);
    process.stderr.write(`wrote ${synthetic.numRows} synthetic rows${idColumn ? ` (${n} patients)` : ''} to ${out}\n`);
    if (staticOut && idColumn) {
      const patients = patientTable(synthetic, schema, idColumn, staticColumns);
      await writeTableCsv(patients.table, patients.schema, staticOut);
      process.stderr.write(`wrote ${patients.table.numRows} synthetic patients' static columns to ${staticOut}\n`);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    generator.dispose();
  }
  return 0;
}

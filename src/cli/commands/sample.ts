/**
 * doppel sample <model.json> --rows N -o <out.csv> [--seed N] [--where "col=value"]… [--backend wasm|cpu]
 * Loads a saved model (weights + encoding parameters only) and writes synthetic rows.
 */
import { readFile } from 'node:fs/promises';
import { InputError, UsageError, flag, flags, numberFlag, parseArgs } from '../args';
import { initNodeBackend } from '../tf-node';
import { loadGenerator } from '../../core/models/registry';
import type { Condition, SavedModel } from '../../core/models/types';
import { parseBackend, writeTableCsv } from './synth';
import { ConditionError, parseConditions } from '../../core/sample/conditions';
import { ConditionTooRareError, sampleWithRejection } from '../../core/sample/rejection';
import { LongitudinalGenerator, type SavedLongitudinalModel } from '../../core/longitudinal/generator';

/** "age>=65", "sex=F", "cp in 1,2" → Condition. */
export function parseCondition(text: string): Condition {
  const inMatch = /^\s*(.+?)\s+in\s+(.+)$/i.exec(text);
  if (inMatch) return { column: inMatch[1].trim(), op: 'in', values: inMatch[2].split(',').map((v) => v.trim()).filter(Boolean) };
  const m = /^\s*(.+?)\s*(>=|<=|>|<|==|=)\s*(.*?)\s*$/.exec(text);
  if (!m || !m[1]) throw new UsageError(`cannot read condition "${text}" (use col=value, col>=number or "col in a,b")`);
  const [, column, op, value] = m;
  if (op === '=' || op === '==') return { column, op: '=', value };
  const num = Number(value);
  if (value === '' || !Number.isFinite(num)) throw new UsageError(`condition "${text}": ${op} needs a number`);
  return { column, op: op as '>' | '>=' | '<' | '<=', value: num };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const [modelPath, ...extra] = args.positional;
  const out = flag(args, 'out');
  const rows = numberFlag(args, 'rows');
  if (!modelPath || !out || rows === undefined)
    throw new UsageError('usage: doppel sample <model.json> --rows N -o <out.csv> [--seed N] [--where "col=value"]…');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!Number.isInteger(rows) || rows < 1) throw new UsageError(`--rows expects a positive whole number, got ${rows}`);
  const seed = numberFlag(args, 'seed', 0)!;
  const whereTexts = flags(args, 'where');
  whereTexts.forEach(parseCondition); // syntax first, before reading the model

  let saved: SavedModel;
  try {
    saved = JSON.parse(await readFile(modelPath, 'utf8')) as SavedModel;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`Cannot read ${modelPath}: no such file`);
    if (e instanceof SyntaxError) throw new InputError(`${modelPath} is not a Doppel model file (not valid JSON)`);
    throw new InputError(`Cannot read ${modelPath}: ${(e as Error).message}`);
  }
  if ((saved as unknown as SavedLongitudinalModel)?.format === 'doppel-longitudinal') {
    // longitudinal model: --rows counts patients
    if (whereTexts.length) throw new UsageError('--where is not supported for longitudinal models yet');
    const lm = saved as unknown as SavedLongitudinalModel;
    await initNodeBackend(parseBackend(flag(args, 'backend')));
    const g = await LongitudinalGenerator.load(lm);
    try {
      const table = await g.sample(rows, seed);
      await writeTableCsv(table, lm.schema, out);
      process.stderr.write(`wrote ${table.numRows} synthetic rows (${rows} patients) to ${out}\n`);
    } finally {
      g.dispose();
    }
    return 0;
  }
  if (saved?.format !== 'doppel-model') throw new InputError(`${modelPath} is not a Doppel model file`);
  let conditions: Condition[];
  try {
    conditions = parseConditions(whereTexts, saved.schema);
  } catch (e) {
    if (e instanceof ConditionError) throw new UsageError(e.message);
    throw e;
  }
  // Direct conditioning: the transformer (any conditions), CTGAN (one category equality); else rejection sampling.
  const single = conditions.length === 1 && conditions[0].op === '=' ? saved.schema.columns.find((c) => c.name === conditions[0].column) : undefined;
  const direct = saved.kind === 'transformer' || (saved.kind === 'ctgan' && !!single && (single.kind === 'categorical' || single.kind === 'boolean'));
  await initNodeBackend(parseBackend(flag(args, 'backend')));
  const generator = await loadGenerator(saved);
  try {
    const onProgress = (done: number, total: number) => {
      if (total >= 20000) process.stderr.write(`sampled ${done}/${total}\n`);
    };
    const table =
      conditions.length && !direct
        ? await sampleWithRejection(generator, rows, seed, conditions, { schema: saved.schema, onProgress }).catch((e) => {
            throw e instanceof ConditionTooRareError ? new InputError(e.message) : e;
          })
        : await generator.sample(rows, seed, { conditions: conditions.length ? conditions : undefined, onProgress });
    await writeTableCsv(table, saved.schema, out);
    process.stderr.write(`wrote ${table.numRows} synthetic rows to ${out}\n`);
  } finally {
    generator.dispose();
  }
  return 0;
}

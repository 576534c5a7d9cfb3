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
  const conditions = flags(args, 'where').map(parseCondition);

  let saved: SavedModel;
  try {
    saved = JSON.parse(await readFile(modelPath, 'utf8')) as SavedModel;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`Cannot read ${modelPath}: no such file`);
    if (e instanceof SyntaxError) throw new InputError(`${modelPath} is not a Doppel model file (not valid JSON)`);
    throw new InputError(`Cannot read ${modelPath}: ${(e as Error).message}`);
  }
  if (saved?.format !== 'doppel-model') throw new InputError(`${modelPath} is not a Doppel model file`);
  await initNodeBackend(parseBackend(flag(args, 'backend')));
  const generator = await loadGenerator(saved);
  try {
    const table = await generator.sample(rows, seed, {
      conditions: conditions.length ? conditions : undefined,
      onProgress: (done, total) => {
        if (total >= 20000) process.stderr.write(`sampled ${done}/${total}\n`);
      },
    });
    await writeTableCsv(table, saved.schema, out);
    process.stderr.write(`wrote ${table.numRows} synthetic rows to ${out}\n`);
  } finally {
    generator.dispose();
  }
  return 0;
}

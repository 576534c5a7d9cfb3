#!/usr/bin/env node
/**
 * doppel — the same core as the browser app, headless. Progress goes to stderr, results to stdout or files.
 *   doppel profile <in.csv> [--json]
 *   doppel synth <in.csv> -o <out.csv> [--model tvae|ctgan|transformer] [--epochs N] [--rows N] [--seed N] [--save model.json]
 *                [--id col [--time col] [--static patients.csv]]
 *   doppel sample <model.json> --rows N -o <out.csv> [--where "age>=65"]…
 *   doppel evaluate --real <real.csv> --synthetic <syn.csv> [--holdout h.csv] [--target col] [--metadata m.json] --json <report.json>
 *   doppel privacy-budget --rows N --batch B --sigma S --epochs E [--delta D]
 */
import { InputError, UsageError } from './args';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<{ run: Command }>> = {
  profile: () => import('./commands/profile'),
  synth: () => import('./commands/synth'),
  sample: () => import('./commands/sample'),
  evaluate: () => import('./commands/evaluate'),
  'privacy-budget': () => import('./commands/privacy-budget'),
};

const USAGE = `usage: doppel <command> [options]
commands:
  profile <in.csv> [--json]                      inferred schema
  synth <in.csv> -o <out.csv> [--model tvae|ctgan|transformer] [--epochs N] [--rows N] [--seed N] [--save model.json]
        [--id col [--time col] [--static patients.csv]]   longitudinal: visits per row, optional per-patient CSV joined on the id
  sample <model.json> --rows N -o <out.csv> [--where "col>=x"]…
  evaluate --real <real.csv> --synthetic <syn.csv> [--holdout <h.csv>] [--target col] [--metadata m.json] [--json report.json]
        [--id col [--time col] [--static patients.csv]]
  privacy-budget --rows N --batch B --sigma S --epochs E [--delta D]`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`doppel: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  try {
    const { run } = await load();
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`doppel ${name}: ${e.message}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`doppel ${name}: ${msg.split('\n')[0]}\n`);
    if (!(e instanceof InputError) && process.env.DOPPEL_DEBUG) console.error(e);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`doppel: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

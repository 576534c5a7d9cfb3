/**
 * doppel privacy-budget --rows N --batch B --sigma S --epochs E [--delta D]
 * Prints {"epsilon": …, "order": …} for DP-SGD with Poisson sampling q = B/N and E·N/B steps.
 */
import { numberFlag, parseArgs, UsageError } from '../args';
import { defaultDelta, epsilonForTraining } from '../../core/privacy/dp/rdp-accountant';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const need = (name: string): number => {
    const v = numberFlag(args, name);
    if (v === undefined) throw new UsageError(`--${name} is required (usage: privacy-budget --rows N --batch B --sigma S --epochs E [--delta D])`);
    return v;
  };
  const rows = need('rows');
  const batch = need('batch');
  const sigma = need('sigma');
  const epochs = need('epochs');
  if (!(rows >= 1) || !Number.isInteger(rows)) throw new UsageError(`--rows must be a positive whole number, got ${rows}`);
  if (!(batch >= 1) || batch > rows) throw new UsageError(`--batch must be between 1 and --rows (${rows}), got ${batch}`);
  if (!(sigma > 0)) throw new UsageError(`--sigma must be positive, got ${sigma}`);
  if (!(epochs >= 0)) throw new UsageError(`--epochs must be ≥ 0, got ${epochs}`);
  const delta = numberFlag(args, 'delta', defaultDelta(rows))!;
  if (!(delta > 0 && delta < 1)) throw new UsageError(`--delta must be in (0, 1), got ${delta}`);
  const r = epsilonForTraining({ rows, batch, sigma, epochs, delta });
  process.stdout.write(JSON.stringify({ epsilon: r.epsilon, order: r.order }) + '\n');
  return 0;
}

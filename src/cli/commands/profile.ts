/**
 * doppel profile <in.csv> [--json] [--skip-ragged] [--epoch col]… [--missing tok]… [--max-bytes N]
 * Prints the inferred schema: JSON `{"rows", "columns": [{"name","kind","missing","distinct","excluded"}]}`
 * with --json, else a readable table. Notes (renames, skipped rows, encoding) go to stderr.
 */
import { InputError, UsageError, flag, flags, numberFlag, parseArgs } from '../args';
import { ingest } from '../../core/data/ingest';
import { nodeFileSource } from '../../core/data/node-source';
import { IngestError, type IngestResult } from '../../core/data/types';
import type { TableSchema } from '../../core/schema/types';

export function profileJson(schema: TableSchema) {
  return {
    rows: schema.rows,
    columns: schema.columns.map((c) => ({ name: c.name, kind: c.kind, missing: c.missing, distinct: c.distinct, excluded: c.excluded })),
  };
}

/** Load a CSV from disk for any CLI command: bad input becomes a one-line InputError. */
export async function loadCsv(
  path: string,
  options: { skipRaggedRows?: boolean; epochColumns?: string[]; missingTokens?: string[]; maxBytes?: number } = {},
): Promise<IngestResult> {
  try {
    return await ingest(nodeFileSource(path), options);
  } catch (e) {
    if (e instanceof IngestError) throw new InputError(e.code === 'ragged-rows' ? `${e.message} (--skip-ragged)` : e.message);
    throw e;
  }
}

function table(schema: TableSchema): string {
  const head = ['column', 'kind', 'missing', 'distinct', 'excluded', 'note'];
  const body = schema.columns.map((c) => [c.name, c.kind, String(c.missing), String(c.distinct), c.excluded ? 'yes' : '', c.note ?? '']);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((r) => r[j].length)));
  const fmt = (r: string[]) => r.map((v, j) => (j === 2 || j === 3 ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  ').trimEnd();
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...body.map(fmt)].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['json', 'skip-ragged']);
  const [input, ...extra] = args.positional;
  if (!input) throw new UsageError('usage: doppel profile <in.csv> [--json] [--skip-ragged] [--epoch column]… [--missing token]…');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const missing = flags(args, 'missing');
  const result = await loadCsv(input, {
    skipRaggedRows: flag(args, 'skip-ragged') === 'true',
    epochColumns: flags(args, 'epoch'),
    missingTokens: missing.length ? missing : undefined,
    maxBytes: numberFlag(args, 'max-bytes'),
  });
  for (const note of result.report.notes) process.stderr.write(`note: ${note}\n`);
  if (flag(args, 'json') === 'true') {
    process.stdout.write(JSON.stringify(profileJson(result.schema)) + '\n');
  } else {
    const r = result.report;
    process.stdout.write(
      `${r.file}: ${r.rows} rows × ${result.schema.columns.length} columns (${r.encoding}, delimiter ${JSON.stringify(r.delimiter)}, ${r.lineEnding})\n` +
        table(result.schema) + '\n',
    );
  }
  return 0;
}

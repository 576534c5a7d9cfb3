/** --static <patients.csv>: join a per-patient CSV onto the long table on the id (synth and evaluate). */
import type { Table } from 'apache-arrow';
import { InputError, UsageError, flag } from '../args';
import { loadCsv } from './profile';
import type { TableSchema } from '../../core/schema/types';
import { JoinError, joinStatic } from '../../core/longitudinal/join';

/** --id, --time and --static, checked against the long table's columns (synth and evaluate read them alike). */
export function longitudinalFlags(
  args: Parameters<typeof flag>[0],
  schema: TableSchema,
  path: string,
): { idColumn?: string; timeColumn?: string; staticPath?: string } {
  const idColumn = flag(args, 'id');
  const timeColumn = flag(args, 'time');
  const staticPath = flag(args, 'static');
  if (timeColumn && !idColumn) throw new UsageError('--time needs --id (the patient id column)');
  if (staticPath && !idColumn) throw new UsageError('--static needs --id (the patient id column to join on)');
  for (const name of [idColumn, timeColumn])
    if (name && !schema.columns.some((c) => c.name === name))
      throw new UsageError(`"${name}" is not a column of ${path} (columns: ${schema.columns.map((c) => c.name).join(', ')})`);
  return { idColumn, timeColumn, staticPath };
}

export async function loadStatic(path: string): Promise<{ table: Table; schema: TableSchema }> {
  const loaded = await loadCsv(path);
  for (const note of loaded.report.notes) process.stderr.write(`note: ${path}: ${note}\n`);
  return loaded;
}

export async function joinStaticFile(
  table: Table,
  schema: TableSchema,
  longPath: string,
  staticPath: string,
  idColumn: string,
  statics?: { table: Table; schema: TableSchema },
): Promise<{ table: Table; schema: TableSchema }> {
  const s = statics ?? (await loadStatic(staticPath));
  try {
    const j = joinStatic(table, schema, s.table, s.schema, idColumn, { long: longPath, static: staticPath });
    const added = j.schema.columns.length - schema.columns.length;
    process.stderr.write(`${staticPath}: joined ${added} static column${added === 1 ? '' : 's'} onto ${longPath} by "${idColumn}"\n`);
    if (j.ignoredStaticRows)
      process.stderr.write(`note: ${staticPath}: ${j.ignoredStaticRows} row${j.ignoredStaticRows === 1 ? '' : 's'} for patients with no visits in ${longPath} ignored\n`);
    if (j.patientsWithoutStatic)
      process.stderr.write(`note: ${j.patientsWithoutStatic} patient${j.patientsWithoutStatic === 1 ? '' : 's'} of ${longPath} ha${j.patientsWithoutStatic === 1 ? 's' : 've'} no row in ${staticPath}: their static columns are missing\n`);
    return j;
  } catch (e) {
    if (e instanceof JoinError) throw new InputError(e.message);
    throw e;
  }
}

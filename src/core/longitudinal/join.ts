import { Table, type Vector } from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../schema/types';
import { ColumnAccumulator } from '../data/column-accumulator';
import { buildColumn } from '../data/build';
import { columnText } from '../schema/edit';

/** A static table that cannot be joined: the message names the file, the column and the row. */
export class JoinError extends Error {}

export interface JoinedTable {
  /** The long table's columns, then the static table's columns other than the id, one row per visit. */
  table: Table;
  schema: TableSchema;
  /** Static rows whose patient has no visit in the long table (left out). */
  ignoredStaticRows: number;
  /** Long-table patients without a static row (their static cells are missing). */
  patientsWithoutStatic: number;
}

/**
 * Join a per-patient table (one row per patient: sex, treatment arm, age at entry) onto a long table (one
 * row per visit) on the patient id, so the static values repeat on every visit and classifyColumns sees
 * them as static. Ids match as trimmed text, since the two files may write them differently (" 7" vs "7").
 */
export function joinStatic(
  long: Table,
  longSchema: TableSchema,
  statics: Table,
  staticSchema: TableSchema,
  idColumn: string,
  /** File names for the messages. */
  names: { long?: string; static?: string } = {},
): JoinedTable {
  const longName = names.long ?? 'the long table';
  const staticName = names.static ?? 'the static table';
  const longId = longSchema.columns.find((c) => c.name === idColumn);
  if (!longId || !long.getChild(idColumn))
    throw new JoinError(`${longName} has no id column "${idColumn}" to join on.`);
  const staticId = staticSchema.columns.find((c) => c.name === idColumn);
  if (!staticId || !statics.getChild(idColumn))
    throw new JoinError(
      `${staticName} has no column "${idColumn}" to join on (its columns: ${staticSchema.columns.map((c) => c.name).join(', ')}); ` +
        `add the patient id column, or rename its id column to "${idColumn}".`,
    );
  const longNames = new Set(longSchema.columns.map((c) => c.name));
  const extra = staticSchema.columns.filter((c) => c.name !== idColumn);
  for (const c of extra)
    if (longNames.has(c.name))
      throw new JoinError(
        `Column "${c.name}" is in both ${longName} and ${staticName}; drop it from one of them (or rename it) so each column has one source.`,
      );

  // Line numbers count the header as line 1.
  const sIds = columnText(statics.getChild(idColumn) as Vector, staticId);
  const rowOf = new Map<string, number>();
  for (let r = 0; r < sIds.length; r++) {
    const id = (sIds[r] ?? '').trim();
    if (id === '') throw new JoinError(`${staticName} line ${r + 2} has no patient id in column "${idColumn}"; fill it in or delete the row.`);
    const seen = rowOf.get(id);
    if (seen !== undefined)
      throw new JoinError(
        `${staticName} has patient id "${id}" twice in column "${idColumn}" (lines ${seen + 2} and ${r + 2}); keep one row per patient.`,
      );
    rowOf.set(id, r);
  }

  const lIds = columnText(long.getChild(idColumn) as Vector, longId);
  const match = new Int32Array(lIds.length);
  const used = new Set<number>();
  const unmatched = new Set<string>();
  for (let i = 0; i < lIds.length; i++) {
    const id = (lIds[i] ?? '').trim();
    const r = rowOf.get(id);
    match[i] = r ?? -1;
    if (r === undefined) unmatched.add(id);
    else used.add(r);
  }

  const vectors: Record<string, Vector> = {};
  for (const c of longSchema.columns) vectors[c.name] = long.getChild(c.name) as Vector;
  const columns: ColumnSchema[] = [...longSchema.columns];
  for (const c of extra) {
    const text = columnText(statics.getChild(c.name) as Vector, c);
    const acc = new ColumnAccumulator();
    for (let i = 0; i < match.length; i++) {
      const v = match[i] < 0 ? null : text[match[i]];
      if (v === null) acc.pushMissing();
      else acc.push(v);
    }
    const built = buildColumn(acc, c.name, c.kind, { excluded: c.excluded, note: c.note, datetimeFormat: c.datetimeFormat as never });
    vectors[c.name] = built.vector;
    // keep the static file's numeric formatting and privacy roles; counts come from the joined rows
    const schema: ColumnSchema = { ...built.schema, sensitive: c.sensitive, quasiIdentifier: c.quasiIdentifier };
    if (c.decimals !== undefined && schema.decimals !== undefined) schema.decimals = Math.max(schema.decimals, c.decimals);
    columns.push(schema);
  }
  return {
    table: new Table(vectors),
    schema: { ...longSchema, rows: long.numRows, columns },
    ignoredStaticRows: sIds.length - used.size,
    patientsWithoutStatic: unmatched.size,
  };
}

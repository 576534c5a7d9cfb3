/**
 * The way back from joinStatic: drop the joined per-patient columns again, or lay them out as their own
 * table (one row per patient) so a synthetic long table can be handed over as the same two files it came from.
 */
import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import { takeRows } from '../sample/arrow';
import { groupByEntity } from './structure';

/** The table without `names` (a target among them is cleared; the id and time columns stay marked). */
export function dropColumns(table: Table, schema: TableSchema, names: readonly string[]): { table: Table; schema: TableSchema } {
  const drop = new Set(names);
  const columns = schema.columns.filter((c) => !drop.has(c.name));
  const next: TableSchema = { ...schema, columns };
  if (next.target && drop.has(next.target)) delete next.target;
  return { table: table.select(columns.map((c) => c.name)), schema: next };
}

/**
 * One row per patient, in first-seen order: the id column and `columns`, taken from the patient's first
 * visit. Meant for columns that are static (the same at every visit), so which visit is read does not matter.
 */
export function patientTable(
  table: Table,
  schema: TableSchema,
  idColumn: string,
  columns: readonly string[],
): { table: Table; schema: TableSchema } {
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  const wanted = [idColumn, ...columns.filter((c) => c !== idColumn)];
  for (const name of wanted) if (!byName.has(name) || !table.getChild(name)) throw new Error(`No column "${name}" in the table.`);
  const groups = groupByEntity(table, idColumn);
  const first = Array.from({ length: groups.ids.length }, (_, e) => groups.order[groups.offsets[e]]);
  const out: TableSchema = { rows: first.length, columns: wanted.map((n) => byName.get(n)!) };
  return { table: takeRows(out, [{ table, rows: first }]), schema: out };
}

/**
 * Schema edits from the schema editor (or imported metadata). Every edit returns a new
 * {table, schema}; the inputs are not changed, so a store can keep the previous state.
 */
import { DataType, Table, type Vector } from 'apache-arrow';
import type { ColumnKind, ColumnSchema, TableSchema } from './types';
import { NUMERIC_KINDS } from './types';
import { detectDatetimeFormat, formatDatetime, type DatetimeFormat } from './datetime';
import { ColumnAccumulator, formatNumber } from '../data/column-accumulator';
import { buildColumn } from '../data/build';

export interface LoadedTable {
  table: Table;
  schema: TableSchema;
}

export type SchemaEdit =
  | { type: 'kind'; column: string; kind: ColumnKind; datetimeFormat?: DatetimeFormat }
  | { type: 'excluded'; column: string; excluded: boolean }
  | { type: 'bounds'; column: string; min?: number; max?: number }
  | { type: 'sensitive'; column: string; sensitive: boolean }
  | { type: 'quasiIdentifier'; column: string; quasiIdentifier: boolean }
  | { type: 'target'; column: string | undefined }
  | { type: 'idColumn'; column: string | undefined }
  | { type: 'timeColumn'; column: string | undefined };

function columnIndex(schema: TableSchema, column: string): number {
  const j = schema.columns.findIndex((c) => c.name === column);
  if (j < 0) throw new Error(`There is no column "${column}".`);
  return j;
}

function withColumn(schema: TableSchema, j: number, patch: Partial<ColumnSchema>): TableSchema {
  const columns = schema.columns.slice();
  columns[j] = { ...columns[j], ...patch };
  return { ...schema, columns };
}

/** The cells of a loaded column as text, as close to the input as the schema allows (null = missing). */
export function columnText(vector: Vector, col: ColumnSchema): (string | null)[] {
  const n = vector.length;
  const out: (string | null)[] = new Array(n);
  const isNumber = DataType.isInt(vector.type) || DataType.isFloat(vector.type);
  const isTime = DataType.isTimestamp(vector.type) || DataType.isDate(vector.type);
  for (let i = 0; i < n; i++) {
    const v = vector.get(i);
    if (v === null || v === undefined) out[i] = null;
    else if (isNumber) out[i] = formatNumber(Number(v), col.decimals ?? 0);
    else if (isTime) out[i] = formatDatetime(Number(v instanceof Date ? v.getTime() : v), col.datetimeFormat);
    else out[i] = String(v);
  }
  return out;
}

/**
 * Change a column's kind and convert its Arrow column to that kind's type, e.g. categorical labels
 * '1.0', '2.0' → integer (decimals 1). Throws a plain message when the values cannot be that kind.
 */
export function retypeColumn(
  table: Table,
  schema: TableSchema,
  column: string,
  kind: ColumnKind,
  options: { datetimeFormat?: DatetimeFormat } = {},
): LoadedTable {
  const j = columnIndex(schema, column);
  const old = schema.columns[j];
  const vector = table.getChild(column);
  if (!vector) throw new Error(`The table has no column "${column}".`);
  const acc = new ColumnAccumulator(true);
  for (const s of columnText(vector, old)) {
    if (s === null) acc.pushMissing();
    else acc.push(s);
  }
  let datetimeFormat = options.datetimeFormat;
  if (kind === 'datetime' && !datetimeFormat) {
    if (old.kind === 'datetime' && old.datetimeFormat) datetimeFormat = old.datetimeFormat as DatetimeFormat;
    else if (acc.numeric) datetimeFormat = Math.max(Math.abs(acc.min), Math.abs(acc.max)) < 1e11 ? 'epoch-s' : 'epoch-ms';
    else {
      const d = detectDatetimeFormat(acc.labels);
      if (d.format) datetimeFormat = d.format;
      else if (d.ambiguous) datetimeFormat = 'dd/mm/yyyy';
      else {
        const example = acc.labels.find((l) => detectDatetimeFormat([l]).format === null && !detectDatetimeFormat([l]).ambiguous) ?? acc.labels[0];
        throw new Error(`Column "${column}" has values that are not dates (such as "${example}"), so it cannot be a datetime.`);
      }
    }
  }
  const wasHidden = old.kind === 'identifier' || old.kind === 'text';
  const hidden = kind === 'identifier' || kind === 'text';
  const excluded = hidden ? true : wasHidden ? false : old.excluded;
  const built = buildColumn(acc, column, kind, { excluded, note: `kind set to ${kind} by the user`, datetimeFormat });
  const next: ColumnSchema = { ...built.schema };
  if (old.sensitive !== undefined) next.sensitive = old.sensitive;
  if (old.quasiIdentifier !== undefined) next.quasiIdentifier = old.quasiIdentifier;
  const columns = schema.columns.slice();
  columns[j] = next;
  const vectors: Record<string, Vector> = {};
  for (const c of schema.columns) vectors[c.name] = c.name === column ? built.vector : table.getChild(c.name)!;
  return { table: new Table(vectors), schema: { ...schema, columns } };
}

export function applySchemaEdit(table: Table, schema: TableSchema, edit: SchemaEdit): LoadedTable {
  switch (edit.type) {
    case 'kind':
      return retypeColumn(table, schema, edit.column, edit.kind, { datetimeFormat: edit.datetimeFormat });
    case 'excluded':
      return { table, schema: withColumn(schema, columnIndex(schema, edit.column), { excluded: edit.excluded }) };
    case 'sensitive':
      return { table, schema: withColumn(schema, columnIndex(schema, edit.column), { sensitive: edit.sensitive }) };
    case 'quasiIdentifier':
      return { table, schema: withColumn(schema, columnIndex(schema, edit.column), { quasiIdentifier: edit.quasiIdentifier }) };
    case 'bounds': {
      const j = columnIndex(schema, edit.column);
      const c = schema.columns[j];
      if (!NUMERIC_KINDS.includes(c.kind)) throw new Error(`Column "${c.name}" is ${c.kind}: only numbers and dates have bounds.`);
      const min = edit.min ?? c.min;
      const max = edit.max ?? c.max;
      if ((min !== undefined && !Number.isFinite(min)) || (max !== undefined && !Number.isFinite(max)))
        throw new Error(`Bounds for "${c.name}" must be numbers.`);
      if (min !== undefined && max !== undefined && min > max)
        throw new Error(`For "${c.name}" the minimum (${min}) is above the maximum (${max}).`);
      return { table, schema: withColumn(schema, j, { min, max }) };
    }
    case 'target':
    case 'idColumn':
    case 'timeColumn': {
      if (edit.column !== undefined) columnIndex(schema, edit.column);
      const key = edit.type === 'target' ? 'target' : edit.type;
      const next: TableSchema = { ...schema };
      if (edit.column === undefined) delete next[key];
      else next[key] = edit.column;
      return { table, schema: next };
    }
  }
}

/**
 * Schema inference for an Arrow table that did not come from `ingest` (e.g. read from Arrow IPC or
 * Parquet): each column is read back as text and goes through the same rules and builders as a CSV.
 */
import { Table, type Vector } from 'apache-arrow';
import type { ColumnSchema, TableSchema } from './types';
import { inferColumnKind } from './infer';
import { columnText, type LoadedTable } from './edit';
import { ColumnAccumulator } from '../data/column-accumulator';
import { buildColumn } from '../data/build';

export function inferSchema(table: Table, options: { epochColumns?: string[] } = {}): LoadedTable {
  const epoch = new Set(options.epochColumns ?? []);
  const vectors: Record<string, Vector> = {};
  const columns: ColumnSchema[] = [];
  for (const field of table.schema.fields) {
    const v = table.getChild(field.name)!;
    const acc = new ColumnAccumulator();
    for (const s of columnText(v, { name: field.name, kind: 'text', excluded: false, missing: 0, distinct: 0 })) {
      const t = s?.trim() ?? '';
      if (t === '') acc.pushMissing();
      else acc.push(t);
    }
    const guess = inferColumnKind(
      {
        name: field.name, rows: acc.length, missing: acc.missing, distinct: acc.distinct(), numeric: acc.numeric,
        allInteger: acc.allInteger, min: acc.min, max: acc.max, labels: acc.dict ? acc.labels : null, counts: acc.dict ? acc.counts : null,
      },
      { epoch: epoch.has(field.name) },
    );
    const built = buildColumn(acc, field.name, guess.kind, guess);
    vectors[field.name] = built.vector;
    columns.push(built.schema);
  }
  const schema: TableSchema = { rows: table.numRows, columns };
  return { table: new Table(vectors), schema };
}

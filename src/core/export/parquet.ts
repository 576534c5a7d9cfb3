/**
 * Parquet export through hyparquet-writer. Types follow the Arrow conventions (data/types.ts):
 * Int32 → INT32, Int64 → INT64, Float → DOUBLE, Dictionary/Utf8 labels → STRING (dictionary-encoded by
 * the writer), timestamps → INT64 TIMESTAMP_MILLIS, Bool → BOOLEAN; nulls stay nulls. Columns follow the schema.
 */
import { Type, type DataType, type Table } from 'apache-arrow';
import { batchReaders } from './read';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { BasicType, ColumnSource } from 'hyparquet-writer';
import type { TableSchema } from '../schema/types';

function basicType(type: DataType): BasicType {
  switch (type.typeId) {
    case Type.Int: {
      const t = type as DataType & { bitWidth: number; isSigned: boolean };
      return t.bitWidth > 32 || (t.bitWidth === 32 && !t.isSigned) ? 'INT64' : 'INT32';
    }
    case Type.Float: return 'DOUBLE';
    case Type.Bool: return 'BOOLEAN';
    case Type.Timestamp:
    case Type.Date: return 'TIMESTAMP';
    default: return 'STRING';
  }
}

function convert(v: number | string | boolean | bigint, type: BasicType): unknown {
  switch (type) {
    case 'INT32':
    case 'DOUBLE': return Number(v);
    case 'INT64': return typeof v === 'bigint' ? v : BigInt(Math.round(Number(v)));
    case 'TIMESTAMP': return new Date(Number(v));
    case 'BOOLEAN': return Boolean(v);
    default: return String(v);
  }
}

export interface ParquetOptions {
  /** Rows per row group (default: the writer's [1000, 100000]). */
  rowGroupSize?: number;
  /** Recorded in the file footer's created_by. */
  createdBy?: string;
}

/** Parquet file bytes of the table's schema columns (a schema column absent from the table is written all-null text). */
export function toParquet(table: Table, schema: TableSchema, options: ParquetOptions = {}): Uint8Array {
  const n = table.numRows;
  const types = schema.columns.map((c) => {
    const vec = table.getChild(c.name);
    return vec ? basicType(vec.type) : 'STRING';
  });
  const values = schema.columns.map(() => new Array<unknown>(n).fill(null));
  let base = 0;
  for (const { rows, readers } of batchReaders(table, schema.columns.map((c) => c.name))) {
    readers.forEach((read, k) => {
      if (!read) return;
      const out = values[k], type = types[k];
      for (let i = 0; i < rows; i++) {
        const v = read(i);
        if (v !== null) out[base + i] = convert(v, type);
      }
    });
    base += rows;
  }
  const columnData: ColumnSource[] = schema.columns.map((c, k) => ({ name: c.name, type: types[k], nullable: true, data: values[k] }));
  const buffer = parquetWriteBuffer({
    columnData,
    createdBy: options.createdBy ?? 'Doppel',
    ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}),
  });
  return new Uint8Array(buffer);
}

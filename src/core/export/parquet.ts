/**
 * Parquet export through hyparquet-writer. Types follow the Arrow conventions (data/types.ts):
 * Int32 → INT32, Int64 → INT64, Float → DOUBLE, Dictionary/Utf8 labels → STRING (dictionary-encoded by
 * the writer), timestamps → INT64 TIMESTAMP_MILLIS, Bool → BOOLEAN; nulls stay nulls. Columns follow the schema.
 */
import { Type, type DataType, type Table, type Vector } from 'apache-arrow';
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

function columnValues(vec: Vector | null, n: number, type: BasicType): unknown[] {
  const out: unknown[] = new Array(n).fill(null);
  if (!vec) return out;
  for (let i = 0; i < n; i++) {
    const v = vec.get(i) as unknown;
    if (v === null || v === undefined) continue;
    switch (type) {
      case 'INT32':
      case 'DOUBLE': out[i] = Number(v); break;
      case 'INT64': out[i] = typeof v === 'bigint' ? v : BigInt(Math.round(Number(v))); break;
      case 'TIMESTAMP': out[i] = v instanceof Date ? v : new Date(Number(v)); break;
      case 'BOOLEAN': out[i] = Boolean(v); break;
      default: out[i] = String(v);
    }
  }
  return out;
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
  const columnData: ColumnSource[] = schema.columns.map((c) => {
    const vec = table.getChild(c.name);
    const type = vec ? basicType(vec.type) : 'STRING';
    return { name: c.name, type, nullable: true, data: columnValues(vec, n, type) };
  });
  const buffer = parquetWriteBuffer({
    columnData,
    createdBy: options.createdBy ?? 'Doppel',
    ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}),
  });
  return new Uint8Array(buffer);
}

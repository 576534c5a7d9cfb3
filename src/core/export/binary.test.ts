import { describe, expect, it } from 'vitest';
import {
  Bool, Dictionary, Float64, Int32, Int64, Table, TimestampMillisecond, Utf8, makeData, makeVector, tableFromIPC, vectorFromArray,
} from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { ColumnSchema, TableSchema } from '../schema/types';
import { toArrowIpc } from './arrow-ipc';
import { toParquet } from './parquet';

const col = (name: string, kind: ColumnSchema['kind']): ColumnSchema => ({ name, kind, excluded: false, missing: 0, distinct: 0 });
const T1 = Date.UTC(2020, 0, 31, 8, 30), T2 = Date.UTC(1999, 11, 1);

function sample(): { table: Table; schema: TableSchema } {
  const ts = new BigInt64Array([BigInt(T1), 0n, BigInt(T2)]);
  const table = new Table({
    age: vectorFromArray([63, null, 41], new Int32()),
    bmi: vectorFromArray([27.5, 30.25, null], new Float64()),
    sex: vectorFromArray(['M', null, 'F'], new Dictionary(new Utf8(), new Int32())),
    id: vectorFromArray(['p-1', 'p-2', null], new Utf8()),
    seen: makeVector(makeData({ type: new TimestampMillisecond(), length: 3, nullCount: 1, nullBitmap: new Uint8Array([0b101]), data: ts as never })),
  });
  const schema: TableSchema = {
    rows: 3,
    columns: [col('age', 'integer'), col('bmi', 'continuous'), col('sex', 'categorical'), col('id', 'identifier'), col('seen', 'datetime')],
  };
  return { table, schema };
}

describe('Arrow IPC export', () => {
  it('reads back with the same types, values and nulls', () => {
    const { table } = sample();
    const bytes = toArrowIpc(table);
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('ARROW1'); // file format magic
    const back = tableFromIPC(bytes);
    expect(back.schema.fields.map((f) => String(f.type))).toEqual(table.schema.fields.map((f) => String(f.type)));
    expect(back.toArray().map((r) => r.toJSON())).toEqual(table.toArray().map((r) => r.toJSON()));
    expect(back.getChild('seen')!.get(1)).toBeNull();
    expect(tableFromIPC(toArrowIpc(table, 'stream')).numRows).toBe(3);
  });
});

describe('Parquet export', () => {
  it('reads back with hyparquet: types, values and nulls preserved', async () => {
    const { table, schema } = sample();
    const bytes = toParquet(table, schema);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const meta = parquetMetadata(file);
    expect(Number(meta.num_rows)).toBe(3);
    const types = Object.fromEntries(meta.schema.slice(1).map((e) => [e.name, [e.type, e.converted_type ?? null, e.repetition_type]]));
    expect(types).toEqual({
      age: ['INT32', null, 'OPTIONAL'],
      bmi: ['DOUBLE', null, 'OPTIONAL'],
      sex: ['BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
      id: ['BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
      seen: ['INT64', 'TIMESTAMP_MILLIS', 'OPTIONAL'],
    });
    const rows = await parquetReadObjects({ file });
    expect(rows.map((r) => ({ ...r, seen: r.seen === null ? null : (r.seen as Date).getTime() }))).toEqual([
      { age: 63, bmi: 27.5, sex: 'M', id: 'p-1', seen: T1 },
      { age: null, bmi: 30.25, sex: null, id: 'p-2', seen: null },
      { age: 41, bmi: null, sex: 'F', id: null, seen: T2 },
    ]);
  });

  it('Int64 and Bool columns keep their types', async () => {
    const table = new Table({
      n: vectorFromArray([5_000_000_000n, null, -1n], new Int64()),
      b: vectorFromArray([true, false, null], new Bool()),
    });
    const schema: TableSchema = { rows: 3, columns: [col('n', 'integer'), col('b', 'boolean')] };
    const bytes = toParquet(table, schema);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(parquetMetadata(file).schema.slice(1).map((e) => e.type)).toEqual(['INT64', 'BOOLEAN']);
    expect(await parquetReadObjects({ file })).toEqual([
      { n: 5_000_000_000n, b: true },
      { n: null, b: false },
      { n: -1n, b: null },
    ]);
  });

  it('follows schema column order and handles an empty table', async () => {
    const { table, schema } = sample();
    const reordered: TableSchema = { ...schema, columns: [schema.columns[2], schema.columns[0]] };
    const bytes = toParquet(table, reordered);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(parquetMetadata(file).schema.slice(1).map((e) => e.name)).toEqual(['sex', 'age']);
    const empty = toParquet(table.slice(0, 0), schema);
    const emptyFile = empty.buffer.slice(empty.byteOffset, empty.byteOffset + empty.byteLength) as ArrayBuffer;
    expect(Number(parquetMetadata(emptyFile).num_rows)).toBe(0);
    expect(await parquetReadObjects({ file: emptyFile })).toEqual([]);
  });
});

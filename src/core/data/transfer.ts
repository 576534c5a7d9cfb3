/**
 * Moving a loaded table between a worker and the page: Arrow tables are class instances, which
 * structured clone (postMessage/Comlink) strips, so send Arrow IPC bytes (transferable) instead.
 */
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';
import type { IngestReport } from './types';

export interface TransferableLoaded {
  ipc: Uint8Array;
  schema: TableSchema;
  report?: IngestReport;
}

export function toTransferable(loaded: { table: Table; schema: TableSchema; report?: IngestReport }): TransferableLoaded {
  const out: TransferableLoaded = { ipc: tableToIPC(loaded.table, 'stream'), schema: loaded.schema };
  if (loaded.report) out.report = loaded.report;
  return out;
}

export function fromTransferable(t: TransferableLoaded): { table: Table; schema: TableSchema; report?: IngestReport } {
  const out: { table: Table; schema: TableSchema; report?: IngestReport } = { table: tableFromIPC(t.ipc), schema: t.schema };
  if (t.report) out.report = t.report;
  return out;
}

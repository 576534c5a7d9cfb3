/** Arrow IPC export: the synthetic table exactly as held in memory (types, dictionaries, nulls). */
import { tableToIPC, type Table } from 'apache-arrow';

/** Arrow IPC bytes: 'file' (Feather v2, `.arrow`, random access; default) or 'stream' (`.arrows`). */
export function toArrowIpc(table: Table, format: 'file' | 'stream' = 'file'): Uint8Array {
  return tableToIPC(table, format);
}

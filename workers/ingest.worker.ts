/**
 * Data worker: parses a dropped File into an Arrow table (streaming, with progress and Cancel) and
 * applies schema edits. It keeps the last good table, so a bad file never replaces it.
 */
import * as Comlink from 'comlink';
import type { Table } from 'apache-arrow';
import { ingest, blobSource, IngestError, type IngestOptions, type IngestProgress, type IngestReport } from '../src/core/data';
import { applySchemaEdit, applySdvMetadata, type SchemaEdit } from '../src/core/schema';
import type { TableSchema } from '../src/core/schema/types';
import { tableToIPC } from 'apache-arrow';

export interface LoadedDataset {
  /** Arrow IPC stream bytes (transferred to the page). */
  ipc: Uint8Array;
  schema: TableSchema;
  report: IngestReport;
}

/** What crosses back on failure: Comlink rethrows plain Errors, so carry the code and lines in the message object. */
export interface LoadFailure {
  error: string;
  code: string;
  lines: number[];
}

export interface LoadOptions {
  missingTokens?: string[];
  skipRaggedRows?: boolean;
}

let current: { table: Table; schema: TableSchema; report: IngestReport } | null = null;
let controller: AbortController | null = null;

function pack(table: Table, schema: TableSchema, report: IngestReport): LoadedDataset {
  const ipc = tableToIPC(table, 'stream');
  return Comlink.transfer({ ipc, schema, report }, [ipc.buffer as ArrayBuffer]);
}

const api = {
  async load(
    file: Blob,
    name: string,
    options: LoadOptions,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<LoadedDataset | LoadFailure> {
    controller?.abort();
    const ac = new AbortController();
    controller = ac;
    const opts: IngestOptions = { signal: ac.signal };
    if (options.missingTokens) opts.missingTokens = options.missingTokens;
    if (options.skipRaggedRows) opts.skipRaggedRows = true;
    let last = 0;
    if (onProgress)
      opts.onProgress = (p) => {
        // Throttle messages to the page: ~20 per second is plenty for a progress bar.
        const now = Date.now();
        if (now - last > 50 || p.bytesRead === p.totalBytes) {
          last = now;
          void onProgress(p);
        }
      };
    try {
      const result = await ingest(blobSource(file, name), opts);
      current = { table: result.table, schema: result.schema, report: result.report };
      return pack(result.table, result.schema, result.report);
    } catch (e) {
      if (e instanceof IngestError) return { error: e.message, code: e.code, lines: e.lines };
      return { error: e instanceof Error ? e.message : String(e), code: 'unreadable', lines: [] };
    } finally {
      if (controller === ac) controller = null;
    }
  },

  cancel(): void {
    controller?.abort();
  },

  /** Apply one schema-editor change to the loaded table. Kind changes rebuild the column, so new bytes come back. */
  edit(edit: SchemaEdit): { schema: TableSchema; ipc?: Uint8Array } {
    if (!current) throw new Error('No table is loaded.');
    const next = applySchemaEdit(current.table, current.schema, edit);
    const rebuilt = next.table !== current.table;
    current = { ...current, table: next.table, schema: next.schema };
    if (!rebuilt) return { schema: next.schema };
    const ipc = tableToIPC(next.table, 'stream');
    return Comlink.transfer({ schema: next.schema, ipc }, [ipc.buffer as ArrayBuffer]);
  },

  /** Apply SDV single-table metadata (kinds, privacy roles) to the loaded table. */
  importMetadata(json: unknown): { schema: TableSchema; ipc: Uint8Array } {
    if (!current) throw new Error('No table is loaded.');
    const next = applySdvMetadata(current.table, current.schema, json);
    current = { ...current, table: next.table, schema: next.schema };
    const ipc = tableToIPC(next.table, 'stream');
    return Comlink.transfer({ schema: next.schema, ipc }, [ipc.buffer as ArrayBuffer]);
  },
};

export type IngestWorkerApi = typeof api;
Comlink.expose(api);

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
import { classifyColumns, groupByEntity, summariseSequences } from '../src/core/longitudinal/structure';

/** Per-patient structure of a long table (one row per visit), for the schema editor. */
export interface SequenceInfo {
  idColumn: string;
  timeColumn?: string;
  patients: number;
  visits: number;
  length: { min: number; median: number; max: number };
  gap: { min: number; median: number; max: number; count: number };
  /** Patients with 1, 2, … max visits. */
  lengthHistogram: { visits: number; patients: number }[];
  /** Inter-visit gaps in up to 20 equal bins (time column units; visit index when no time column). */
  gapHistogram: { from: number; to: number; count: number }[];
  staticColumns: string[];
  timeVaryingColumns: string[];
}

function gapBins(gaps: Float64Array, min: number, max: number): SequenceInfo['gapHistogram'] {
  if (gaps.length === 0 || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  const bins = max > min ? 20 : 1;
  const width = (max - min) / bins || 1;
  const out = Array.from({ length: bins }, (_, i) => ({ from: min + i * width, to: min + (i + 1) * width, count: 0 }));
  for (const g of gaps) out[Math.min(bins - 1, Math.floor((g - min) / width))].count++;
  return out;
}

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

  /** Sequence-length and gap summaries and static vs time-varying columns, when a patient id column is set. */
  sequences(): SequenceInfo | null {
    if (!current?.schema.idColumn) return null;
    const { table, schema } = current;
    const groups = groupByEntity(table, schema.idColumn!, schema.timeColumn);
    const s = summariseSequences(groups);
    const roles = classifyColumns(table, schema, groups);
    const lengthHistogram = Array.from({ length: s.length.max || 0 }, (_, i) => ({ visits: i + 1, patients: 0 }));
    for (const l of s.lengths) if (l > 0) lengthHistogram[l - 1].patients++;
    return {
      idColumn: schema.idColumn!,
      ...(schema.timeColumn ? { timeColumn: schema.timeColumn } : {}),
      patients: s.patients,
      visits: s.visits,
      length: { min: s.length.min, median: s.length.median, max: s.length.max },
      gap: { min: s.gap.min, median: s.gap.median, max: s.gap.max, count: s.gap.count },
      lengthHistogram,
      gapHistogram: gapBins(s.gaps, s.gap.min, s.gap.max),
      staticColumns: roles.static,
      timeVaryingColumns: roles.timeVarying,
    };
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

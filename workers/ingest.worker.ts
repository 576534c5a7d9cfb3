/**
 * Data worker: parses a dropped File into an Arrow table (streaming, with progress and Cancel) and
 * applies schema edits. It keeps the last good table, so a bad file never replaces it. In longitudinal mode
 * it joins an optional per-patient (static) CSV onto the long table on the patient id, and takes it off again.
 */
import * as Comlink from 'comlink';
import type { Table } from 'apache-arrow';
import { ingest, blobSource, IngestError, type IngestOptions, type IngestProgress, type IngestReport } from '../src/core/data';
import { applySchemaEdit, applySdvMetadata, type SchemaEdit } from '../src/core/schema';
import type { TableSchema } from '../src/core/schema/types';
import { tableToIPC } from 'apache-arrow';
import { classifyColumns, groupByEntity, summariseSequences } from '../src/core/longitudinal/structure';
import { JoinError, joinStatic } from '../src/core/longitudinal/join';
import { dropColumns } from '../src/core/longitudinal/static-table';

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

/** What joining a per-patient table did, for the page. */
export interface StaticJoinSummary {
  file: string;
  /** Columns the static table added (its columns other than the id). */
  columns: string[];
  /** Patients of the long table with a static row. */
  matchedPatients: number;
  /** Static rows of patients with no visit (left out). */
  ignoredStaticRows: number;
  /** Long-table patients with no static row (their static cells are missing). */
  patientsWithoutStatic: number;
  /** The static file's own ingest notes (renamed columns, skipped rows). */
  notes: string[];
}

export interface StaticJoined extends LoadedDataset {
  summary: StaticJoinSummary;
}

let current: { table: Table; schema: TableSchema; report: IngestReport } | null = null;
/** Columns of the joined static table, so removing it gives back the long table with its schema edits. */
let staticColumns: string[] | null = null;
let controller: AbortController | null = null;

function pack(table: Table, schema: TableSchema, report: IngestReport): LoadedDataset {
  const ipc = tableToIPC(table, 'stream');
  return Comlink.transfer({ ipc, schema, report }, [ipc.buffer as ArrayBuffer]);
}

function failure(e: unknown): LoadFailure {
  if (e instanceof IngestError) return { error: e.message, code: e.code, lines: e.lines };
  if (e instanceof JoinError) return { error: e.message, code: 'static-join', lines: [] };
  return { error: e instanceof Error ? e.message : String(e), code: 'unreadable', lines: [] };
}

/** Parse a file (streaming, with progress throttled for the page); a newer load or Cancel aborts it. */
async function parse(file: Blob, name: string, options: LoadOptions, onProgress?: (p: IngestProgress) => void) {
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
    return await ingest(blobSource(file, name), opts);
  } finally {
    if (controller === ac) controller = null;
  }
}

/** The edited table becomes the loaded one; its bytes go back to the page only when a column was rebuilt. */
function adoptEdited<T extends object>(table: Table, schema: TableSchema, extra: T): { schema: TableSchema; ipc?: Uint8Array } & T {
  const rebuilt = table !== current!.table;
  current = { ...current!, table, schema };
  if (!rebuilt) return { schema, ...extra };
  const ipc = tableToIPC(table, 'stream');
  return Comlink.transfer({ schema, ipc, ...extra }, [ipc.buffer as ArrayBuffer]);
}

const api = {
  async load(
    file: Blob,
    name: string,
    options: LoadOptions,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<LoadedDataset | LoadFailure> {
    try {
      const result = await parse(file, name, options, onProgress);
      current = { table: result.table, schema: result.schema, report: result.report };
      staticColumns = null;
      return pack(result.table, result.schema, result.report);
    } catch (e) {
      return failure(e);
    }
  },

  /**
   * Join a per-patient CSV onto the loaded long table on its patient id column (replacing a static table
   * joined before). On any failure the loaded table stays as it was.
   */
  async addStatic(
    file: Blob,
    name: string,
    longName: string,
    options: LoadOptions,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<StaticJoined | LoadFailure> {
    try {
      const statics = await parse(file, name, options, onProgress);
      // Read after parsing: the id column may have been edited meanwhile.
      const idColumn = current?.schema.idColumn;
      if (!current || !idColumn) throw new JoinError('Mark the patient id column first: the static table is joined on it.');
      const long = staticColumns ? dropColumns(current.table, current.schema, staticColumns) : current;
      const j = joinStatic(long.table, long.schema, statics.table, statics.schema, idColumn, { long: longName, static: name });
      const columns = j.schema.columns.slice(long.schema.columns.length).map((c) => c.name);
      current = { ...current, table: j.table, schema: j.schema };
      staticColumns = columns;
      const summary: StaticJoinSummary = {
        file: name,
        columns,
        matchedPatients: statics.table.numRows - j.ignoredStaticRows,
        ignoredStaticRows: j.ignoredStaticRows,
        patientsWithoutStatic: j.patientsWithoutStatic,
        notes: statics.report.notes,
      };
      return { ...pack(j.table, j.schema, current.report), summary };
    } catch (e) {
      return failure(e);
    }
  },

  /** Take the joined static table off again: the long table alone, with its schema edits kept. */
  removeStatic(): LoadedDataset {
    if (!current) throw new Error('No table is loaded.');
    if (staticColumns) current = { ...current, ...dropColumns(current.table, current.schema, staticColumns) };
    staticColumns = null;
    return pack(current.table, current.schema, current.report);
  },

  cancel(): void {
    controller?.abort();
  },

  /** Apply one schema-editor change to the loaded table. Kind changes rebuild the column, so new bytes come back. */
  edit(edit: SchemaEdit): { schema: TableSchema; ipc?: Uint8Array } {
    if (!current) throw new Error('No table is loaded.');
    const next = applySchemaEdit(current.table, current.schema, edit);
    return adoptEdited(next.table, next.schema, {});
  },

  /**
   * Apply several schema-editor changes in order (putting a saved schema back after a reload or a re-read): each
   * goes through the same applySchemaEdit as one click; an edit that cannot apply is skipped and said why.
   */
  editAll(edits: SchemaEdit[]): { schema: TableSchema; ipc?: Uint8Array; failed: { edit: SchemaEdit; message: string }[] } {
    if (!current) throw new Error('No table is loaded.');
    let { table, schema } = current;
    const failed: { edit: SchemaEdit; message: string }[] = [];
    for (const edit of edits) {
      try {
        ({ table, schema } = applySchemaEdit(table, schema, edit));
      } catch (e) {
        failed.push({ edit, message: e instanceof Error ? e.message : String(e) });
      }
    }
    return adoptEdited(table, schema, { failed });
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

import type { Table } from 'apache-arrow';
import type { TableSchema } from '../schema/types';

/**
 * Arrow conventions for a loaded table (one column per schema column, same order, same names):
 *   continuous            Float64 (nulls allowed)
 *   integer               Int32 when it fits, else Float64 (nulls allowed)
 *   categorical, boolean  Dictionary<Utf8, Int32> holding the labels exactly as written in the input
 *   datetime              TimestampMillisecond
 *   identifier, text      Utf8
 */

/** Where bytes come from: a browser File in the worker, a file in Node. Called again to re-read (e.g. for a Latin-1 retry). */
export interface ByteSource {
  name: string;
  size: number;
  open(): AsyncIterable<Uint8Array>;
}

export interface IngestOptions {
  /** Tokens read as missing (compared after trimming; quoted tokens count too). */
  missingTokens?: string[];
  /** Skip the ragged rows instead of failing (the user pressed "skip these rows"). */
  skipRaggedRows?: boolean;
  /** Read plain numbers in these columns as epoch seconds/ms datetimes. */
  epochColumns?: string[];
  /** Refuse inputs larger than this many bytes (with a message naming the limit). */
  maxBytes?: number;
  onProgress?: (p: IngestProgress) => void;
  signal?: AbortSignal;
}

export interface IngestProgress {
  bytesRead: number;
  totalBytes: number;
  rows: number;
}

export interface IngestReport {
  file: string;
  encoding: 'utf-8' | 'windows-1252';
  delimiter: string;
  hasHeader: boolean;
  lineEnding: 'LF' | 'CRLF' | 'CR';
  rows: number;
  /** Visible notes: renamed columns, skipped rows, encoding fallback. */
  notes: string[];
  skippedRows: number[];
}

export interface IngestResult {
  table: Table;
  schema: TableSchema;
  report: IngestReport;
}

export type IngestErrorCode =
  | 'empty-file'
  | 'header-only'
  | 'ragged-rows'
  | 'binary-file'
  | 'too-large'
  | 'unreadable'
  | 'cancelled';

/** A problem with the user's file, with a message a clinician can act on. */
export class IngestError extends Error {
  constructor(
    readonly code: IngestErrorCode,
    message: string,
    /** 1-based line numbers, for ragged rows. */
    readonly lines: number[] = [],
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

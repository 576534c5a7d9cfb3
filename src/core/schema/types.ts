/**
 * The schema: what Doppel believes each column is. Inferred at ingest, editable by the user,
 * exported in SDV's single-table metadata layout. Every core module reads column meaning from here.
 */

export type ColumnKind =
  | 'continuous' // real numbers
  | 'integer' // whole numbers; integrality kept on output
  | 'categorical' // finite set of labels (incl. small-integer codes such as cp 1–4)
  | 'boolean' // two labels (0/1, yes/no, true/false, M/F is categorical)
  | 'datetime' // instants; handled as numbers (ms since epoch) by generators
  | 'identifier' // unique per row or id-like name: never trained on, regenerated fresh
  | 'text'; // free text / direct identifiers (names, emails, phones): excluded by default

export const NUMERIC_KINDS: readonly ColumnKind[] = ['continuous', 'integer', 'datetime'];
export const DISCRETE_KINDS: readonly ColumnKind[] = ['categorical', 'boolean'];

export interface ColumnSchema {
  name: string;
  kind: ColumnKind;
  /** Not given to generators. Identifiers and text are excluded by default. */
  excluded: boolean;
  /** Null cells (after missing-token recognition). */
  missing: number;
  /** Distinct non-null values. */
  distinct: number;
  /** Numeric/datetime bounds (datetime in ms since epoch): observed, or set by the user. Output clips to them. */
  min?: number;
  max?: number;
  /** Fraction digits as written in the input (63.0 → 1), so output cells look like input cells. */
  decimals?: number;
  /** Categorical/boolean labels exactly as written in the input, most frequent first. */
  categories?: string[];
  /** Datetime text format detected at ingest (e.g. 'yyyy-mm-dd', 'dd/mm/yyyy', 'yyyy-mm-dd hh:mm', 'iso'). */
  datetimeFormat?: string;
  /** Privacy roles set in the schema editor. */
  sensitive?: boolean;
  quasiIdentifier?: boolean;
  /** Human-readable reason for the inferred kind or a warning ("looks like an email: excluded"). */
  note?: string;
}

export interface TableSchema {
  rows: number;
  columns: ColumnSchema[];
  /** Target column for utility checks. */
  target?: string;
  /** Longitudinal mode: entity id and time/visit column. */
  idColumn?: string;
  timeColumn?: string;
}

export function trainableColumns(schema: TableSchema): ColumnSchema[] {
  return schema.columns.filter((c) => !c.excluded && c.kind !== 'identifier' && c.kind !== 'text');
}

/** Same columns, in the same order, with the same kinds and exclusions: a model of one can train on the other. */
export function sameColumns(a: TableSchema, b: TableSchema): boolean {
  const sig = (s: TableSchema) => s.columns.map((c) => `${c.name}:${c.kind}:${c.excluded ? 'x' : ''}`).join('|');
  return sig(a) === sig(b);
}

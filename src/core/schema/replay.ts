/**
 * Putting the schema editor's changes back onto a table read again from the same file (after a reload, or a
 * re-read with other missing-value tokens): the edits that take the schema as read now to the schema the user
 * had, as schema-editor edits, so they go through the same path (applySchemaEdit) as the user's own clicks.
 */
import type { SchemaEdit } from './edit';
import type { DatetimeFormat } from './datetime';
import type { ColumnSchema, TableSchema } from './types';
import { NUMERIC_KINDS } from './types';

export interface SchemaReplay {
  /** In order: per column kind, use, bounds, privacy roles; then the patient id, visit time and target columns. */
  edits: SchemaEdit[];
  /** Columns of the wanted schema the table does not have (their settings cannot be put back). */
  missing: string[];
}

/**
 * The edits that turn `from` (the table as it is now) into `to` (the schema the user had). `base` is the schema
 * `to` was edited from (the file as read then); only what the user changed from `base` is replayed, so a
 * column the new read infers differently (other missing-value tokens) keeps its new kind unless the user had
 * set one. Without `base`, the file is read as before and `from` is the base.
 */
export function schemaEdits(from: TableSchema, to: TableSchema, base: TableSchema = from): SchemaReplay {
  const now = new Map(from.columns.map((c) => [c.name, c]));
  const before = new Map(base.columns.map((c) => [c.name, c]));
  const edits: SchemaEdit[] = [];
  const missing: string[] = [];
  for (const want of to.columns) {
    const have = now.get(want.name);
    if (!have) {
      missing.push(want.name);
      continue;
    }
    const was = before.get(want.name);
    // Set by the user: differs from the schema it was edited from (a column unknown there counts as set).
    const edited = <T,>(get: (c: ColumnSchema) => T) => !was || get(want) !== get(was);
    const column = want.name;
    const format = (c: ColumnSchema) => (c.kind === 'datetime' ? c.datetimeFormat : undefined);
    const kindChanged = (want.kind !== have.kind && edited((c) => c.kind)) || (want.kind === 'datetime' && format(want) !== format(have) && edited(format));
    if (kindChanged) {
      const f = format(want);
      edits.push({ type: 'kind', column, kind: want.kind, ...(f ? { datetimeFormat: f as DatetimeFormat } : {}) });
    }
    // A kind change sets the use on its own (identifiers and text are left out, a column leaving those kinds is used).
    const hidden = (c: ColumnSchema) => c.kind === 'identifier' || c.kind === 'text';
    const excludedNext = !kindChanged ? have.excluded : hidden(want) ? true : hidden(have) ? false : have.excluded;
    if (want.excluded !== excludedNext && (kindChanged || edited((c) => c.excluded))) edits.push({ type: 'excluded', column, excluded: want.excluded });
    if (NUMERIC_KINDS.includes(want.kind) && (want.min !== undefined || want.max !== undefined)) {
      const userBounds = edited((c) => c.min) || edited((c) => c.max);
      const differs = kindChanged || want.min !== have.min || want.max !== have.max;
      if (userBounds && differs) edits.push({ type: 'bounds', column, ...(want.min !== undefined ? { min: want.min } : {}), ...(want.max !== undefined ? { max: want.max } : {}) });
    }
    if (!!want.sensitive !== !!have.sensitive && edited((c) => !!c.sensitive)) edits.push({ type: 'sensitive', column, sensitive: !!want.sensitive });
    if (!!want.quasiIdentifier !== !!have.quasiIdentifier && edited((c) => !!c.quasiIdentifier))
      edits.push({ type: 'quasiIdentifier', column, quasiIdentifier: !!want.quasiIdentifier });
  }
  // The id before the time column (the editor offers a time column once an id is set), the target last.
  for (const type of ['idColumn', 'timeColumn', 'target'] as const) {
    const want = to[type];
    if (want === from[type] || want === base[type]) continue;
    if (want !== undefined && !now.has(want)) continue; // the column itself is listed as missing
    edits.push({ type, column: want });
  }
  return { edits, missing };
}

/** What an edit sets, for a message saying it could not be put back. */
export function describeEdit(edit: SchemaEdit): string {
  switch (edit.type) {
    case 'kind':
      return `“${edit.column}” as ${edit.kind}`;
    case 'excluded':
      return `“${edit.column}” ${edit.excluded ? 'left out of' : 'used for'} training`;
    case 'bounds':
      return `the bounds of “${edit.column}”`;
    case 'sensitive':
      return `“${edit.column}” ${edit.sensitive ? 'marked' : 'not marked'} sensitive`;
    case 'quasiIdentifier':
      return `“${edit.column}” ${edit.quasiIdentifier ? 'marked' : 'not marked'} a quasi-identifier`;
    case 'target':
      return edit.column === undefined ? 'no target column' : `“${edit.column}” as the target column`;
    case 'idColumn':
      return edit.column === undefined ? 'no patient id column' : `“${edit.column}” as the patient id column`;
    case 'timeColumn':
      return edit.column === undefined ? 'no visit time column' : `“${edit.column}” as the visit time column`;
  }
}

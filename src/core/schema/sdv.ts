/**
 * Import/export of the schema in the layout of SDV's single-table metadata
 * (`{"columns": {"age": {"sdtype": "numerical"}}, "primary_key": "id", "METADATA_SPEC_VERSION": "SINGLE_TABLE_V1"}`),
 * so a user can move a schema between Doppel and other tools. Written from the published metadata
 * format description, not from SDV code.
 */
import type { Table } from 'apache-arrow';
import type { ColumnKind, ColumnSchema, TableSchema } from './types';
import { fromStrftime, toStrftime } from './datetime';
import { normaliseName } from './infer';
import { retypeColumn, type LoadedTable } from './edit';

export interface SdvColumn {
  sdtype: string;
  computer_representation?: string;
  datetime_format?: string;
  pii?: boolean;
  [key: string]: unknown;
}

export interface SdvMetadata {
  columns: Record<string, SdvColumn>;
  primary_key?: string;
  METADATA_SPEC_VERSION?: string;
  /** Doppel's own settings (excluded, bounds, roles), only with `{ extensions: true }`; other tools ignore it. */
  doppel?: DoppelExtensions;
}

interface DoppelExtensions {
  target?: string;
  idColumn?: string;
  timeColumn?: string;
  columns: Record<string, Partial<Pick<ColumnSchema, 'kind' | 'excluded' | 'min' | 'max' | 'decimals' | 'sensitive' | 'quasiIdentifier'>>>;
}

/** PII sdtypes for direct identifiers, from the column name or the note inference left on it. */
function piiSdtype(c: ColumnSchema): string {
  const text = `${normaliseName(c.name)} ${c.note ?? ''}`;
  if (/e_?mail/.test(text)) return 'email';
  if (/phone|(^|_)(tel|mobile|cell)(_|\s|$)/.test(text)) return 'phone_number';
  if (/post_?code|(^|_)zip/.test(text)) return 'postcode';
  if (/address|street/.test(text)) return 'address';
  if (/(^|_)(first|given|fore)_?name/.test(text)) return 'first_name';
  if (/(^|_)(last|family|sur)_?name/.test(text)) return 'last_name';
  if (/(^|_)name(\s|$)|names/.test(text)) return 'name';
  return 'unknown';
}

export function toSdvMetadata(schema: TableSchema, options: { extensions?: boolean } = {}): SdvMetadata {
  const columns: Record<string, SdvColumn> = {};
  for (const c of schema.columns) {
    switch (c.kind) {
      case 'continuous': columns[c.name] = { sdtype: 'numerical', computer_representation: 'Float' }; break;
      case 'integer': columns[c.name] = { sdtype: 'numerical', computer_representation: 'Int64' }; break;
      case 'categorical': columns[c.name] = { sdtype: 'categorical' }; break;
      case 'boolean': columns[c.name] = { sdtype: 'boolean' }; break;
      case 'datetime': {
        const f = toStrftime(c.datetimeFormat);
        columns[c.name] = f ? { sdtype: 'datetime', datetime_format: f } : { sdtype: 'datetime' };
        break;
      }
      case 'identifier': columns[c.name] = { sdtype: 'id' }; break;
      case 'text': columns[c.name] = { sdtype: piiSdtype(c), pii: true }; break;
    }
  }
  const meta: SdvMetadata = { columns };
  // A primary key must be unique and complete.
  const key = schema.columns.find((c) => c.kind === 'identifier' && c.missing === 0 && c.distinct === schema.rows);
  if (key) meta.primary_key = key.name;
  meta.METADATA_SPEC_VERSION = 'SINGLE_TABLE_V1';
  if (options.extensions) {
    const ext: DoppelExtensions = { columns: {} };
    if (schema.target) ext.target = schema.target;
    if (schema.idColumn) ext.idColumn = schema.idColumn;
    if (schema.timeColumn) ext.timeColumn = schema.timeColumn;
    for (const c of schema.columns) {
      const e: DoppelExtensions['columns'][string] = { kind: c.kind, excluded: c.excluded };
      if (c.min !== undefined) e.min = c.min;
      if (c.max !== undefined) e.max = c.max;
      if (c.decimals !== undefined) e.decimals = c.decimals;
      if (c.sensitive) e.sensitive = true;
      if (c.quasiIdentifier) e.quasiIdentifier = true;
      ext.columns[c.name] = e;
    }
    meta.doppel = ext;
  }
  return meta;
}

/** Check the shape and return the single table's metadata (a multi-table file with one table is accepted). */
export function parseSdvMetadata(json: unknown): SdvMetadata {
  const bad = (why: string): never => {
    throw new Error(`This is not SDV single-table metadata: ${why}.`);
  };
  if (typeof json === 'string') {
    try { json = JSON.parse(json); } catch { bad('it is not valid JSON'); }
  }
  if (!json || typeof json !== 'object') bad('expected a JSON object');
  let obj = json as Record<string, unknown>;
  if (!obj.columns && obj.tables && typeof obj.tables === 'object') {
    const tables = Object.values(obj.tables as Record<string, unknown>);
    if (tables.length !== 1) bad(`it describes ${tables.length} tables; Doppel needs exactly one`);
    obj = tables[0] as Record<string, unknown>;
  }
  if (!obj.columns || typeof obj.columns !== 'object') bad('there is no "columns" object');
  for (const [name, c] of Object.entries(obj.columns as Record<string, unknown>)) {
    if (!c || typeof c !== 'object' || typeof (c as SdvColumn).sdtype !== 'string') bad(`column "${name}" has no "sdtype"`);
  }
  return obj as unknown as SdvMetadata;
}

/** The Doppel kind for an SDV column; `current` (the inferred kind) decides integer vs continuous when SDV does not say. */
export function sdtypeToKind(c: SdvColumn, current?: ColumnKind): ColumnKind {
  switch (c.sdtype) {
    case 'numerical': {
      const rep = c.computer_representation ?? '';
      if (/^U?Int/i.test(rep)) return 'integer';
      if (/^Float/i.test(rep)) return 'continuous';
      return current === 'integer' || current === 'continuous' ? current : current === 'datetime' ? 'continuous' : 'integer';
    }
    case 'categorical': return 'categorical';
    case 'boolean': return 'boolean';
    case 'datetime': return 'datetime';
    case 'id': return 'identifier';
    default: return 'text';
  }
}

/** A schema from metadata alone (no data yet: counts are zero). */
export function fromSdvMetadata(json: unknown): TableSchema {
  const meta = parseSdvMetadata(json);
  const columns: ColumnSchema[] = Object.entries(meta.columns).map(([name, c]) => {
    let kind = sdtypeToKind(c);
    if (meta.primary_key === name) kind = 'identifier';
    const col: ColumnSchema = { name, kind, excluded: kind === 'identifier' || kind === 'text', missing: 0, distinct: 0 };
    const f = kind === 'datetime' ? fromStrftime(c.datetime_format) : undefined;
    if (f) col.datetimeFormat = f;
    return col;
  });
  const schema: TableSchema = { rows: 0, columns };
  applyExtensions(schema, meta);
  return schema;
}

function applyExtensions(schema: TableSchema, meta: SdvMetadata): void {
  const ext = meta.doppel;
  if (!ext || typeof ext !== 'object') return;
  if (ext.target) schema.target = ext.target;
  if (ext.idColumn) schema.idColumn = ext.idColumn;
  if (ext.timeColumn) schema.timeColumn = ext.timeColumn;
  schema.columns = schema.columns.map((c) => {
    const e = ext.columns?.[c.name];
    if (!e) return c;
    const next = { ...c };
    if (typeof e.excluded === 'boolean') next.excluded = e.excluded;
    if (typeof e.min === 'number') next.min = e.min;
    if (typeof e.max === 'number') next.max = e.max;
    if (e.sensitive) next.sensitive = true;
    if (e.quasiIdentifier) next.quasiIdentifier = true;
    return next;
  });
}

/**
 * Apply imported metadata to a loaded table: each listed column is converted to the metadata's kind
 * (e.g. an inferred categorical code that SDV calls numerical becomes integer). Columns the metadata
 * does not list keep their inferred kind. Used by the schema import and by `evaluate --metadata`.
 */
export function applySdvMetadata(table: Table, schema: TableSchema, json: unknown): LoadedTable {
  const meta = parseSdvMetadata(json);
  const known = new Set(schema.columns.map((c) => c.name));
  const unknown = Object.keys(meta.columns).filter((n) => !known.has(n));
  if (unknown.length) throw new Error(`The metadata describes column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} that the table does not have.`);
  let loaded: LoadedTable = { table, schema };
  for (const [name, c] of Object.entries(meta.columns)) {
    const current = loaded.schema.columns.find((x) => x.name === name)!;
    let kind = sdtypeToKind(c, current.kind);
    if (c.sdtype === 'numerical' && !c.computer_representation && current.categories) {
      // A code column SDV calls numerical: integer only if every label is a whole number.
      kind = current.categories.every((l) => /^[+-]?\d+(\.0*)?$/.test(l)) ? 'integer' : 'continuous';
    }
    if (meta.primary_key === name) kind = 'identifier';
    const wantedFormat = kind === 'datetime' ? fromStrftime(c.datetime_format) : undefined;
    const ext = meta.doppel?.columns?.[name]?.kind;
    if (ext && sdtypeToKind(toSdvMetadata({ rows: 0, columns: [{ ...current, kind: ext }] }).columns[name], current.kind) === kind) kind = ext;
    if (kind !== current.kind || (wantedFormat && wantedFormat !== current.datetimeFormat)) {
      loaded = retypeColumn(loaded.table, loaded.schema, name, kind, { datetimeFormat: wantedFormat });
      const j = loaded.schema.columns.findIndex((x) => x.name === name);
      const cols = loaded.schema.columns.slice();
      cols[j] = { ...cols[j], note: `kind ${kind} from imported metadata (sdtype ${c.sdtype})` };
      loaded = { table: loaded.table, schema: { ...loaded.schema, columns: cols } };
    }
  }
  const schemaWithExt = { ...loaded.schema };
  applyExtensions(schemaWithExt, meta);
  return { table: loaded.table, schema: schemaWithExt };
}

import { Table, type Vector } from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../schema/types';
import { ColumnAccumulator } from '../data/column-accumulator';
import { buildColumn } from '../data/build';
import { columnText } from '../schema/edit';
import { formatDatetime } from '../schema/datetime';
import { classifyColumns, groupByEntity, numericColumn } from './structure';

/**
 * A patient as one token sequence: static columns, the visit count, then visit after visit (its gap since
 * the previous visit and its time-varying values, nulls kept as missingness). An autoregressive generator
 * over these columns emits a patient's static tokens and then each visit in order — EHR-Safe's five
 * feature groups (Yoon et al. 2023): static, time-varying numeric and categorical, gaps, missingness.
 * One row per patient also makes the patient the unit of membership for privacy and DP accounting.
 */
export interface LongitudinalLayout {
  idColumn: string;
  timeColumn?: string;
  static: string[];
  timeVarying: string[];
  /** Visits kept per patient; longer histories are truncated (counted in `truncatedPatients`). */
  maxVisits: number;
  truncatedPatients: number;
  /** Fresh ids start above this when the real ids are numbers, so they never collide. */
  idMax: number | null;
}

export const VISITS = '__visits';
export const visitColumn = (name: string, k: number) => `${name}@${k}`;
export const gapColumn = (time: string, k: number) => `${time}.gap@${k}`;

/** Default cap on visits per patient: sequences longer than this are truncated, with a note. */
export const DEFAULT_MAX_VISITS = 32;

export function flattenPatients(
  table: Table,
  schema: TableSchema,
  /** `like`: flatten with another table's layout (same columns), e.g. synthetic or holdout beside the real table. */
  options: { maxVisits?: number; like?: LongitudinalLayout } = {},
): { wide: Table; wideSchema: TableSchema; layout: LongitudinalLayout } {
  const id = schema.idColumn;
  if (!id) throw new Error('Longitudinal mode needs a patient id column: mark one in the schema (or pass --id).');
  const time = schema.timeColumn;
  const groups = groupByEntity(table, id, time);
  const roles = options.like
    ? { static: options.like.static, timeVarying: options.like.timeVarying }
    : classifyColumns(table, schema, groups);
  const cols = new Map(schema.columns.map((c) => [c.name, c]));
  const text = (name: string) => columnText(table.getChild(name) as Vector, cols.get(name)!);

  let longest = 0;
  for (let e = 0; e < groups.ids.length; e++) longest = Math.max(longest, groups.offsets[e + 1] - groups.offsets[e]);
  const maxVisits = options.like?.maxVisits ?? Math.max(1, Math.min(longest, options.maxVisits ?? DEFAULT_MAX_VISITS));

  const vectors: Record<string, Vector> = {};
  const columns: ColumnSchema[] = [];
  const add = (name: string, base: ColumnSchema, values: (string | null)[]) => {
    const acc = new ColumnAccumulator();
    for (const v of values) (v === null ? acc.pushMissing() : acc.push(v));
    const built = buildColumn(acc, name, base.kind, { excluded: false, datetimeFormat: base.datetimeFormat as never });
    vectors[name] = built.vector;
    columns.push({ ...built.schema, sensitive: base.sensitive, quasiIdentifier: base.quasiIdentifier });
  };
  const P = groups.ids.length;
  const firstRow = (e: number) => groups.order[groups.offsets[e]];
  const visitRow = (e: number, k: number) =>
    groups.offsets[e] + k < groups.offsets[e + 1] ? groups.order[groups.offsets[e] + k] : -1;

  for (const name of roles.static) {
    const t = text(name);
    add(name, cols.get(name)!, Array.from({ length: P }, (_, e) => t[firstRow(e)]));
  }
  let truncated = 0;
  add(
    VISITS,
    { name: VISITS, kind: 'integer', excluded: false, missing: 0, distinct: 0 },
    Array.from({ length: P }, (_, e) => {
      const n = groups.offsets[e + 1] - groups.offsets[e];
      if (n > maxVisits) truncated++;
      return String(Math.min(n, maxVisits));
    }),
  );
  const timeText = time ? text(time) : null;
  const timeNum = time ? numericColumn(table, time) : null;
  const timeSchema = time ? cols.get(time)! : null;
  const gapKind = timeSchema?.kind === 'continuous' ? 'continuous' : 'integer';
  for (let k = 0; k < maxVisits; k++) {
    if (time && timeText && timeNum && timeSchema) {
      if (k === 0) add(visitColumn(time, 1), timeSchema, Array.from({ length: P }, (_, e) => timeText[firstRow(e)]));
      else {
        add(
          gapColumn(time, k + 1),
          { name: gapColumn(time, k + 1), kind: gapKind, excluded: false, missing: 0, distinct: 0, decimals: timeSchema.decimals },
          Array.from({ length: P }, (_, e) => {
            const r = visitRow(e, k);
            if (r < 0) return null;
            const g = timeNum[r] - timeNum[visitRow(e, k - 1)];
            return Number.isFinite(g) ? String(g) : null;
          }),
        );
      }
    }
    for (const name of roles.timeVarying) {
      const t = text(name);
      add(visitColumn(name, k + 1), cols.get(name)!, Array.from({ length: P }, (_, e) => {
        const r = visitRow(e, k);
        return r < 0 ? null : t[r];
      }));
    }
  }

  let idMax: number | null = -Infinity;
  for (const s of groups.ids) {
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) {
      idMax = null;
      break;
    }
    idMax = Math.max(idMax, v);
  }
  return {
    wide: new Table(vectors),
    wideSchema: { rows: P, columns },
    layout: { idColumn: id, timeColumn: time, static: roles.static, timeVarying: roles.timeVarying, maxVisits, truncatedPatients: truncated, idMax },
  };
}

/** Back to the long layout: one row per visit, the original header and column order, fresh patient ids. */
export function unflattenPatients(wide: Table, layout: LongitudinalLayout, schema: TableSchema): Table {
  const P = wide.numRows;
  const wideText = (name: string): (string | null)[] | null => {
    const v = wide.getChild(name);
    if (!v) return null;
    const out: (string | null)[] = new Array(P);
    for (let i = 0; i < P; i++) {
      const x = v.isValid(i) ? v.get(i) : null;
      out[i] = x === null || x === undefined ? null : x instanceof Date ? String(x.getTime()) : String(x);
    }
    return out;
  };
  const visits = numericColumnOf(wide, VISITS);
  const time = layout.timeColumn;
  const gaps = Array.from({ length: layout.maxVisits }, (_, k) => (time && k > 0 ? numericColumnOf(wide, gapColumn(time, k + 1)) : null));
  const counts = new Int32Array(P);
  let total = 0;
  for (let p = 0; p < P; p++) {
    let n = Math.min(layout.maxVisits, Math.max(1, Number.isFinite(visits[p]) ? Math.round(visits[p]) : 1));
    // a visit has a gap since the previous one: the first missing gap ends the history (the end token)
    for (let k = 1; k < n; k++) {
      if (gaps[k] && !Number.isFinite(gaps[k]![p])) {
        n = k;
        break;
      }
    }
    counts[p] = n;
    total += n;
  }
  const staticSet = new Set(layout.static);
  const tvSet = new Set(layout.timeVarying);
  const vectors: Record<string, Vector> = {};
  const timeSchema = schema.columns.find((c) => c.name === time);

  for (const col of schema.columns) {
    const acc = new ColumnAccumulator();
    if (col.name === layout.idColumn) {
      // numeric ids continue in a visibly separate block above every real id (312 → 1001, 1002, …)
      const start = layout.idMax === null ? 1 : 10 ** String(Math.max(0, Math.floor(layout.idMax))).length + 1;
      const width = String(P).length;
      for (let p = 0; p < P; p++) {
        const fresh = layout.idMax === null ? `SYN-${String(p + start).padStart(width, '0')}` : String(p + start);
        for (let k = 0; k < counts[p]; k++) acc.push(fresh);
      }
    } else if (time && col.name === time && timeSchema) {
      // Times rebuild from the first visit's time plus the generated gaps; numbers (ms for datetimes) in, labels out.
      const t0 = numericColumnOf(wide, visitColumn(time, 1));
      for (let p = 0; p < P; p++) {
        let t = Number.isFinite(t0[p]) ? t0[p] : 0;
        for (let k = 0; k < counts[p]; k++) {
          if (k > 0) {
            t += Math.max(0, gaps[k]![p]);
          }
          acc.push(timeLabel(t, timeSchema));
        }
      }
    } else if (staticSet.has(col.name)) {
      const v = wideText(col.name)!;
      for (let p = 0; p < P; p++) for (let k = 0; k < counts[p]; k++) pushCell(acc, v[p], col);
    } else if (tvSet.has(col.name)) {
      const perVisit = Array.from({ length: layout.maxVisits }, (_, k) => wideText(visitColumn(col.name, k + 1)));
      for (let p = 0; p < P; p++) for (let k = 0; k < counts[p]; k++) pushCell(acc, perVisit[k]?.[p] ?? null, col);
    } else {
      for (let i = 0; i < total; i++) acc.pushMissing();
    }
    const kind = col.name === layout.idColumn ? 'identifier' : col.kind;
    vectors[col.name] = buildColumn(acc, col.name, kind, {
      excluded: col.excluded,
      datetimeFormat: col.datetimeFormat as never,
    }).vector;
  }
  return new Table(vectors);
}

function pushCell(acc: ColumnAccumulator, value: string | null, col: ColumnSchema): void {
  if (value === null) acc.pushMissing();
  else if (col.kind === 'datetime') acc.push(timeLabel(Number(value), col));
  else acc.push(value);
}

function timeLabel(t: number, col: ColumnSchema): string {
  if (col.kind === 'datetime') return formatDatetime(Math.round(t), col.datetimeFormat);
  return col.kind === 'integer' ? String(Math.round(t)) : String(t);
}

function numericColumnOf(table: Table, name: string): Float64Array {
  return table.getChild(name) ? numericColumn(table, name) : new Float64Array(table.numRows).fill(NaN);
}

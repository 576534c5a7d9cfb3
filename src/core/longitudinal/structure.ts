import { DataType, type Table } from 'apache-arrow';
import { numericValues } from '../evaluate/columns';
import type { TableSchema } from '../schema/types';

/**
 * Longitudinal layout: one row per visit, many visits per patient, as in EHR-Safe (Yoon et al.,
 * npj Digital Medicine 2023). A patient is the unit of membership everywhere downstream.
 */
export interface EntityGroups {
  /** Entity (patient) ids as text, in first-seen order. */
  ids: string[];
  /** Row indices sorted by entity, then time: rows of entity e are order[offsets[e] .. offsets[e+1]). */
  order: Int32Array;
  offsets: Int32Array;
  /** Time of each row in `order` (NaN when missing): numbers or ms since epoch for datetimes. */
  times: Float64Array;
}

/** Column values as numbers (NaN for null); datetimes as ms since epoch. */
export function numericColumn(table: Table, name: string): Float64Array {
  const v = table.getChild(name);
  if (!v) throw new Error(`No column "${name}"`);
  return numericValues(v, DataType.isTimestamp(v.type));
}

/** Column values as text (null stays null). */
export function textColumn(table: Table, name: string): (string | null)[] {
  const v = table.getChild(name);
  if (!v) throw new Error(`No column "${name}"`);
  const out: (string | null)[] = new Array(table.numRows);
  for (let i = 0; i < out.length; i++) {
    const x = v.isValid(i) ? v.get(i) : null;
    out[i] = x === null || x === undefined ? null : String(x);
  }
  return out;
}

/** Group rows by entity id and sort each entity's rows by time (stable: input order breaks ties). */
export function groupByEntity(table: Table, idColumn: string, timeColumn?: string): EntityGroups {
  const ids = textColumn(table, idColumn);
  const time = timeColumn ? numericColumn(table, timeColumn) : null;
  const index = new Map<string, number>();
  const members: number[][] = [];
  const idList: string[] = [];
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r] ?? '';
    let e = index.get(id);
    if (e === undefined) {
      e = idList.length;
      index.set(id, e);
      idList.push(id);
      members.push([]);
    }
    members[e].push(r);
  }
  const order = new Int32Array(table.numRows);
  const offsets = new Int32Array(idList.length + 1);
  const times = new Float64Array(table.numRows);
  let k = 0;
  for (let e = 0; e < members.length; e++) {
    const rows = members[e];
    if (time) rows.sort((a, b) => (time[a] - time[b]) || a - b);
    offsets[e] = k;
    for (let j = 0; j < rows.length; j++) {
      order[k] = rows[j];
      times[k] = time ? time[rows[j]] : j;
      k++;
    }
  }
  offsets[members.length] = k;
  return { ids: idList, order, offsets, times };
}

export interface ColumnRoles {
  /** Constant within every patient (age at entry, sex, treatment arm). */
  static: string[];
  /** Change between visits (labs, vitals, codes). */
  timeVarying: string[];
}

/** Split the non-id, non-time trainable columns into static and time-varying by looking at the data. */
export function classifyColumns(table: Table, schema: TableSchema, groups: EntityGroups): ColumnRoles {
  const roles: ColumnRoles = { static: [], timeVarying: [] };
  for (const c of schema.columns) {
    if (c.name === schema.idColumn || c.name === schema.timeColumn) continue;
    if (c.excluded || c.kind === 'identifier' || c.kind === 'text') continue;
    const values = textColumn(table, c.name);
    let constant = true;
    for (let e = 0; e < groups.ids.length && constant; e++) {
      const first = values[groups.order[groups.offsets[e]]];
      for (let k = groups.offsets[e] + 1; k < groups.offsets[e + 1]; k++) {
        if (values[groups.order[k]] !== first) {
          constant = false;
          break;
        }
      }
    }
    (constant ? roles.static : roles.timeVarying).push(c.name);
  }
  return roles;
}

export interface SequenceSummary {
  patients: number;
  visits: number;
  length: { min: number; median: number; mean: number; max: number };
  /** Gaps between consecutive visits, in the time column's units. */
  gap: { min: number; median: number; mean: number; max: number; count: number };
  lengths: Int32Array;
  gaps: Float64Array;
}

export function summariseSequences(groups: EntityGroups): SequenceSummary {
  const n = groups.ids.length;
  const lengths = new Int32Array(n);
  const gaps: number[] = [];
  for (let e = 0; e < n; e++) {
    lengths[e] = groups.offsets[e + 1] - groups.offsets[e];
    for (let k = groups.offsets[e] + 1; k < groups.offsets[e + 1]; k++) {
      const g = groups.times[k] - groups.times[k - 1];
      if (Number.isFinite(g)) gaps.push(g);
    }
  }
  return {
    patients: n,
    visits: groups.order.length,
    length: describe(Float64Array.from(lengths)),
    gap: { ...describe(Float64Array.from(gaps)), count: gaps.length },
    lengths,
    gaps: Float64Array.from(gaps),
  };
}

function describe(values: Float64Array): { min: number; median: number; mean: number; max: number } {
  if (values.length === 0) return { min: NaN, median: NaN, mean: NaN, max: NaN };
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { min: sorted[0], median, mean: sum / sorted.length, max: sorted[sorted.length - 1] };
}

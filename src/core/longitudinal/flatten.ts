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
  /**
   * Numeric time-varying columns stored as a per-patient mean (`name@mean`) plus each visit's deviation from
   * it, with the real column's range for clipping on the way back. (Absent in older model files: raw values.)
   */
  centred?: CentredColumn[];
  /**
   * Categorical time-varying columns whose visits after the first hold SAME_AS_PREVIOUS when the value did
   * not change (statuses persist: ascites at one visit is mostly ascites at the next). Absent: raw values.
   */
  sameAsPrevious?: string[];
  /**
   * Time-varying columns never missing at any real visit: a synthetic visit the model left empty there takes the
   * patient's own value (its level, or the neighbouring visit's status), not a missing cell. Absent under DP.
   */
  complete?: string[];
}

/** The token for "as at the previous visit"; never a real category (a column holding it is left raw). */
export const SAME_AS_PREVIOUS = '\u2261previous';

export interface CentredColumn {
  name: string;
  /** The real range, for clipping; left out under DP (the inner generator's private bounds clip instead). */
  min?: number;
  max?: number;
}

export const VISITS = '__visits';
export const visitColumn = (name: string, k: number) => `${name}@${k}`;
export const gapColumn = (time: string, k: number) => `${time}.gap@${k}`;
export const meanColumn = (name: string) => `${name}@mean`;

/** Default cap on visits per patient: sequences longer than this are truncated, with a note. */
export const DEFAULT_MAX_VISITS = 32;

export function flattenPatients(
  table: Table,
  schema: TableSchema,
  /** `like`: flatten with another table's layout (same columns), e.g. synthetic or holdout beside the real table. */
  options: { maxVisits?: number; like?: LongitudinalLayout; /** every visit as written: no centring, no same-as-previous */ rawVisits?: boolean;
    /** false under DP: the layout keeps no real min/max */ realRanges?: boolean } = {},
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
  // Per-patient means of numeric time-varying columns. Why: a patient's level (high bilirubin stays high) is
  // most of a lab's visit-to-visit correlation; as one column per patient the generator learns it once, where
  // raw per-visit columns left it to learn the same level 16 times over (lag-1 autocorrelation 0.17 vs 0.84).
  const centred: CentredColumn[] = options.like
    ? (options.like.centred ?? [])
    : options.rawVisits
      ? []
      : roles.timeVarying.filter((n) => NUMERIC_TV.has(cols.get(n)!.kind)).map((name) => ({ name, ...range(numericColumn(table, name)) }))
        .filter((c) => Number.isFinite(c.min)) // a column with no value has nothing to centre
        .map((c) => (options.realRanges === false ? { name: c.name } : c));
  /** Per centred column: its values (read once) and each patient's mean. */
  const means = new Map<string, { v: Float64Array; m: Float64Array }>();
  for (const c of centred) {
    const v = numericColumn(table, c.name);
    const m = new Float64Array(P);
    for (let e = 0; e < P; e++) {
      let sum = 0;
      let n = 0;
      for (let k = 0; k < maxVisits; k++) {
        const r = visitRow(e, k);
        if (r >= 0 && Number.isFinite(v[r])) { sum += v[r]; n++; }
      }
      m[e] = n ? sum / n : NaN;
    }
    means.set(c.name, { v, m });
    add(meanColumn(c.name), { name: meanColumn(c.name), kind: 'continuous', excluded: false, missing: 0, distinct: 0 },
      Array.from(m, (x) => (Number.isFinite(x) ? String(x) : null)));
  }
  const repeating = new Set(
    options.like
      ? (options.like.sameAsPrevious ?? [])
      : options.rawVisits
        ? []
        : roles.timeVarying.filter((n) => REPEATING_TV.has(cols.get(n)!.kind) && !text(n).includes(SAME_AS_PREVIOUS)),
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
      const centredValues = means.get(name);
      if (centredValues) {
        const { v, m } = centredValues;
        const dev = visitColumn(name, k + 1);
        add(dev, { name: dev, kind: 'continuous', excluded: false, missing: 0, distinct: 0 }, Array.from({ length: P }, (_, e) => {
          const r = visitRow(e, k);
          // Past the patient's last visit: 0, not missing, so that missing means "not measured at a visit".
          if (r < 0) return '0';
          return !Number.isFinite(v[r]) ? null : String(v[r] - m[e]);
        }));
        continue;
      }
      const t = text(name);
      if (k > 0 && repeating.has(name)) {
        const slot = visitColumn(name, k + 1);
        add(slot, { name: slot, kind: 'categorical', excluded: false, missing: 0, distinct: 0 }, Array.from({ length: P }, (_, e) => {
          const r = visitRow(e, k);
          if (r < 0) return SAME_AS_PREVIOUS; // past the last visit (as above: missing means not recorded)
          if (t[r] === null) return null;
          return t[r] === t[visitRow(e, k - 1)] ? SAME_AS_PREVIOUS : t[r];
        }));
        continue;
      }
      add(visitColumn(name, k + 1), cols.get(name)!, Array.from({ length: P }, (_, e) => {
        const r = visitRow(e, k);
        return r < 0 ? null : t[r];
      }));
    }
  }

  // Which time-varying columns have a value at every kept visit (the synthetic side is then filled, see `complete`).
  const completeColumns = () =>
    roles.timeVarying.filter((name) => {
      const v = table.getChild(name)!;
      for (let e = 0; e < P; e++)
        for (let k = 0; k < maxVisits; k++) {
          const r = visitRow(e, k);
          if (r >= 0 && !v.isValid(r)) return false;
        }
      return true;
    });
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
    layout: {
      idColumn: id, timeColumn: time, static: roles.static, timeVarying: roles.timeVarying, maxVisits, truncatedPatients: truncated, idMax,
      centred, sameAsPrevious: [...repeating],
      ...(options.like ? { complete: options.like.complete ?? [] } : options.rawVisits || options.realRanges === false ? {} : { complete: completeColumns() }),
    },
  };
}

/**
 * Patients as privacy records: each patient's visits as recorded (every visit written out, no centring) in one
 * row, so distances compare patients, not visits; `records` lays a synthetic or held-back table out the same way.
 */
export function patientRecords(train: Table, schema: TableSchema): { wide: Table; wideSchema: TableSchema; records: (t: Table) => Table } {
  const real = flattenPatients(train, schema, { rawVisits: true });
  return { wide: real.wide, wideSchema: real.wideSchema, records: (t) => flattenPatients(t, schema, { like: real.layout }).wide };
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
  const centred = new Map((layout.centred ?? []).map((c) => [c.name, c]));
  const repeating = new Set(layout.sameAsPrevious ?? []);
  const complete = new Set(layout.complete ?? []);
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
    } else if (centred.has(col.name)) {
      const { min = -Infinity, max = Infinity } = centred.get(col.name)!;
      const mean = numericColumnOf(wide, meanColumn(col.name));
      const perVisit = Array.from({ length: layout.maxVisits }, (_, k) => numericColumnOf(wide, visitColumn(col.name, k + 1)));
      const fill = complete.has(col.name); // an empty visit sits at the patient's level
      for (let p = 0; p < P; p++)
        for (let k = 0; k < counts[p]; k++) {
          const dev = perVisit[k][p];
          const v = mean[p] + (fill && !Number.isFinite(dev) ? 0 : dev);
          if (Number.isFinite(v)) acc.push(numberLabel(Math.min(max, Math.max(min, v)), col));
          else acc.pushMissing();
        }
    } else if (tvSet.has(col.name)) {
      const perVisit = Array.from({ length: layout.maxVisits }, (_, k) => wideText(visitColumn(col.name, k + 1)));
      const repeats = repeating.has(col.name);
      const fill = complete.has(col.name);
      for (let p = 0; p < P; p++) {
        let last: string | null = null; // a synthetic "same" after a missing visit repeats the last value seen
        const values: (string | null)[] = [];
        for (let k = 0; k < counts[p]; k++) {
          let v = perVisit[k]?.[p] ?? null;
          if (repeats && v === SAME_AS_PREVIOUS) v = last;
          if (v === null && fill) v = last;
          if (v !== null) last = v;
          values.push(v);
        }
        // a complete column's leading empty visits take the first value the patient has
        if (fill) for (let k = values.length - 2; k >= 0; k--) if (values[k] === null) values[k] = values[k + 1];
        for (const v of values) pushCell(acc, v, col);
      }
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

const NUMERIC_TV = new Set(['continuous', 'integer']);
const REPEATING_TV = new Set(['categorical', 'boolean']);

function range(v: Float64Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) if (Number.isFinite(x)) { min = Math.min(min, x); max = Math.max(max, x); }
  return { min, max };
}

/** A rebuilt number as the column writes it: whole for integers, at the column's decimals otherwise. */
function numberLabel(v: number, col: ColumnSchema): string {
  if (col.kind === 'integer') return String(Math.round(v));
  return col.decimals !== undefined ? v.toFixed(col.decimals) : String(Number(v.toPrecision(12)));
}

function numericColumnOf(table: Table, name: string): Float64Array {
  return table.getChild(name) ? numericColumn(table, name) : new Float64Array(table.numRows).fill(NaN);
}

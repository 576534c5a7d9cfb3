/**
 * Conditions for conditional sampling ("age>=65", "sex=F", "cp in 1,2"): parsing with messages that name
 * the column and what it allows, per-row matching, and per-column constraints the samplers use.
 */
import type { Table } from 'apache-arrow';
import type { Condition } from '../models/types';
import type { ColumnSchema, TableSchema } from '../schema/types';
import { parseDatetime, type DatetimeFormat } from '../schema/datetime';
import { readRawColumn } from './arrow';

export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

const NUMERIC = new Set(['continuous', 'integer', 'datetime']);
const DISCRETE = new Set(['categorical', 'boolean']);

function listed(values: readonly string[], max = 12): string {
  const shown = values.slice(0, max).join(', ');
  return values.length > max ? `${shown}, … (${values.length} in all)` : shown;
}

function findColumn(name: string, schema: TableSchema): ColumnSchema {
  const exact = schema.columns.find((c) => c.name === name);
  const col = exact ?? schema.columns.filter((c) => c.name.toLowerCase() === name.toLowerCase()).at(0);
  if (!col) throw new ConditionError(`Unknown column "${name}" in condition. Columns: ${listed(schema.columns.map((c) => c.name), 40)}.`);
  if (col.excluded || col.kind === 'identifier' || col.kind === 'text')
    throw new ConditionError(`Column "${col.name}" is ${col.excluded ? 'excluded from training' : `a ${col.kind} column`}, so it cannot be conditioned on.`);
  return col;
}

function categoryOf(col: ColumnSchema, raw: string): string {
  const cats = col.categories ?? [];
  if (cats.includes(raw)) return raw;
  const ci = cats.filter((c) => c.toLowerCase() === raw.toLowerCase());
  if (ci.length === 1) return ci[0];
  // Numeric codes written differently ("1" for a column written "1.0").
  const num = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(num)) {
    const same = cats.filter((c) => c.trim() !== '' && Number(c) === num);
    if (same.length === 1) return same[0];
  }
  throw new ConditionError(`Column "${col.name}" has no value "${raw}". Allowed values: ${listed(cats)}.`);
}

function numberOf(col: ColumnSchema, raw: string): number {
  if (col.kind === 'datetime') {
    const n = Number(raw);
    if (raw !== '' && Number.isFinite(n)) return n;
    const fmt = col.datetimeFormat as DatetimeFormat | undefined;
    const t = (fmt ? parseDatetime(raw, fmt) : null) ?? (/^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw.length === 10 ? raw + 'T00:00:00Z' : raw) : NaN);
    if (t === null || !Number.isFinite(t))
      throw new ConditionError(`Column "${col.name}" is a date column: "${raw}" is not a date (write it as ${col.datetimeFormat ?? 'yyyy-mm-dd'}).`);
    return t;
  }
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n)) throw new ConditionError(`Column "${col.name}" is numeric: "${raw}" is not a number.`);
  return n;
}

/**
 * Parse one condition written as `column op value`: `=`, `in v1,v2`, `>`, `>=`, `<`, `<=`.
 * Equality and sets apply to categorical/boolean columns (and integers); ranges to numeric and date columns.
 */
export function parseCondition(text: string, schema: TableSchema): Condition {
  const t = text.trim();
  const m = /^(.+?)\s*(>=|<=|!=|=|>|<)\s*(.*)$/.exec(t);
  const inMatch = /^(.+?)\s+in\s+(.+)$/i.exec(t);
  let column: string, op: string, rest: string;
  if (inMatch && (!m || inMatch[1].length < m[1].length)) [column, op, rest] = [inMatch[1].trim(), 'in', inMatch[2].trim()];
  else if (m) [column, op, rest] = [m[1].trim(), m[2], m[3].trim()];
  else throw new ConditionError(`Cannot read condition "${text}": write column=value, column in a,b or column>=number (also >, <, <=).`);
  if (op === '!=') throw new ConditionError(`Condition "${text}": "!=" is not supported; list the allowed values instead (${column} in a,b).`);
  if (!column) throw new ConditionError(`Condition "${text}" names no column.`);
  if (rest === '') throw new ConditionError(`Condition "${text}" has no value after "${op}".`);
  const col = findColumn(column, schema);
  const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  if (op === '=' || op === 'in') {
    const raws = op === 'in' ? rest.split(',').map(unquote).filter((s) => s !== '') : [unquote(rest)];
    if (raws.length === 0) throw new ConditionError(`Condition "${text}" lists no values.`);
    let values: string[];
    if (DISCRETE.has(col.kind)) values = raws.map((r) => categoryOf(col, r));
    else if (col.kind === 'integer' || col.kind === 'datetime') values = raws.map((r) => String(numberOf(col, r)));
    else
      throw new ConditionError(
        `Column "${col.name}" is continuous: use a range such as ${col.name}>=${col.min ?? 0} or ${col.name}<${col.max ?? 1} instead of "${op}".`,
      );
    values = [...new Set(values)];
    return op === '=' ? { column: col.name, op: '=', value: values[0] } : { column: col.name, op: 'in', values };
  }
  if (!NUMERIC.has(col.kind))
    throw new ConditionError(
      `Column "${col.name}" is ${col.kind}: ranges need a numeric column; use ${col.name}=value or ${col.name} in a,b (values: ${listed(col.categories ?? [])}).`,
    );
  return { column: col.name, op: op as '>' | '>=' | '<' | '<=', value: numberOf(col, unquote(rest)) };
}

/** Parse several conditions, rejecting contradictory ranges early. */
export function parseConditions(texts: string[], schema: TableSchema): Condition[] {
  const conditions = texts.map((t) => parseCondition(t, schema));
  for (const [name, c] of columnConstraints(conditions, schema)) {
    if (c.empty) throw new ConditionError(`The conditions on column "${name}" contradict each other: no value satisfies them all.`);
  }
  return conditions;
}

/** All conditions on one column, merged. Numbers: an interval and/or a set; labels: a set. */
export interface ColumnConstraint {
  column: ColumnSchema;
  lo: number;
  loStrict: boolean;
  hi: number;
  hiStrict: boolean;
  /** Allowed numbers ('=' / 'in' on numeric columns), or null for any. */
  numbers: Set<number> | null;
  /** Allowed labels on discrete columns, or null for any. */
  labels: Set<string> | null;
  /** True when nothing can satisfy the merged constraint. */
  empty: boolean;
}

export function columnConstraints(conditions: readonly Condition[], schema: TableSchema): Map<string, ColumnConstraint> {
  const out = new Map<string, ColumnConstraint>();
  for (const cond of conditions) {
    const col = schema.columns.find((c) => c.name === cond.column);
    if (!col) throw new ConditionError(`Unknown column "${cond.column}" in condition.`);
    let c = out.get(col.name);
    if (!c) {
      c = { column: col, lo: -Infinity, loStrict: false, hi: Infinity, hiStrict: false, numbers: null, labels: null, empty: false };
      out.set(col.name, c);
    }
    if (cond.op === '=' || cond.op === 'in') {
      const vals = cond.op === '=' ? [cond.value] : cond.values;
      if (DISCRETE.has(col.kind)) {
        const s = new Set(vals);
        c.labels = c.labels ? new Set([...c.labels].filter((v) => s.has(v))) : s;
      } else {
        const s = new Set(vals.map(Number));
        c.numbers = c.numbers ? new Set([...c.numbers].filter((v) => s.has(v))) : s;
      }
    } else if (cond.op === '>' || cond.op === '>=') {
      const v = cond.value;
      if (v > c.lo || (v === c.lo && cond.op === '>')) [c.lo, c.loStrict] = [v, cond.op === '>'];
    } else {
      const v = cond.value;
      if (v < c.hi || (v === c.hi && cond.op === '<')) [c.hi, c.hiStrict] = [v, cond.op === '<'];
    }
  }
  for (const c of out.values()) {
    if (c.labels) c.empty = c.labels.size === 0;
    else {
      if (c.numbers) c.numbers = new Set([...c.numbers].filter((v) => numberAllowed(c, v, true)));
      c.empty = c.numbers ? c.numbers.size === 0 : c.lo > c.hi || (c.lo === c.hi && (c.loStrict || c.hiStrict));
    }
  }
  return out;
}

/** Does number v satisfy the constraint (interval, and set unless `ignoreSet`)? */
export function numberAllowed(c: ColumnConstraint, v: number, ignoreSet = false): boolean {
  if (Number.isNaN(v)) return false;
  if (v < c.lo || (c.loStrict && v === c.lo)) return false;
  if (v > c.hi || (c.hiStrict && v === c.hi)) return false;
  return ignoreSet || !c.numbers || c.numbers.has(v);
}

/** Per row of `table`: 1 when the row satisfies every condition (nulls never do). */
export function matchesConditions(table: Table, conditions: readonly Condition[], schema: TableSchema): Uint8Array {
  const ok = new Uint8Array(table.numRows).fill(1);
  for (const c of columnConstraints(conditions, schema).values()) {
    const vec = table.getChild(c.column.name);
    if (!vec) throw new ConditionError(`Column "${c.column.name}" is missing from the table.`);
    const raw = readRawColumn(vec, c.column);
    if (raw.type === 'labels') {
      const allowed = raw.labels.map((l) => !c.labels || c.labels.has(l));
      for (let i = 0; i < ok.length; i++) if (raw.codes[i] < 0 || !allowed[raw.codes[i]]) ok[i] = 0;
    } else {
      for (let i = 0; i < ok.length; i++) if (!numberAllowed(c, raw.values[i])) ok[i] = 0;
    }
  }
  return ok;
}

/** A condition written back as text (for messages). */
export function describeCondition(c: Condition): string {
  if (c.op === 'in') return `${c.column} in ${c.values.join(',')}`;
  return `${c.column}${c.op}${c.value}`;
}

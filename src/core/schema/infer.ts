/**
 * Column kind inference from what ingest saw in a column. Rules (issue 3):
 * - epoch numbers are datetimes only when the user names the column;
 * - 0/1, yes/no, true/false, y/n, t/f → boolean (M/F stays categorical);
 * - id-like names (id, ptid, mrn, encounter, patient_nbr …) or unique-per-row integers/strings → identifier;
 * - emails, phones, person names, postcodes, free text → text; identifiers and text are excluded;
 * - small-integer codes (≤ 10 distinct) → categorical; other whole numbers → integer; else continuous.
 */
import type { ColumnKind } from './types';
import { detectDatetimeFormat, type DatetimeFormat } from './datetime';

export interface ColumnEvidence {
  name: string;
  rows: number;
  missing: number;
  distinct: number;
  /** Every non-missing cell is a plain number. */
  numeric: boolean;
  allInteger: boolean;
  min: number;
  max: number;
  /** Labels as written (null when a numeric column had too many to keep), with their counts. */
  labels: string[] | null;
  counts: number[] | null;
}

export interface KindGuess {
  kind: ColumnKind;
  excluded: boolean;
  note?: string;
  datetimeFormat?: DatetimeFormat;
}

/** Small-integer codes: at most this many distinct values are categories, not quantities. */
export const MAX_CODE_LEVELS = 10;
/** Unique-per-row is only evidence of an identifier with at least this many values. */
const MIN_ROWS_FOR_UNIQUE = 20;

/** snake_case, lower: `patientId` → `patient_id`, `Patient NBR` → `patient_nbr`. */
export function normaliseName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const ID_NAME =
  /^(id|ptid|pt_id|mrn|uuid|guid|encounter|encounter_(id|nbr|no|num)|(patient|subject|person|record|case|visit|hadm|stay|episode|admission|sample|participant)_(id|nbr|no|num|number)|nhs_(no|number)|chi_(no|number))$/;
const WEAK_ID_NAME = /(^|_)(id|nbr|key|uuid)$/;
const TEXT_NAME =
  /^((patient_|full_|first_|last_|given_|family_|middle_|sur|fore)?name|surname|forename|e_?mail(_address)?|(phone|telephone|tel|mobile|cell|fax)(_(no|number))?|(home_|street_|postal_)?address(_line_?\d*)?|street|post_?code|zip(_?code)?|ssn|social_security(_number)?|notes?|comments?|free_text|description)$/;

const EMAIL = /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/;
const PHONE = /^\+?[\d\s().-]{7,20}$/;
const POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$/i;
const PERSON_NAME = /^[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’.-]+)+$/;
const BOOL_PAIRS = [['yes', 'no'], ['y', 'n'], ['true', 'false'], ['t', 'f']];

/** E.164: at most 15 digits; at least 7 for a local number. */
const isPhoneDigits = (n: number) => n >= 7 && n <= 15;

function share(labels: readonly string[], test: (s: string) => boolean): number {
  let n = 0;
  for (const l of labels) if (test(l)) n++;
  return labels.length ? n / labels.length : 0;
}

export function inferColumnKind(e: ColumnEvidence, options: { epoch?: boolean } = {}): KindGuess {
  const present = e.rows - e.missing;
  const norm = normaliseName(e.name);
  if (present === 0) return { kind: 'categorical', excluded: true, note: 'every value is missing: excluded' };

  if (e.numeric) {
    if (options.epoch) {
      // Seconds until ~5138 AD, so anything larger is milliseconds.
      const format: DatetimeFormat = Math.max(Math.abs(e.min), Math.abs(e.max)) < 1e11 ? 'epoch-s' : 'epoch-ms';
      return { kind: 'datetime', excluded: false, datetimeFormat: format, note: `epoch ${format === 'epoch-s' ? 'seconds' : 'milliseconds'} (as requested)` };
    }
    if (e.distinct <= 2 && e.min >= 0 && e.max <= 1 && e.allInteger && e.distinct === 2)
      return { kind: 'boolean', excluded: false, note: '0/1 values' };
    if (ID_NAME.test(norm)) return { kind: 'identifier', excluded: true, note: 'name looks like an identifier: excluded, regenerated as fresh ids' };
    if (TEXT_NAME.test(norm)) return { kind: 'text', excluded: true, note: 'name looks like a direct identifier: excluded' };
    const unique = e.distinct === present && present >= MIN_ROWS_FOR_UNIQUE;
    if (e.allInteger && (unique || (WEAK_ID_NAME.test(norm) && e.distinct > 0.5 * present && present >= MIN_ROWS_FOR_UNIQUE)))
      return { kind: 'identifier', excluded: true, note: unique ? 'unique whole number per row: looks like an identifier, excluded' : 'id-like name with mostly unique values: excluded' };
    if (e.allInteger && e.distinct <= MAX_CODE_LEVELS && present >= 2 * e.distinct)
      return { kind: 'categorical', excluded: false, note: `small-integer code (${e.distinct} ${e.distinct === 1 ? 'value' : 'values'})` };
    if (!e.allInteger && e.distinct <= 3 && present >= 4 * e.distinct)
      return { kind: 'categorical', excluded: false, note: `only ${e.distinct} distinct values` };
    return { kind: e.allInteger ? 'integer' : 'continuous', excluded: false };
  }

  const labels = e.labels ?? [];
  if (e.distinct === 2) {
    const lower = labels.map((l) => l.toLowerCase()).sort();
    if (BOOL_PAIRS.some((p) => [...p].sort().every((v, i) => v === lower[i]))) return { kind: 'boolean', excluded: false };
  }
  const dt = detectDatetimeFormat(labels);
  if (dt.format) return { kind: 'datetime', excluded: false, datetimeFormat: dt.format };

  if (ID_NAME.test(norm)) return { kind: 'identifier', excluded: true, note: 'name looks like an identifier: excluded, regenerated as fresh ids' };
  if (TEXT_NAME.test(norm)) return { kind: 'text', excluded: true, note: 'name looks like a direct identifier: excluded' };
  if (share(labels, (s) => EMAIL.test(s)) > 0.5) return { kind: 'text', excluded: true, note: 'looks like email addresses: excluded' };
  if (share(labels, (s) => PHONE.test(s) && isPhoneDigits(s.replace(/\D/g, '').length)) > 0.8)
    return { kind: 'text', excluded: true, note: 'looks like phone numbers: excluded' };
  if (share(labels, (s) => POSTCODE.test(s)) > 0.8) return { kind: 'text', excluded: true, note: 'looks like postcodes: excluded' };

  const highCardinality = e.distinct > 0.5 * present && e.distinct > MIN_ROWS_FOR_UNIQUE;
  if (highCardinality) {
    if (share(labels, (s) => PERSON_NAME.test(s)) > 0.8) return { kind: 'text', excluded: true, note: "looks like people's names: excluded" };
    const spaced = share(labels, (s) => s.split(/\s+/).length >= 4);
    if (spaced > 0.3) return { kind: 'text', excluded: true, note: 'free text: excluded' };
    if (e.distinct === present) return { kind: 'identifier', excluded: true, note: 'unique value per row: looks like an identifier, excluded' };
    return { kind: 'text', excluded: true, note: 'mostly unique text: excluded' };
  }
  const note = dt.ambiguous ? 'looks like dates but day/month order is ambiguous: set the kind to datetime if needed' : undefined;
  return note ? { kind: 'categorical', excluded: false, note } : { kind: 'categorical', excluded: false };
}

/**
 * Datetime text formats recognised at ingest. All instants are read as UTC and held as ms since the
 * epoch; `formatDatetime` writes them back in the format the input used.
 */

export type DatetimeFormat =
  | 'yyyy-mm-dd'
  | 'yyyy-mm-dd hh:mm'
  | 'yyyy-mm-dd hh:mm:ss'
  | 'iso'
  | 'dd/mm/yyyy'
  | 'mm/dd/yyyy'
  | 'dd/mm/yyyy hh:mm'
  | 'mm/dd/yyyy hh:mm'
  | 'epoch-s'
  | 'epoch-ms';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MINUTES = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/;
const ISO_SECONDS = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const ISO_FULL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const SLASH = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2}))?$/;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Reject 31/02 and the like: Date.UTC rolls them over.
  if (new Date(t).getUTCDate() !== d) return null;
  return t;
}

/** Parse one label in a known format; null when it does not match. */
export function parseDatetime(text: string, format: DatetimeFormat): number | null {
  let m: RegExpExecArray | null;
  switch (format) {
    case 'yyyy-mm-dd':
    case 'yyyy-mm-dd hh:mm':
    case 'yyyy-mm-dd hh:mm:ss':
    case 'iso': {
      if ((m = ISO_DATE.exec(text))) return utc(+m[1], +m[2], +m[3]);
      if ((m = ISO_MINUTES.exec(text))) return utc(+m[1], +m[2], +m[3], +m[4], +m[5]);
      if ((m = ISO_SECONDS.exec(text))) return utc(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
      if ((m = ISO_FULL.exec(text))) {
        const t = utc(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, m[7] ? Math.round(Number(m[7]) * 1000) : 0);
        if (t === null) return null;
        const zone = m[8];
        if (!zone || zone === 'Z') return t;
        const sign = zone[0] === '-' ? -1 : 1;
        const digits = zone.slice(1).replace(':', '');
        return t - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
      }
      return null;
    }
    case 'dd/mm/yyyy':
    case 'mm/dd/yyyy':
    case 'dd/mm/yyyy hh:mm':
    case 'mm/dd/yyyy hh:mm': {
      if (!(m = SLASH.exec(text))) return null;
      const dayFirst = format.startsWith('dd');
      const [d, mo] = dayFirst ? [+m[1], +m[2]] : [+m[2], +m[1]];
      return utc(+m[3], mo, d, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0);
    }
    case 'epoch-s':
    case 'epoch-ms': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) return null;
      return format === 'epoch-s' ? Math.round(n * 1000) : Math.round(n);
    }
  }
}

/**
 * The format every label is written in, or null when they are not all datetimes of one family.
 * Day/month order is decided only when some label proves it (a part above 12); otherwise the column
 * is ambiguous and `ambiguous` is set so the caller can say so.
 */
export function detectDatetimeFormat(labels: readonly string[]): { format: DatetimeFormat | null; ambiguous: boolean } {
  const none = { format: null, ambiguous: false };
  if (labels.length === 0) return none;
  let dateOnly = 0, minutes = 0, seconds = 0, full = 0;
  let allIso = true;
  for (const l of labels) {
    if (ISO_DATE.test(l)) dateOnly++;
    else if (ISO_MINUTES.test(l)) minutes++;
    else if (ISO_SECONDS.test(l)) seconds++;
    else if (ISO_FULL.test(l)) full++;
    else { allIso = false; break; }
  }
  if (allIso) {
    const format: DatetimeFormat =
      dateOnly === labels.length ? 'yyyy-mm-dd'
      : minutes === labels.length ? 'yyyy-mm-dd hh:mm'
      : seconds === labels.length ? 'yyyy-mm-dd hh:mm:ss'
      : 'iso';
    for (const l of labels) if (parseDatetime(l, format) === null) return none;
    return { format, ambiguous: false };
  }
  let firstAbove12 = false, secondAbove12 = false, withTime = 0;
  for (const l of labels) {
    const m = SLASH.exec(l);
    if (!m) return none;
    if (+m[1] > 12) firstAbove12 = true;
    if (+m[2] > 12) secondAbove12 = true;
    if (m[4]) withTime++;
  }
  if (firstAbove12 && secondAbove12) return none;
  if (!firstAbove12 && !secondAbove12) return { format: null, ambiguous: true };
  const time = withTime > 0;
  const format: DatetimeFormat = firstAbove12 ? (time ? 'dd/mm/yyyy hh:mm' : 'dd/mm/yyyy') : time ? 'mm/dd/yyyy hh:mm' : 'mm/dd/yyyy';
  for (const l of labels) if (parseDatetime(l, format) === null) return none;
  return { format, ambiguous: false };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Write an instant back in the input's format (UTC). Unknown formats fall back to ISO 8601. */
export function formatDatetime(ms: number, format: string | undefined): string {
  const d = new Date(ms);
  const Y = pad(d.getUTCFullYear(), 4), M = pad(d.getUTCMonth() + 1), D = pad(d.getUTCDate());
  const h = pad(d.getUTCHours()), mi = pad(d.getUTCMinutes()), s = pad(d.getUTCSeconds());
  switch (format) {
    case 'yyyy-mm-dd': return `${Y}-${M}-${D}`;
    case 'yyyy-mm-dd hh:mm': return `${Y}-${M}-${D} ${h}:${mi}`;
    case 'yyyy-mm-dd hh:mm:ss': return `${Y}-${M}-${D} ${h}:${mi}:${s}`;
    case 'dd/mm/yyyy': return `${D}/${M}/${Y}`;
    case 'mm/dd/yyyy': return `${M}/${D}/${Y}`;
    case 'dd/mm/yyyy hh:mm': return `${D}/${M}/${Y} ${h}:${mi}`;
    case 'mm/dd/yyyy hh:mm': return `${M}/${D}/${Y} ${h}:${mi}`;
    case 'epoch-s': return String(Math.round(ms / 1000));
    case 'epoch-ms': return String(Math.round(ms));
    default: return d.toISOString();
  }
}

/** SDV/strftime spelling of a format, for metadata export. */
export function toStrftime(format: string | undefined): string | undefined {
  const map: Record<string, string> = {
    'yyyy-mm-dd': '%Y-%m-%d',
    'yyyy-mm-dd hh:mm': '%Y-%m-%d %H:%M',
    'yyyy-mm-dd hh:mm:ss': '%Y-%m-%d %H:%M:%S',
    iso: '%Y-%m-%dT%H:%M:%S',
    'dd/mm/yyyy': '%d/%m/%Y',
    'mm/dd/yyyy': '%m/%d/%Y',
    'dd/mm/yyyy hh:mm': '%d/%m/%Y %H:%M',
    'mm/dd/yyyy hh:mm': '%m/%d/%Y %H:%M',
  };
  return format ? map[format] : undefined;
}

export function fromStrftime(s: string | undefined): DatetimeFormat | undefined {
  if (!s) return undefined;
  const map: Record<string, DatetimeFormat> = {
    '%Y-%m-%d': 'yyyy-mm-dd',
    '%Y-%m-%d %H:%M': 'yyyy-mm-dd hh:mm',
    '%Y-%m-%d %H:%M:%S': 'yyyy-mm-dd hh:mm:ss',
    '%Y-%m-%dT%H:%M:%S': 'iso',
    '%Y-%m-%dT%H:%M:%SZ': 'iso',
    '%d/%m/%Y': 'dd/mm/yyyy',
    '%m/%d/%Y': 'mm/dd/yyyy',
    '%d/%m/%Y %H:%M': 'dd/mm/yyyy hh:mm',
    '%m/%d/%Y %H:%M': 'mm/dd/yyyy hh:mm',
  };
  return map[s];
}

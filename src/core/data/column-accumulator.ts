/**
 * Collects one column's cells while the CSV streams past, compactly: numbers go straight into a
 * Float64Array, text into a dictionary (label → code) with an Int32Array of codes. No per-row strings
 * are kept, so a 100 MB file never exists twice as text.
 */

/** A plain decimal number as people write them. Leading zeros (`007`, zip codes) stay text. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d*,\d+$/;
const LEADING_ZERO = /^[+-]?0\d/;
/** Whole numbers longer than this lose digits as doubles (ids like 12345678901234567890): keep them as text. */
const MAX_INTEGER_DIGITS = 15;

/**
 * The number a cell holds, or null. `decimalComma` also accepts `2,5` (files delimited by `;`, tab or
 * `|` from locales that write decimal commas).
 */
export function parseNumber(s: string, decimalComma = false): number | null {
  let t = s;
  if (!NUMBER.test(t)) {
    if (!decimalComma || !DECIMAL_COMMA.test(t)) return null;
    t = t.replace(',', '.');
  }
  if (LEADING_ZERO.test(t)) return null;
  if (t.length > MAX_INTEGER_DIGITS && !/[.eE]/.test(t) && t.replace(/^[+-]/, '').length > MAX_INTEGER_DIGITS) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/** Fraction digits as written: `63.0` → 1, `2.35e-3` → 2, `2,5` → 1. */
export function fractionDigits(s: string): number {
  let dot = s.indexOf('.');
  if (dot < 0) dot = s.indexOf(',');
  if (dot < 0) return 0;
  let end = s.length;
  for (let i = dot + 1; i < s.length; i++) if (s[i] === 'e' || s[i] === 'E') { end = i; break; }
  return end - dot - 1;
}

/** Numeric columns keep their labels (as written) only while they could still be codes. */
const NUMERIC_LABEL_CAP = 64;

export class ColumnAccumulator {
  length = 0;
  missing = 0;
  /** 1 = a value, 0 = missing. */
  valid = new Uint8Array(1024);

  /** Every non-missing cell so far was a number. */
  numeric = true;
  nums: Float64Array | null = new Float64Array(1024);
  allInteger = true;
  decimals = 0;
  min = Infinity;
  max = -Infinity;

  /** Labels exactly as written; null once a numeric column has too many to be a code. */
  dict: Map<string, number> | null = new Map();
  labels: string[] = [];
  counts: number[] = [];
  codes: Int32Array | null = new Int32Array(1024);
  /** Labels were rebuilt from numbers after the originals were dropped (formatting may differ). */
  relabelled = false;

  /** Decimal commas were seen (`2,5`). */
  sawDecimalComma = false;

  constructor(readonly keepAllLabels = false, readonly decimalComma = false) {}

  private grow(): void {
    const cap = this.valid.length * 2;
    const v = new Uint8Array(cap); v.set(this.valid); this.valid = v;
    if (this.nums) { const n = new Float64Array(cap); n.set(this.nums); this.nums = n; }
    if (this.codes) { const c = new Int32Array(cap); c.set(this.codes); this.codes = c; }
  }

  pushMissing(): void {
    if (this.length === this.valid.length) this.grow();
    const i = this.length++;
    this.valid[i] = 0;
    if (this.nums) this.nums[i] = NaN;
    if (this.codes) this.codes[i] = -1;
    this.missing++;
  }

  /** `s` is already trimmed and known not to be a missing token. */
  push(s: string): void {
    if (this.length === this.valid.length) this.grow();
    const i = this.length++;
    this.valid[i] = 1;
    if (this.numeric) {
      const v = parseNumber(s, this.decimalComma);
      if (v === null) this.becomeText(i);
      else {
        if (this.decimalComma && !this.sawDecimalComma && s.includes(',')) this.sawDecimalComma = true;
        this.nums![i] = v;
        if (v < this.min) this.min = v;
        if (v > this.max) this.max = v;
        if (this.allInteger && !Number.isInteger(v)) this.allInteger = false;
        const d = fractionDigits(s);
        if (d > this.decimals) this.decimals = d;
      }
    }
    if (this.dict) {
      let code = this.dict.get(s);
      if (code === undefined) {
        code = this.labels.length;
        this.dict.set(s, code);
        this.labels.push(s);
        this.counts.push(0);
      }
      this.counts[code]++;
      this.codes![i] = code;
      if (this.numeric && !this.keepAllLabels && this.labels.length > NUMERIC_LABEL_CAP) {
        this.dict = null;
        this.labels = [];
        this.counts = [];
        this.codes = null;
      }
    }
  }

  /** A non-number arrived: from now on this is a text column. Row `upto` is being written. */
  private becomeText(upto: number): void {
    this.numeric = false;
    if (!this.dict) {
      // Labels were dropped: rebuild them from the numbers (rare: a stray word after many numbers).
      this.relabelled = true;
      this.dict = new Map();
      this.codes = new Int32Array(this.valid.length);
      for (let i = 0; i < upto; i++) {
        if (!this.valid[i]) { this.codes[i] = -1; continue; }
        const s = formatNumber(this.nums![i], this.decimals);
        let code = this.dict.get(s);
        if (code === undefined) {
          code = this.labels.length;
          this.dict.set(s, code);
          this.labels.push(s);
          this.counts.push(0);
        }
        this.counts[code]++;
        this.codes[i] = code;
      }
    }
    this.nums = null;
    this.min = Infinity;
    this.max = -Infinity;
    this.allInteger = false;
    this.decimals = 0;
  }

  /** Distinct non-missing values (by label when labels are kept, else by numeric value). */
  distinct(): number {
    if (this.dict) return this.labels.length;
    const n = this.length;
    const vals = new Float64Array(n - this.missing);
    let k = 0;
    for (let i = 0; i < n; i++) if (this.valid[i]) vals[k++] = this.nums![i];
    vals.sort();
    let d = 0;
    for (let i = 0; i < k; i++) if (i === 0 || vals[i] !== vals[i - 1]) d++;
    return d;
  }

  /** The cell as text (labels as written when kept). */
  text(i: number): string | null {
    if (!this.valid[i]) return null;
    if (this.codes) return this.labels[this.codes[i]];
    return formatNumber(this.nums![i], this.decimals);
  }
}

export function formatNumber(v: number, decimals: number): string {
  return decimals > 0 ? v.toFixed(decimals) : String(v);
}

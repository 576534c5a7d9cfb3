/**
 * k-anonymity (Sweeney 2002) and distinct l-diversity (Machanavajjhala et al. 2007) of the synthetic
 * table: rows are grouped into equivalence classes by their exact quasi-identifier values.
 */
import type { PrivacyColumn } from './columns';

export type CellValue = string | number | null;

export interface EquivalenceClass {
  values: Record<string, CellValue>;
  size: number;
}

export interface KAnonymityResult {
  /** Size of the smallest equivalence class (0 for an empty table). */
  k: number;
  quasiIdentifiers: string[];
  classes: number;
  /** Rows whose class has fewer than 5 rows, and their share. */
  rowsInClassesBelow5: number;
  shareInClassesBelow5: number;
  /** Rows that are unique on the quasi-identifiers. */
  uniqueRows: number;
  smallest: EquivalenceClass[];
}

export interface LDiversityColumn {
  column: string;
  /** Fewest distinct sensitive values in any class. */
  l: number;
  smallest: (EquivalenceClass & { distinct: number })[];
}

export interface LDiversityResult {
  l: number;
  columns: LDiversityColumn[];
}

function cell(col: PrivacyColumn, row: number): CellValue {
  if (col.kind === 'categorical') return col.labels[row];
  const v = col.values[row];
  return Number.isNaN(v) ? null : v;
}

function groups(cols: readonly PrivacyColumn[], n: number): { key: string; first: number; rows: number[] }[] {
  const map = new Map<string, { key: string; first: number; rows: number[] }>();
  for (let r = 0; r < n; r++) {
    let key = '';
    for (const c of cols) key += String(cell(c, r)) + (cell(c, r) === null ? '\u0001' : '') + '\u0000';
    let g = map.get(key);
    if (!g) map.set(key, (g = { key, first: r, rows: [] }));
    g.rows.push(r);
  }
  return [...map.values()];
}

function valuesOf(cols: readonly PrivacyColumn[], row: number): Record<string, CellValue> {
  const o: Record<string, CellValue> = {};
  for (const c of cols) o[c.name] = cell(c, row);
  return o;
}

export function anonymity(
  synthetic: readonly PrivacyColumn[],
  quasiIdentifiers: string[],
  sensitive: string[],
  list = 10,
): { kAnonymity: KAnonymityResult; lDiversity: LDiversityResult | null } {
  const byName = (n: string) => {
    const c = synthetic.find((x) => x.name === n);
    if (!c) throw new Error(`privacy evaluation: unknown column "${n}"`);
    return c;
  };
  const qi = quasiIdentifiers.map(byName);
  const n = synthetic.length ? (synthetic[0].kind === 'numeric' ? synthetic[0].values.length : synthetic[0].labels.length) : 0;
  const gs = qi.length ? groups(qi, n) : n ? [{ key: '', first: 0, rows: Array.from({ length: n }, (_, i) => i) }] : [];
  gs.sort((a, b) => a.rows.length - b.rows.length || a.first - b.first);
  let below5 = 0;
  let unique = 0;
  for (const g of gs) {
    if (g.rows.length < 5) below5 += g.rows.length;
    if (g.rows.length === 1) unique++;
  }
  const kAnonymity: KAnonymityResult = {
    k: gs.length ? gs[0].rows.length : 0,
    quasiIdentifiers,
    classes: gs.length,
    rowsInClassesBelow5: below5,
    shareInClassesBelow5: n ? below5 / n : 0,
    uniqueRows: unique,
    smallest: gs.slice(0, list).map((g) => ({ values: valuesOf(qi, g.first), size: g.rows.length })),
  };
  const sens = sensitive.filter((s) => !quasiIdentifiers.includes(s));
  if (sens.length === 0 || gs.length === 0) return { kAnonymity, lDiversity: null };
  const columns: LDiversityColumn[] = sens.map((s) => {
    const col = byName(s);
    const withL = gs.map((g) => {
      const set = new Set<CellValue>();
      for (const r of g.rows) set.add(cell(col, r));
      return { g, distinct: set.size };
    });
    withL.sort((a, b) => a.distinct - b.distinct || a.g.rows.length - b.g.rows.length || a.g.first - b.g.first);
    return {
      column: s,
      l: withL[0].distinct,
      smallest: withL.slice(0, list).map(({ g, distinct }) => ({ values: valuesOf(qi, g.first), size: g.rows.length, distinct })),
    };
  });
  return { kAnonymity, lDiversity: { l: Math.min(...columns.map((c) => c.l)), columns } };
}

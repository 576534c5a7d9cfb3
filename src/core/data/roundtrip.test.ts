/** Property: every cell of every shared file comes back from the Arrow table as written (trimmed), nulls exactly where a missing token was. */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { DataType } from 'apache-arrow';
import { ingest } from './ingest';
import { nodeFileSource } from './node-source';
import { DEFAULT_MISSING_TOKENS } from './missing';

const DATA = path.resolve(process.cwd(), '../shared/data');
const files = readdirSync(DATA).filter((f) => f.endsWith('.csv')).sort();
const missing = new Set(DEFAULT_MISSING_TOKENS);

describe('CSV → Arrow keeps every cell', () => {
  it('finds the shared data files', () => expect(files.length).toBeGreaterThanOrEqual(9));

  it.each(files)('%s', async (f) => {
    const text = readFileSync(path.join(DATA, f), 'utf8');
    // Rows of bare delimiters (",") are not data: ingest skips them with a note.
    const rows = Papa.parse<string[]>(text, { skipEmptyLines: true }).data.filter((r, i) => i === 0 || r.some((c) => c.trim() !== ''));
    const { table, schema } = await ingest(nodeFileSource(path.join(DATA, f)));
    expect(table.numRows).toBe(rows.length - 1);
    expect(schema.columns.map((c) => c.name)).toEqual(rows[0].map((h) => h.trim()));
    let mismatches = 0;
    schema.columns.forEach((c, j) => {
      const v = table.getChild(c.name)!;
      const numeric = DataType.isInt(v.type) || DataType.isFloat(v.type);
      let nulls = 0;
      const values = v.toArray() as ArrayLike<unknown>;
      for (let i = 0; i < table.numRows; i++) {
        const cell = rows[i + 1][j].trim();
        const got = numeric ? (v.isValid(i) ? values[i] : null) : v.get(i);
        if (missing.has(cell)) {
          nulls++;
          if (got !== null) mismatches++;
        } else if (numeric ? got !== Number(cell) : got !== cell) mismatches++;
      }
      expect(c.missing).toBe(nulls);
    });
    expect(mismatches).toBe(0);
  });
});

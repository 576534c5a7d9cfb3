/**
 * Missing-value tokens recognised by default. Compared after trimming the cell (so `\t?` and ` NA `
 * match), and after papaparse removed quotes (so `"NA"` matches too). The UI lets the user edit this
 * list and passes it back as `IngestOptions.missingTokens`.
 */
export const DEFAULT_MISSING_TOKENS: readonly string[] = ['', 'NA', 'N/A', 'NaN', 'NULL', 'null', '?', '-', '.'];

/** A lookup set; the empty cell is always missing whatever the list says. */
export function missingTokenSet(tokens: readonly string[] = DEFAULT_MISSING_TOKENS): Set<string> {
  const set = new Set(tokens.map((t) => t.trim()));
  set.add('');
  return set;
}

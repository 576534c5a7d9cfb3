/** Placeholder until the command lands. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('doppel evaluate: not implemented yet\n');
  return 1;
}

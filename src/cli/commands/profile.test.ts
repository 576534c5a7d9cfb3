import { describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { run } from './profile';

const DATA = path.resolve(process.cwd(), '../shared/data');

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await run(argv), out };
  } finally {
    spy.mockRestore();
  }
}

describe('doppel profile', () => {
  it('--json prints rows and per-column kind, missing, distinct, excluded', async () => {
    const { code, out } = await capture([path.join(DATA, 'stroke.csv'), '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.rows).toBe(5110);
    expect(json.columns[0]).toEqual({ name: 'id', kind: 'identifier', missing: 0, distinct: 5110, excluded: true });
    expect(json.columns.find((c: { name: string }) => c.name === 'bmi')).toEqual({ name: 'bmi', kind: 'continuous', missing: 201, distinct: 418, excluded: false });
  });

  it('prints a readable table without --json', async () => {
    const { code, out } = await capture([path.join(DATA, 'heart_cleveland.csv')]);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('heart_cleveland.csv: 303 rows × 14 columns (utf-8, delimiter ",", LF)');
    expect(out).toMatch(/^ca\s+categorical\s+4\s+4/m);
  });

  it('a missing file exits 1 with a one-line reason', async () => {
    const cli = path.resolve(process.cwd(), 'node_modules/.bin/tsx');
    const err = await promisify(execFile)(cli, ['src/cli/main.ts', 'profile', 'no/such.csv']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toBe('doppel profile: Cannot read no/such.csv: no such file.\n');
  }, 30_000);
});

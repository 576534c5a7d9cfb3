import { describe, expect, it, vi } from 'vitest';
import { run } from './privacy-budget';
import { UsageError } from '../args';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    return { code: await run(argv), out };
  } finally {
    spy.mockRestore();
  }
}

describe('doppel privacy-budget', () => {
  it('prints {"epsilon", "order"} matching the published values', async () => {
    const a = await capture(['--rows', '60000', '--batch', '150', '--sigma', '1.3', '--epochs', '15', '--delta', '1e-5']);
    expect(a.code).toBe(0);
    const j = JSON.parse(a.out);
    expect(Object.keys(j)).toEqual(['epsilon', 'order']);
    expect(Math.abs(j.epsilon - 0.7242)).toBeLessThan(1e-3);
    const b = await capture(['--rows=100000', '--batch=100', '--sigma=1.0', '--epochs=30', '--delta=1e-7']);
    expect(Math.abs(JSON.parse(b.out).epsilon - 1.4155)).toBeLessThan(1e-3);
  });

  it('defaults δ to 1/(N√N) and rejects bad flags with a usage error', async () => {
    const a = await capture(['--rows', '10000', '--batch', '100', '--sigma', '1', '--epochs', '10']);
    expect(JSON.parse(a.out).epsilon).toBeGreaterThan(0);
    await expect(run(['--rows', '100', '--batch', '200', '--sigma', '1', '--epochs', '1'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--rows', '100', '--batch', '10', '--epochs', '1'])).rejects.toThrow(/--sigma is required/);
  });
});

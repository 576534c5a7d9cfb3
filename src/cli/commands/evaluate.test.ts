import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { run } from './evaluate';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/quality');
const DATA = path.resolve(process.cwd(), '../shared/data');

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await run(argv), out };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

describe('doppel evaluate', () => {
  it('writes the report JSON with the fixture figures and prints a summary', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doppel-eval-'));
    const json = path.join(dir, 'report.json');
    const html = path.join(dir, 'report.html');
    const { code, out } = await capture([
      '--real', path.join(FIXTURES, 'heart_real.csv'),
      '--synthetic', path.join(FIXTURES, 'heart_synthetic.csv'),
      '--metadata', path.join(FIXTURES, 'heart.metadata.json'),
      '--target', 'num', '--protected', 'sex',
      '--json', json, '--html', html,
    ]);
    expect(code).toBe(0);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')).heart;
    for (const k of ['columnShapes', 'columnPairTrends', 'columnPairTrendsStrong', 'overall'])
      expect(Math.abs(r.quality[k] - expected[k]), k).toBeLessThan(0.002);
    expect(r.quality.columns.age).toMatchObject({ metric: 'KSComplement' });
    expect(r.quality.columns.sex).toMatchObject({ metric: 'TVComplement' });
    expect(Math.abs(r.quality.columns.sex.score - expected.columns.sex)).toBeLessThan(0.002);
    expect(r.detection.auc).toBeGreaterThan(0.5);
    expect(r.detection.score).toBeGreaterThanOrEqual(0);
    expect(r.utility).toMatchObject({ target: 'num' });
    expect(r.utility.real.accuracy).toBeGreaterThan(0.4);
    expect(r.utility.synthetic.accuracy).toBeGreaterThan(0.4);
    expect(r.fairness.protected).toBe('sex');
    expect(out).toMatch(/^Quality 91\.5%/);
    expect(out).toMatch(/20% split/);
    expect(readFileSync(html, 'utf8')).toContain('<!doctype html>');
  });

  it('reads the synthetic file with the real kinds and names a missing column', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doppel-eval-'));
    const lines = readFileSync(path.join(DATA, 'heart_cleveland.csv'), 'utf8').trim().split('\n');
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, lines.map((l) => l.split(',').slice(0, -1).join(',')).join('\n'));
    await expect(run(['--real', path.join(DATA, 'heart_cleveland.csv'), '--synthetic', bad, '--no-detection'])).rejects.toThrow(/bad\.csv.*"num"/);
    await expect(run(['--real', path.join(DATA, 'heart_cleveland.csv')])).rejects.toThrow(/usage/);
    await expect(run(['--real', path.join(DATA, 'heart_cleveland.csv'), '--synthetic', bad, '--target', 'nope'])).rejects.toThrow(/--target "nope"/);
  });
});

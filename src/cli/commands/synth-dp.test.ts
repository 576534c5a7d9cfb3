import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { run as synth } from './synth';

const DATA = path.resolve(process.cwd(), '../shared/data');

describe('doppel synth --epsilon', () => {
  it('trains with DP within the budget and saves the receipt with the model', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doppel-dp-'));
    const model = path.join(dir, 'model.json');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await synth([path.join(DATA, 'heart_cleveland.csv'), '-o', path.join(dir, 'syn.csv'), '--epochs', '2', '--epsilon', '2', '--delta', '1e-4', '--save', model]);
      expect(code).toBe(0);
    } finally {
      err.mockRestore();
    }
    const saved = JSON.parse(readFileSync(model, 'utf8'));
    expect(saved.privacy.epsilon).toBeLessThanOrEqual(2 + 1e-9);
    expect(saved.privacy.delta).toBe(1e-4);
    expect(saved.privacy.text).toMatch(/differential privacy/);
    const rows = readFileSync(path.join(dir, 'syn.csv'), 'utf8').trim().split('\n');
    expect(rows.length).toBe(304);
  });

  it('with --public-domain spends no ε on ranges and category lists: categories come out as real labels', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doppel-dp-'));
    const out = path.join(dir, 'syn.csv');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await synth([path.join(DATA, 'heart_cleveland.csv'), '-o', out, '--epochs', '3', '--epsilon', '3', '--public-domain'])).toBe(0);
    } finally {
      err.mockRestore();
    }
    const [header, ...rows] = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(','));
    const cp = header.indexOf('cp');
    for (const r of rows) expect(['1.0', '2.0', '3.0', '4.0', '']).toContain(r[cp]);
  });
});

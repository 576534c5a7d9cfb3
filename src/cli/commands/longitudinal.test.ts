import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { run as synth } from './synth';
import { run as sample } from './sample';
import { run as evaluate } from './evaluate';

const DATA = path.resolve(process.cwd(), '../shared/data');

async function quiet<T>(f: () => Promise<T>): Promise<{ value: T; out: string }> {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { value: await f(), out };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** pbcseq quotes its header and text cells; no cell holds a comma, so a plain split is enough. */
function readCsv(file: string): { header: string[]; rows: string[][] } {
  const cells = (line: string) => line.split(',').map((c) => c.replace(/^"(.*)"$/, '$1'));
  const [h, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  return { header: cells(h), rows: lines.map(cells) };
}

describe('CLI with --id/--time (pbcseq: patients with visits)', () => {
  it('synth counts patients, keeps the header, writes fresh ids and ordered days; sample and evaluate read it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doppel-long-'));
    const out = path.join(dir, 'syn.csv');
    const model = path.join(dir, 'model.json');
    const input = path.join(DATA, 'pbcseq.csv');
    const r = await quiet(() => synth([input, '-o', out, '--id', 'id', '--time', 'day', '--epochs', '3', '--rows', '40', '--seed', '3', '--save', model]));
    expect(r.value).toBe(0);
    const real = readCsv(input);
    const syn = readCsv(out);
    expect(syn.header).toEqual(real.header);
    const ids = new Map<string, number[]>();
    for (const row of syn.rows) ids.set(row[0], [...(ids.get(row[0]) ?? []), Number(row[6])]);
    expect(ids.size).toBe(40);
    const realIds = new Set(real.rows.map((row) => row[0]));
    for (const [id, days] of ids) {
      expect(realIds.has(id)).toBe(false);
      expect(days.length).toBeLessThanOrEqual(16);
      for (let k = 1; k < days.length; k++) expect(days[k]).toBeGreaterThanOrEqual(days[k - 1]);
    }

    const again = path.join(dir, 'again.csv');
    expect((await quiet(() => sample([model, '--rows', '5', '-o', again]))).value).toBe(0);
    expect(new Set(readCsv(again).rows.map((row) => row[0])).size).toBe(5);

    const report = path.join(dir, 'report.json');
    const ev = await quiet(() => evaluate(['--real', input, '--synthetic', out, '--id', 'id', '--time', 'day', '--no-detection', '--json', report]));
    expect(ev.value).toBe(0);
    expect(ev.out).toContain('Temporal:');
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.temporal.staticColumns).toEqual(expect.arrayContaining(['sex', 'trt']));
    expect(json.temporal.visitsPerPatient.ksComplement).toBeGreaterThan(0);
  });

  it('--static joins a per-patient file and --static-out writes the synthetic patients as one too, same ids', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doppel-static-'));
    const real = readCsv(path.join(DATA, 'pbcseq.csv'));
    const staticCols = ['sex', 'trt', 'age'];
    const at = staticCols.map((c) => real.header.indexOf(c));
    const visitAt = real.header.map((_, j) => j).filter((j) => !at.includes(j));
    const seen = new Set<string>();
    const patients = [['id', ...staticCols].join(',')];
    for (const row of real.rows) if (!seen.has(row[0])) (seen.add(row[0]), patients.push([row[0], ...at.map((j) => row[j])].join(',')));
    const visits = [visitAt.map((j) => real.header[j]).join(','), ...real.rows.map((row) => visitAt.map((j) => row[j]).join(','))];
    writeFileSync(path.join(dir, 'visits.csv'), visits.join('\n'));
    writeFileSync(path.join(dir, 'patients.csv'), patients.join('\n'));
    const out = path.join(dir, 'syn.csv');
    const staticOut = path.join(dir, 'patients-syn.csv');
    const args = [path.join(dir, 'visits.csv'), '-o', out, '--id', 'id', '--time', 'day', '--static', path.join(dir, 'patients.csv')];
    const r = await quiet(() => synth([...args, '--static-out', staticOut, '--epochs', '2', '--rows', '12', '--seed', '1']));
    expect(r.value).toBe(0);
    const long = readCsv(out);
    const per = readCsv(staticOut);
    expect(per.header).toEqual(['id', ...staticCols]);
    expect(per.rows.length).toBe(12);
    // every synthetic patient's static cells equal those on each of their visits in the long file
    const byId = new Map(per.rows.map((row) => [row[0], row.slice(1)]));
    expect(new Set(long.rows.map((row) => row[0]))).toEqual(new Set(byId.keys()));
    const cols = staticCols.map((c) => long.header.indexOf(c));
    for (const row of long.rows) expect(cols.map((j) => row[j])).toEqual(byId.get(row[0]));
    // --static-out without --static is refused
    await expect(quiet(() => synth([path.join(dir, 'visits.csv'), '-o', out, '--id', 'id', '--static-out', staticOut]))).rejects.toThrow(/--static-out goes with --static/);
  });
});

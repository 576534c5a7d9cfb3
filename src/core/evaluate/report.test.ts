import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest, ingestText } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { applySdvMetadata } from '../schema';
import { evaluateAll, renderReportHtml } from './index';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/quality');

describe('evaluateAll + standalone HTML report', () => {
  it('edge fixture: every section, offline HTML naming every column', async () => {
    const meta = JSON.parse(readFileSync(path.join(FIXTURES, 'edge.metadata.json'), 'utf8'));
    const r0 = await ingest(nodeFileSource(path.join(FIXTURES, 'edge_real.csv')));
    const s0 = await ingest(nodeFileSource(path.join(FIXTURES, 'edge_synthetic.csv')));
    const real = applySdvMetadata(r0.table, r0.schema, meta);
    const syn = applySdvMetadata(s0.table, s0.schema, meta);
    const report = evaluateAll(real.table, syn.table, real.schema, { seed: 3, target: 'smoker', protected: 'age' });
    expect(report.quality.overall).toBeCloseTo(0.8175374116349594, 3);
    expect(report.detection!.auc).toBeGreaterThan(0.5);
    expect(report.utility!.task).toBe('classification');
    expect(report.utility!.test.source).toBe('split');
    expect(report.fairness!.groups.length).toBeGreaterThan(2);
    expect(report.notes.some((n) => /20%/.test(n))).toBe(true);
    // chart data: shares sum to 1 per column; matrices square over the evaluated columns
    for (const c of report.quality.charts!.columns) {
      if (c.real.length) expect(c.real.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      if (c.synthetic.length) expect(c.synthetic.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    const site = report.quality.charts!.columns.find((c) => c.name === 'site')!;
    expect(site.type === 'bars' && site.labels).toEqual(['A', 'B', 'C', 'D']);
    const a = report.quality.charts!.associations;
    expect(a.columns).toHaveLength(7);
    expect(a.real.every((row) => row.length === 7)).toBe(true);
    expect(report.quality.charts!.missingness.find((m) => m.name === 'weight')!.real).toBeCloseTo(97 / 500, 12);

    const html = renderReportHtml(report);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    for (const c of real.schema.columns) expect(html).toContain(c.name);
    expect(html).toContain('81.8%');
    expect(JSON.parse(JSON.stringify(report)).quality.columns.age.metric).toBe('KSComplement');
  });

  it('escapes column names and labels', async () => {
    const text = 'a<b>,"x & y"\n1,<i>\n2,"q""t"\n3,<i>\n';
    const { table, schema } = await ingestText(text, 't.csv');
    const report = evaluateAll(table, table, schema, { detection: false });
    const html = renderReportHtml(report);
    expect(html).toContain('a&lt;b&gt;');
    expect(html).toContain('x &amp; y');
    expect(html).not.toContain('<i>');
    expect(report.quality.overall).toBe(1);
  });
});

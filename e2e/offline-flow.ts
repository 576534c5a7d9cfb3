/**
 * Shared steps for the offline, single-file, persistence and accessibility specs: the user's whole
 * path (load → train → generate → download), a recorder of every request the page and its workers
 * make, and a CSP-violation trap. Selectors are the UI's data-testids.
 */
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const DATA_DIR = path.resolve(process.cwd(), '../shared/data');
export const HEART_CSV = path.join(DATA_DIR, 'heart_cleveland.csv');
export const HEART_HEADER = readFileSync(HEART_CSV, 'utf8').split(/\r?\n/)[0];

/** Wait until a table is loaded and profiled (the bundled sample on first open, or a dropped file). */
export async function waitForTable(page: Page, name?: string): Promise<void> {
  await expect(page.getByTestId('summary-rows')).toBeVisible({ timeout: 60_000 });
  if (name) await expect(page.getByTestId('loaded-name')).toContainText(name, { timeout: 60_000 });
}

/** Pick a CSV through the file input (the drop zone's keyboard/file-picker path). */
export async function loadCsv(page: Page, file: string): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(file);
  await waitForTable(page, path.basename(file));
}

/** Train a tiny run (tiny epochs: e2e proves the path, not the quality). */
export async function train(page: Page, opts: { epochs?: number; backend?: string } = {}): Promise<void> {
  await page.getByTestId('epochs').fill(String(opts.epochs ?? 2));
  if (opts.backend) await page.getByTestId('backend-select').selectOption(opts.backend);
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
}

/** Generate rows and download the CSV; returns its text. */
export async function generateAndDownload(page: Page, rows = 40): Promise<string> {
  await page.getByTestId('rows').fill(String(rows));
  await page.getByTestId('generate').click();
  const button = page.getByTestId('download');
  await expect(button).toBeVisible({ timeout: 120_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const file = await download.path();
  return readFileSync(file, 'utf8');
}

export function expectSyntheticCsv(text: string, rows: number, header = HEART_HEADER): void {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.length > 0);
  expect(lines[0]).toBe(header);
  expect(lines.length - 1).toBe(rows);
  const width = header.split(',').length;
  for (const l of lines.slice(1)) expect(l.split(',').length).toBe(width);
}

/**
 * Click the optional later steps when the page has them (evaluation, other export formats), so the
 * egress record covers them too; returns what was exercised.
 */
export async function exerciseOptionalSteps(page: Page): Promise<string[]> {
  const done: string[] = [];
  const download = async (id: string) => {
    const b = page.getByTestId(id);
    if (!(await b.count()) || !(await b.first().isEnabled())) return;
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), b.first().click()]);
    if (dl) done.push(id);
  };
  // Other export formats, where the UI offers them.
  for (const id of ['export-arrow', 'export-parquet', 'export-sql', 'export-postgres', 'export-metadata-sidecar', 'export-sidecar', 'export-model']) await download(id);
  // Evaluation: the report and privacy tabs compute in a worker, then export.
  for (const [tab, ready, exports] of [
    ['tab-report', 'report-ready', ['export-report-json', 'export-report-html']],
    ['tab-privacy', 'privacy-ready', ['export-privacy-json']],
  ] as const) {
    const t = page.getByTestId(tab);
    if (!(await t.count())) continue;
    await t.click();
    await expect(page.getByTestId(ready)).toBeVisible({ timeout: 180_000 });
    done.push(tab);
    for (const id of exports) await download(id);
  }
  return done;
}

/** Every URL the page, its workers and service worker ask for. */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  context.on('weberror', () => undefined);
  return urls;
}

/** Requests that left the machine: anything not same-origin and not file:/blob:/data:. */
export function egress(urls: string[], origin: string | null): string[] {
  return urls.filter((u) => {
    const url = new URL(u);
    if (url.protocol === 'blob:' || url.protocol === 'data:' || url.protocol === 'file:') return false;
    return origin == null || url.origin !== origin;
  });
}

/** Console messages that report a Content-Security-Policy violation (fail the test on any). */
export function trapCspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) violations.push(m.text());
  });
  return violations;
}

export async function cspOf(page: Page): Promise<string | null> {
  return page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
}

export function expectStrictCsp(csp: string | null): void {
  expect(csp, 'the built page carries a CSP meta tag').toBeTruthy();
  const d = Object.fromEntries(csp!.split(';').map((s) => s.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  expect(d['default-src']).toEqual(["'self'"]);
  expect(d['connect-src'][0]).toBe("'self'");
  for (const [, values] of Object.entries(d)) for (const v of values) expect(v, `no remote source in the CSP: ${v}`).not.toMatch(/^(https?:|\*|wss?:)/);
  expect(d['script-src']).toContain("'wasm-unsafe-eval'");
  expect(d['script-src']).not.toContain("'unsafe-eval'");
  expect(d['script-src']).not.toContain("'unsafe-inline'");
}

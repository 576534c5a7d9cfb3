/**
 * Issue 8, single-file build: `npm run build:single` writes ONE self-contained dist-single/index.html
 * (workers, wasm and the bundled sample inlined) that works opened from file:// — no server. The
 * whole flow runs there, and nothing is requested except the file itself and blob:/data: URLs.
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cspOf, egress, expectStrictCsp, expectSyntheticCsv, generateAndDownload, HEART_CSV, loadCsv, recordRequests, train, trapCspViolations, waitForTable } from './offline-flow';

const OUT = path.resolve(process.cwd(), 'dist-single');
const HTML = path.join(OUT, 'index.html');

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  // scripts/test.sh may have built it already; DOPPEL_SINGLE_PREBUILT=1 skips the rebuild.
  if (process.env.DOPPEL_SINGLE_PREBUILT === '1' && existsSync(HTML)) return;
  execFileSync('npx', ['vite', 'build', '-c', 'vite.single.config.ts', '--logLevel', 'error'], { stdio: 'inherit', timeout: 300_000 });
});

test('the single-file build is one HTML file with nothing to fetch', () => {
  expect(readdirSync(OUT)).toEqual(['index.html']);
  const html = readFileSync(HTML, 'utf8');
  // No reference to a neighbouring file or a remote host in any src/href.
  const refs = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  for (const r of refs) expect(r, `reference ${r}`).toMatch(/^(data:|blob:|#)/);
  expect(html).not.toMatch(/<script[^>]+src=/);
});

test('opened from file://, it loads a CSV, trains and downloads with no request leaving the file', async ({ page, context }) => {
  test.setTimeout(300_000);
  const urls = recordRequests(context);
  const violations = trapCspViolations(page);
  await page.goto(pathToFileURL(HTML).href);
  expectStrictCsp(await cspOf(page));
  await loadCsv(page, HEART_CSV);
  await train(page, { epochs: 2, backend: 'wasm' });
  await expect(page.getByTestId('backend-in-use')).toHaveText('wasm');
  expectSyntheticCsv(await generateAndDownload(page, 30), 30);
  expect(egress(urls, null)).toEqual([]);
  expect(violations).toEqual([]);
});

test('opened from file://, the bundled sample loads by itself', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(pathToFileURL(HTML).href);
  await waitForTable(page, 'heart_cleveland.csv');
  await expect(page.getByTestId('summary-rows')).toHaveText('303');
});

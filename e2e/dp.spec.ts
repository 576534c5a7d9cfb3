/**
 * Differential privacy in the browser (issue 7): a preset trains with DP-SGD in the worker, the privacy
 * receipt is shown and travels with the model file, and the synthetic rows use only real labels when the
 * ranges and category lists are declared public.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { HEART_HEADER, generateAndDownload, expectSyntheticCsv, train, waitForTable } from './offline-flow';
import { parseCsv } from './helpers';

test('a DP preset trains with DP-SGD, shows the receipt and saves it with the model', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./');
  await waitForTable(page, 'heart_cleveland.csv');
  await page.getByTestId('dp-preset').selectOption('balanced');
  await page.getByTestId('public-domain').check();
  await train(page, { epochs: 3, backend: 'wasm' });
  await expect(page.getByTestId('privacy-receipt')).toContainText('ε = 3.00');

  const csv = await generateAndDownload(page, 30);
  expectSyntheticCsv(csv, 30);
  const rows = parseCsv(csv.replace(/^\uFEFF/, '')).slice(1).filter((r) => r.length > 1);
  const cp = HEART_HEADER.split(',').indexOf('cp');
  for (const r of rows) expect(['1.0', '2.0', '3.0', '4.0', '']).toContain(r[cp]);

  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-model').click()]);
  const saved = JSON.parse(readFileSync((await dl.path())!, 'utf8'));
  expect(saved.privacy.epsilon).toBeLessThanOrEqual(3 + 1e-9);
  expect(saved.privacy.text).toMatch(/differential privacy/);
});

/**
 * Issue 4 UI: the fidelity report and the privacy panel on the bundled sample, after a tiny training
 * run — charts drawn, exports downloadable (the HTML needs nothing from the network), nothing leaves
 * the origin.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expectLoaded, foreignRequests, recordRequests } from './helpers';

test('report and privacy pages after a short run on the sample', async ({ page, context, baseURL }) => {
  const urls = recordRequests(context, page);
  await page.goto('/');
  await expectLoaded(page, 303, 14);
  await page.getByTestId('target-column').selectOption('num');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('epochs').fill('3');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await page.getByTestId('rows').fill('200');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('synthetic-ready')).toContainText('200 synthetic rows');

  await page.getByTestId('tab-report').click();
  await expect(page.getByTestId('report-ready')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('gauge-overall')).toContainText('%');
  await expect(page.getByTestId('gauge-shapes')).toBeVisible();
  await expect(page.getByTestId('gauge-pairs')).toBeVisible();
  await expect(page.locator('[data-testid^=column-card-]')).toHaveCount(14);
  // Worst first: the scores shown are in ascending order.
  const scores = (await page.locator('[data-testid^=column-card-] .score').allTextContents()).map((s) => parseFloat(s));
  expect([...scores].sort((a, b) => a - b)).toEqual(scores);
  await expect(page.getByTestId('heatmap-real')).toBeVisible();
  await expect(page.getByTestId('heatmap-difference')).toBeVisible();
  await expect(page.getByTestId('detection-auc')).toHaveText(/^0\.\d{3}$|^1\.000$/);
  await expect(page.getByTestId('utility-synthetic')).toHaveText(/^\d\.\d{3}$/);

  const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-report-json').click()]);
  const report = JSON.parse(readFileSync((await json.path())!, 'utf8'));
  expect(report.quality.overall).toBeGreaterThan(0);
  expect(report.utility.target).toBe('num');
  const [html] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-report-html').click()]);
  const text = readFileSync((await html.path())!, 'utf8');
  expect(text).toMatch(/^<!doctype html>/i);
  // Standalone: no script, style, image or font fetched from anywhere.
  expect(text).not.toMatch(/(src|href)=["']?https?:/i);

  await page.getByTestId('tab-privacy').click();
  await expect(page.getByTestId('privacy-ready')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('privacy-level')).toHaveAttribute('data-level', /green|amber|red/);
  await expect(page.getByTestId('dcr-share')).toHaveText(/%$/);
  // the charts behind the numbers, and the guarantee (none here: trained without DP)
  await expect(page.getByTestId('dcr-histogram').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(page.getByTestId('mia-roc').locator('.recharts-line')).toHaveCount(2);
  await expect(page.getByTestId('privacy-receipt-report')).toContainText('without differential privacy');

  expect(foreignRequests(urls, new URL(baseURL!).origin)).toEqual([]);
});

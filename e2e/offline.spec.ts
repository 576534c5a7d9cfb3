/**
 * Issue 8, offline and local-only: the built app carries a strict CSP, is precached by its service
 * worker, and after one load does the whole flow with the network off; across load, train, evaluate
 * and export every request stays on the app's own origin (or blob:/data:).
 */
import { expect, test } from '@playwright/test';
import {
  cspOf, egress, exerciseOptionalSteps, expectStrictCsp, expectSyntheticCsv, generateAndDownload, HEART_CSV,
  loadCsv, recordRequests, train, trapCspViolations, waitForTable,
} from './offline-flow';

test.describe.configure({ mode: 'serial' });

test('strict CSP, PWA manifest, and the whole flow works offline after one load', async ({ page, context }) => {
  test.setTimeout(300_000);
  const violations = trapCspViolations(page);
  await page.goto('./');
  await waitForTable(page);
  expectStrictCsp(await cspOf(page));

  // Installable: a manifest with local icons.
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBeTruthy();
  const manifest = await (await page.request.get(new URL(href!, page.url()).href)).json();
  expect(manifest.display).toBe('standalone');
  expect(manifest.icons.map((i: { sizes: string }) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));

  // The service worker has precached everything, the wasm binaries included, and controls the page.
  const cached = await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    const keys = await caches.keys();
    const cache = await caches.open(keys.find((k) => k.startsWith('doppel-'))!);
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
  expect(cached.some((p) => p.endsWith('.wasm'))).toBe(true);
  expect(cached.some((p) => /worker/i.test(p))).toBe(true);

  await context.setOffline(true);
  try {
    await page.reload();
    await waitForTable(page);
    await loadCsv(page, HEART_CSV);
    await train(page, { epochs: 2, backend: 'wasm' });
    await expect(page.getByTestId('backend-in-use')).toHaveText('wasm');
    expectSyntheticCsv(await generateAndDownload(page, 30), 30);
  } finally {
    await context.setOffline(false);
  }
  expect(violations).toEqual([]);
});

test('zero egress across load, train, evaluate and export', async ({ page, context }) => {
  test.setTimeout(300_000);
  const urls = recordRequests(context);
  const violations = trapCspViolations(page);
  await page.goto('./');
  const origin = new URL(page.url()).origin;
  await waitForTable(page);
  await loadCsv(page, HEART_CSV);
  await train(page, { epochs: 2 });
  expectSyntheticCsv(await generateAndDownload(page, 25), 25);
  const steps = await exerciseOptionalSteps(page);
  test.info().annotations.push({ type: 'steps', description: ['load', 'train', 'generate', 'download', ...steps].join(', ') });
  expect(urls.length).toBeGreaterThan(0);
  expect(egress(urls, origin)).toEqual([]);
  expect(violations).toEqual([]);
});

test('the CSP holds with WebGPU too (SwiftShader)', async ({ page }) => {
  test.setTimeout(300_000);
  const violations = trapCspViolations(page);
  await page.goto('./');
  await waitForTable(page);
  const hasGpu = await page.evaluate(() => 'gpu' in navigator);
  test.skip(!hasGpu, 'this Chromium exposes no navigator.gpu (needs --enable-unsafe-webgpu)');
  await train(page, { epochs: 1, backend: 'webgpu' });
  await expect(page.getByTestId('backend-in-use')).toHaveText('webgpu');
  expect(violations).toEqual([]);
});

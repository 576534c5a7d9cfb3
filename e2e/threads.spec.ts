/**
 * Two training threads in the browser: served cross-origin isolated (vite.config.ts's COOP/COEP), the
 * tVAE's replica worker takes half of every batch, and CTGAN's large products may use the product helper;
 * without isolation training runs on one thread. The seeded synthetic CSV must be the same bytes either way.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dropFile, expectLoaded, foreignRequests, readData, recordRequests } from './helpers';

/** A host that sends no COOP/COEP: every response of this context loses them. */
async function stripIsolationHeaders(context: BrowserContext): Promise<void> {
  await context.route('**/*', async (route) => {
    const res = await route.fetch();
    const headers = { ...res.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response: res, headers });
  });
}

const FILE = 'stroke.csv'; // 5,110 rows: 150 epochs on the 80% trained on pass the tVAE's replica threshold (500k rows × epochs)

async function trainAndDownload(page: Page, context: BrowserContext, origin: string, model = 'tvae', epochs = 150) {
  const urls = recordRequests(context, page);
  await page.goto('/');
  await expectLoaded(page, 303, 14);
  await dropFile(page, FILE, readData(FILE));
  await expectLoaded(page, 5110, 12);
  await page.getByTestId(`model-${model}`).check();
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('epochs').fill(String(epochs));
  await page.getByTestId('seed').fill('7');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await expect(page.getByTestId('epoch')).toHaveText(String(epochs));
  const threads = (await page.getByTestId('threads-in-use').count()) ? (await page.getByTestId('threads-in-use').textContent())!.trim() : '';
  await page.getByTestId('rows').fill('500');
  await page.getByTestId('generate').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const text = readFileSync((await download.path())!, 'utf8');
  expect(foreignRequests(urls, origin)).toEqual([]);
  return { threads, text, isolated: await page.evaluate(() => crossOriginIsolated) };
}

for (const { model, epochs, how } of [
  { model: 'tvae', epochs: 150, how: "the tVAE's replica takes half of each batch" },
  { model: 'ctgan', epochs: 12, how: 'the product helper takes rows of large products' },
]) {
  test(`${model} on two threads when the page is isolated (${how}), to the very CSV of one thread`, async ({ browser, baseURL }) => {
    const origin = new URL(baseURL!).origin;

    const two = await browser.newContext({ baseURL, acceptDownloads: true, serviceWorkers: 'block' });
    const a = await trainAndDownload(await two.newPage(), two, origin, model, epochs);
    await two.close();
    expect(a.isolated).toBe(true);
    expect(a.threads).toBe('· 2 threads');

    // The same app from a host that sends no COOP/COEP: not isolated, one thread.
    // (Service workers blocked: theirs would add the headers back, see the next test.)
    const one = await browser.newContext({ baseURL, acceptDownloads: true, serviceWorkers: 'block' });
    await stripIsolationHeaders(one);
    const b = await trainAndDownload(await one.newPage(), one, origin, model, epochs);
    await one.close();
    expect(b.isolated).toBe(false);
    expect(b.threads).toBe('');

    expect(a.text.split('\n').length).toBeGreaterThan(500);
    expect(a.text).toBe(b.text);
  });
}

test('on a host without COOP/COEP the service worker makes the page isolated from the second visit', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  await stripIsolationHeaders(context);
  const page = await context.newPage();
  await page.goto('/');
  await expectLoaded(page, 303, 14);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
  await page.reload();
  await expectLoaded(page, 303, 14);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // The training worker (served by the service worker too) is isolated as well: two threads on offer.
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('epochs').fill('2');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  const trainWorker = page.workers().find((w) => w.url().includes('train.worker'));
  expect(trainWorker, 'the training worker').toBeTruthy();
  expect(await trainWorker!.evaluate(() => crossOriginIsolated && typeof SharedArrayBuffer === 'function')).toBe(true);
  await context.close();
});

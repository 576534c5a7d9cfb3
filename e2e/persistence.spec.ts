/**
 * Issue 8, nothing lost: the dataset, its settings, the trained model, the synthetic table and its reports are kept in IndexedDB, a
 * reload puts the user back where they were, and "Forget everything on this machine" wipes it all.
 */
import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { DATA_DIR, loadCsv, train, waitForTable } from './offline-flow';

const OTHER_CSV = path.join(DATA_DIR, 'heart_failure_prediction_918.csv');

/** What the app saved in this browser: store name → keys, plus the saved dataset's name. */
async function saved(page: Page): Promise<{ stores: Record<string, string[]>; datasetName: string | null }> {
  return page.evaluate(async () => {
    const dbs = (await indexedDB.databases?.()) ?? [];
    if (!dbs.some((d) => d.name === 'doppel')) return { stores: {}, datasetName: null };
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('doppel');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const get = <T,>(store: string, f: (os: IDBObjectStore) => IDBRequest<T>) =>
      new Promise<T>((res, rej) => {
        const r = f(db.transaction(store, 'readonly').objectStore(store));
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
    const stores: Record<string, string[]> = {};
    for (const s of Array.from(db.objectStoreNames)) stores[s] = ((await get(s, (os) => os.getAllKeys())) as IDBValidKey[]).map(String);
    const ds = stores.datasets?.includes('current') ? ((await get('datasets', (os) => os.get('current'))) as { name: string }) : null;
    db.close();
    return { stores, datasetName: ds?.name ?? null };
  });
}

test('a reload restores the table, settings and trained model; Forget everything wipes them', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./');
  await waitForTable(page, 'heart_cleveland.csv');

  await loadCsv(page, OTHER_CSV);
  await page.getByTestId('epochs').fill('3');
  await expect.poll(async () => (await saved(page)).datasetName, { timeout: 30_000 }).toBe('heart_failure_prediction_918.csv');

  await train(page, { epochs: 2 });
  await expect.poll(async () => (await saved(page)).stores.models ?? [], { timeout: 30_000 }).toContain('current');

  await page.reload();
  await waitForTable(page, 'heart_failure_prediction_918.csv');
  await expect(page.getByTestId('summary-rows')).toHaveText('918');
  await expect(page.getByTestId('epochs')).toHaveValue('2');
  // The trained model is back in the training worker: Generate works without training again.
  await expect(page.getByTestId('model-loaded')).toContainText('trained before the reload', { timeout: 60_000 });
  await page.getByTestId('rows').fill('25');
  await page.getByTestId('generate').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const rows = readFileSync((await download.path())!, 'utf8').trim().split('\n');
  expect(rows).toHaveLength(26);

  await page.getByTestId('forget-everything').click();
  const reloaded = page.waitForEvent('load');
  await page.getByTestId('forget-confirm').click();
  await reloaded;
  await waitForTable(page, 'heart_cleveland.csv');
  await expect(page.getByTestId('epochs')).not.toHaveValue('2');
  const after = await saved(page);
  expect(after.datasetName).not.toBe('heart_failure_prediction_918.csv');
  expect(after.stores.models ?? []).toEqual([]);
});

test('a reload keeps the synthetic table, its fidelity and privacy reports and the held-back rows', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./');
  await waitForTable(page, 'heart_cleveland.csv');
  await train(page, { epochs: 2, backend: 'wasm' });
  await page.getByTestId('rows').fill('120');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('synthetic-ready')).toContainText('120 synthetic rows');
  const [before] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const csv = readFileSync((await before.path())!, 'utf8');
  await page.getByTestId('tab-report').click();
  await expect(page.getByTestId('report-ready')).toBeVisible({ timeout: 120_000 });
  const overall = await page.getByTestId('gauge-overall').textContent();
  await page.getByTestId('tab-privacy').click();
  await expect(page.getByTestId('privacy-ready')).toBeVisible({ timeout: 120_000 });
  const share = await page.getByTestId('dcr-share').textContent();
  await expect.poll(async () => (await saved(page)).stores.reports ?? [], { timeout: 30_000 }).toContain('current');

  await page.reload();
  // Both reports are back as computed (no recomputation), the privacy one still against the held-back rows.
  await page.getByTestId('tab-privacy').click();
  await expect(page.getByTestId('privacy-ready')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('dcr-share')).toHaveText(share!);
  await page.getByTestId('tab-report').click();
  await expect(page.getByTestId('report-ready')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('gauge-overall')).toHaveText(overall!);
  // The same synthetic rows download again, and the worker builds the other formats from them.
  await page.getByTestId('tab-prepare').click();
  await expect(page.getByTestId('synthetic-ready')).toContainText('120 synthetic rows');
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(readFileSync((await again.path())!, 'utf8')).toBe(csv);
  const [arrow] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-arrow').click()]);
  expect(readFileSync((await arrow.path())!).subarray(0, 6).toString('latin1')).toBe('ARROW1');
});

test('a training-worker crash is reported, the worker restarts, and the loaded table is still there', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./');
  await waitForTable(page, 'heart_cleveland.csv');
  await page.getByTestId('epochs').fill('5000');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('epoch')).toBeVisible({ timeout: 120_000 });
  const trainer = page.workers().find((w) => /train/.test(w.url()));
  expect(trainer, 'the training worker is running').toBeTruthy();
  // An uncaught exception kills the run the way a real fault would.
  await trainer!.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated worker fault');
    }, 0);
  });
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  await expect(page.locator('body')).toContainText(/crash/i);
  // The data survived; a new run works on the restarted worker.
  await expect(page.getByTestId('summary-rows')).toHaveText('303');
  await train(page, { epochs: 2, backend: 'wasm' });
});

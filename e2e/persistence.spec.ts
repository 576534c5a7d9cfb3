/**
 * Issue 8, nothing lost: the dataset, its schema edits (id and time columns included), a joined static per-patient table, its
 * settings, the trained model, the synthetic table and its reports are kept in IndexedDB, a reload puts the user back where they
 * were (saying what no longer fits), and "Forget everything on this machine" wipes it all.
 */
import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { DATA_DIR, loadCsv, train, waitForTable } from './offline-flow';
import { csvFile, dropFile, splitPbcseq, STATIC } from './helpers';
import type { TableSchema } from '../src/core/schema/types';

const OTHER_CSV = path.join(DATA_DIR, 'heart_failure_prediction_918.csv');

/** What the app saved in this browser: store name → keys, plus the saved dataset's name, its schema and static file's name. */
async function saved(page: Page): Promise<{ stores: Record<string, string[]>; datasetName: string | null; schema: TableSchema | null; staticName: string | null }> {
  return page.evaluate(async () => {
    const dbs = (await indexedDB.databases?.()) ?? [];
    if (!dbs.some((d) => d.name === 'doppel')) return { stores: {}, datasetName: null, schema: null, staticName: null };
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
    const schema = stores.schemas?.includes('current') ? ((await get('schemas', (os) => os.get('current'))) as TableSchema) : null;
    const st = stores.datasets?.includes('current:static') ? ((await get('datasets', (os) => os.get('current:static'))) as { name: string }) : null;
    db.close();
    return { stores, datasetName: ds?.name ?? null, schema, staticName: st?.name ?? null };
  });
}

/** Change the saved schema behind the app's back, as if it no longer fitted the file: a kind that cannot apply, a column the file lacks. */
async function tamperSavedSchema(page: Page, kinds: Record<string, string>, extraColumn: string): Promise<void> {
  await page.evaluate(
    async ({ kinds, extraColumn }) => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open('doppel');
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      const tx = db.transaction('schemas', 'readwrite');
      const os = tx.objectStore('schemas');
      const schema = await new Promise<{ columns: { name: string; kind: string }[] }>((res) => {
        const r = os.get('current');
        r.onsuccess = () => res(r.result);
      });
      for (const c of schema.columns) if (kinds[c.name]) c.kind = kinds[c.name];
      schema.columns.push({ ...schema.columns[0], name: extraColumn, kind: 'continuous' });
      os.put(schema, 'current');
      await new Promise((res) => (tx.oncomplete = res));
      db.close();
    },
    { kinds, extraColumn },
  );
}

const column = (schema: TableSchema | null, name: string) => schema?.columns.find((c) => c.name === name);

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

test('a reload keeps the schema edits: kinds, exclusions, bounds, privacy roles and the target; a model trained on them comes back matching', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./');
  await waitForTable(page, 'heart_cleveland.csv');
  await expect(page.getByTestId('kind-ca')).toHaveValue('categorical');
  await page.getByTestId('kind-ca').selectOption('integer');
  await expect(page.getByTestId('kind-ca')).toHaveValue('integer');
  // Controlled checkboxes change once the ingest worker applied the edit: click, then wait for it.
  await page.getByTestId('include-fbs').click();
  await expect(page.getByTestId('include-fbs')).not.toBeChecked();
  await page.getByLabel('chol is sensitive').click();
  await expect(page.getByLabel('chol is sensitive')).toBeChecked();
  await page.getByLabel('age is a quasi-identifier').click();
  await expect(page.getByLabel('age is a quasi-identifier')).toBeChecked();
  await page.getByTestId('target-column').selectOption('num');
  await page.getByTestId('bound-max-trestbps').fill('190');
  await page.getByTestId('bound-max-trestbps').press('Enter');
  await train(page, { epochs: 2, backend: 'wasm' });
  await expect
    .poll(async () => {
      const { schema, stores } = await saved(page);
      return [column(schema, 'ca')?.kind, column(schema, 'trestbps')?.max, (stores.models ?? []).includes('current')];
    }, { timeout: 30_000 })
    .toEqual(['integer', 190, true]);

  await page.reload();
  await waitForTable(page, 'heart_cleveland.csv');
  await expect(page.getByTestId('kind-ca')).toHaveValue('integer');
  await expect(page.getByTestId('include-fbs')).not.toBeChecked();
  await expect(page.getByTestId('include-age')).toBeChecked();
  await expect(page.getByLabel('chol is sensitive')).toBeChecked();
  await expect(page.getByLabel('age is sensitive')).not.toBeChecked();
  await expect(page.getByLabel('age is a quasi-identifier')).toBeChecked();
  await expect(page.getByTestId('target-column')).toHaveValue('num');
  await expect(page.getByTestId('bound-max-trestbps')).toHaveValue('190');
  await expect(page.getByTestId('schema-notice')).toHaveCount(0);
  // The restored model was trained on these very columns.
  await expect(page.getByTestId('model-loaded')).toContainText('trained before the reload', { timeout: 60_000 });
  await expect(page.getByTestId('model-columns-differ')).toHaveCount(0);
  await page.getByTestId('rows').fill('10');
  await page.getByTestId('generate').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(readFileSync((await download.path())!, 'utf8').trim().split('\n')).toHaveLength(11);
});

test('longitudinal: a reload marks the id and time columns again, joins the static table again, and says what no longer fits', async ({ page }) => {
  test.setTimeout(300_000);
  const { visits, patients } = splitPbcseq();
  await page.goto('./');
  await dropFile(page, 'visits.csv', Buffer.from(visits));
  await expect(page.getByTestId('summary-rows')).toHaveText('1,945');
  await page.getByTestId('id-column').selectOption('id');
  await page.getByTestId('time-column').selectOption('day');
  await expect(page.getByTestId('seq-patients')).toHaveText('312');
  await page.getByTestId('static-file-input').setInputFiles(csvFile('patients.csv', patients));
  await expect(page.getByTestId('static-matched')).toHaveText('309');
  await page.getByTestId('include-spiders').click(); // a visit column
  await expect(page.getByTestId('include-spiders')).not.toBeChecked();
  await page.getByLabel('sex is sensitive').click(); // a static column
  await expect(page.getByLabel('sex is sensitive')).toBeChecked();

  const expectRestored = async () => {
    await expect(page.getByTestId('id-column')).toHaveValue('id');
    await expect(page.getByTestId('time-column')).toHaveValue('day');
    await expect(page.getByTestId('seq-patients')).toHaveText('312');
    await expect(page.getByTestId('seq-length')).toHaveText('1–16');
    await expect(page.getByTestId('seq-visits')).toHaveText('1,945');
    for (const c of STATIC) await expect(page.getByTestId('seq-static')).toContainText(c);
    await expect(page.getByTestId('static-summary')).toContainText('Joined patients.csv');
    await expect(page.getByTestId('static-matched')).toHaveText('309');
    await expect(page.getByTestId('static-ignored')).toHaveText('2');
    await expect(page.getByTestId('static-without')).toHaveText('3');
    await expect(page.getByTestId('summary-columns')).toHaveText('19');
    await expect(page.getByTestId('include-spiders')).not.toBeChecked();
    await expect(page.getByLabel('sex is sensitive')).toBeChecked();
    await expect(page.getByTestId('rows')).toHaveValue('312');
  };

  // Re-reading the file with the missing-value tokens keeps the static table and the edits.
  await page.getByText('Missing-value tokens', { exact: true }).click();
  await page.getByRole('button', { name: 'Apply and re-read the file' }).click();
  await expectRestored();
  await expect(page.getByTestId('schema-notice')).toHaveCount(0);

  // A model trained on the join, and synthetic patients from it.
  await train(page, { epochs: 1, backend: 'wasm' });
  await page.getByTestId('rows').fill('10');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('download-patients')).toBeVisible();

  await expect
    .poll(async () => {
      const { schema, staticName, stores } = await saved(page);
      return [schema?.idColumn, schema?.timeColumn, schema?.columns.length, column(schema, 'sex')?.sensitive, staticName, (stores.reports ?? []).includes('current')];
    }, { timeout: 30_000 })
    .toEqual(['id', 'day', 19, true, 'patients.csv', true]);

  await page.reload();
  await waitForTable(page, 'visits.csv');
  await expectRestored();
  await expect(page.getByTestId('schema-notice')).toHaveCount(0);
  // The model comes back matching the restored join, with its synthetic patients: both files download again.
  await expect(page.getByTestId('model-loaded')).toContainText('trained before the reload', { timeout: 60_000 });
  await expect(page.getByTestId('model-columns-differ')).toHaveCount(0);
  const [patientsFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-patients').click()]);
  expect(patientsFile.suggestedFilename()).toBe('patients-synthetic.csv');
  const lines = readFileSync((await patientsFile.path())!, 'utf8').trim().split(/\r?\n/);
  expect(lines[0].split(',')).toEqual(['id', ...STATIC]);
  expect(lines).toHaveLength(11);

  // A saved schema that no longer fits: what cannot apply is said, the rest is put back.
  await tamperSavedSchema(page, { sex: 'integer' }, 'bmi');
  await page.reload();
  await waitForTable(page, 'visits.csv');
  await expectRestored();
  await expect(page.getByTestId('kind-sex')).toHaveValue('categorical');
  const notice = page.getByTestId('schema-notice');
  await expect(notice).toContainText('Some column settings from before the reload could not be put back');
  await expect(notice).toContainText('“sex” as integer: Column "sex" has values that are not numbers');
  await expect(notice).toContainText('visits.csv has no column “bmi” now');
  await notice.screenshot({ path: 'test-results/schema-notice.png' });
});

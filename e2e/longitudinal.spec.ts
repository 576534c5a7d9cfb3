/**
 * Longitudinal mode in a real browser: drop pbcseq.csv (312 patients, 1–16 visits), mark the patient id
 * and visit-day columns, train briefly, generate 20 patients and check the downloaded long table; the same
 * data as two files (visits plus a static per-patient table joined on the id).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { csvFile, dropFile, parseCsv, readData, splitPbcseq, STATIC } from './helpers';

const FILE = 'pbcseq.csv';
const PATIENTS = 20;

async function expectAccessible(page: Page, selector: string): Promise<void> {
  const r = await new AxeBuilder({ page }).include(selector).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

test('pbcseq: mark id and time, see sequence summaries, train, generate new patients', async ({ page }) => {
  const bytes = readData(FILE);
  await page.goto('/');
  await dropFile(page, FILE, bytes);
  await expect(page.getByTestId('summary-rows')).toHaveText('1,945');

  await page.getByTestId('id-column').selectOption('id');
  await expect(page.getByTestId('seq-patients')).toHaveText('312');
  await page.getByTestId('time-column').selectOption('day');
  await expect(page.getByTestId('seq-length')).toHaveText('1–16');
  await expect(page.getByTestId('seq-visits')).toHaveText('1,945');
  await expect(page.getByTestId('seq-static')).toContainText('sex');
  await expect(page.getByTestId('seq-varying')).toContainText('bili');
  await expect(page.getByTestId('rows')).toHaveValue('312');
  await expect(page.locator('label[for="rows"]')).toHaveText('Synthetic patients');
  await page.getByTestId('sequence-summary').screenshot({ path: 'test-results/longitudinal-summary.png' });
  await expectAccessible(page, '[data-testid="longitudinal"]');

  await expect(page.getByTestId('longitudinal-mode')).toBeVisible();
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('epochs').fill('2');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });

  await page.getByTestId('rows').fill(String(PATIENTS));
  await page.getByTestId('generate').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const text = readFileSync((await download.path())!, 'utf8');

  const real = parseCsv(bytes.toString('utf8'));
  const syn = parseCsv(text).filter((r) => r.length > 1 || r[0] !== '');
  expect(syn[0]).toEqual(real[0]);
  const idAt = syn[0].indexOf('id');
  const dayAt = syn[0].indexOf('day');
  const body = syn.slice(1);
  expect(body.length).toBeGreaterThanOrEqual(PATIENTS);
  const days = new Map<string, number[]>();
  for (const r of body) {
    expect(r.length).toBe(real[0].length);
    const id = Number(r[idAt]);
    expect(id, `synthetic id ${r[idAt]} collides with a real one`).toBeGreaterThan(312);
    if (!days.has(r[idAt])) days.set(r[idAt], []);
    days.get(r[idAt])!.push(Number(r[dayAt]));
  }
  expect(days.size).toBe(PATIENTS);
  for (const [id, d] of days) for (let k = 1; k < d.length; k++) expect(d[k], `patient ${id}: day goes backwards`).toBeGreaterThanOrEqual(d[k - 1]);

  // The report shows the temporal section next to the row-wise one.
  await page.getByRole('tab', { name: 'Fidelity report' }).click();
  await expect(page.getByTestId('temporal-report')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('temporal-table')).toContainText('bili');
  await page.getByTestId('temporal-report').screenshot({ path: 'test-results/longitudinal-report.png' });
  await expectAccessible(page, '[data-testid="temporal-report"]');

  // Privacy per patient: the holdout kept back whole patients (20% of 312), and patients are compared.
  await page.getByTestId('tab-privacy').click();
  await expect(page.getByTestId('privacy-ready')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('privacy-ready')).toContainText(`${PATIENTS} synthetic patients compared with 250 training and 62 held-back patients`);
});

test('a longitudinal model downloads as a file (layout and weights, no rows) and comes back after a reload', async ({ page }) => {
  const bytes = readData(FILE);
  await page.goto('/');
  await dropFile(page, FILE, bytes);
  await expect(page.getByTestId('summary-rows')).toHaveText('1,945');
  await page.getByTestId('id-column').selectOption('id');
  await page.getByTestId('time-column').selectOption('day');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('epochs').fill('1');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });

  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-model').click()]);
  const saved = readFileSync((await file.path())!, 'utf8');
  const doc = JSON.parse(saved);
  expect(doc.format).toBe('doppel-longitudinal');
  expect(doc.layout.idColumn).toBe('id');
  expect(doc.model.format).toBe('doppel-model');
  const real = parseCsv(bytes.toString('utf8'));
  for (const r of real.slice(1, 40)) expect(saved.includes(r.join(','))).toBe(false);

  // The trained model is kept on this machine: after a reload it generates without training again.
  await page.reload();
  await expect(page.getByTestId('model-loaded')).toContainText('trained before the reload', { timeout: 60_000 });
  await expect(page.locator('label[for="rows"]')).toHaveText('Synthetic patients');
  // The table comes back with its id and time columns marked, so it matches the restored model.
  await expect(page.getByTestId('id-column')).toHaveValue('id');
  await expect(page.getByTestId('time-column')).toHaveValue('day');
  await expect(page.getByTestId('seq-patients')).toHaveText('312');
  await expect(page.getByTestId('model-columns-differ')).toHaveCount(0);
  await page.getByTestId('rows').fill('5');
  await page.getByTestId('generate').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const syn = parseCsv(readFileSync((await download.path())!, 'utf8')).filter((r) => r.length > 1 || r[0] !== '');
  expect(syn[0]).toEqual(real[0]);
  const ids = new Set(syn.slice(1).map((r) => Number(r[syn[0].indexOf('id')])));
  expect(ids.size).toBe(5);
  for (const id of ids) expect(id).toBeGreaterThan(312);
});

async function loadVisitsWithIds(page: Page, visits: string): Promise<void> {
  await page.goto('/');
  await dropFile(page, 'visits.csv', Buffer.from(visits));
  await expect(page.getByTestId('summary-rows')).toHaveText('1,945');
  await expect(page.getByTestId('summary-columns')).toHaveText('14');
  await expect(page.getByTestId('static-table')).toHaveCount(0); // offered once a patient id is marked
  await page.getByTestId('id-column').selectOption('id');
  await page.getByTestId('time-column').selectOption('day');
  await expect(page.getByTestId('seq-patients')).toHaveText('312');
}

test('two files: a static per-patient table joins on the id, a bad one is refused with the table kept, and it can be removed', async ({ page }) => {
  const { visits, patients, patientLine } = splitPbcseq();
  await loadVisitsWithIds(page, visits);
  await expect(page.getByTestId('seq-static')).not.toContainText('sex');

  await page.getByTestId('static-file-input').setInputFiles(csvFile('patients.csv', patients));
  await expect(page.getByTestId('static-matched')).toHaveText('309');
  await expect(page.getByTestId('static-summary')).toContainText('309 of 312 patients matched');
  await expect(page.getByTestId('static-ignored')).toHaveText('2');
  await expect(page.getByTestId('static-without')).toHaveText('3');
  await expect(page.getByTestId('static-columns')).toHaveText(STATIC.join(', '));
  await expect(page.getByTestId('summary-columns')).toHaveText('19');
  await expect(page.getByTestId('summary-rows')).toHaveText('1,945');
  for (const c of STATIC) await expect(page.getByTestId('seq-static')).toContainText(c);
  await expect(page.getByTestId('seq-varying')).toContainText('bili');
  await expect(page.getByTestId('id-column')).toBeDisabled();
  await page.getByTestId('static-table').screenshot({ path: 'test-results/longitudinal-static.png' });
  await expectAccessible(page, '[data-testid="static-table"]');

  // A patient twice: the message names the file, the id column and both lines; the joined table stays.
  await dropFile(page, 'patients-dup.csv', Buffer.from(`${patients}\n5,100,0,1,40.0,"f"`), 'text/csv', 'static-dropzone');
  const dupLine = patients.split('\n').length + 1;
  await expect(page.getByTestId('static-error')).toContainText(
    `patients-dup.csv has patient id "5" twice in column "id" (lines ${patientLine.get('5')} and ${dupLine}); keep one row per patient.`,
  );
  await expect(page.getByTestId('static-error')).toContainText('Nothing changed: visits.csv stays joined with patients.csv.');
  await expect(page.getByTestId('summary-rows')).toHaveText('1,945');
  await expect(page.getByTestId('summary-columns')).toHaveText('19');
  await expect(page.getByTestId('static-matched')).toHaveText('309');
  await page.getByTestId('static-table').screenshot({ path: 'test-results/longitudinal-static-error.png' });
  await expectAccessible(page, '[data-testid="static-table"]');

  // Removing it gives back the visit table alone.
  await page.getByTestId('remove-static').click();
  await expect(page.getByTestId('summary-columns')).toHaveText('14');
  await expect(page.getByTestId('static-summary')).toHaveCount(0);
  await expect(page.getByTestId('static-error')).toHaveCount(0);
  await expect(page.getByTestId('seq-static')).not.toContainText('sex');
  await expect(page.getByTestId('id-column')).toBeEnabled();

  // A column in both files is refused onto the visit table alone too.
  await page.getByTestId('static-file-input').setInputFiles(csvFile('patients-bili.csv', 'id,sex,bili\n1,f,2\n2,m,3'));
  await expect(page.getByTestId('static-error')).toContainText('Column "bili" is in both visits.csv and patients-bili.csv');
  await expect(page.getByTestId('static-error')).toContainText('visits.csv stays loaded as it was, without a static table');
  await expect(page.getByTestId('summary-columns')).toHaveText('14');
  await expect(page.getByTestId('seq-patients')).toHaveText('312');
});

test('two files: trained on the join, the synthetic patients download as a long table and a static per-patient table', async ({ page }) => {
  const { visits, patients } = splitPbcseq();
  await loadVisitsWithIds(page, visits);
  await page.getByTestId('static-file-input').setInputFiles(csvFile('patients.csv', patients));
  await expect(page.getByTestId('static-matched')).toHaveText('309');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('epochs').fill('1');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await page.getByTestId('rows').fill('10');
  await page.getByTestId('generate').click();

  const [longFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(longFile.suggestedFilename()).toBe('visits-synthetic.csv');
  const long = parseCsv(readFileSync((await longFile.path())!, 'utf8')).filter((r) => r.length > 1 || r[0] !== '');
  const visitHeader = parseCsv(visits.split('\n')[0] + '\n')[0];
  expect(long[0]).toEqual([...visitHeader, ...STATIC]);

  const [patientsFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-patients').click()]);
  expect(patientsFile.suggestedFilename()).toBe('patients-synthetic.csv');
  const rows = parseCsv(readFileSync((await patientsFile.path())!, 'utf8')).filter((r) => r.length > 1 || r[0] !== '');
  expect(rows[0]).toEqual(['id', ...STATIC]);
  expect(rows.length - 1).toBe(10);
  // Same fresh ids as the long table, and each patient's static cells as on every one of its visits.
  const at = (c: string) => long[0].indexOf(c);
  const ids = new Set(long.slice(1).map((r) => r[at('id')]));
  expect(new Set(rows.slice(1).map((r) => r[0]))).toEqual(ids);
  for (const r of rows.slice(1)) {
    expect(Number(r[0])).toBeGreaterThan(312);
    for (const v of long.slice(1).filter((l) => l[at('id')] === r[0])) expect(STATIC.map((c) => v[at(c)])).toEqual(r.slice(1));
  }
});

/** Train the heart sample for `epochs` and reload mid-run (the tab "closes": the worker dies with it). */
async function interruptHeartRun(page: Page, epochs: number): Promise<Buffer> {
  const heart = readData('heart_cleveland.csv');
  await page.goto('/');
  await dropFile(page, 'heart_cleveland.csv', heart);
  await expect(page.getByTestId('summary-rows')).toHaveText('303');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('epochs').fill(String(epochs));
  await page.getByTestId('train').click();
  // The first epoch always writes a checkpoint; then one every ~2 s.
  await expect.poll(async () => Number(await page.getByTestId('epoch').textContent()), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
  await page.reload();
  return heart;
}

test('checkpoint: a run interrupted by a reload can be resumed and generates without retraining', async ({ page }) => {
  const heart = await interruptHeartRun(page, 300);
  await expect(page.getByTestId('resume-checkpoint')).toBeVisible({ timeout: 30_000 });
  const epoch = Number(await page.getByTestId('checkpoint-epoch').textContent());
  expect(epoch).toBeGreaterThanOrEqual(1);
  await page.getByTestId('checkpoint').screenshot({ path: 'test-results/checkpoint-resume.png' });
  await page.getByTestId('resume-checkpoint').click();
  await expect(page.getByTestId('model-loaded')).toContainText('checkpoint');
  await page.getByTestId('rows').fill('50');
  await page.getByTestId('generate').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const rows = parseCsv(readFileSync((await download.path())!, 'utf8')).filter((r) => r.length > 1 || r[0] !== '');
  expect(rows[0]).toEqual(parseCsv(heart.toString('utf8'))[0]);
  expect(rows.length - 1).toBe(50);
});

test('checkpoint: an interrupted run continues training from its epoch (same settings) and then generates', async ({ page }) => {
  const heart = await interruptHeartRun(page, 120);
  await expect(page.getByTestId('continue-training')).toBeVisible({ timeout: 30_000 });
  const saved = Number(await page.getByTestId('checkpoint-epoch').textContent());
  await page.getByTestId('epochs').fill('7'); // whatever the form says now…
  await page.getByTestId('continue-training').click();
  await expect(page.getByTestId('epochs')).toHaveValue('120'); // …and the continued run takes the run's own settings
  // The first epoch shown is the one after the checkpoint, not epoch 1.
  const first = await expect
    .poll(async () => Number((await page.getByTestId('epoch').textContent({ timeout: 100 }).catch(() => '')) || 0), { intervals: [25], timeout: 60_000 })
    .toBeGreaterThan(0)
    .then(async () => Number(await page.getByTestId('epoch').textContent()));
  expect(first).toBeGreaterThan(saved);
  await expect(page.getByTestId('train-status')).toContainText('Trained 120 epochs', { timeout: 180_000 });
  await expect(page.getByTestId('continue-training')).toHaveCount(0); // a finished run leaves nothing to resume
  await page.getByTestId('rows').fill('40');
  await page.getByTestId('generate').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const rows = parseCsv(readFileSync((await download.path())!, 'utf8')).filter((r) => r.length > 1 || r[0] !== '');
  expect(rows[0]).toEqual(parseCsv(heart.toString('utf8'))[0]);
  expect(rows.length - 1).toBe(40);
});

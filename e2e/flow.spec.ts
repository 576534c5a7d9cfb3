/**
 * The walking skeleton in a real browser: drop heart_cleveland.csv, train a tVAE in the worker for a
 * few epochs, download the synthetic CSV and check it — once forcing WebGPU (SwiftShader here), once
 * on Auto — with every request the page and its workers make recorded and required to stay local.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dropFile, expectLoaded, foreignRequests, parseCsv, readData, recordRequests } from './helpers';

const HEART = 'heart_cleveland.csv';
const ROWS = 120;

async function kindsFromUi(page: Page, header: string[]): Promise<Record<string, string>> {
  const kinds: Record<string, string> = {};
  for (const name of header) kinds[name] = await page.getByTestId(`kind-${name}`).inputValue();
  return kinds;
}

async function trainAndDownload(page: Page, backend: 'webgpu' | 'auto', epochs: number, batch: number) {
  await page.getByTestId('backend-select').selectOption(backend);
  await page.getByTestId('epochs').fill(String(epochs));
  await page.locator('summary', { hasText: 'Advanced settings' }).click();
  await page.getByTestId('batch-size').fill(String(batch));
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await expect(page.getByTestId('epoch')).toHaveText(String(epochs));
  const used = (await page.getByTestId('backend-in-use').textContent())?.trim();
  await page.getByTestId('rows').fill(String(ROWS));
  await page.getByTestId('generate').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const path = await download.path();
  return { used, name: download.suggestedFilename(), text: readFileSync(path!, 'utf8') };
}

function checkSynthetic(text: string, realText: string, kinds: Record<string, string>) {
  const real = parseCsv(realText);
  const syn = parseCsv(text);
  const header = real[0];
  expect(syn[0]).toEqual(header);
  const body = syn.slice(1).filter((r) => r.length > 1 || r[0] !== '');
  expect(body.length).toBe(ROWS);
  for (const r of body) expect(r.length).toBe(header.length);
  header.forEach((name, j) => {
    const realCells = real.slice(1).map((r) => r[j].trim());
    const realValues = new Set(realCells.filter((v) => v !== '?' && v !== ''));
    const cells = body.map((r) => r[j]).filter((v) => v !== '');
    const kind = kinds[name];
    if (kind === 'categorical' || kind === 'boolean') {
      // Categories only from the real set, written exactly as in the input.
      for (const v of cells) expect(realValues, `${name}: "${v}" is not a real category`).toContain(v);
    } else if (kind === 'integer') {
      // Integers stay integers, written with the input's fraction digits (63.0 stays 63.0).
      const digits = [...realValues][0].split('.')[1]?.length ?? 0;
      const pattern = digits ? new RegExp(`^-?\\d+\\.0{${digits}}$`) : /^-?\d+$/;
      for (const v of cells) expect(v, `${name}: "${v}" is not an integer like the input`).toMatch(pattern);
    } else if (kind === 'continuous') {
      for (const v of cells) expect(Number.isFinite(Number(v)), `${name}: "${v}" is not a number`).toBe(true);
    }
    // Missing cells only where the real column had them.
    if (![...realCells].some((v) => v === '?' || v === '')) expect(cells.length, `${name} has invented missing cells`).toBe(ROWS);
  });
}

for (const mode of [
  { backend: 'webgpu' as const, expected: 'webgpu', epochs: 2, batch: 100 },
  { backend: 'auto' as const, expected: 'wasm', epochs: 5, batch: 100 },
]) {
  test(`drop, train (${mode.backend}), download — no request leaves the origin`, async ({ page, context, baseURL }) => {
    const urls = recordRequests(context, page);
    const origin = new URL(baseURL!).origin;
    await page.goto('/');
    // The bundled sample is ready first; then the user's own file replaces it.
    await expectLoaded(page, 303, 14);
    const bytes = readData(HEART);
    await dropFile(page, 'my-heart.csv', bytes);
    await expect(page.getByTestId('loaded-name')).toContainText('my-heart.csv');
    await expectLoaded(page, 303, 14);
    await expect(page.getByTestId('missing-ca')).toHaveText('4');
    await expect(page.getByTestId('missing-thal')).toHaveText('2');
    const header = bytes.toString('utf8').split('\n')[0].trim().split(',');
    const kinds = await kindsFromUi(page, header);
    expect(kinds.age).toBe('integer');
    expect(kinds.cp).toBe('categorical');
    const out = await trainAndDownload(page, mode.backend, mode.epochs, mode.batch);
    expect(out.used).toBe(mode.expected);
    expect(out.name).toBe('my-heart-synthetic.csv');
    checkSynthetic(out.text, bytes.toString('utf8'), kinds);
    expect(foreignRequests(urls, origin), 'requests outside the page origin').toEqual([]);
    // The wasm binaries came from the app itself when wasm ran.
    if (mode.expected === 'wasm') expect([...urls].some((u) => u.startsWith(origin) && u.endsWith('.wasm'))).toBe(true);
  });
}

test('a bad file after a good one: clear message, the good table stays loaded', async ({ page }) => {
  await page.goto('/');
  await expectLoaded(page, 303, 14);
  await dropFile(page, 'empty.csv', Buffer.alloc(0));
  await expect(page.getByTestId('load-error')).toContainText('empty.csv');
  await expectLoaded(page, 303, 14);
  await expect(page.getByTestId('loaded-name')).toContainText('heart_cleveland.csv');
  // A binary file (PNG header + noise) is refused too, and the table is still there.
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.alloc(2000, 0)]);
  await dropFile(page, 'scan.png', png, 'image/png');
  await expect(page.getByTestId('load-error')).toContainText('scan.png');
  await expectLoaded(page, 303, 14);
  // And it can still be trained on.
  await expect(page.getByTestId('train')).toBeEnabled();
});

// Screenshots of the built app for a visual check: node scripts/screenshots.mjs [outDir]
// Starts `vite preview` itself, loads the sample, trains a few epochs, and saves full-page PNGs.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const out = process.argv[2] ?? '/tmp/doppel-shots';
mkdirSync(out, { recursive: true });
const port = 4179;
const server = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', process.env.DIST ?? 'dist'], { stdio: 'ignore' });
const url = `http://127.0.0.1:${port}/`;
for (let i = 0; i < 50; i++) {
  try {
    if ((await fetch(url)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 200));
}
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => m.type() === 'error' && console.log('console error:', m.text()));
  await page.goto(url);
  await page.getByTestId('summary-rows').waitFor();
  if (process.env.TARGET) await page.getByTestId('target-column').selectOption(process.env.TARGET);
  await page.screenshot({ path: `${out}/1-loaded.png`, fullPage: true });
  await page.getByTestId('epochs').fill(process.env.EPOCHS ?? '30');
  await page.getByTestId(`model-${process.env.MODEL ?? 'tvae'}`).check();
  await page.getByTestId('train').click();
  await page.locator('[data-testid=train-status][data-status=done]').waitFor({ timeout: 300_000 });
  await page.getByTestId('generate').click();
  await page.getByTestId('download').waitFor();
  await page.screenshot({ path: `${out}/2-trained.png`, fullPage: true });
  if (await page.getByTestId('tab-report').count()) {
    await page.getByTestId('tab-report').click();
    await page.getByTestId('report-ready').waitFor({ timeout: 300_000 });
    await page.screenshot({ path: `${out}/3-report.png`, fullPage: true });
    const cards = page.locator('[data-testid=report-ready] > section');
    for (let i = 0; i < (await cards.count()); i++) await cards.nth(i).screenshot({ path: `${out}/3-report-part${i + 1}.png` });
  }
  if (await page.getByTestId('tab-privacy').count()) {
    await page.getByTestId('tab-privacy').click();
    await page.getByTestId('privacy-ready').waitFor({ timeout: 300_000 });
    await page.screenshot({ path: `${out}/4-privacy.png`, fullPage: true });
    await page.getByTestId('tab-prepare').click();
    await page.getByTestId('tab-prepare').press('Tab');
    await page.keyboard.press('Tab');
    await page.screenshot({ path: `${out}/5-focus.png` });
  }
  console.log('screenshots in', out);
} finally {
  await browser.close();
  server.kill();
}

/**
 * Issue 8, usability: axe-core on every state of the app a user reaches (first open with the sample,
 * training done with its chart, synthetic data ready, the "forget everything" confirmation, and each
 * tab if the UI has tabs) — no serious or critical violation; plus keyboard reachability and a
 * visible focus indicator.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { HEART_CSV, train, waitForTable } from './offline-flow';

async function expectNoSeriousViolations(page: Page, state: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  expect(summary, `axe on "${state}"`).toEqual([]);
}

test('axe finds no serious or critical violation in any state of the app', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./');
  await waitForTable(page);
  await expectNoSeriousViolations(page, 'first open with the sample');

  const tabs = page.getByRole('tab');
  for (let i = 0; i < (await tabs.count()); i++) {
    await tabs.nth(i).click();
    await expectNoSeriousViolations(page, `tab ${await tabs.nth(i).innerText()}`);
  }
  if (await tabs.count()) await tabs.first().click();

  await train(page, { epochs: 2, backend: 'wasm' });
  await expectNoSeriousViolations(page, 'after training');

  await page.getByTestId('generate').click();
  await expect(page.getByTestId('download')).toBeVisible({ timeout: 120_000 });
  await expectNoSeriousViolations(page, 'synthetic data ready');

  // Each tab again, now with results (report and privacy computed).
  for (let i = 0; i < (await tabs.count()); i++) {
    const tab = tabs.nth(i);
    await tab.click();
    const id = (await tab.getAttribute('data-testid')) ?? '';
    const ready = { 'tab-report': 'report-ready', 'tab-privacy': 'privacy-ready' }[id];
    if (ready) await expect(page.getByTestId(ready)).toBeVisible({ timeout: 180_000 });
    await expectNoSeriousViolations(page, `tab ${await tab.innerText()} with results`);
  }
  if (await tabs.count()) await tabs.first().click();

  const forget = page.getByTestId('forget-everything');
  if (await forget.count()) {
    await forget.click();
    await expectNoSeriousViolations(page, 'forget-everything confirmation');
    await page.getByRole('button', { name: /^keep/i }).click();
  }
});

test('every control is reachable by keyboard and shows a visible focus ring', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('./');
  await waitForTable(page);
  const seen = new Set<string>();
  const unfocusedLooking: string[] = [];
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1) || cs.boxShadow !== 'none';
      const label = el.getAttribute('aria-label') ?? el.textContent?.slice(0, 30) ?? '';
      const path: number[] = [];
      for (let n: Element | null = el; n && n.parentElement; n = n.parentElement) path.push([...n.parentElement.children].indexOf(n));
      return { key: `${el.tagName}#${el.id}[${el.getAttribute('data-testid') ?? ''}]${label}@${path.join('.')}`, ring, testid: el.getAttribute('data-testid') };
    });
    if (!info) continue;
    if (seen.has(info.key)) break;
    seen.add(info.key);
    if (!info.ring) unfocusedLooking.push(info.key);
  }
  const keys = [...seen].join('\n');
  // The main path is operable without a mouse.
  for (const id of ['dropzone', 'use-sample', 'epochs', 'backend-select', 'train']) expect(keys, `reach ${id} by Tab`).toContain(`[${id}]`);
  expect(unfocusedLooking, 'focused elements without a visible focus indicator').toEqual([]);
});

test('the drop zone opens the file picker from the keyboard', async ({ page }) => {
  await page.goto('./');
  await waitForTable(page);
  const chooser = page.waitForEvent('filechooser', { timeout: 10_000 });
  await page.getByTestId('dropzone').focus();
  await page.keyboard.press('Enter');
  const fc = await chooser;
  await fc.setFiles(HEART_CSV);
  await waitForTable(page, 'heart_cleveland.csv');
});

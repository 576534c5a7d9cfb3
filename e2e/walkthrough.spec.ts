/** Issue 8 usability: a first-run guide through the bundled sample, dismissed for good, back after "Forget everything". */
import { expect, test } from '@playwright/test';
import { waitForTable } from './offline-flow';

test('first-run guide: leads to Train, stays hidden once dismissed, returns after Forget everything', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('./');
  await waitForTable(page, 'heart_cleveland.csv');
  const guide = page.getByTestId('walkthrough');
  await expect(guide).toBeVisible();
  await expect(guide).toContainText('303 patients');
  await page.getByTestId('walkthrough-train').click();
  await expect(page.getByTestId('train')).toBeFocused();

  await page.getByTestId('walkthrough-hide').click();
  await expect(guide).toHaveCount(0);
  await page.reload();
  await waitForTable(page);
  await expect(page.getByTestId('walkthrough')).toHaveCount(0);

  await page.getByTestId('forget-everything').click();
  await page.getByTestId('forget-confirm').click();
  await waitForTable(page, 'heart_cleveland.csv');
  await expect(page.getByTestId('walkthrough')).toBeVisible();
});

// Run the e2e specs against build/verify.vite.config.ts's build on port 4399:
//   npx vite build -c build/verify.vite.config.ts && npx playwright test -c build/playwright.verify.config.ts e2e/offline.spec.ts
import { defineConfig } from '@playwright/test';
import base from '../playwright.config';

const URL = 'http://127.0.0.1:4399/';
export default defineConfig({
  ...base,
  testDir: '../e2e',
  outputDir: '../test-results/verify',
  use: { ...base.use, baseURL: URL },
  webServer: { command: 'npx vite preview -c build/verify.vite.config.ts --host 127.0.0.1 --port 4399 --strictPort', cwd: '..', url: URL, reuseExistingServer: false, timeout: 60_000 },
});

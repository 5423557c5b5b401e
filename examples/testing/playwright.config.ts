// playwright.config.ts: tests of guests in minivisor's page, which comes with the package
// (`minivisor serve` serves it; nothing to build).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  use: {
    baseURL: 'http://127.0.0.1:4175',
    // Playwright's Chromium (npx playwright install chromium), or one of your own in CHROMIUM_PATH.
    launchOptions: { executablePath: process.env.CHROMIUM_PATH || undefined },
  },
  webServer: {
    command: 'npx minivisor serve --port 4175',
    url: 'http://127.0.0.1:4175',
  },
});

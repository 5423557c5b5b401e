import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

// E2E tests of the page in a real Chromium. The web server builds the site (≈2 s) and serves
// dist-web/ with `vite preview`, so `npx playwright test` always tests the current sources.
// Chromium: $CHROMIUM_PATH, else Debian's /usr/bin/chromium when present, else Playwright's own.
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
// E2E_PORT: a second checkout can run its e2e tests beside this one
const PORT = Number(process.env.E2E_PORT ?? 4173);
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  // e2e/ tests the page; examples/ holds the documented examples of minivisor/testing/playwright.
  testDir: root,
  testMatch: ['e2e/**/*.spec.ts', 'examples/**/*.spec.ts'],
  // Each test runs several CPU-bound workers: on a 2-core machine parallel tests starve each other.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // list for people, JSON for the one-line total .ci/run prints
  reporter: [['list'], ['json', { outputFile: 'reports/playwright.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    },
  },
  webServer: {
    command: `npx vite build --logLevel warn && npx vite preview --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    cwd: root, // also when e2e/screenshots.config.ts extends this config
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});

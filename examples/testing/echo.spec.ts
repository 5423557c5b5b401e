// A complete Playwright test of a guest in minivisor's page (docs/testing.md shows this file).
import { test, expect } from 'minivisor/testing/playwright';

test('echo answers in its tab', async ({ minivisor }) => {
  const echo = await minivisor.launch('echo', { deterministic: true });
  await expect(echo.console).toContainText('> ');
  await echo.type('hello, page\r');
  await expect(echo.console).toContainText('echo: hello, page');
  await expect(echo.tab).toContainText('echo');
  await echo.type('exit\r');
  expect(await echo.exit()).toBe(0);
});

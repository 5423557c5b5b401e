import { test, expect } from '@playwright/test';
import { consoleText, expectConsole, guestId, openPage } from './helpers.js';

test('kernel arguments are for one launch: the next Linux boots with its own command line', async ({ page }) => {
  test.setTimeout(120_000);
  await openPage(page);
  await page.getByTestId('opt-bootargs').fill('console=uart');
  await page.getByTestId('opt-mode').selectOption('kernel');
  await page.getByTestId('launch-minios').click();
  const minios = await guestId(page, 'minios');
  await expectConsole(page, minios, 'console=uart');

  // The options that belong to one image went back to their defaults.
  await expect(page.getByTestId('opt-bootargs')).toHaveValue('');
  await expect(page.getByTestId('opt-mode')).toHaveValue('');
  expect((await page.evaluate(() => window.minivisor.guests()))[0]?.bootargs).toBe('console=uart');

  await page.getByTestId('launch-linux').click();
  const linux = await guestId(page, 'linux');
  expect((await page.evaluate((i) => window.minivisor.guests().find((g) => g.id === i), linux))?.bootargs).toBeUndefined();
  // Linux gets its built-in command line and reaches its shell.
  await expectConsole(page, linux, 'Kernel command line:', 60_000);
  expect((await consoleText(page, linux)).match(/Kernel command line:.*/)?.[0]).not.toContain('console=uart');
  // (its shell's prompt: '/ # ', or 'root@minivisor:/# ' with BusyBox)
  await expectConsole(page, linux, /\/ ?# /, 90_000);
});

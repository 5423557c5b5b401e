/**
 * Screenshots for the docs: several guests at work (docs/screenshot-guests.png), the host view
 * (docs/screenshot-host.png), minios, and the page in a 1024×700 window with its side panel
 * folded (docs/screenshot-small.png). Run with `npm run screenshots`.
 */
import { test } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { expectConsole, guestId, openPage } from './helpers.js';

const docs = (name: string) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));

test('screenshots', async ({ page }) => {
  test.setTimeout(90_000);
  await openPage(page, '?launch=echo,escape,spinner,minios,idle');
  const echo = await guestId(page, 'echo');
  const escape = await guestId(page, 'escape');
  const minios = await guestId(page, 'minios');
  await expectConsole(page, echo, '> ');
  await page.evaluate((i) => window.minivisor.type(i, 'hello from the page\r'), echo);
  await expectConsole(page, echo, 'echo: hello from the page');
  await expectConsole(page, minios, 'minios$');
  await page.evaluate((i) => window.minivisor.type(i, 'ps\r'), minios);
  await expectConsole(page, escape, 'escape>');
  await page.evaluate((i) => window.minivisor.type(i, 'a'), escape);
  await expectConsole(page, escape, 'the fault was delivered to this guest');
  await page.evaluate((i) => window.minivisor.type(i, 'f'), escape);
  await expectConsole(page, escape, 'U-mode cannot touch machine state');
  // A few seconds of history for the MIPS charts and the rates.
  await page.waitForTimeout(6000);
  await page.getByTestId(`tab-${escape}`).click();
  // One more attack just before the picture, so the exit rates show it.
  await page.evaluate((i) => window.minivisor.type(i, 'd'), escape);
  await expectConsole(page, escape, 'write to 0xf0000000, far above RAM');
  await page.waitForTimeout(700);
  await page.screenshot({ path: docs('screenshot-guests.png') });
  await page.getByTestId('tab-host').click();
  await page.waitForTimeout(600);
  await page.screenshot({ path: docs('screenshot-host.png') });
  await page.getByTestId(`tab-${minios}`).click();
  await page.waitForTimeout(600);
  await page.screenshot({ path: docs('screenshot-minios.png') });
  // A small window: the catalogue folds away, the console keeps 80 columns beside the numbers.
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.evaluate((i) => window.minivisor.type(i, 'ps\r'), minios);
  await page.waitForTimeout(800);
  await page.screenshot({ path: docs('screenshot-small.png') });
});

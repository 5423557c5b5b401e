import { test, expect } from '@playwright/test';
import { expectConsole, guestId, openPage } from './helpers.js';
import { test as fixtureTest, expect as fixtureExpect } from '../src/testing/playwright.js';

test('?launch= opens one tab per guest, each with its console', async ({ page }) => {
  await openPage(page, '?launch=echo,escape,spinner');
  const names = (await page.evaluate(() => window.minivisor.guests())).map((g) => g.name);
  expect(names).toEqual(['echo', 'escape', 'spinner']);
  for (const name of names) {
    const id = await guestId(page, name);
    await expect(page.getByTestId(`tab-${id}`)).toContainText(name);
    await expect(page.getByTestId(`console-${id}`)).toBeAttached();
  }
  // The first guest is shown; its prompt arrives through the worker's batched output.
  const echo = await guestId(page, 'echo');
  await expect(page.getByTestId(`console-${echo}`)).toBeVisible();
  await expectConsole(page, echo, '> ');
  await expect(page.getByTestId(`tab-${echo}`)).toHaveAttribute('data-state', 'waiting');
});

// Written with minivisor/testing/playwright, as a user of the page would.
fixtureTest('keys typed into the echo console come back', async ({ minivisor, page }) => {
  const echo = await minivisor.launch('echo');
  await fixtureExpect(echo.console).toContainText('> ');
  await echo.console.locator.click();
  await page.keyboard.type('hello minivisor');
  await page.keyboard.press('Enter');
  await fixtureExpect(echo.console).toContainText('echo: hello minivisor');
  // The automation object's type() takes the same path.
  await echo.type('second line\r');
  await fixtureExpect(echo.console).toContainText(/echo: second line/);
  await fixtureExpect(echo.console).not.toContainText('echo: third line', { timeout: 500 });
  // Locators keep Playwright's own matcher.
  await fixtureExpect(echo.tab).toContainText('echo');
  await echo.type('exit\r');
  expect(await echo.exit()).toBe(0);
});

test('the launcher starts catalogue guests in new tabs', async ({ page }) => {
  await openPage(page);
  await page.getByTestId('launch-hello').click();
  await expect.poll(() => page.evaluate(() => window.minivisor.guests().length)).toBe(1);
  const id = await guestId(page, 'hello');
  await expectConsole(page, id, 'Hello from minivisor!');
  await expect(page.getByTestId(`state-${id}`)).toHaveAttribute('data-state', 'halted');
});

import { test, expect } from '@playwright/test';
import { expectConsole, expectInstructionsAbove, guestId, instructions, openPage } from './helpers.js';

test('the host view shows every guest\'s region in its worker\'s memory', async ({ page }) => {
  await openPage(page, '?workers=2&launch=echo,spinner,idle,hello');
  await page.getByTestId('tab-host').click();
  await expect(page.getByTestId('host-view')).toBeVisible();
  for (const g of await page.evaluate(() => window.minivisor.guests())) {
    const band = page.getByTestId(`region-${g.id}`);
    await expect(band).toBeVisible();
    await expect(band).toHaveText(g.name);
    // The band sits in the memory map of the worker the guest runs on.
    await expect(page.getByTestId(`memory-map-${g.worker}`).getByTestId(`region-${g.id}`)).toHaveCount(1);
  }
  await expect(page.getByTestId('kill-worker-0')).toBeVisible();
  await expect(page.getByTestId('kill-worker-1')).toBeVisible();
});

test('killing a worker crashes only its own guests', async ({ page }) => {
  await openPage(page, '?workers=2&launch=spinner,echo,spinner,idle');
  const guests = await page.evaluate(() => window.minivisor.guests());
  expect(new Set(guests.map((g) => g.worker))).toEqual(new Set([0, 1]));
  const victims = guests.filter((g) => g.worker === 0);
  const survivors = guests.filter((g) => g.worker === 1);

  await page.getByTestId('tab-host').click();
  await page.getByTestId('kill-worker-0').click();

  for (const g of victims) await expect(page.getByTestId(`tab-${g.id}`)).toHaveAttribute('data-state', 'crashed');
  await expect(page.getByTestId('error-banner')).toContainText('host CPU 0 crashed');
  const after = await page.evaluate(() => window.minivisor.guests());
  for (const g of survivors) expect(after.find((x) => x.id === g.id)?.state).not.toBe('crashed');

  // The survivors still run: a spinner keeps counting, or echo still answers.
  for (const g of survivors) {
    if (g.name === 'spinner') await expectInstructionsAbove(page, g.id, await instructions(page, g.id));
    if (g.name === 'echo') {
      await page.evaluate((i) => window.minivisor.type(i, 'still here\r'), g.id);
      await expectConsole(page, g.id, 'echo: still here');
    }
  }
  // New guests go to the live worker.
  const id = await page.evaluate(() => window.minivisor.launch('hello'));
  expect((await page.evaluate(() => window.minivisor.guests())).find((g) => g.id === id)?.worker).toBe(1);
  expect(await guestId(page, 'hello')).toBe(id);
});

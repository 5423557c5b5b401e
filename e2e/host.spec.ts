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

test('a crashed worker is restarted from the host view; a crashed guest relaunches from its tab', async ({ page }) => {
  // One worker, as on a 2-thread machine: killing it leaves no live host CPU at all.
  await openPage(page, '?workers=1&launch=echo,spinner');
  const [echo, spinner] = [await guestId(page, 'echo'), await guestId(page, 'spinner')];
  await expectConsole(page, echo, '> ');
  await expectInstructionsAbove(page, spinner, 0);
  await page.getByTestId(`tab-${spinner}`).click();
  await expect(page.getByTestId(`metric-mips-${spinner}`)).not.toHaveText('–');

  await page.getByTestId('tab-host').click();
  await page.getByTestId('kill-worker-0').click();
  for (const id of [echo, spinner]) await expect(page.getByTestId(`tab-${id}`)).toHaveAttribute('data-state', 'crashed');
  // No stale numbers: the last ones before the crash are gone, and nothing claims MIPS.
  await page.getByTestId(`tab-${spinner}`).click();
  await expect(page.getByTestId(`metric-mips-${spinner}`)).toHaveText('–');
  await expect(page.getByTestId(`metric-exits-${spinner}`)).toHaveText('–');
  await expect(page.getByTestId('summary')).toContainText(' 0 guest MIPS');
  // The guest's own way back: Reset relaunches it.
  await expect(page.getByTestId(`reset-${spinner}`)).toBeEnabled();
  await expect(page.getByTestId(`reset-${spinner}`)).toHaveText('Relaunch');

  // The host view's way back: restart the worker; its guests boot again in their tabs.
  await page.getByTestId('tab-host').click();
  await expect(page.getByTestId('kill-worker-0')).toBeHidden();
  await page.getByTestId('restart-worker-0').click();
  await expect(page.getByTestId('restart-worker-0')).toBeHidden();
  await expect(page.getByTestId(`tab-${echo}`)).not.toHaveAttribute('data-state', 'crashed');
  await expect(page.getByTestId(`tab-${spinner}`)).not.toHaveAttribute('data-state', 'crashed');
  await expectInstructionsAbove(page, spinner, 0);
  await expect.poll(() => page.evaluate((i) => (window.minivisor.text(i).split('> ').length - 1), echo)).toBeGreaterThanOrEqual(2);
  await page.evaluate((i) => window.minivisor.type(i, 'back again\r'), echo);
  await expectConsole(page, echo, 'echo: back again');
  expect((await page.evaluate(() => window.minivisor.workers()))[0]?.crashed).toBeUndefined();

  // Killed again: Relaunch in the guest's tab brings that one guest back, on a new worker.
  await page.getByTestId('kill-worker-0').click();
  await expect(page.getByTestId(`tab-${echo}`)).toHaveAttribute('data-state', 'crashed');
  await page.getByTestId(`tab-${echo}`).click();
  await page.getByTestId(`reset-${echo}`).click();
  await expect(page.getByTestId(`state-${echo}`)).toHaveAttribute('data-state', 'waiting');
  await page.evaluate((i) => window.minivisor.type(i, 'relaunched\r'), echo);
  await expectConsole(page, echo, 'echo: relaunched');
  await expect(page.getByTestId(`tab-${spinner}`)).toHaveAttribute('data-state', 'crashed');
});

import { test, expect } from '@playwright/test';
import { expectInstructionsAbove, guestId, instructions, openPage } from './helpers.js';

test('pause stops a guest, step moves its PC one instruction, resume goes on', async ({ page }) => {
  await openPage(page, '?launch=spinner');
  const id = await guestId(page, 'spinner');
  await expectInstructionsAbove(page, id, 0);

  await page.getByTestId(`pause-${id}`).click();
  await expect(page.getByTestId(`state-${id}`)).toHaveAttribute('data-state', 'paused');
  await expect(page.getByTestId(`pause-${id}`)).toHaveText('Resume');
  // Paused: the count stops growing (wait for a stats snapshot taken after the pause).
  await page.waitForTimeout(600);
  const frozen = await instructions(page, id);
  await page.waitForTimeout(600);
  expect(await instructions(page, id)).toBe(frozen);

  const info = page.getByTestId(`step-info-${id}`);
  await page.getByTestId(`step-${id}`).click();
  await expect(info).toBeVisible();
  await expect(info).toContainText('M-mode');
  const pc1 = await info.getAttribute('data-pc');
  await page.getByTestId(`step-${id}`).click();
  await expect(info).not.toHaveAttribute('data-pc', pc1!);
  await expect(info).toContainText(/0x[0-9a-f]{4,8}/);

  const step = await page.evaluate((i) => window.minivisor.step(i), id);
  expect(step.stepped).toBe(true);
  expect(step.priv).toBe(3);
  expect(step.executed.word).toBeDefined();
  expect(step.executed.text).toBeTruthy();

  await page.getByTestId(`pause-${id}`).click();
  await expect(page.getByTestId(`state-${id}`)).toHaveAttribute('data-state', 'running');
  await expectInstructionsAbove(page, id, frozen + 1_000_000);
});

test('reset restarts a guest; power off removes its tab', async ({ page }) => {
  await openPage(page, '?launch=hello');
  const id = await guestId(page, 'hello');
  await expect(page.getByTestId(`state-${id}`)).toHaveAttribute('data-state', 'halted');
  await page.getByTestId(`reset-${id}`).click();
  await expect.poll(async () => (await page.evaluate((i) => window.minivisor.text(i), id)).split('Hello from minivisor!').length - 1).toBe(2);
  await page.getByTestId(`destroy-${id}`).click();
  await expect(page.getByTestId(`tab-${id}`)).toHaveCount(0);
  expect(await page.evaluate(() => window.minivisor.guests().length)).toBe(0);
});

test('the CPU share slider sets the scheduler weight', async ({ page }) => {
  await openPage(page, '?launch=spinner');
  const id = await guestId(page, 'spinner');
  await page.getByTestId(`weight-${id}`).fill('5'); // slider position 5 = weight 4
  await expect.poll(() => page.evaluate((i) => window.minivisor.stats(i)?.weight, id)).toBe(4);
});

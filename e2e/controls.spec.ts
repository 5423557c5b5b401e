import { test, expect } from '@playwright/test';
import { consoleText, expectConsole, expectInstructionsAbove, guestId, instructions, openPage } from './helpers.js';

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

test('Step on a guest asleep in WFI says nothing ran; Step is off once a guest has powered off', async ({ page }) => {
  await openPage(page, '?launch=echo,hello');
  const [echo, hello] = [await guestId(page, 'echo'), await guestId(page, 'hello')];
  await expectConsole(page, echo, '> ');
  await expect(page.getByTestId(`state-${echo}`)).toHaveAttribute('data-state', 'waiting');
  await page.getByTestId(`tab-${echo}`).click();

  const info = page.getByTestId(`step-info-${echo}`);
  await page.getByTestId(`step-${echo}`).click();
  await expect(info).toBeVisible();
  await expect(info).not.toContainText('stepped one instruction');
  await expect(info).toContainText('WFI');
  await expect(info).toHaveAttribute('data-stepped', 'false');
  const pc = await info.getAttribute('data-pc');
  // Asleep, it stays asleep: neither the PC nor instret moves, however often one steps.
  const r = await page.evaluate((i) => window.minivisor.step(i), echo);
  expect(r.stepped).toBe(false);
  expect(r.reason).toBe('wfi');
  expect(hex(r.next.pc)).toBe(pc);
  const again = await page.evaluate((i) => window.minivisor.step(i), echo);
  expect(again.instret).toBe(r.instret);
  expect(again.next.pc).toBe(r.next.pc);
  // The instruction it slept on is shown.
  expect(r.executed.text).toBe('wfi');

  // A key makes an interrupt pending: now a step runs an instruction (the trap or the next one).
  await page.evaluate((i) => window.minivisor.type(i, 'x'), echo);
  const woke = await page.evaluate((i) => window.minivisor.step(i), echo);
  expect(woke.stepped).toBe(true);
  await page.getByTestId(`pause-${echo}`).click(); // resume
  await expectConsole(page, echo, /> x/);

  // Powered off: nothing to step or pause; Reset still works.
  await expect(page.getByTestId(`state-${hello}`)).toHaveAttribute('data-state', 'halted');
  await page.getByTestId(`tab-${hello}`).click();
  await expect(page.getByTestId(`step-${hello}`)).toBeDisabled();
  await expect(page.getByTestId(`pause-${hello}`)).toBeDisabled();
  await expect(page.getByTestId(`reset-${hello}`)).toBeEnabled();
  const stopped = await page.evaluate((i) => window.minivisor.step(i), hello);
  expect(stopped.stepped).toBe(false);
  expect(stopped.reason).toBe('halted');
});

test('Reset drops keys typed before it: the fresh boot does not read them', async ({ page }) => {
  await openPage(page, '?launch=escape');
  const id = await guestId(page, 'escape');
  await expectConsole(page, id, 'escape>');
  // 'g' floods the console; while it is busy, 'q' (power off) waits in the UART's queue.
  await page.evaluate((i) => window.minivisor.type(i, 'g'), id);
  await expectConsole(page, id, 'flood: line 1 of');
  await page.evaluate((i) => window.minivisor.type(i, 'q'), id);
  await page.getByTestId(`reset-${id}`).click();
  // The fresh boot shows its menu and waits for a key; it did not read the stale 'q'.
  await expect.poll(async () => (await consoleText(page, id)).split('── reset ──').pop()).toContain('escape>');
  await page.waitForTimeout(1500);
  expect((await consoleText(page, id)).split('── reset ──').pop()).not.toContain('powering off');
  expect(await page.evaluate((i) => window.minivisor.guests().find((g) => g.id === i)?.state, id)).toBe('waiting');
  // Keys typed after the reset are read as usual.
  await page.evaluate((i) => window.minivisor.type(i, 'q'), id);
  await expect(page.getByTestId(`state-${id}`)).toHaveAttribute('data-state', 'halted');
});

test('the launcher offers the slider\'s CPU shares; the header says what its MIPS total is', async ({ page }) => {
  await openPage(page);
  const choices = await page.getByTestId('opt-weight').locator('option').evaluateAll((os) => os.map((o) => Number((o as HTMLOptionElement).value)));
  expect(choices).toEqual([0.125, 0.25, 0.5, 1, 2, 4, 8]);
  await page.getByTestId('opt-weight').selectOption('0.125');
  await page.getByTestId('launch-spinner').click();
  const slow = await guestId(page, 'spinner');
  // The slider starts where the launcher put it.
  await expect(page.getByTestId(`weight-${slow}`)).toHaveValue('0');
  await expect(page.getByTestId(`weight-value-${slow}`)).toHaveText('× 1/8');
  await expect.poll(() => page.evaluate((i) => window.minivisor.stats(i)?.weight, slow)).toBe(0.125);
  await page.getByTestId('opt-weight').selectOption('8');
  await page.getByTestId('launch-spinner').click();
  await expect.poll(() => page.evaluate(() => window.minivisor.guests().length)).toBe(2);
  const fast = (await page.evaluate(() => window.minivisor.guests()))[1]!.id;
  await expect(page.getByTestId(`weight-${fast}`)).toHaveValue('6');
  await expect(page.getByTestId(`weight-value-${fast}`)).toHaveText('× 8');

  // The header's total is the sum of the guests' MIPS, shows each host CPU's load, and says why it moves.
  const summary = page.getByTestId('summary');
  await expect(summary).toHaveAttribute('title', /share/);
  await expect(summary).toContainText(/CPU 0 \d+ %/);
  await expect
    .poll(async () => {
      const [total, sum] = await page.evaluate(() => [
        Number(document.querySelector<HTMLElement>('[data-testid="summary"]')!.dataset.mips),
        window.minivisor.guests().reduce((s, g) => s + (window.minivisor.stats(g.id)?.mips ?? 0), 0),
      ]);
      return total > 0 && Math.abs(total - sum) < 0.1;
    })
    .toBe(true);
});

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

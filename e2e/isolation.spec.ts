import { test, expect } from '@playwright/test';
import { consoleText, expectConsole, expectInstructionsAbove, guestId, instructions, openPage } from './helpers.js';

test('escape fires attacks while spinner and echo in other tabs keep working', async ({ page }) => {
  await openPage(page, '?launch=echo,escape,spinner');
  const [echo, escape, spinner] = [await guestId(page, 'echo'), await guestId(page, 'escape'), await guestId(page, 'spinner')];
  await expectConsole(page, escape, 'escape>');
  await expectInstructionsAbove(page, spinner, 0);

  for (const [key, done] of [
    ['a', 'the fault was delivered to this guest'],
    ['d', 'write to 0xf0000000, far above RAM'],
    ['f', 'U-mode cannot touch machine state'],
  ] as const) {
    const before = await instructions(page, spinner);
    await page.evaluate(([i, k]) => window.minivisor.type(i, k), [escape, key] as const);
    await expectConsole(page, escape, done);
    // The spinner keeps retiring instructions and the echo guest still answers.
    await expectInstructionsAbove(page, spinner, before);
    await page.evaluate(([i, k]) => window.minivisor.type(i, `after ${k}\r`), [echo, key] as const);
    await expectConsole(page, echo, `echo: after ${key}`);
  }
  const states = await page.evaluate(() => window.minivisor.guests().map((g) => g.state));
  expect(states).not.toContain('faulted');
  expect(states).not.toContain('crashed');
  expect(await consoleText(page, escape)).toContain('caught by: the guest\'s own trap handler');
});

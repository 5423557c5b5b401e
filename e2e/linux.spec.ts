import { expect, test } from '@playwright/test';
import { consoleText, expectConsole, openPage } from './helpers.js';

/** The BusyBox shell's prompt: user@hostname:directory# */
const PROMPT = 'root@minivisor:/# ';

test('two Linux guests boot in their tabs; typing works like a terminal', async ({ page }) => {
  test.setTimeout(120_000);
  await openPage(page, '?launch=linux,linux');
  const ids = await page
    .waitForFunction(() => {
      const l = window.minivisor.guests().filter((g) => g.name === 'linux');
      return l.length === 2 ? l.map((g) => g.id) : undefined;
    })
    .then((h) => h.jsonValue() as Promise<number[]>);
  for (const id of ids) await expectConsole(page, id, PROMPT, 60_000);
  const [first, second] = ids as [number, number];

  // The first answers through the automation object...
  await page.evaluate((i) => window.minivisor.type(i, 'uname -a\r'), first);
  await expectConsole(page, first, /Linux minivisor 6\.1\.\d+ .* riscv32/);

  // ...the second through real keys in its xterm: a typo fixed with backspace, then Ctrl-C.
  await page.getByTestId(`tab-${second}`).click();
  await page.getByTestId(`console-${second}`).click();
  await page.keyboard.type('cat /proc/cpuinfx');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('o');
  await page.keyboard.press('Enter');
  await expectConsole(page, second, /isa\s+: rv32imac/);
  await page.keyboard.type('cat');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+C');
  await expect.poll(async () => (await consoleText(page, second)).split(PROMPT).length - 1, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);

  // Both still run side by side; the first powers off and its tab says so.
  await page.evaluate((i) => window.minivisor.type(i, 'poweroff\r'), first);
  await expect.poll(() => page.evaluate((i) => window.minivisor.guests().find((g) => g.id === i)?.state, first), { timeout: 15_000 }).toBe('halted');
  expect(await page.evaluate((i) => window.minivisor.guests().find((g) => g.id === i)?.state, second)).not.toBe('halted');
});

test('Linux in a tab: `ls /` and `top -n 1` typed on the keyboard show their output', async ({ page }) => {
  test.setTimeout(120_000);
  await openPage(page, '?launch=linux');
  const id = await page.waitForFunction(() => window.minivisor.guests().find((g) => g.name === 'linux')?.id).then((h) => h.jsonValue() as Promise<number>);
  await expectConsole(page, id, PROMPT, 60_000);
  await page.getByTestId(`console-${id}`).click();
  await page.keyboard.type('ls /');
  await page.keyboard.press('Enter');
  // ls lists the root directory in columns (sorted down the columns)
  await expectConsole(page, id, /# ls \/\s*\n\s*bin\s+etc\s+proc\s+sbin\s+usr\s*\n\s*containers\s+init\s+root\s+sys\s+var\s*\n\s*dev\s+mnt\s+run\s+tmp\s*\n/);
  await page.keyboard.type('top -n 1');
  await page.keyboard.press('Enter');
  await expectConsole(page, id, /Mem: \d+K used, \d+K free/);
  await expectConsole(page, id, /Load average: [\d.]+ [\d.]+ [\d.]+/);
  await expectConsole(page, id, /PID\s+PPID\s+USER\s+STAT\s+VSZ\s+%VSZ\s+%CPU\s+COMMAND/);
  await expectConsole(page, id, /\d+\s+\d+\s+root\s+R\s+\d+\s+[\d.]+\s+[\d.]+\s+top -n 1/);
  // and the shell is back
  await expect.poll(async () => (await consoleText(page, id)).trimEnd().endsWith(PROMPT.trimEnd()), { timeout: 15_000 }).toBe(true);
});

test('a kernel panic shows in the console and halts the guest with the reason', async ({ page }) => {
  await openPage(page, '?launch=linux');
  const id = await page.waitForFunction(() => window.minivisor.guests().find((g) => g.name === 'linux')?.id).then((h) => h.jsonValue() as Promise<number>);
  await expectConsole(page, id, PROMPT, 60_000);
  await page.evaluate((i) => window.minivisor.type(i, 'panic\r'), id);
  await expectConsole(page, id, 'Kernel panic - not syncing: sysrq triggered crash');
  await expect.poll(() => page.evaluate((i) => window.minivisor.guests().find((g) => g.id === i)?.state, id), { timeout: 15_000 }).toBe('halted');
  await expect(page.getByTestId(`state-${id}`)).toContainText(/panic/i);
});

/**
 * Screenshots for the docs: several guests at work (docs/screenshot-guests.png), the host view
 * (docs/screenshot-host.png), minios, and the page in a 1024×700 window with its side panel
 * folded (docs/screenshot-small.png); two labs (docs/screenshot-lab-paravirt.png,
 * docs/screenshot-lab-migration.png) and the Machine panel (docs/screenshot-machine.png).
 * Run with `npm run screenshots`.
 */
import { expect, test, type Page } from '@playwright/test';
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

/** Presses a lab's step buttons in turn, each until its check is green. */
async function runSteps(page: Page, steps: number, perStep = 120_000): Promise<void> {
  for (let i = 0; i < steps; i++) {
    await page.getByTestId(`lab-action-${i}`).click();
    await expect(page.getByTestId(`lab-check-${i}`)).toHaveAttribute('data-ok', 'true', { timeout: perStep });
  }
}

test('screenshots of two labs', async ({ page }) => {
  test.setTimeout(600_000);
  // The paravirtualization lab after its measurement: the side-by-side chart per line printed.
  await openPage(page, '?lab=paravirt');
  await runSteps(page, 2);
  await page.getByTestId('lab-step-1').scrollIntoViewIfNeeded();
  await page.waitForTimeout(700);
  await page.screenshot({ path: docs('screenshot-lab-paravirt.png') });

  // The migration lab once every line was counted: the rounds and the downtime beside the tab.
  await openPage(page, '?lab=migration&workers=2');
  await runSteps(page, 3);
  await page.getByTestId('lab-step-1').scrollIntoViewIfNeeded();
  await page.waitForTimeout(700);
  await page.screenshot({ path: docs('screenshot-lab-migration.png') });
});

test('screenshot of the Machine panel', async ({ page }) => {
  test.setTimeout(180_000);
  // A tall window, so that the panel shows every section at once (it scrolls in a normal one).
  await page.setViewportSize({ width: 1440, height: 1720 });
  await page.addInitScript(() => document.addEventListener('DOMContentLoaded', () => {
    const s = document.createElement('style');
    s.textContent = '.machine-panel { max-height: none !important; }';
    document.head.append(s);
  }));
  await openPage(page);
  const id = await page.evaluate(() => window.minivisor.launch({ name: 'minios', options: { deterministic: true } }));
  await expectConsole(page, id, 'minios$');
  const t = (name: string) => page.getByTestId(`${name}-${id}`);
  await t('machine-toggle').click();
  // Stop right after the shell's next console hypercall (typing makes one), step once, and look
  // at the code it runs: its page walk, its bytes through the page table, the TLB at the stop.
  await expect(t('mp-pc')).toHaveText(/^0x/);
  const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
  await t('bp-exit').selectOption('sbi:dbcn.console_write');
  await t('bp-add-exit').click();
  await t('mp-continue').click();
  await expect(t('mp-status')).toHaveText(/running one instruction/);
  await page.evaluate((i) => window.minivisor.type(i, 'ps\r'), id);
  await expect(t('mp-status')).toHaveAttribute('data-stop', 'exit', { timeout: 60_000 });
  await t('mp-step').click();
  await expect(t('mp-status')).toContainText('1 instruction');
  const pc = parseInt(await t('mp-pc').innerText(), 16);
  await t('walk-va').fill(hex(pc));
  await t('walk-show').click();
  await t('mem-addr').fill(hex(pc));
  await t('mem-space').selectOption('virtual');
  await t('mem-show').click();
  await expect(t('walk-pa')).toHaveAttribute('data-pa', /^0x/);
  await expect(t('tlb').locator('tbody tr').nth(2)).toBeVisible();
  await page.waitForTimeout(500);
  await page.screenshot({ path: docs('screenshot-machine.png') });
});

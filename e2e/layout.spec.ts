/**
 * The page's layout under a class's use: the error banner, window resizes, many tabs and a
 * 1024×700 window must leave every console whole, following its output, with 80 columns.
 */
import { test, expect, type Page } from '@playwright/test';
import { expectConsole, guestId, openPage } from './helpers.js';

/** The on-screen box of the console row showing `needle`, or undefined if no row shows it. */
async function rowBox(page: Page, id: number, needle: string) {
  return page.evaluate(
    ([i, n]) => {
      const rows = [...document.querySelectorAll(`[data-testid="console-${i}"] .xterm-rows > div`)];
      const row = rows.filter((r) => (r.textContent ?? '').includes(n)).pop();
      if (!row) return undefined;
      const r = row.getBoundingClientRect();
      const box = document.querySelector(`[data-testid="console-${i}"]`)!.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, boxTop: box.top, boxBottom: box.bottom, windowHeight: window.innerHeight, text: row.textContent ?? '' };
    },
    [id, needle] as const,
  );
}

/** Waits until a console row shows `needle` wholly inside the console's box and the window. */
async function expectRowOnScreen(page: Page, id: number, needle: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const b = await rowBox(page, id, needle);
        return b !== undefined && b.top >= b.boxTop - 1 && b.bottom <= b.boxBottom + 1 && b.bottom <= b.windowHeight;
      },
      { message: `console ${id} shows "${needle}" on screen` },
    )
    .toBe(true);
}

/** Nothing has scrolled the page or its containers: the header is where it belongs. */
async function expectNothingScrolled(page: Page): Promise<void> {
  const s = await page.evaluate(() => ({
    page: document.scrollingElement!.scrollTop,
    overflow: document.scrollingElement!.scrollHeight - window.innerHeight,
    header: document.querySelector('.topbar')!.getBoundingClientRect().top,
    containers: [...document.querySelectorAll('#app, .layout, .main, .panels, .guest-panel, .panel-body, .console-wrap')].map((e) => e.scrollTop),
  }));
  expect(s.page).toBe(0);
  expect(s.overflow).toBeLessThanOrEqual(0);
  expect(s.header).toBe(0);
  expect(s.containers.every((t) => t === 0)).toBe(true);
}

test.describe('at 1024×700', () => {
  test.use({ viewport: { width: 1024, height: 700 } });

  test('the error banner leaves the console whole and following its output', async ({ page }) => {
    await openPage(page, '?launch=minios');
    const id = await guestId(page, 'minios');
    await expectConsole(page, id, 'minios$');
    await page.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a program\n') });
    await expect(page.getByTestId('error-banner')).toBeVisible();
    await expectNothingScrolled(page);
    // The terminal fits the smaller box: its prompt is on screen, not under the window's edge.
    await expectRowOnScreen(page, id, 'minios$');

    // Clicking into the console scrolls nothing; a typed command and its answer come into view.
    await page.getByTestId(`console-${id}`).click();
    await page.keyboard.type('ps');
    await page.keyboard.press('Enter');
    await expectRowOnScreen(page, id, 'PID NAME');
    await expectNothingScrolled(page);
    // Output that arrives without typing (the automation's input) is followed too.
    await page.evaluate((i) => window.minivisor.type(i, 'help\r'), id);
    await expectConsole(page, id, /help[\s\S]*minios\$/);
    const last = (await page.evaluate((i) => window.minivisor.text(i), id)).trimEnd().split('\n').pop()!;
    await expectRowOnScreen(page, id, last.slice(0, 20));
    await expectNothingScrolled(page);
  });

  test('80 columns for the console: the launcher folds away and opens over the page', async ({ page }) => {
    await openPage(page, '?launch=minios');
    const id = await guestId(page, 'minios');
    await expectConsole(page, id, 'minios$');
    await page.evaluate((i) => window.minivisor.type(i, 'ps\r'), id);
    await expectConsole(page, id, 'PPID');
    // `ps` fits on one row: the header line is not wrapped. (The buffer has the text before
    // xterm has drawn it in the next animation frame: poll the drawn rows.)
    await expect.poll(async () => (await rowBox(page, id, 'PID NAME'))?.text ?? '').toContain('PPID');
    expect((await page.evaluate((i) => window.minivisor.console(i), id)).cols).toBeGreaterThanOrEqual(80);

    // The numbers stay beside it, with the top of the exit table on screen without scrolling.
    const exits = page.getByTestId(`exits-${id}`);
    await expect(exits.locator('tbody tr').nth(2)).toBeVisible();
    const third = await page.evaluate((i) => {
      const row = document.querySelectorAll(`[data-testid="exits-${i}"] tbody tr`)[2]!.getBoundingClientRect();
      const panel = document.querySelector(`[data-testid="panel-${i}"] .stats`)!;
      return { bottom: row.bottom, panelBottom: panel.getBoundingClientRect().bottom, scrolled: panel.scrollTop };
    }, id);
    expect(third.scrolled).toBe(0);
    expect(third.bottom).toBeLessThanOrEqual(Math.min(700, third.panelBottom));

    // The launcher is folded; its toggle opens it over the page, and a launch folds it again.
    await expect(page.getByTestId('launch-hello')).toBeHidden();
    await page.getByTestId('toggle-launcher').click();
    await expect(page.getByTestId('launch-hello')).toBeVisible();
    expect((await page.evaluate((i) => window.minivisor.console(i), id)).cols).toBeGreaterThanOrEqual(80);
    await page.getByTestId('launch-hello').click();
    const hello = await guestId(page, 'hello');
    await expect(page.getByTestId(`tab-${hello}`)).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('launch-hello')).toBeHidden();

    // Folding the numbers gives the console the whole width.
    await page.getByTestId(`tab-${id}`).click();
    const before = (await page.evaluate((i) => window.minivisor.console(i), id)).cols;
    await page.getByTestId(`toggle-stats-${id}`).click();
    await expect(exits).toBeHidden();
    await expect.poll(async () => (await page.evaluate((i) => window.minivisor.console(i), id)).cols).toBeGreaterThan(before + 30);
  });

  test('with 12 guests the tabs scroll, the new tab is in view and a menu reaches every guest', async ({ page }) => {
    await openPage(page);
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await page.evaluate(() => window.minivisor.launch('hello')));
    const strip = page.getByTestId('guest-tabs');
    const host = page.getByTestId('tab-host');

    const inView = async (id: number) => {
      const [t, s, h] = [await page.getByTestId(`tab-${id}`).boundingBox(), await strip.boundingBox(), await host.boundingBox()];
      return t !== null && s !== null && h !== null && t.x >= s.x - 1 && t.x + t.width <= s.x + s.width + 1 && t.x + t.width <= h.x;
    };
    // The newest tab is selected and wholly visible, left of the Host tab, not under it.
    const newest = ids[ids.length - 1]!;
    await expect(page.getByTestId(`tab-${newest}`)).toHaveAttribute('aria-selected', 'true');
    await expect.poll(() => inView(newest)).toBe(true);
    expect(await inView(ids[0]!)).toBe(false);

    // Visible ways to the others: scroll arrows, and a menu of every guest.
    await expect(page.getByTestId('tabs-left')).toBeVisible();
    await page.getByTestId('tabs-menu-button').click();
    await expect(page.getByTestId('tabs-menu').getByRole('menuitem')).toHaveCount(12);
    await page.getByTestId(`tabs-menu-item-${ids[0]}`).click();
    await expect(page.getByTestId(`tab-${ids[0]}`)).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId(`panel-${ids[0]}`)).toBeVisible();
    await expect.poll(() => inView(ids[0]!)).toBe(true);
    await expect(page.getByTestId('tabs-menu')).toBeHidden();
    // The right arrow scrolls back towards the newest.
    const right = page.getByTestId('tabs-right');
    await expect(right).toBeEnabled();
    // The arrow turns disabled when a smooth scroll reaches the end, possibly between the check
    // and the click: force the click (a disabled button ignores it) and let each scroll settle.
    for (let i = 0; i < 6 && (await right.isEnabled()); i++) {
      await right.click({ force: true });
      await page.waitForTimeout(400);
    }
    await expect.poll(() => inView(newest)).toBe(true);
    await expect(right).toBeDisabled();
  });
});

test('a console keeps following its output after the window is resized', async ({ page }) => {
  await openPage(page, '?launch=echo,echo');
  const [id, other] = (await page.evaluate(() => window.minivisor.guests())).map((g) => g.id) as [number, number];
  await expectConsole(page, id, '> ');
  await expectConsole(page, other, '> ');
  // More lines than the console has rows (long ones, which rewrap at a new width), so that it scrolls.
  for (let i = 1; i <= 40; i++) await page.evaluate(([g, n]) => window.minivisor.type(g, `line ${n} ${'x'.repeat(150)}\r`), [id, i] as const);
  await expectConsole(page, id, 'echo: line 40');
  await expectRowOnScreen(page, id, 'echo: line 40');

  for (const [size, hidden] of [
    [{ width: 1024, height: 700 }, false],
    [{ width: 1440, height: 900 }, true],
    [{ width: 1300, height: 560 }, true],
    [{ width: 1920, height: 1080 }, false],
  ] as const) {
    // Resized while its tab is shown, or while another tab is (then shown again).
    if (hidden) await page.getByTestId(`tab-${other}`).click();
    await page.setViewportSize(size);
    if (hidden) await page.getByTestId(`tab-${id}`).click();
    const tag = `after ${size.width}x${size.height}${hidden ? ' hidden' : ''}`;
    // Typed through the automation object, not the keyboard: xterm itself does not jump to the
    // bottom for it, the console has to be following.
    await page.evaluate(([g, t]) => window.minivisor.type(g, `${t}\r`), [id, tag] as const);
    await expectConsole(page, id, `echo: ${tag}`);
    await expectRowOnScreen(page, id, `echo: ${tag}`);
  }
});

/** Shared steps for the page's E2E tests: open the page, find guests, read their consoles. */
import { expect, type Page } from '@playwright/test';

/** Opens the page with a query (e.g. "?launch=echo") and waits for window.minivisor.ready. */
export async function openPage(page: Page, query = ''): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/${query}`);
  await page.evaluate(() => window.minivisor.ready);
  expect(errors, 'no uncaught errors while starting').toEqual([]);
}

/** The page id of the first guest with this name (waits for a launch still under way). */
export async function guestId(page: Page, name: string, timeout = 15_000): Promise<number> {
  const handle = await page.waitForFunction((n) => window.minivisor.guests().find((g) => g.name === n)?.id, name, { timeout });
  return (await handle.jsonValue()) as number;
}

export function consoleText(page: Page, id: number): Promise<string> {
  return page.evaluate((i) => window.minivisor.text(i), id);
}

export async function expectConsole(page: Page, id: number, needle: string | RegExp, timeout = 15_000): Promise<void> {
  await expect.poll(() => consoleText(page, id), { timeout, message: `console of guest ${id} shows ${needle}` }).toMatch(needle);
}

export async function instructions(page: Page, id: number): Promise<number> {
  return page.evaluate((i) => window.minivisor.stats(i)?.instructions ?? 0, id);
}

/** Waits until a guest's retired-instruction count has grown past `than`. */
export async function expectInstructionsAbove(page: Page, id: number, than: number, timeout = 10_000): Promise<void> {
  await expect.poll(() => instructions(page, id), { timeout, message: `guest ${id} keeps running` }).toBeGreaterThan(than);
}

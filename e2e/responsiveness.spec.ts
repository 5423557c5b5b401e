/**
 * Typing into one guest while another floods its console (escape's attack 'g'). The flood must
 * reach xterm in small pieces (xterm parses a write in one go: a 256 KiB write was a long task
 * that held up every key), the flooding guest must be held back by backpressure, and keys typed
 * into echo must come back promptly. The timing bound is loose (a shared CI machine); the
 * figures themselves are `npm run bench:page`'s job.
 */
import { test, expect } from '@playwright/test';
import { consoleText, expectConsole, guestId, openPage } from './helpers.js';

test('a console flood does not hold up typing in another guest', async ({ page }) => {
  await openPage(page, '?launch=escape,echo,spinner,spinner');
  const [escape, echo] = [await guestId(page, 'escape'), await guestId(page, 'echo')];
  await expectConsole(page, escape, 'escape>');
  await expectConsole(page, echo, '> ');
  await page.evaluate((i) => window.minivisor.type(i, 'g'), escape);
  await expectConsole(page, escape, 'flood: line 1 of');

  // Keys into echo while the flood goes on in the tab on screen, timed in the page: from the
  // keypress to its echo in xterm's buffer.
  const latencies = await page.evaluate(async (i) => {
    const out: number[] = [];
    const last = () => window.minivisor.text(i).split('\n').pop() ?? '';
    for (const ch of 'abcdefghijkl') {
      const t0 = performance.now();
      await window.minivisor.type(i, ch);
      while (!last().endsWith(ch)) await new Promise((r) => setTimeout(r, 1));
      out.push(Math.round(performance.now() - t0));
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  }, echo);
  await page.evaluate((i) => window.minivisor.type(i, '\r'), echo);
  await expectConsole(page, echo, 'echo: abcdefghijkl');
  latencies.sort((a, b) => a - b);
  expect(latencies[Math.floor(latencies.length / 2)], `median key-to-echo of ${latencies.join(', ')} ms`).toBeLessThan(150);
  expect(latencies[latencies.length - 1], `slowest key-to-echo of ${latencies.join(', ')} ms`).toBeLessThan(600);

  // The flood was still going, and it reached xterm in pieces of at most 64 KiB.
  const flood = await page.evaluate((i) => window.minivisor.console(i), escape);
  expect(await page.evaluate((i) => window.minivisor.text(i).includes('flood done'), escape)).toBe(false);
  expect(flood.maxWrite).toBeLessThanOrEqual(64 * 1024);
  expect(flood.written).toBeGreaterThan(64 * 1024);
  // Backpressure: what waits for xterm stays within the worker's window, and the worker says so.
  expect(flood.queued).toBeLessThanOrEqual(256 * 1024);
  await expect.poll(() => page.evaluate((i) => window.minivisor.stats(i)?.unacked ?? 0, escape)).toBeLessThanOrEqual(256 * 1024);
});

test('a flood in a tab out of sight is not written into its terminal; shown again, it catches up with a marker for what its scrollback could not hold', async ({ page }) => {
  await openPage(page, '?launch=escape,echo');
  const [escape, echo] = [await guestId(page, 'escape'), await guestId(page, 'echo')];
  await expectConsole(page, escape, 'escape>');
  await expectConsole(page, echo, '> ');
  await page.evaluate((i) => window.minivisor.select(i), echo);
  // (from here on, nothing reads escape's text until it is shown: reading it would make it catch up)
  const before = await page.evaluate((i) => window.minivisor.console(i).written, escape);
  await page.evaluate((i) => window.minivisor.type(i, 'g'), escape);
  // The guest floods on while hidden (its output is accepted), but its terminal is not fed:
  // what goes beyond the scrollback is dropped before it ever reaches xterm.
  await expect.poll(() => page.evaluate((i) => window.minivisor.console(i).skipped, escape), { timeout: 20_000 }).toBeGreaterThan(0);
  const hidden = await page.evaluate((i) => window.minivisor.console(i), escape);
  expect(hidden.written - before).toBeLessThan(16 * 1024);
  expect(hidden.queued).toBeLessThanOrEqual(1024 * 1024);
  // Keys into the tab on screen are echoed meanwhile.
  await page.evaluate((i) => window.minivisor.type(i, 'hi\r'), echo);
  await expectConsole(page, echo, 'echo: hi');

  await page.evaluate((i) => window.minivisor.select(i), escape);
  await expectConsole(page, escape, /… \d+ bytes skipped while hidden/);
  // After the marker: whole lines of the flood, in order, none missing.
  await expect
    .poll(async () => {
      const after = (await consoleText(page, escape)).split(/… \d+ bytes skipped while hidden[^\n]*\n/).pop()!;
      const nums = [...after.matchAll(/^flood: line (\d+) of 200000/gm)].map((m) => Number(m[1]));
      return nums.length > 100 && nums.every((n, k) => k === 0 || n === nums[k - 1]! + 1);
    })
    .toBe(true);
});

test('the console path is warmed up out of sight once the page is idle, and leaves nothing behind', async ({ page }) => {
  await openPage(page, '?launch=echo');
  const echo = await guestId(page, 'echo');
  await expectConsole(page, echo, '> ');
  // The warm-up console drew its frames (a real terminal with rows, fed in bulk) and is gone.
  await page.waitForFunction(() => performance.getEntriesByName('minivisor:console-warmup').length > 0, undefined, { timeout: 20_000 });
  const warm = await page.evaluate(() => (performance.getEntriesByName('minivisor:console-warmup')[0] as PerformanceMeasure).detail as { frames: number; lines: number; rows: number });
  expect(warm.frames).toBeGreaterThanOrEqual(30);
  expect(warm.lines).toBeGreaterThan(1000);
  expect(warm.rows).toBeGreaterThan(10);
  await expect(page.locator('.console-warmup')).toHaveCount(0);
  // Nothing of it reached a guest's console, and the guest's console still answers.
  expect(await consoleText(page, echo)).not.toContain('warm-up');
  await page.evaluate((i) => window.minivisor.type(i, 'hi\r'), echo);
  await expectConsole(page, echo, 'echo: hi');
});

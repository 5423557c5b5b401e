// Translation of hot guest code to WebAssembly on the page (issue 16): the translated share in a
// guest's numbers, its JIT toggle, `?jit=off`, the host view's counters, and the clean fallback to
// the interpreter when a Content-Security-Policy forbids compiling WebAssembly at run time.
//
// spinner is the guest here: it computes forever, so its share is measured over whole seconds of
// steady work (bench finishes in well under a second with the JIT on).
import { test, expect, type Page } from '@playwright/test';
import { expectConsole, expectInstructionsAbove, guestId, instructions, openPage } from './helpers.js';

const translated = (page: Page, id: number) => page.evaluate((i) => window.minivisor.stats(i)?.translated ?? -1, id);
/** the share as the numbers panel shows it, e.g. 97 for "97 %" */
const shownShare = async (page: Page, id: number) => Number(((await page.getByTestId(`metric-jit-${id}`).textContent()) ?? '').replace(/[^\d]/g, '') || -1);

test('spinner runs translated (> 50 % on the page); its toggle turns the share to 0 and back; the host view counts translations', async ({ page }) => {
  await openPage(page, '?launch=spinner&workers=1');
  const id = await guestId(page, 'spinner');
  await expectConsole(page, id, 'spinner:');
  await expect(page.getByTestId(`jit-${id}`)).toBeChecked();
  await expect.poll(() => translated(page, id), { message: 'translated share in the stats' }).toBeGreaterThan(0.5);
  await expect.poll(() => shownShare(page, id), { message: 'translated share on the page' }).toBeGreaterThan(50);

  // the host view: this worker's JIT has translated blocks and spent time compiling
  await page.evaluate(() => window.minivisor.select('host'));
  await expect(page.getByTestId('jit-worker-0')).toContainText(/JIT: [1-9]\d* translations · \d+ invalidations · \d+ ms compiling · cache \d+ KiB/);
  const w = await page.evaluate(() => window.minivisor.workers()[0]!.jit!);
  expect(w.available).toBe(true);
  expect(w.translations).toBeGreaterThan(0);
  expect(w.cacheBytes).toBeGreaterThan(0);

  // off: the panel's toggle
  await page.evaluate((i) => window.minivisor.select(i), id);
  await page.getByTestId(`jit-${id}`).uncheck();
  await expect(page.getByTestId(`jit-${id}`)).not.toBeChecked();
  expect(await page.evaluate((i) => window.minivisor.jit(i), id)).toBe(false);
  await expect.poll(() => translated(page, id), { message: 'nothing translated with the JIT off' }).toBe(0);
  await expect(page.getByTestId(`metric-jit-${id}`)).toHaveText('0 %');
  await expect(page.getByTestId(`panel-${id}`).locator('.jit-label')).toHaveText(/JIT off/);
  const before = await instructions(page, id);
  await expectInstructionsAbove(page, id, before + 10_000_000); // still running, interpreted
  expect(await translated(page, id)).toBe(0);

  // on again
  await page.getByTestId(`jit-${id}`).check();
  await expect.poll(() => translated(page, id)).toBeGreaterThan(0.5);
  await expect(page.getByTestId(`jit-${id}`)).toBeChecked();
});

test('?jit=off: the launcher\'s option starts unchecked and the guest is interpreted; the option launches with it on again', async ({ page }) => {
  await openPage(page, '?launch=spinner&jit=off&workers=1');
  const id = await guestId(page, 'spinner');
  await expect(page.getByTestId('opt-jit')).not.toBeChecked();
  await expect(page.getByTestId(`jit-${id}`)).not.toBeChecked();
  await expectConsole(page, id, 'spinner:');
  const before = await instructions(page, id);
  await expectInstructionsAbove(page, id, before + 20_000_000);
  expect(await translated(page, id)).toBe(0);
  await expect(page.getByTestId(`metric-jit-${id}`)).toHaveText('0 %');
  const w = await page.evaluate(() => window.minivisor.workers()[0]!.jit!);
  expect(w.translations).toBe(0);

  // the launcher's option, checked, launches the next guest translated
  await page.getByTestId('opt-jit').check();
  await page.getByTestId('launch-spinner').click();
  await expect.poll(() => page.evaluate(() => window.minivisor.guests().length)).toBe(2);
  const second = await page.evaluate(() => window.minivisor.guests()[1]!.id);
  await page.evaluate((i) => window.minivisor.pause(i), id);
  await expect.poll(() => translated(page, second)).toBeGreaterThan(0.5);
});

test('a worker whose Content-Security-Policy forbids compiling WebAssembly interprets, with one notice line and no error', async ({ page }) => {
  // The CSP comes with the worker's script, as a server would send it. Chromium then refuses every
  // compile in that worker (WebAssembly.compile, compileStreaming, new WebAssembly.Module) but lets it
  // instantiate the core the page compiled and handed over: only the JIT's run-time compile fails.
  await page.route(/\/assets\/worker-[^/]*\.js$/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': "script-src 'self'" } });
  });
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
  await openPage(page, '?launch=spinner,echo&workers=1');
  const spinner = await guestId(page, 'spinner');
  const echo = await guestId(page, 'echo');
  await expectConsole(page, spinner, 'spinner:');
  const notice = page.getByTestId('notice-jit-unavailable');
  await expect(notice).toBeVisible();
  await expect(notice).toHaveText(/Translation to WebAssembly is not allowed here \(Content-Security-Policy.*\); guests are interpreted\./);
  await expect(page.getByTestId('notices').locator('.notice')).toHaveCount(1);
  await expect(page.getByTestId('error-banner')).toBeHidden();
  expect(Object.keys(await page.evaluate(() => window.minivisor.notices()))).toEqual(['jit-unavailable']);
  expect(warnings.some((w) => /translation to WebAssembly is not available here/.test(w))).toBe(true);

  // the guests run on, interpreted, and still answer
  const before = await instructions(page, spinner);
  await expectInstructionsAbove(page, spinner, before + 10_000_000);
  expect(await translated(page, spinner)).toBe(0);
  await page.evaluate((i) => window.minivisor.type(i, 'csp\r'), echo);
  await expectConsole(page, echo, /csp[\s\S]*csp/);
  await page.evaluate(() => window.minivisor.select('host'));
  await expect(page.getByTestId('jit-worker-0')).toContainText('not allowed here');
  expect((await page.evaluate(() => window.minivisor.workers()[0]!.jit!)).available).toBe(false);

  // a second guest on the same worker adds no second notice
  await page.getByTestId('launch-spinner').click();
  await expect.poll(() => page.evaluate(() => window.minivisor.guests().length)).toBe(3);
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('notices').locator('.notice')).toHaveCount(1);
  // dismissed, it goes
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByTestId('notices')).toBeHidden();
});

test('a policy on the page and its workers alike leaves nothing to run the core: the banner says why', async ({ page }) => {
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': "script-src 'self'" } });
  });
  await page.goto('/?launch=echo');
  await expect(page.getByTestId('error-banner')).toContainText(/cannot start the host CPUs: the core may not be compiled here: a Content-Security-Policy without 'wasm-unsafe-eval'/);
});

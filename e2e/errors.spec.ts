import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test, expect } from '@playwright/test';
import { expectConsole, guestId, openPage } from './helpers.js';

test('a file that is not an ELF shows the loader\'s message and adds no tab', async ({ page }) => {
  await openPage(page, '?launch=echo');
  const before = await page.evaluate(() => window.minivisor.guests());
  await page.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('this is not a RISC-V program\n') });
  const banner = page.getByTestId('error-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('not an ELF file');
  expect(await page.evaluate(() => window.minivisor.guests())).toEqual(before);
  await expect(page.locator('[data-testid^="tab-"]:not([data-testid="tab-host"]):not([data-testid="tab-network"])')).toHaveCount(before.length);
});

test('an ELF for another machine is refused with the loader\'s reason', async ({ page }) => {
  await openPage(page);
  // A 64-bit ELF header: the loader names the problem.
  const elf64 = Buffer.alloc(64);
  elf64.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  const message = await page.evaluate(
    (bytes) => window.minivisor.launch({ name: 'x64', bytes }).then(() => 'launched', (e: Error) => e.message),
    [...elf64],
  );
  expect(message).toMatch(/64-bit|ELFCLASS64|RV32/i);
  await expect(page.getByTestId('error-banner')).toContainText(message);
  expect(await page.evaluate(() => window.minivisor.guests().length)).toBe(0);
});

test('dropping an ELF on the page launches it in a new tab', async ({ page }) => {
  await openPage(page);
  const elf = [...readFileSync(fileURLToPath(new URL('../guests/bin/hello.elf', import.meta.url)))];
  const dataTransfer = await page.evaluateHandle((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'my-hello.elf'));
    return dt;
  }, elf);
  await page.getByTestId('drop-zone').dispatchEvent('dragover', { dataTransfer });
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
  const id = await guestId(page, 'my-hello');
  await expect(page.getByTestId(`tab-${id}`)).toContainText('my-hello');
  await expectConsole(page, id, 'Hello from minivisor!');
});

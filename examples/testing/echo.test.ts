// A complete test of a guest with minivisor/testing and vitest (docs/testing.md shows this file).
import { expect, test } from 'vitest';
import { launchGuest } from 'minivisor/testing';

test('echo answers each line and powers off on "exit"', async () => {
  // `await using` closes the guest when the test ends, whatever happens.
  await using guest = await launchGuest('guests/bin/echo.elf', { ram: '1M', deterministic: true });

  await guest.console.waitFor('> ');
  guest.type('hello, guest\n');
  const match = await guest.console.waitFor(/echo: (.*)/);
  expect(match[1]).toBe('hello, guest');

  guest.type('exit\n');
  expect(await guest.exit()).toBe(0);
  expect(guest.stats().instructions).toBeGreaterThan(0);
});

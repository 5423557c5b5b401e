// A golden-output test: in deterministic time the whole transcript is the same on every run and
// machine, so it is compared with a snapshot kept next to the test (docs/testing.md).
import { expect, test } from 'vitest';
import { launchGuest } from 'minivisor/testing';

test('idle prints the same transcript every time', async () => {
  await using guest = await launchGuest('guests/bin/idle.elf', { ram: '1M', deterministic: true });
  const last = await guest.console.waitFor('idle: tick 3');
  // Up to the match: the guest keeps running while the test looks, so what follows varies.
  expect(guest.console.text().slice(0, last.index! + last[0].length)).toMatchSnapshot();
});

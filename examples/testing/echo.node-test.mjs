// The same test with Node's own runner and no test framework: node --test examples/testing/
// (docs/testing.md shows this file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchGuest } from 'minivisor/testing';

test('echo answers each line and powers off on "exit"', async () => {
  const guest = await launchGuest('guests/bin/echo.elf', { ram: '1M', deterministic: true });
  try {
    await guest.console.waitFor('> ');
    guest.type('hello, guest\n');
    const match = await guest.console.waitFor(/echo: (.*)/);
    assert.equal(match[1], 'hello, guest');
    guest.type('exit\n');
    assert.equal(await guest.exit(), 0);
  } finally {
    await guest.close();
  }
});

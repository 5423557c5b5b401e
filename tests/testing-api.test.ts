// minivisor/testing for Node, used the way its docs show (docs/testing.md).

import { describe, expect, it } from 'vitest';
import { GuestTestError, launchGuest } from '../src/testing/index.js';

const bin = (name: string): string => new URL(`../guests/bin/${name}`, import.meta.url).pathname;

describe('launchGuest', () => {
  it('waits for output, types, and collects the exit code', async () => {
    await using guest = await launchGuest(bin('echo.elf'), { ram: '1M' });
    await guest.console.waitFor('> ');
    guest.type('hello\n');
    const m = await guest.console.waitFor(/echo: (\w+)/);
    expect(m[1]).toBe('hello');
    guest.type('exit\n');
    expect(await guest.exit()).toBe(0);
    expect(guest.stats().exits.find((e) => e.name === 'mmio:uart:write')?.count).toBeGreaterThan(10);
  });

  it('gives the same transcript on every run in deterministic mode', async () => {
    const transcript = async (): Promise<string> => {
      const guest = await launchGuest(bin('idle.elf'), { ram: '1M', deterministic: true });
      await guest.console.waitFor('idle: tick 3');
      const text = guest.console.text();
      await guest.close();
      return text.slice(0, text.indexOf('idle: tick 3'));
    };
    expect(await transcript()).toBe(await transcript());
  });

  it('boots a kernel', async () => {
    await using guest = await launchGuest(bin('minios.elf'), { mode: 'kernel', ram: '4M', deterministic: true });
    await guest.console.waitFor('minios$ ');
    guest.type('poweroff\n');
    expect(await guest.exit()).toBe(0);
  });

  it('fails with the expectation, the last console lines and the state', async () => {
    await using guest = await launchGuest(bin('hello.elf'), { ram: '1M' });
    const err = await guest.console.waitFor('Goodbye', { timeout: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestTestError);
    const message = (err as Error).message;
    expect(message).toContain('expected the console to show "Goodbye"');
    expect(message).toContain('powered off with exit code 0');
    expect(message).toContain('| Hello from minivisor!');
  });

  it('times out with a useful message', async () => {
    await using guest = await launchGuest(bin('spinner.elf'), { ram: '1M', maxInstructions: 5_000_000 });
    const err = await guest.console.waitFor('Goodbye', { timeout: 3000 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/stopped after its 5000000 instruction budget|timed out/);
  });
});

describe('the documented examples', () => {
  it('examples/testing/echo.node-test.mjs passes under node --test', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--test', 'examples/testing/echo.node-test.mjs'], { encoding: 'utf8' });
    expect(r.stdout).toContain('# pass 1');
    expect(r.status).toBe(0);
  });
});

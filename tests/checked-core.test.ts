// The checked core (assembly/checked.ts) is a real, different build: it counts slow-path
// coverage and asserts every guest-derived host address, while the release core does neither.
// In the 'checked' vitest project MINIVISOR_CORE points the default core at it, so that project
// really runs the guest tests on the checked build.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, StopReason } from '../src/index.js';
import { guestPath } from './helpers/guests.js';

const checkedWasm = new URL('../build/minivisor-checked.wasm', import.meta.url).pathname;
const releaseWasm = new URL('../build/minivisor.wasm', import.meta.url).pathname;

function coverageTotal(hv: Hypervisor): number {
  const words = new Uint32Array(hv.core.memory.buffer, hv.core.coveragePtr() >>> 0, 64);
  return words.reduce((a, b) => a + b, 0);
}

async function runHello(hv: Hypervisor): Promise<string> {
  const g = hv.createGuest({ ramBytes: 1 << 20 });
  g.load(readFileSync(guestPath('hello.elf')));
  expect(g.run(10_000_000)).toBe(StopReason.Halted);
  const out = new TextDecoder().decode(g.readConsole());
  g.destroy();
  return out;
}

describe('the checked core', () => {
  it('counts slow-path coverage and finds no violation on a well-behaved guest', async () => {
    const hv = await Hypervisor.create({ wasm: checkedWasm });
    expect(await runHello(hv)).toContain('Hello');
    expect(coverageTotal(hv)).toBeGreaterThan(0);
    expect(hv.core.checkedViolation()).toBe(0);
  });

  it('differs from the release core, which counts nothing', async () => {
    const hv = await Hypervisor.create({ wasm: releaseWasm });
    expect(await runHello(hv)).toContain('Hello');
    expect(coverageTotal(hv)).toBe(0);
  });

  it('is the default core in the checked project', async () => {
    const hv = await Hypervisor.create();
    await runHello(hv);
    const expected = process.env.MINIVISOR_CORE === checkedWasm;
    expect(coverageTotal(hv) > 0).toBe(expected);
  });
});

// minivisor/testing with snapshots: boot Linux once, start every test from its prompt.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchGuest } from '../src/testing/index.js';

const image = new URL('../guests/bin/linux-rv32imac.Image', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'minivisor-testing-snapshot-'));
const file = join(dir, 'linux.mvsnap');
let bytes: Uint8Array;

beforeAll(async () => {
  // What a global setup does: boot once, save the prompt.
  await using linux = await launchGuest(image, { mode: 'kernel', ram: '64M', timeout: 30_000 });
  await linux.console.waitFor(':/# ');
  bytes = await linux.snapshot();
  writeFileSync(file, bytes);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('launchGuest from a snapshot', () => {
  it('starts at the prompt, without booting again, from a path', async () => {
    await using linux = await launchGuest(file, { timeout: 30_000 });
    linux.type('uname -a\n');
    await linux.console.waitFor(/Linux minivisor 6\.1\.\d+/);
    expect(linux.console.text()).not.toContain('Linux version');
  });

  it('is fast enough to start every test from it', async () => {
    // The first launch reads and checks the file; later ones only restore.
    await (await launchGuest(bytes)).close();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const g = await launchGuest(bytes, { timeout: 30_000 });
      times.push(performance.now() - t0);
      g.type(`echo run${i}\n`);
      await g.console.waitFor(`run${i}`);
      await g.close();
    }
    times.sort((a, b) => a - b);
    console.log(`launchGuest(snapshot of a booted 64 MiB Linux): median ${times[2]!.toFixed(1)} ms, best ${times[0]!.toFixed(1)} ms`);
    expect(times.length).toBe(5);
  }, 60_000);

  it('snapshots a test guest again and goes on from there', async () => {
    await using a = await launchGuest(bytes, { timeout: 30_000 });
    a.type('echo marker-one\n');
    await a.console.waitFor(/\nmarker-one/);
    const again = await a.snapshot();
    await using b = await launchGuest(again, { timeout: 30_000 });
    b.type('echo marker-two\n');
    await b.console.waitFor(/\nmarker-two/);
    expect(b.console.text()).not.toContain('marker-one');
  }, 60_000);

  it('refuses a corrupted snapshot with the reason', async () => {
    const bad = bytes.slice();
    bad[bad.length - 50]! ^= 0xff;
    await expect(launchGuest(bad)).rejects.toThrow(/SHA-256 does not match/);
  });
});

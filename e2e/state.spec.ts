/**
 * A guest's state on the page (issue 11): live migration between host CPUs (nothing printed is
 * lost or doubled, nothing typed is lost or doubled), Save and dropping the file back, Fork,
 * bad snapshot files in the banner, a destination killed mid-migration, and a crashed guest
 * brought back from its last save. On the default viewport and on 1024×700.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { readContainer, writeContainer, SNAPSHOT_MAGIC } from '../src/state/format.js';
import { readSnapshot } from '../src/state/snapshot.js';
import { test as fixtureTest, expect as fixtureExpect } from '../src/testing/playwright.js';
import { consoleText, expectConsole, expectInstructionsAbove, guestId, instructions, openPage } from './helpers.js';

/** Drops a file on the page, as a learner would drag it from the desktop. */
async function dropFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const dt = await page.evaluateHandle(
    ([n, b64]) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], n));
      return dt;
    },
    [name, Buffer.from(bytes).toString('base64')] as const,
  );
  await page.dispatchEvent('main', 'drop', { dataTransfer: dt });
}

async function save(page: Page, id: number): Promise<Uint8Array> {
  return new Uint8Array(Buffer.from(await page.evaluate((i) => window.minivisor.save(i), id), 'base64'));
}

function worker(page: Page, id: number): Promise<number | undefined> {
  return page.evaluate((i) => window.minivisor.guests().find((g) => g.id === i)?.worker, id);
}

/** Every number in 1..n once and in order among the captures of `re` in text. */
function expectEachOnce(text: string, re: RegExp, n: number): void {
  const seen = [...text.matchAll(re)].map((m) => Number(m[1]));
  const missing = [];
  const doubled = [];
  const counts = new Map<number, number>();
  for (const k of seen) counts.set(k, (counts.get(k) ?? 0) + 1);
  for (let k = 1; k <= n; k++) {
    const c = counts.get(k) ?? 0;
    if (c === 0) missing.push(k);
    if (c > 1) doubled.push(k);
  }
  expect({ missing: missing.slice(0, 20), doubled: doubled.slice(0, 20) }).toEqual({ missing: [], doubled: [] });
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
}

for (const viewport of [undefined, { width: 1024, height: 700 }]) {
  test.describe(viewport ? `${viewport.width}x${viewport.height}` : 'default viewport', () => {
    if (viewport) test.use({ viewport });

    test('a guest printing numbered lines migrates live: no line lost or doubled, the tab shows the rounds', async ({ page }) => {
      await openPage(page, '?workers=2&launch=minios');
      const id = await guestId(page, 'minios');
      await expectConsole(page, id, 'Type `help`.');
      const from = (await worker(page, id))!;
      const to = 1 - from;
      const LINES = 4000;
      await page.evaluate((i) => window.minivisor.select(i), id);
      await page.evaluate(([i, n]) => window.minivisor.type(i, `bench ${n}\r`), [id, LINES] as const);
      await expectConsole(page, id, /bench\s+\d+\/4000/);
      const figures = await page.evaluate(([i, w]) => window.minivisor.migrate(i, w), [id, to] as const);
      // It moved while printing: the bench had not finished when it resumed on the destination.
      expect(await consoleText(page, id)).not.toContain('printed');
      expect(figures.phase).toBe('done');
      expect(figures.rounds.length).toBeGreaterThanOrEqual(2); // round 0 and the stop-and-copy at least
      expect(figures.rounds[0]!.pages).toBeGreaterThan(10);
      expect(figures.pages).toBe(figures.rounds.reduce((s, r) => s + r.pages, 0));
      expect(figures.bytes).toBe(figures.pages * 4096);
      expect(figures.downtimeMs).toBeGreaterThanOrEqual(0);
      expect(figures.totalMs).toBeGreaterThanOrEqual(figures.downtimeMs!);
      expect(await worker(page, id)).toBe(to);
      console.log(`minios printing, ${viewport ? 'small' : 'default'}: ${figures.rounds.length} rounds (${figures.rounds.map((r) => r.pages).join(', ')} pages), ${(figures.bytes / 1024).toFixed(0)} KiB, ${figures.totalMs.toFixed(1)} ms, downtime ${figures.downtimeMs!.toFixed(2)} ms`);

      const bar = page.getByTestId(`migration-${id}`);
      await expect(bar).toBeVisible();
      await expect(bar).toHaveAttribute('data-phase', 'done');
      await expect(page.getByTestId(`migration-head-${id}`)).toHaveText(`Migrated from host CPU ${from} to host CPU ${to}`);
      await expect(page.getByTestId(`migration-figures-${id}`)).toContainText(`${figures.rounds.length} rounds`);
      await expect(page.getByTestId(`migration-figures-${id}`)).toContainText('downtime');
      await expect(page.getByTestId(`migration-rounds-${id}`)).toContainText(`#0 ${figures.rounds[0]!.pages}`);
      await expect(page.getByTestId(`migration-rounds-${id}`)).toContainText('stop');

      await expectConsole(page, id, /printed \d+ bytes/, 30_000);
      expectEachOnce(await consoleText(page, id), /bench\s+(\d+)\/4000:/g, LINES);
      // And it still runs there: the shell answers.
      await page.evaluate((i) => window.minivisor.type(i, 'uptime\r'), id);
      await expectConsole(page, id, /up(time)?[^\n]*\d/);
    });

    test('a guest being typed into migrates by the menu: every line echoed exactly once', async ({ page }) => {
      await openPage(page, '?workers=2&launch=echo');
      const id = await guestId(page, 'echo');
      await expectConsole(page, id, '> ');
      const from = (await worker(page, id))!;
      const to = 1 - from;
      // Type lines one after the other, all through the migration, from inside the page. Short
      // ones: what is typed while the guest is stopped reaches it at once when it resumes, like a
      // paste, and echo's own ring holds 256 bytes (it drops the rest, by design).
      await page.evaluate((i) => {
        const w = window as unknown as { typing: Promise<string[]> };
        w.typing = (async () => {
          const phases: string[] = [];
          for (let k = 1; k <= 300; k++) {
            phases.push(window.minivisor.migration(i)?.phase ?? 'none');
            await window.minivisor.type(i, `${k}\r`);
            await new Promise((r) => setTimeout(r, 4));
          }
          return phases;
        })();
      }, id);
      await page.getByTestId(`migrate-${id}`).click();
      await expect(page.getByTestId(`migrate-menu-${id}`)).toBeVisible();
      await page.getByTestId(`migrate-${id}-to-${to}`).click();
      await expect(page.getByTestId(`migration-${id}`)).toHaveAttribute('data-phase', 'done');
      expect(await worker(page, id)).toBe(to);
      // A second migration, back, with a slow final copy: lines typed while it is stopped are held and sent on.
      const back = await page.evaluate(([i, w]) => window.minivisor.migrate(i, w, { stopDelayMs: 50 }), [id, from] as const);
      expect(back.phase).toBe('done');
      const phases = await page.evaluate(() => (window as unknown as { typing: Promise<string[]> }).typing);
      expect(phases.filter((p) => p === 'stopped').length, 'lines typed while the guest was stopped').toBeGreaterThan(0);
      expect(phases.filter((p) => p === 'copying' || p === 'stopped').length).toBeGreaterThan(0);
      await expectConsole(page, id, /^echo: 300$/m);
      await page.waitForTimeout(300);
      expectEachOnce(await consoleText(page, id), /^echo: (\d+)$/gm, 300);
      expect(await worker(page, id)).toBe(from);
    });

    test('Save downloads a .mvsnap that restores in a new tab when dropped on the page', async ({ page }) => {
      await openPage(page, '?workers=2&launch=echo');
      const id = await guestId(page, 'echo');
      await page.evaluate((i) => window.minivisor.type(i, 'before save\r'), id);
      await expectConsole(page, id, 'echo: before save');
      await page.evaluate((i) => window.minivisor.select(i), id);
      const download = page.waitForEvent('download');
      await page.getByTestId(`save-${id}`).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe('echo.mvsnap');
      const bytes = new Uint8Array(readFileSync((await file.path())!));
      expect([...bytes.subarray(0, 8)]).toEqual([...SNAPSHOT_MAGIC]);
      const snap = await readSnapshot(bytes);
      expect(snap.header.machine.ramBytes).toBe(1024 * 1024);
      expect(snap.header.machine.mode).toBe('bare');

      const before = (await page.evaluate(() => window.minivisor.guests())).length;
      await dropFile(page, 'echo.mvsnap', bytes);
      await expect.poll(() => page.evaluate(() => window.minivisor.guests().length)).toBe(before + 1);
      const restored = (await page.evaluate(() => window.minivisor.guests())).at(-1)!;
      expect(restored.name).toBe('echo');
      await expect(page.getByTestId(`tab-${restored.id}`)).toBeVisible();
      await expect(page.getByTestId(`panel-${restored.id}`)).toBeVisible();
      await page.evaluate((i) => window.minivisor.type(i, 'after restore\r'), restored.id);
      await expectConsole(page, restored.id, 'echo: after restore');
      // It continues from the saved state (no boot banner again), and the original is untouched.
      expect(await consoleText(page, restored.id)).not.toContain('echo guest: type a line');
      expect(await consoleText(page, id)).not.toContain('after restore');
      await expect(page.getByTestId('error-banner')).toBeHidden();
      // Chosen with the file picker ("Run your own ELF"), it restores as well.
      await page.getByTestId('file-input').setInputFiles((await file.path())!);
      await expect.poll(() => page.evaluate(() => window.minivisor.guests().length)).toBe(before + 2);
      const picked = (await page.evaluate(() => window.minivisor.guests())).at(-1)!;
      await page.evaluate((i) => window.minivisor.type(i, 'picked\r'), picked.id);
      await expectConsole(page, picked.id, 'echo: picked');
    });

    test('Fork gives an independent tab: what is typed into one the other does not see', async ({ page }) => {
      await openPage(page, '?launch=echo');
      const id = await guestId(page, 'echo');
      await page.evaluate((i) => window.minivisor.type(i, 'shared past\r'), id);
      await expectConsole(page, id, 'echo: shared past');
      await page.evaluate((i) => window.minivisor.select(i), id);
      await page.getByTestId(`fork-${id}`).click();
      const fork = await guestId(page, 'echo (fork)');
      await expect(page.getByTestId(`panel-${fork}`)).toBeVisible();
      await expect(page.getByTestId(`tab-${fork}`)).toContainText('echo (fork)');
      expect(await worker(page, fork)).toBe(await worker(page, id));
      await expectConsole(page, fork, 'echo: shared past'); // its console starts with its parent's
      await page.evaluate((i) => window.minivisor.type(i, 'only in the fork\r'), fork);
      await expectConsole(page, fork, 'echo: only in the fork');
      await page.evaluate((i) => window.minivisor.type(i, 'only in the parent\r'), id);
      await expectConsole(page, id, 'echo: only in the parent');
      await page.waitForTimeout(300);
      expect(await consoleText(page, id)).not.toContain('only in the fork');
      expect(await consoleText(page, fork)).not.toContain('only in the parent');
      // Powering one off leaves the other running.
      await page.evaluate((i) => window.minivisor.destroy(i), id);
      await page.evaluate((i) => window.minivisor.type(i, 'still here\r'), fork);
      await expectConsole(page, fork, 'echo: still here');
    });

    test('a bad snapshot file shows its problem in the banner and changes nothing', async ({ page }) => {
      await openPage(page, '?launch=echo');
      const id = await guestId(page, 'echo');
      const good = await save(page, id);
      const tooNew = good.slice();
      tooNew[8] = 2; // major version 2
      const corrupted = good.slice();
      corrupted[Math.floor(corrupted.length / 2)]! ^= 0x40;
      // A well-formed snapshot of a guest with 1 GiB of RAM: more than the worker can give.
      const c = await readContainer(good);
      const huge = 1024 * 1024 * 1024;
      const header = { ...(c.header as unknown as Record<string, unknown>) };
      delete header.sections;
      header.machine = { ...(header.machine as object), ramBytes: huge };
      header.ram = { ...(header.ram as object), pages: huge / 4096 };
      const inputs = [...c.sections].map(([name, bytes]) => ({ name, bytes: name === 'ram-map' ? new Uint8Array(huge / 4096 / 8) : name === 'ram' ? new Uint8Array(0) : bytes, compress: true }));
      const tooBig = await writeContainer(header, inputs);

      const cases: [string, Uint8Array, RegExp][] = [
        ['truncated.mvsnap', good.subarray(0, good.length - 1000), /snapshot truncated/],
        ['corrupted.mvsnap', corrupted, /SHA-256 does not match|corrupted/],
        ['notes.mvsnap', new TextEncoder().encode('just some text, not a snapshot\n'), /not a minivisor snapshot/],
        ['future.mvsnap', tooNew, /newer than this minivisor reads/],
        ['huge.mvsnap', tooBig, /cannot restore the snapshot/],
      ];
      const banner = page.getByTestId('error-banner');
      for (const [name, bytes, message] of cases) {
        await page.evaluate((i) => window.minivisor.select(i), id);
        await dropFile(page, name, bytes);
        await expect(banner).toBeVisible();
        await expect(banner).toContainText(name);
        await expect(banner).toContainText(message);
        expect((await page.evaluate(() => window.minivisor.guests())).map((g) => g.id)).toEqual([id]);
        await banner.getByRole('button', { name: 'Dismiss' }).click();
        await expect(banner).toBeHidden();
      }
      // Automation's restore() refuses the same way.
      await expect(page.evaluate(() => window.minivisor.restore([1, 2, 3, 4, 5, 6, 7, 8, 9]))).rejects.toThrow(/not a minivisor snapshot/);
      // The guest was never disturbed.
      await page.evaluate((i) => window.minivisor.type(i, 'unharmed\r'), id);
      await expectConsole(page, id, 'echo: unharmed');
    });

    test('a destination worker killed mid-migration leaves the guest running on the source', async ({ page }) => {
      await openPage(page, '?workers=2&launch=echo,spinner');
      const echo = await guestId(page, 'echo');
      const spinner = await guestId(page, 'spinner');
      const from = (await worker(page, echo))!;
      const to = 1 - from;
      await expectConsole(page, echo, '> ');
      await page.evaluate((i) => window.minivisor.select(i), echo);
      const error = await page.evaluate(
        ([i, w]) => window.minivisor.migrate(i, w, { stopBelow: -1, maxRounds: 50, roundDelayMs: 20, killDestinationAfterRound: 2 }).then(() => 'migrated', (e: Error) => e.message),
        [echo, to] as const,
      );
      expect(error).toContain(`keeps running on host CPU ${from}`);
      await expect(page.getByTestId('error-banner')).toContainText(`echo: migration to host CPU ${to} failed`);
      await expect(page.getByTestId('error-banner')).toContainText(`keeps running on host CPU ${from}`);
      await expect(page.getByTestId(`migration-${echo}`)).toHaveAttribute('data-phase', 'failed');
      await expect(page.getByTestId(`migration-head-${echo}`)).toContainText(`still running on host CPU ${from}`);
      expect((await page.evaluate(() => window.minivisor.workers()))[to]?.crashed).toBeTruthy();
      const g = (await page.evaluate(() => window.minivisor.guests())).find((x) => x.id === echo)!;
      expect(g.state).not.toBe('crashed');
      expect(g.worker).toBe(from);
      await page.evaluate((i) => window.minivisor.type(i, 'still on the source\r'), echo);
      await expectConsole(page, echo, 'echo: still on the source');
      expect((await consoleText(page, echo)).match(/echo: still on the source/g)).toHaveLength(1);
      // The spinner, if it shared the source, runs on too.
      if ((await worker(page, spinner)) === from) await expectInstructionsAbove(page, spinner, await instructions(page, spinner));

      // Killed during the stop-and-copy, before the hand-off reaches it: the source resumes the guest.
      await page.evaluate((w) => window.minivisor.restartWorker(w), to);
      await page.evaluate((i) => window.minivisor.type(i, 'typed before the stop\r'), echo);
      const atStop = await page.evaluate(
        ([i, w]) => window.minivisor.migrate(i, w, { stopDelayMs: 150, killDestinationAtStop: true }).then(() => 'migrated', (e: Error) => e.message),
        [echo, to] as const,
      );
      expect(atStop).toContain(`keeps running on host CPU ${from}`);
      await expect(page.getByTestId(`migration-${echo}`)).toHaveAttribute('data-phase', 'failed');
      expect(await worker(page, echo)).toBe(from);
      await page.evaluate((i) => window.minivisor.type(i, 'resumed on the source\r'), echo);
      await expectConsole(page, echo, 'echo: resumed on the source');
      const text = await consoleText(page, echo);
      expect(text.match(/echo: typed before the stop/g)).toHaveLength(1);
      expect(text.match(/echo: resumed on the source/g)).toHaveLength(1);

      // After the worker is restarted, the same guest migrates.
      await page.evaluate((w) => window.minivisor.restartWorker(w), to);
      const ok = await page.evaluate(([i, w]) => window.minivisor.migrate(i, w), [echo, to] as const);
      expect(ok.phase).toBe('done');
      await page.evaluate((i) => window.minivisor.type(i, 'moved at last\r'), echo);
      await expectConsole(page, echo, 'echo: moved at last');
      expect(await worker(page, echo)).toBe(to);
    });

    test('a crashed guest comes back from its last save', async ({ page }) => {
      await openPage(page, '?workers=1&launch=echo');
      const id = await guestId(page, 'echo');
      await expectConsole(page, id, '> ');
      await page.evaluate((i) => window.minivisor.select(i), id);
      await page.getByTestId(`save-${id}`).click();
      await page.getByTestId('tab-host').click();
      await page.getByTestId('kill-worker-0').click();
      await expect(page.getByTestId(`tab-${id}`)).toHaveAttribute('data-state', 'crashed');
      await page.getByTestId(`tab-${id}`).click();
      const restore = page.getByTestId(`restore-save-${id}`);
      await expect(restore).toBeVisible();
      await expect(page.getByTestId(`save-${id}`)).toBeDisabled();
      await restore.click();
      await expect(page.getByTestId(`tab-${id}`)).not.toHaveAttribute('data-state', 'crashed');
      await expect(restore).toBeHidden();
      await expectConsole(page, id, 'from its last save');
      await page.evaluate((i) => window.minivisor.type(i, 'restored\r'), id);
      await expectConsole(page, id, 'echo: restored');
      // Restored, not rebooted: no boot banner after the restore.
      const after = (await consoleText(page, id)).split('restoring the save').at(-1)!;
      expect(after).not.toContain('echo guest: type a line');

      // Restart worker brings it back from the save as well.
      await page.getByTestId('tab-host').click();
      await page.getByTestId('kill-worker-0').click();
      await expect(page.getByTestId(`tab-${id}`)).toHaveAttribute('data-state', 'crashed');
      await page.getByTestId('restart-worker-0').click();
      await expect(page.getByTestId(`tab-${id}`)).not.toHaveAttribute('data-state', 'crashed');
      await page.evaluate((i) => window.minivisor.type(i, 'again\r'), id);
      await expectConsole(page, id, 'echo: again');
    });
  });
}

fixtureTest('the Playwright fixture starts a guest from a snapshot (a path or bytes); PageGuest.snapshot() reads one back', async ({ minivisor }, testInfo) => {
  const echo = await minivisor.launch('echo');
  await fixtureExpect(echo.console).toContainText('> ');
  await echo.type('saved state\r');
  await fixtureExpect(echo.console).toContainText('echo: saved state');
  const bytes = await echo.snapshot();
  expect((await readSnapshot(bytes)).header.machine.ramBytes).toBe(1024 * 1024);
  const path = testInfo.outputPath('echo-saved.mvsnap');
  writeFileSync(path, bytes);

  const fromPath = await minivisor.launch({ snapshot: path });
  await fixtureExpect(fromPath.tab).toContainText('echo-saved');
  await fromPath.type('from the file\r');
  await fixtureExpect(fromPath.console).toContainText('echo: from the file');
  await fixtureExpect(fromPath.console).not.toContainText('echo guest: type a line', { timeout: 500 });

  const fromBytes = await minivisor.launch({ snapshot: bytes, name: 'copy' });
  await fromBytes.type('exit\r');
  expect(await fromBytes.exit()).toBe(0);
  // The others run on.
  await echo.type('original\r');
  await fixtureExpect(echo.console).toContainText('echo: original');
  await fixtureExpect(fromPath.console).not.toContainText('echo: original', { timeout: 500 });

  await fixtureExpect(minivisor.launch({ snapshot: bytes.subarray(0, 100) })).rejects.toThrow(/snapshot truncated/);
  expect((await minivisor.guests()).length).toBe(3);
});

test('Linux printing from a shell loop migrates and back: every line once; it answers on the destination', async ({ page }) => {
  test.setTimeout(180_000);
  await openPage(page, '?workers=2&launch=linux');
  const id = await guestId(page, 'linux');
  await page.evaluate((i) => window.minivisor.select(i), id);
  await expectConsole(page, id, /(\/ # |root@minivisor:\/# )$/m, 90_000);
  const from = (await worker(page, id))!;
  const to = 1 - from;
  const N = 3000;
  // A pause every 100 lines: the loop lasts 3 s at least, so both migrations land in the middle of it.
  await page.evaluate(([i, n]) => window.minivisor.type(i, `seq 1 ${n} | while read i; do echo "n=$i"; case $i in *00) usleep 100000;; esac; done; echo loop-done\r`), [id, N] as const);
  await expectConsole(page, id, /^n=\d+$/m);
  const there = await page.evaluate(([i, w]) => window.minivisor.migrate(i, w), [id, to] as const);
  expect(await consoleText(page, id)).not.toMatch(/^loop-done$/m);
  const back = await page.evaluate(([i, w]) => window.minivisor.migrate(i, w), [id, from] as const);
  expect(await consoleText(page, id)).not.toMatch(/^loop-done$/m);
  console.log(`Linux printing: there ${there.rounds.length} rounds (${there.rounds.map((r) => r.pages).join(', ')}), downtime ${there.downtimeMs!.toFixed(2)} ms; back ${back.rounds.length} rounds (${back.rounds.map((r) => r.pages).join(', ')}), downtime ${back.downtimeMs!.toFixed(2)} ms`);
  expect(there.rounds[0]!.pages).toBeGreaterThan(1000); // a booted kernel's pages
  expect(there.phase).toBe('done');
  expect(back.phase).toBe('done');
  await expectConsole(page, id, /^loop-done$/m, 60_000);
  expectEachOnce(await consoleText(page, id), /^n=(\d+)$/gm, N);
  await page.evaluate((i) => window.minivisor.type(i, 'uname -m\r'), id);
  await expectConsole(page, id, /^riscv32$/m);
  expect(await worker(page, id)).toBe(from);
});

// The fuzzer must find the bug of issue 17 when it is put back (assembly/build.mjs --mutants:
// an empty TLB entry whose tag a misaligned access in page 0 matches, and a per-address
// SFENCE.VMA that keeps the stale addend), within the budget tests/isolation-fuzz.test.ts
// gives it (2 seeds x 12 M attacker instructions) — each seed on its own, on the checked core
// (an isolation violation) and on the release core (a core trap or a victim changed).
//
// And the copy-on-write bug (BUG_COW: a write to a page shared with a fork lands in place, so the
// other side sees it), which only forks can reach: the fork-enabled fuzzer must find it in the
// same budget on both cores, and without forks it must find nothing there.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module shared with `npm run fuzz`
import { campaign } from '../fuzz/isolation.mjs';

interface Campaign {
  findings: string[];
  firstFinding: { attackerInstructions: number; seconds: number; slice: number } | null;
  attackerInstructions: number;
  slices: number;
}

const root = new URL('..', import.meta.url).pathname;
const CHECKED_BUG = join(root, 'build/minivisor-checked-tlbbug.wasm');
const RELEASE_BUG = join(root, 'build/minivisor-tlbbug.wasm');
const CHECKED_COW_BUG = join(root, 'build/minivisor-checked-cowbug.wasm');
const RELEASE_COW_BUG = join(root, 'build/minivisor-cowbug.wasm');
const BUDGET = 12_000_000;
const SEEDS = [1, 2];

function newestSource(dir = join(root, 'assembly')): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|mjs|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The mutants are missing or older than the core's sources. */
function stale(): boolean {
  const newest = newestSource();
  return [CHECKED_BUG, RELEASE_BUG, CHECKED_COW_BUG, RELEASE_COW_BUG].some((f) => !existsSync(f) || statSync(f).mtimeMs < newest);
}

/**
 * Builds the mutants if they are missing or stale. Both vitest projects run this file at once:
 * a lock directory lets one of them build while the other waits.
 */
async function ensureMutants(): Promise<void> {
  const lock = join(root, 'build/.mutants-build.lock');
  const started = Date.now();
  while (stale()) {
    try {
      mkdirSync(lock, { recursive: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Another build is under way (or one died holding the lock: give it 5 minutes).
      if (Date.now() - started > 300_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      if (stale()) execFileSync(process.execPath, ['assembly/build.mjs', '--mutants'], { cwd: root, stdio: 'inherit' });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

describe('the fuzzer finds the TLB bug of issue 17 put back', () => {
  beforeAll(ensureMutants, 600_000);

  const cores = [
    { name: 'the checked core', wasm: CHECKED_BUG, finding: /isolation violation/ },
    { name: 'the release core', wasm: RELEASE_BUG, finding: /internal error in the hypervisor core|state hash|console output|outside the guests' regions/ },
  ];
  for (const core of cores) {
    for (const seed of SEEDS) {
      it(`in ${core.name}, seed ${seed}, within ${BUDGET / 1e6} M attacker instructions`, async () => {
        const r = (await campaign({ seed, attackerInstructions: BUDGET, core: core.wasm, stopOnFinding: true })) as Campaign;
        expect(r.findings.length).toBeGreaterThan(0);
        expect(r.findings[0]).toMatch(core.finding);
        expect(r.firstFinding).not.toBeNull();
        console.log(
          `TLB bug in ${core.name}, seed ${seed}: found after ${r.firstFinding!.attackerInstructions} attacker instructions ` +
            `(${r.firstFinding!.seconds.toFixed(1)} s, program generation included): ${r.findings[0].slice(0, 160)}`,
        );
        expect(r.firstFinding!.attackerInstructions).toBeLessThanOrEqual(BUDGET);
      }, 300_000);
    }
  }

  // Whether a stale addend lands in another guest's memory or only traps depends on the core's
  // layout as much as on the seed (with one build of the core during the virtio-net work, seed 1
  // showed only traps, with the fuzzer from before forks too), so this looks at seeds 1-4 in
  // turn: one of them must show it.
  it('in the release core, the attackers corrupt a victim or the core itself, not only trap it (seeds 1-4, 12 M each)', async () => {
    const corrupting: number[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const r = (await campaign({ seed, attackerInstructions: BUDGET, core: RELEASE_BUG })) as Campaign;
      const corruption = r.findings.filter((f) => /state hash|console output|outside the guests' regions|printed something else|other registers|different states/.test(f));
      console.log(`TLB bug in the release core, seed ${seed}: ${r.findings.length} findings, of which ${corruption.length} corruption: ${corruption.join('; ').slice(0, 300)}`);
      if (corruption.length > 0) {
        corrupting.push(seed);
        break;
      }
    }
    expect(corrupting.length).toBeGreaterThan(0);
  }, 600_000);
});

describe('the fork-enabled fuzzer finds the copy-on-write bug put back', () => {
  beforeAll(ensureMutants, 600_000);

  const cores = [
    // The first write to a shared page, by an attacker or a victim's lineage, forms a host address
    // in a page the writer may only read.
    { name: 'the checked core', wasm: CHECKED_COW_BUG, finding: /isolation violation/ },
    // Nothing traps: a victim's fork (or the victim) sees the other's writes, so the lineage
    // parts, or a victim ends in another state than its solo run.
    { name: 'the release core', wasm: RELEASE_COW_BUG, finding: /printed something else|other registers|state hash|console output|different states/ },
  ];
  for (const core of cores) {
    for (const seed of SEEDS) {
      it(`in ${core.name}, seed ${seed}, within ${BUDGET / 1e6} M attacker instructions`, async () => {
        const r = (await campaign({ seed, attackerInstructions: BUDGET, core: core.wasm, stopOnFinding: true })) as Campaign;
        expect(r.findings.length).toBeGreaterThan(0);
        expect(r.findings[0]).toMatch(core.finding);
        expect(r.firstFinding).not.toBeNull();
        console.log(
          `copy-on-write bug in ${core.name}, seed ${seed}: found after ${r.firstFinding!.attackerInstructions} attacker instructions ` +
            `(slice ${r.firstFinding!.slice}, ${r.firstFinding!.seconds.toFixed(1)} s): ${r.findings[0].slice(0, 200)}`,
        );
        expect(r.firstFinding!.attackerInstructions).toBeLessThanOrEqual(BUDGET);
      }, 300_000);
    }
  }

  it('in the checked core, by the attackers\' forks alone (victims not forked), seed 1', async () => {
    const r = (await campaign({ seed: 1, attackerInstructions: BUDGET, core: CHECKED_COW_BUG, stopOnFinding: true, forks: 'attackers' })) as Campaign;
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.findings[0]).toMatch(/attacker \d+ \(.*isolation violation/);
    console.log(`copy-on-write bug in the checked core, attackers' forks only: found after ${r.firstFinding!.attackerInstructions} attacker instructions: ${r.findings[0].slice(0, 200)}`);
    expect(r.firstFinding!.attackerInstructions).toBeLessThanOrEqual(BUDGET);
  }, 300_000);

  it('without forks the same cores show nothing: only the fork campaign reaches the bug (seed 1)', async () => {
    for (const wasm of [CHECKED_COW_BUG, RELEASE_COW_BUG]) {
      const r = (await campaign({ seed: 1, attackerInstructions: BUDGET, core: wasm, forks: false })) as Campaign;
      expect(r.findings).toEqual([]);
      expect(r.attackerInstructions).toBeGreaterThanOrEqual(BUDGET);
    }
  }, 300_000);
});

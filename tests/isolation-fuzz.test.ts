// Proof of isolation by fuzzing (fuzz/isolation.mjs): attackers whose programs aim at the core's
// edges (fuzz/generator.mjs: page 0, 2^31, 2^32, RAM's first and last pages, TLB indexes 0 and
// 0xff, misaligned accesses of every width, SFENCE.VMA and satp changes between accesses, xRET to
// every mode with odd and misaligned targets, Sv32 tables pointing at every region boundary, SBI
// buffers at the edges) run next to victims in deterministic time; the victims must end exactly as
// they do alone, the core must never trap, and memory outside the guests' regions must not change.
// With forks: the host forks attackers at random points (forks of forks too), parents and forks go
// on writing pages they share copy-on-write, some are destroyed while others still read their
// pages and new attackers take the freed regions; the victims are forked and destroyed too, and
// every member of a victim's lineage must match the victim slice by slice and the solo run at the
// end.
//
// vitest.config.ts runs this file twice: on the release core, and in the 'checked' project on
// build/minivisor-checked.wasm, where any host address the core forms outside the running guest's
// window is a finding (IsolationViolationError) and the campaigns count slow-path coverage.

import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module shared with `npm run fuzz`
import { campaign } from '../fuzz/isolation.mjs';
// @ts-expect-error plain JavaScript module shared with `npm run fuzz`
import { coverageNames, formatCoverage, mergeSummaries } from '../fuzz/coverage.mjs';

interface Coverage {
  counted: boolean;
  total: number;
  reached: number;
  percent: number;
  points: Record<string, number>;
  unreached: string[];
}

interface Campaign {
  findings: string[];
  attackerInstructions: number;
  seconds: number;
  stops: Record<string, number>;
  victims: { name: string; member: string; output: string }[];
  forks: {
    attackerForks: number;
    victimForks: number;
    attackersDestroyed: number;
    victimsDestroyed: number;
    newcomers: number;
    newcomersInFreedRegion: number;
    attackerTurnsSharing: number;
    cowCopies: number;
  } | null;
  coverage: Coverage;
}

const CHECKED_CORE = new URL('../build/minivisor-checked.wasm', import.meta.url).pathname;
const BUDGET = 12_000_000;
const SEEDS = [1, 2];

// The slow paths where the TLB bug of issue 17 lived, and those around it: every one of them
// must be reached by the biased campaigns.
const MUST_REACH = [
  'COV_LOAD_MISALIGNED', 'COV_STORE_MISALIGNED', 'COV_STORE_MISALIGNED_FAULT', 'COV_ATOMIC_MISALIGNED',
  'COV_FLUSH_ALL', 'COV_FLUSH_PAGE', 'COV_FLUSH_PAGE_HIT', 'COV_FLUSH_PAGE_SUPERPAGE', 'COV_SFENCE_ADDRESS', 'COV_SFENCE_ALL',
  'COV_CONTEXT_FLUSH', 'COV_XLATE_MEGAPAGE', 'COV_XLATE_LEAF_4K', 'COV_XLATE_PTE_OUTSIDE_RAM', 'COV_XLATE_LEAF_ABOVE_4G',
  'COV_XLATE_ROOT_ABOVE_4G', 'COV_XLATE_MISALIGNED_MEGAPAGE', 'COV_FETCH_SPLIT', 'COV_FETCH_PAGE_END', 'COV_FETCH_NOT_RAM',
  'COV_TRAP_TO_S', 'COV_MRET_TO_U', 'COV_MRET_TO_S', 'COV_SRET_TO_U', 'COV_SRET_TO_S', 'COV_SBI_DBCN_REFUSED',
  // copy-on-write: guest code writing a shared page on either side, the host's view, destroy, fork
  'COV_COW_WRITE_SHARED', 'COV_COW_UNSHARE_READER', 'COV_COW_UNSHARE_OWNER', 'COV_COW_OWNER_PUSH_FOUND',
  'COV_COW_MATERIALIZE', 'COV_COW_RELEASE_READER', 'COV_COW_SHARE_ALL',
];
/** At least this share of all the points in assembly/coverage.ts. */
const FLOOR = 0.85;

const results: Campaign[] = [];

describe('isolation under attackers aimed at the edges', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ≥ 12 M attacker instructions, with forks, change nothing outside the attackers`, async () => {
      const r = (await campaign({ seed, attackerInstructions: BUDGET })) as Campaign;
      results.push(r);
      console.log(
        `seed ${seed}: ${r.attackerInstructions} attacker instructions in ${r.seconds.toFixed(1)} s; ` +
          `lifecycle ${JSON.stringify(r.forks)}; ${formatCoverage(r.coverage)}`,
      );
      expect(r.findings).toEqual([]);
      expect(r.attackerInstructions).toBeGreaterThanOrEqual(BUDGET);
      // The victims really ran and printed, whichever members of their lineages are left.
      expect(r.victims.find((v) => v.name === 'spinner')!.output).toContain('spinner: a busy guest');
      expect(r.victims.find((v) => v.name === 'idle')!.output).toContain('idle: tick');
      // The lifecycle really happened: forks on both sides, destroys while pages were shared,
      // new guests in freed regions, attackers running while they shared pages, pages copied.
      const f = r.forks!;
      expect(f.attackerForks).toBeGreaterThan(5);
      expect(f.victimForks).toBeGreaterThanOrEqual(2);
      expect(f.attackersDestroyed).toBeGreaterThan(0);
      expect(f.victimsDestroyed).toBeGreaterThan(0);
      expect(f.newcomersInFreedRegion).toBeGreaterThan(0);
      expect(f.attackerTurnsSharing).toBeGreaterThan(f.attackerForks);
      expect(f.cowCopies).toBeGreaterThan(0);
    }, 300_000);
  }

  it(`coverage: the campaigns reach the TLB, flush, misaligned, privilege and copy-on-write slow paths, and ≥ ${FLOOR * 100} % of all points`, async () => {
    const names = coverageNames() as string[];
    for (const n of MUST_REACH) expect(names, `${n} is not a point of assembly/coverage.ts`).toContain(n);
    let coverage = mergeSummaries(results.map((r) => r.coverage)) as Coverage;
    if (!coverage.counted) {
      // This project's core is the release core, which counts nothing: measure the first
      // seed's campaign again on the checked core (the 'checked' project measures both).
      const r = (await campaign({ seed: SEEDS[0], attackerInstructions: BUDGET, core: CHECKED_CORE })) as Campaign;
      expect(r.findings).toEqual([]);
      coverage = r.coverage;
    }
    console.log(formatCoverage(coverage));
    expect(coverage.counted).toBe(true);
    expect(coverage.total).toBe(names.length);
    expect(MUST_REACH.filter((n) => coverage.unreached.includes(n))).toEqual([]);
    expect(coverage.reached).toBeGreaterThanOrEqual(Math.ceil(FLOOR * coverage.total));
  }, 600_000);
});

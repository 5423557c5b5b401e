// virtio-net fuzzing (issue 15, fuzz/virtio.mjs): random descriptor tables, rings, chains and
// headers through netdemo.elf's MMIO-script mode, each case checked against a model of the card,
// next to victims that must end exactly as in a solo run. Runs on the release and the checked
// core (vitest.config.ts); the cores with BUG_VIRTIO_BOUNDS put back (`npm run build:core`) must
// be caught, and the test prints how fast.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
// @ts-expect-error plain JavaScript module shared with `node fuzz/virtio.mjs`
import { campaign } from '../fuzz/virtio.mjs';

interface Campaign {
  findings: { case: number; problems: string[] }[];
  firstFinding: { case: number; ms: number; problem: string } | null;
  firstViolation: { case: number; ms: number } | null;
  cases: number;
  ms: number;
  outcomes: Record<string, number>;
}

const root = new URL('..', import.meta.url).pathname;
const core = process.env.MINIVISOR_CORE?.includes('checked') ? 'checked' : 'release';

describe(`virtio-net fuzzing on the ${core} core`, () => {
  it('every random virtqueue ends in DEVICE_NEEDS_RESET for the right reason or in the right transfer; victims untouched', async () => {
    const outcomes: Record<string, number> = {};
    for (const seed of [1, 2, 3]) {
      const r = (await campaign({ api, seed, cases: 600 })) as Campaign;
      expect(r.findings.map((f) => `case ${f.case}: ${f.problems.join('; ')}`)).toEqual([]);
      expect(r.cases).toBe(600);
      for (const [k, n] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
      console.log(`seed ${seed}: ${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s on the ${core} core, no finding`);
    }
    // Not vacuous: most of the card's reasons to need a reset were met, and so were transfers both ways.
    const reasons = api.NET_ERRORS.filter((e) => e !== 'none' && (outcomes[e] ?? 0) > 0);
    expect(reasons.length).toBeGreaterThanOrEqual(9);
    const transfers = (re: RegExp) => Object.entries(outcomes).filter(([k]) => re.test(k)).reduce((n, [, v]) => n + v, 0);
    expect(transfers(/^transfer \([1-9]\d* sent/)).toBeGreaterThan(50);
    expect(transfers(/^transfer \(1 received/)).toBeGreaterThan(50);
    console.log('outcomes:', JSON.stringify(outcomes));
  });

  for (const [file, what] of [
    ['build/minivisor-checked-vnetbug.wasm', 'an IsolationViolationError on the checked core'],
    ['build/minivisor-vnetbug.wasm', 'a difference from the model (or a contained core trap) on the release core'],
  ] as const) {
    it(`finds BUG_VIRTIO_BOUNDS (a buffer's length not checked): ${what}`, async () => {
      expect(existsSync(root + file), `${file} is missing: npm run build:core`).toBe(true);
      const r = (await campaign({ api, seed: 1, cases: 2000, core: root + file, stopOnFinding: true, stopOnViolation: file.includes('checked') })) as Campaign;
      expect(r.firstFinding).not.toBeNull();
      if (file.includes('checked')) {
        expect(r.firstViolation).not.toBeNull();
        expect(r.findings.some((f) => f.problems.some((p) => p.includes('(virtio DMA)')))).toBe(true);
      }
      const first = r.firstFinding!;
      const v = r.firstViolation;
      console.log(
        `${file}: found after ${first.case + 1} cases, ${first.ms.toFixed(0)} ms (${first.problem.slice(0, 120)})` +
          (v ? `; first isolation violation after ${v.case + 1} cases, ${v.ms.toFixed(0)} ms` : ''),
      );
      expect(first.case).toBeLessThan(1000);
    });
  }
});

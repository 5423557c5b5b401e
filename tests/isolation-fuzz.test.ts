// Proof of isolation by fuzzing (fuzz/isolation.mjs): attackers full of random code next to
// victims in deterministic time; the victims must end exactly as they do alone.

import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module shared with `npm run fuzz`
import { campaign } from '../fuzz/isolation.mjs';

interface Campaign {
  findings: string[];
  attackerInstructions: number;
  stops: Record<string, number>;
  victims: { name: string; output: string }[];
}

describe('isolation under random attackers', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: ≥ 12 M attacker instructions change nothing outside the attackers`, async () => {
      const r = (await campaign({ seed, attackerInstructions: 12_000_000 })) as Campaign;
      expect(r.findings).toEqual([]);
      expect(r.attackerInstructions).toBeGreaterThanOrEqual(12_000_000);
      // The victims really ran and printed.
      expect(r.victims.find((v) => v.name === 'spinner')!.output).toContain('spinner: a busy guest');
      expect(r.victims.find((v) => v.name === 'idle')!.output).toContain('idle: tick');
    }, 300_000);
  }
});

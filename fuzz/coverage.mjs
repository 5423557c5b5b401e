// Slow-path coverage of the core, as the checked build counts it (assembly/checked.ts cover()).
//
// The names of the points come from assembly/coverage.ts, the single source of truth: one
// `export const COV_NAME: u32 = N;` per line, numbered from 0. The counters are u32s at
// core.coveragePtr() in the core's memory; the release core has them too but never counts.

import { readFileSync } from 'node:fs';

/** Counter slots the core reserves (COVERAGE_POINTS in assembly/checked.ts): the bytes the fuzzer leaves out of its "memory outside the regions" check. */
export const COVERAGE_SLOTS = 64;

let cachedNames;

/** The coverage points' names, index = counter number, read from assembly/coverage.ts. */
export function coverageNames() {
  if (cachedNames) return cachedNames;
  const text = readFileSync(new URL('../assembly/coverage.ts', import.meta.url), 'utf8');
  const names = [];
  for (const line of text.split('\n')) {
    const m = /^export const (COV_\w+): u32 = (\d+);/.exec(line.trim());
    if (m) names[Number(m[2])] = m[1];
  }
  for (let i = 0; i < names.length; i++) {
    if (names[i] === undefined) throw new Error(`assembly/coverage.ts: no coverage point numbered ${i}`);
  }
  if (names.length === 0 || names.length > COVERAGE_SLOTS) throw new Error(`assembly/coverage.ts: ${names.length} coverage points (1..${COVERAGE_SLOTS} expected)`);
  cachedNames = names;
  return names;
}

/** A running total of the core's counters: add() after each run of interest (the core was reset before it). */
export class CoverageAccumulator {
  constructor() {
    this.counts = new Array(coverageNames().length).fill(0);
  }

  /** Adds the core's counters to the totals and zeroes them in the core. */
  collect(core) {
    const words = new Uint32Array(core.memory.buffer, core.coveragePtr() >>> 0, this.counts.length);
    for (let i = 0; i < words.length; i++) this.counts[i] += words[i];
    core.coverageReset();
  }

  merge(other) {
    other.counts.forEach((c, i) => (this.counts[i] += c));
    return this;
  }

  /**
   * { counted, total, reached, percent, points: {NAME: count}, unreached: [NAME] }; counted is
   * false when the core counted nothing at all (a release core: its counters never move).
   */
  summary() {
    const names = coverageNames();
    const points = {};
    names.forEach((n, i) => (points[n] = this.counts[i]));
    const unreached = names.filter((n, i) => this.counts[i] === 0);
    const reached = names.length - unreached.length;
    return {
      counted: reached > 0,
      total: names.length,
      reached,
      percent: (100 * reached) / names.length,
      points,
      unreached,
    };
  }
}

/** Adds up campaign coverage summaries. */
export function mergeSummaries(summaries) {
  const acc = new CoverageAccumulator();
  const names = coverageNames();
  for (const s of summaries) names.forEach((n, i) => (acc.counts[i] += s.points[n] ?? 0));
  return acc.summary();
}

/** "coverage 47/50 points (94.0%); unreached: COV_A, COV_B" */
export function formatCoverage(s) {
  if (!s.counted) return 'coverage: not counted (this core does not count; use build/minivisor-checked.wasm)';
  return `coverage ${s.reached}/${s.total} slow-path points (${s.percent.toFixed(1)}%)` +
    (s.unreached.length ? `; unreached: ${s.unreached.join(', ')}` : '; all reached');
}

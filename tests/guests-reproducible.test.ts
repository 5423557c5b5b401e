// The committed guest ELFs are exactly what guests/build.sh makes from their sources, so a
// user without the cross compiler runs the same bytes we tested. Runs when clang-16 (or clang)
// and ld.lld are installed; CI installs them.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasToolchain = (has('clang-16') || has('clang')) && (has('ld.lld-16') || has('ld.lld'));

describe.runIf(hasToolchain)('guests/bin', () => {
  it('matches a fresh build of guests/', () => {
    const r = spawnSync('bash', ['guests/check.sh'], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('match their sources');
    expect(r.status).toBe(0);
  }, 300_000);
});

describe('guest toolchain', () => {
  it('reports whether the reproducibility check ran', () => {
    console.log(hasToolchain ? 'clang and ld.lld found: guests/bin checked against a rebuild' : 'no clang/ld.lld: guests/bin not rebuilt');
    expect(typeof hasToolchain).toBe('boolean');
  });
});

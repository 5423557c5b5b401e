/**
 * `minivisor init-test <guest.elf>`: a working test of one's own guest in one step. The guest runs
 * once in deterministic time; what it printed first and last, and how it ended, become the
 * expectations of a node:test file next to it, ready for `node --test` and to be edited.
 */
import { writeFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { Hypervisor, type Guest } from '../core/hypervisor.js';
import { StopReason } from '../core/abi.js';

export interface InitTestOptions {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly out?: string;
  readonly mode: 'bare' | 'kernel';
}

const BUDGET = 500_000_000;

function observe(guest: Guest): { text: string; exitCode: number | undefined } {
  let text = '';
  let left = BUDGET;
  while (left > 0) {
    const stop = guest.run(Math.min(left, 10_000_000));
    left -= guest.lastRunCount;
    text += new TextDecoder().decode(guest.readConsole(), { stream: true });
    if (stop === StopReason.Halted) return { text, exitCode: guest.exitCode };
    if (stop === StopReason.Faulted || stop === StopReason.Reset) break;
    if (stop === StopReason.Wfi && guest.nextDeadline === Infinity) break;
  }
  return { text, exitCode: undefined };
}

export async function initTest(opts: InitTestOptions): Promise<string> {
  const hv = await Hypervisor.create();
  const guest = hv.createGuest({ ramBytes: 64 << 20, deterministic: true });
  if (opts.mode === 'kernel') guest.bootKernel(opts.bytes);
  else guest.load(opts.bytes);
  const { text, exitCode } = observe(guest);
  guest.destroy();

  const name = basename(opts.file).replace(/\.[^.]*$/, '');
  const out = resolve(opts.out ?? `${dirname(opts.file)}/${name}.test.mjs`);
  const image = relative(dirname(out), resolve(opts.file)).replaceAll('\\', '/');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const first = lines[0];
  const last = lines[lines.length - 1];
  const checks: string[] = [];
  if (first !== undefined) checks.push(`    await guest.console.waitFor(${JSON.stringify(first)});`);
  if (last !== undefined && last !== first) checks.push(`    await guest.console.waitFor(${JSON.stringify(last)});`);
  if (exitCode !== undefined) checks.push(`    assert.equal(await guest.exit(), ${exitCode});`);
  else checks.push('    // It did not power off by itself; type into it with guest.type(...) and wait for answers.');
  const title = `${name} ${first !== undefined ? 'prints what it printed when this test was made' : 'runs'}${exitCode !== undefined ? ` and exits with ${exitCode}` : ''}`;

  const source = `// A test of ${basename(opts.file)}, written by \`minivisor init-test\` from one run of it in
// deterministic time. Run it with \`node --test\`; edit the expectations as your program grows.
// The API: docs/testing.md in minivisor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchGuest } from 'minivisor/testing';

test(${JSON.stringify(title)}, async () => {
  const guest = await launchGuest(new URL(${JSON.stringify(image)}, import.meta.url), {
    mode: ${JSON.stringify(opts.mode)},
    deterministic: true,
  });
  try {
${checks.join('\n')}
  } finally {
    await guest.close();
  }
});
`;
  await writeFile(out, source, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') throw new Error(`${out} already exists; give another name with --out FILE`);
    throw e;
  });
  return out;
}

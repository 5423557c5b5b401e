// Builds the core and its variants (npm run build:core). Each variant is the same source with
// compile-time flags (`--use NAME=1`, read with isDefined() in the core):
//
//   build/minivisor.wasm           the release core: what the library, the CLI and the page run
//   build/minivisor-nocount.wasm   no VM-exit counting: bench/hypervisor.mjs measures its cost
//   build/minivisor-checked.wasm   every host address formed from guest values is asserted to lie
//                                  in the guest's window (checked.ts); slow-path coverage counted
//   build/minivisor-trap.wasm      traps on purpose when a guest writes 0xdeadbeef to the test
//                                  device: the test that a core trap stays with its guest
//
// And the cores with a known isolation bug put back, which the checked core, the tests and the
// fuzzer must catch (tests/isolation-*.test.ts, tests/fork.test.ts, fuzz/isolation.mjs --core):
//
//   build/minivisor-checked-tlbbug.wasm   the TLB's invalid tag matchable, flushes keep addends
//   build/minivisor-tlbbug.wasm           the same bug in an unchecked core
//   build/minivisor-checked-cowbug.wasm   a write to a page shared with a fork lands in place
//   build/minivisor-cowbug.wasm           (so the other side sees it), checked and unchecked
//   build/minivisor-checked-vnetbug.wasm  virtio-net checks a buffer's start but not its length
//   build/minivisor-vnetbug.wasm          (BUG_VIRTIO_BOUNDS: DMA past the end of RAM)
//   build/minivisor-jitbug.wasm           a store to a page of translated code keeps the stale
//                                         translation (BUG_JIT_INVALIDATE; tests/jit.test.ts)

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const VARIANTS = [
  { out: 'minivisor', use: [] },
  { out: 'minivisor-nocount', use: ['EXIT_COUNTING_OFF=1'] },
  { out: 'minivisor-checked', use: ['CHECKED=1'] },
  { out: 'minivisor-trap', use: ['TRAP_ON_PURPOSE=1'] },
];
const MUTANTS = [
  { out: 'minivisor-checked-tlbbug', use: ['CHECKED=1', 'BUG_TLB_INVALID=1'] },
  { out: 'minivisor-tlbbug', use: ['BUG_TLB_INVALID=1'] },
  { out: 'minivisor-checked-cowbug', use: ['CHECKED=1', 'BUG_COW=1'] },
  { out: 'minivisor-cowbug', use: ['BUG_COW=1'] },
  { out: 'minivisor-checked-vnetbug', use: ['CHECKED=1', 'BUG_VIRTIO_BOUNDS=1'] },
  { out: 'minivisor-vnetbug', use: ['BUG_VIRTIO_BOUNDS=1'] },
  { out: 'minivisor-jitbug', use: ['BUG_JIT_INVALIDATE=1'] },
];

function build({ out, use }) {
  const args = ['asc', 'assembly/index.ts', '--target', 'release', '-o', `build/${out}.wasm`, '-t', `build/${out}.wat`];
  for (const u of use) args.push('--use', u);
  return new Promise((resolve, reject) => {
    const child = spawn('npx', args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`asc failed for build/${out}.wasm (exit ${code})`))));
  });
}

// Default: everything (the tests use the mutants too); --mutants: only those; --variants: no mutants.
const list = process.argv.includes('--mutants') ? MUTANTS : process.argv.includes('--variants') ? VARIANTS : [...VARIANTS, ...MUTANTS];
// Two at a time: the machines this runs on have two cores.
for (let i = 0; i < list.length; i += 2) await Promise.all(list.slice(i, i + 2).map(build));

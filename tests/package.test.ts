/**
 * The package as a user gets it: `npm pack`, then `npm install <tgz>` into a fresh project outside
 * the repository (a real install, no links), and there, with nothing from this repository but the
 * tarball:
 * - the documented Node examples (vitest and node:test, examples/testing/) against a guest of this
 *   test's own (an echo guest assembled below, not one of guests/bin);
 * - the CLI through `npx minivisor run` with piped stdin, and its exit status;
 * - a strict type-check of the three entry points with moduleResolution nodenext and bundler;
 * - `npx minivisor serve` (MIME types, a sub-path, a port in use, Ctrl-C/SIGTERM);
 * - the Playwright fixture example (examples/testing/echo.spec.ts) with the user's
 *   playwright.config.ts that docs/testing.md shows (examples/testing/playwright.config.ts),
 *   against the page served from the installed package, in Chromium.
 *
 * The tarball is packed from what `npm test` has just built (dist/, build/, dist-web/), with
 * --ignore-scripts so that packing does not rebuild everything a second time.
 *
 * The dev tools of the fresh project (vitest, @playwright/test, typescript, @types/node) are
 * installed from the npm registry at the versions this repository uses, with --prefer-offline:
 * after `npm ci` they are all in npm's cache, so the install is quick and needs no network, and
 * they are real installs (not links into this repository's node_modules, whose copies would
 * resolve their own imports from here).
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitWith, printText, programElf, reg, rv } from './helpers/elf-builder.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string }>;
};
const toolVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const chromium = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

// ---- a guest of the test's own: echo, polling the UART, in hand-assembled RV32I ----------------

type Item = string | number | number[] | ((pc: number, label: (name: string) => number) => number);

/** Two passes: strings are labels, closures are one instruction that needs a label's address. */
function assemble(items: Item[]): number[] {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const item of items) {
    if (typeof item === 'string') labels.set(item, pc);
    else pc += Array.isArray(item) ? 4 * item.length : 4;
  }
  const words: number[] = [];
  for (const item of items) {
    if (typeof item === 'string') continue;
    if (typeof item === 'function') {
      const pcNow = words.length * 4;
      words.push(item(pcNow, (name) => labels.get(name)! - pcNow));
    } else words.push(...[item].flat());
  }
  return words;
}

const s0 = 8;
const s1 = 9;
const iType = (op: number, f3: number, rd: number, rs1: number, imm: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const lbu = (rd: number, rs1: number, imm: number): number => iType(0x03, 4, rd, rs1, imm);
const andi = (rd: number, rs1: number, imm: number): number => iType(0x13, 7, rd, rs1, imm);
const sub = (rd: number, rs1: number, rs2: number): number => ((0x20 << 25) | (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33) >>> 0;
const beq = (rs1: number, rs2: number, to: string): Item => (_pc, at) => rv.bne(rs1, rs2, at(to)) & ~(7 << 12);
const bne = (rs1: number, rs2: number, to: string): Item => (_pc, at) => rv.bne(rs1, rs2, at(to));
const jump = (to: string): Item => (_pc, at) => rv.j(at(to));

const BANNER = 'my-echo: a guest of the package test';

/** Prints a banner and "> ", reads a line, answers "echo: <line>"; the line "exit" powers off (0). */
function echoGuest(): Uint8Array {
  const { t0, t1, t2, a0, zero } = reg;
  return programElf(
    assemble([
      rv.lui(s0, 0x80001), // s0: line buffer at 0x80001000
      printText(`${BANNER}\n`), // (leaves t0 = UART0)
      'prompt',
      printText('> '),
      rv.addi(s1, s0, 0), // s1: end of the line so far
      'read',
      lbu(t1, t0, 5), // LSR
      andi(t1, t1, 1), // DR: a byte is there
      beq(t1, zero, 'read'),
      lbu(t2, t0, 0), // RBR
      rv.addi(t1, zero, 10),
      beq(t2, t1, 'line'),
      rv.addi(t1, zero, 13),
      beq(t2, t1, 'line'),
      rv.sb(t2, s1, 0),
      rv.addi(s1, s1, 1),
      jump('read'),
      'line',
      printText('echo: '),
      rv.addi(a0, s0, 0),
      'out',
      beq(a0, s1, 'done'),
      lbu(t1, a0, 0),
      rv.sb(t1, t0, 0),
      rv.addi(a0, a0, 1),
      jump('out'),
      'done',
      printText('\n'),
      sub(t1, s1, s0),
      rv.addi(t2, zero, 4),
      bne(t1, t2, 'prompt'),
      rv.lw(t1, s0, 0),
      rv.li(t2, 0x74697865), // "exit", little-endian
      bne(t1, t2, 'prompt'),
      exitWith(0),
    ]),
  );
}

// ---- running things in the fresh project ---------------------------------------------------------

interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a user's shell: nothing of the `npm test` and vitest running this file. */
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^(npm_package_|npm_lifecycle_|npm_command$|npm_config_(local_prefix|prefix|global_prefix)$|INIT_CWD$|MINIVISOR_CORE$|VITEST|NODE_ENV$|TEST$|FORCE_COLOR$)/i.test(k),
  ),
);
userEnv.NO_COLOR = '1';
if (chromium) userEnv.CHROMIUM_PATH = chromium;

function run(command: string, args: string[], options: SpawnOptions & { input?: string; timeout?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: project, env: userEnv, ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 120_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin!.end(options.input ?? '');
  });
}

/** Everything a failing command said, for the assertion message. */
const said = (r: Result): string => `exit ${r.status ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** `npx minivisor serve ...` in its own process group (as a shell or Playwright runs it). */
async function startServe(args: string[]): Promise<{ url: string; output: () => string; stop: () => Promise<Result> }> {
  const child = spawn('npx', ['--no', '--', 'minivisor', 'serve', ...args], { cwd: project, env: userEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const closed = new Promise<Result>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL from minivisor serve within 20 s:\n${stdout}${stderr}`)), 20_000);
    child.stdout.on('data', () => {
      const m = /serving the page at (http\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void closed.then((r) => reject(new Error(`minivisor serve ended early:\n${said(r)}`)));
  });
  return {
    url,
    output: () => stdout + stderr,
    stop: () => {
      process.kill(-child.pid!, 'SIGTERM'); // the whole group, as Ctrl-C signals a terminal's job
      return closed;
    },
  };
}

let work = '';
let project = '';
let tarball: { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'minivisor-package-'));
  project = join(work, 'project');
  mkdirSync(project);

  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root });
  expect(packed.status, said(packed)).toBe(0);
  tarball = (JSON.parse(packed.stdout) as (typeof tarball)[])[0];
  console.log(
    `package: ${tarball.filename}, ${(tarball.size / 1e6).toFixed(2)} MB packed (${(tarball.unpackedSize / 1e6).toFixed(2)} MB unpacked), ${tarball.entryCount} files`,
  );

  // A fresh project of one's own, as docs/testing.md and README.md tell a user to make it.
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-guest-tests', private: true, type: 'module' }, null, 2));
  const tools = ['vitest', '@playwright/test', 'typescript', '@types/node'].map((t) => `${t}@${toolVersion(t)}`);
  const installed = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball.filename), ...tools],
    { timeout: 280_000 },
  );
  expect(installed.status, said(installed)).toBe(0);

  // The guests of the test's own.
  mkdirSync(join(project, 'my-guest'));
  writeFileSync(join(project, 'my-guest', 'echo.elf'), echoGuest());
  writeFileSync(join(project, 'my-guest', 'seven.elf'), programElf([...printText('exiting with 7\n'), ...exitWith(7)]));

  // The documented examples, unchanged but for the guest they launch.
  const example = (name: string): string => readFileSync(join(root, 'examples', 'testing', name), 'utf8');
  const ownGuest = (text: string): string => {
    expect(text).toContain("'guests/bin/echo.elf'");
    return text.replaceAll("'guests/bin/echo.elf'", "'my-guest/echo.elf'");
  };
  mkdirSync(join(project, 'tests'));
  mkdirSync(join(project, 'e2e'));
  writeFileSync(join(project, 'tests', 'echo.test.ts'), ownGuest(example('echo.test.ts')));
  writeFileSync(join(project, 'tests', 'echo.node-test.mjs'), ownGuest(example('echo.node-test.mjs')));
  writeFileSync(join(project, 'e2e', 'echo.spec.ts'), example('echo.spec.ts'));
  writeFileSync(join(project, 'playwright.config.ts'), example('playwright.config.ts'));
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('holds what exports, bin and types point at, and nothing else', () => {
    const files = tarball.files.map((f) => f.path);
    const required = [
      'package.json',
      'README.md',
      'LICENSE',
      ...Object.values(pkg.bin),
      ...Object.values(pkg.exports).flatMap((e) => [e.types, e.default]),
      'build/minivisor.wasm',
      'dist-web/index.html',
      'guests/bin/echo.elf',
      'guests/bin/hello.elf',
      'guests/bin/minios.elf',
    ].map((p) => p.replace(/^\.\//, ''));
    expect(required.filter((p) => !files.includes(p)), 'missing from the tarball').toEqual([]);
    expect(files.some((p) => /^dist-web\/assets\/.*\.wasm$/.test(p)), 'the page has its core').toBe(true);

    // Only built files of existing sources, the release core, the site and the prebuilt guests.
    const unexpected = files.filter((p) => {
      const built = /^dist\/(.+)\.(js|d\.ts)$/.exec(p);
      if (built) return !existsSync(join(root, 'src', `${built[1]}.ts`));
      return !(
        ['package.json', 'README.md', 'LICENSE', 'bin/minivisor.js', 'build/minivisor.wasm'].includes(p) ||
        p.startsWith('dist-web/') ||
        /^guests\/bin\/[\w-]+\.(elf|Image)$/.test(p)
      );
    });
    expect(unexpected, 'files that have no business in the package').toEqual([]);

    // Every relative import of the shipped JavaScript and declarations lands on a shipped file.
    const dangling: string[] = [];
    for (const p of files.filter((f) => /^dist\/.*\.(js|d\.ts)$/.test(f))) {
      const text = readFileSync(join(project, 'node_modules', pkg.name, p), 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|new URL\(\s*)'(\.\.?\/[^']+)'/g)) {
        const target = relative(join(project, 'node_modules', pkg.name), join(project, 'node_modules', pkg.name, dirname(p), m[1])).split('\\').join('/');
        const found = m[1].endsWith('/') ? files.some((f) => f.startsWith(`${target}/`)) : files.includes(target);
        if (!found) dangling.push(`${p} -> ${m[1]}`);
      }
    }
    expect(dangling).toEqual([]);
    // Mostly the Linux guest (with its BusyBox userland), shipped for the CLI and again inside the built page.
    expect(tarball.size, 'packed size').toBeLessThan(6e6);
  });
});

describe('the docs', () => {
  it('show the very playwright.config.ts this test uses, and the commands it runs', () => {
    const config = readFileSync(join(root, 'examples', 'testing', 'playwright.config.ts'), 'utf8');
    expect(readFileSync(join(root, 'docs', 'testing.md'), 'utf8')).toContain(`\`\`\`ts\n${config}\`\`\``);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const command of ['npm install minivisor', 'npx minivisor run ', 'npx minivisor serve', "from 'minivisor/testing/playwright'"]) {
      expect(readme).toContain(command);
    }
  });
});

describe('the installed package, in a project of its own', () => {
  it('is a real install outside the repository', () => {
    expect(relative(root, project).startsWith('..')).toBe(true);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', pkg.name, 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(pkg.version);
    expect(existsSync(join(project, 'node_modules', pkg.name, 'src')), 'no sources in the install').toBe(false);
  });

  it('runs the vitest example (examples/testing/echo.test.ts) on its own guest', async () => {
    const r = await run('npx', ['--no', '--', 'vitest', 'run', 'tests/echo.test.ts']);
    expect(r.status, said(r)).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+1 passed/);
  }, 120_000);

  it('runs the node:test example (examples/testing/echo.node-test.mjs) on its own guest', async () => {
    const r = await run('node', ['--test', 'tests/echo.node-test.mjs']);
    expect(r.status, said(r)).toBe(0);
    expect(r.stdout).toContain('# pass 1');
  }, 60_000);

  it('runs guests with npx minivisor run, piped stdin and the guest exit status', async () => {
    const echo = await run('npx', ['--no', '--', 'minivisor', 'run', 'my-guest/echo.elf', '--ram', '1M'], { input: 'hello from a pipe\nexit\n' });
    expect(echo.status, said(echo)).toBe(0);
    expect(echo.stdout).toContain(BANNER);
    expect(echo.stdout).toContain('echo: hello from a pipe\n');
    const seven = await run('npx', ['--no', '--', 'minivisor', 'run', 'my-guest/seven.elf']);
    expect(seven.stdout).toBe('exiting with 7\n');
    expect(seven.status, said(seven)).toBe(7);
    const version = await run('npx', ['--no', '--', 'minivisor', '--version']);
    expect(version.stdout.trim()).toBe(`minivisor ${pkg.version}`);
    const bad = await run('npx', ['--no', '--', 'minivisor', 'run', 'my-guest/missing.elf']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("cannot read 'my-guest/missing.elf'");
  }, 60_000);

  it('type-checks the three entry points, strict, with moduleResolution nodenext and bundler', async () => {
    writeFileSync(
      join(project, 'types-check.ts'),
      `import { Hypervisor, type Guest } from 'minivisor';
import { launchGuest, GuestTestError, type LaunchOptions } from 'minivisor/testing';
import { test, expect } from 'minivisor/testing/playwright';

export async function library(elf: Uint8Array): Promise<string> {
  const hv: Hypervisor = await Hypervisor.create();
  const guest: Guest = hv.createGuest({ ramBytes: 16 << 20 });
  guest.load(elf);
  guest.run(10_000_000);
  return new TextDecoder().decode(guest.readConsole());
}

export async function node(): Promise<number> {
  const options: LaunchOptions = { ram: '1M', deterministic: true };
  await using guest = await launchGuest('my-guest/echo.elf', options);
  const match: RegExpMatchArray = await guest.console.waitFor(/echo: (.*)/);
  // @ts-expect-error type() takes text (the types are real, not any)
  guest.type(42);
  return (await guest.exit()) + match.length;
}

export const isTestError = (e: unknown): boolean => e instanceof GuestTestError;

test('in the page', async ({ minivisor }) => {
  const echo = await minivisor.launch('echo', { deterministic: true });
  await expect(echo.console).toContainText('> ');
  // @ts-expect-error no such control
  echo.control('explode');
});
`,
    );
    // With the Playwright example and config; skipLibCheck off, so minivisor's .d.ts are checked too.
    // (Not the vitest example: checking vitest's and Vite's own declarations takes 15 s more.)
    const files = ['types-check.ts', 'e2e/echo.spec.ts', 'playwright.config.ts'];
    const common = { strict: true, target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable', 'DOM'], types: ['node'], noEmit: true, skipLibCheck: false };
    for (const [name, resolution] of [
      ['tsconfig.nodenext.json', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
      ['tsconfig.bundler.json', { module: 'Preserve', moduleResolution: 'Bundler' }],
    ] as const) {
      writeFileSync(join(project, name), JSON.stringify({ compilerOptions: { ...common, ...resolution }, files }, null, 2));
      const r = await run('npx', ['--no', '--', 'tsc', '-p', name]);
      expect(r.status, `${name}: ${said(r)}`).toBe(0);
    }
  }, 240_000);

  it('serves the page with npx minivisor serve, under a sub-path too, and stops on SIGTERM', async () => {
    const server = await startServe(['--port', '0', '--base', '/some/prefix/']);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/some\/prefix\/$/);
      const page = await fetch(server.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      // Relative URLs only: the site works from any sub-path.
      const script = /<script[^>]+src="(\.\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const js = await fetch(new URL(script!, server.url));
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      const wasmName = /(minivisor-[\w-]+\.wasm)/.exec(await js.text())?.[1];
      expect(wasmName).toBeDefined();
      const wasm = await fetch(new URL(`assets/${wasmName}`, server.url));
      expect(wasm.status).toBe(200);
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      expect(WebAssembly.validate(new Uint8Array(await wasm.arrayBuffer()))).toBe(true);
      expect((await fetch(new URL('/elsewhere/index.html', server.url))).status).toBe(404);

      // The same port again: a clear error and exit status 2.
      const port = new URL(server.url).port;
      const busy = await run('npx', ['--no', '--', 'minivisor', 'serve', '--port', port]);
      expect(busy.status, said(busy)).toBe(2);
      expect(busy.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      const stopped = await server.stop();
      expect(stopped.stderr, said(stopped)).toContain('minivisor: stopped');
    }
    const badFlag = await run('npx', ['--no', '--', 'minivisor', 'serve', '--prot', '8080']);
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain("unknown option '--prot'");
  }, 60_000);

  it('runs the Playwright example with the documented playwright.config.ts, in Chromium', async () => {
    // The config's port must be free: a leftover server would be a confusing failure.
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(readFileSync(join(project, 'playwright.config.ts'), 'utf8'))![1]);
    await new Promise<void>((resolve, reject) => {
      const probe = createServer().once('error', reject).listen(port, '127.0.0.1', () => probe.close(() => resolve()));
    });
    const r = await run('npx', ['--no', '--', 'playwright', 'test'], { timeout: 230_000 });
    expect(r.status, said(r)).toBe(0);
    expect(r.stdout).toMatch(/1 passed/);
  }, 240_000);
});

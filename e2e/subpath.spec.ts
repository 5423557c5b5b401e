// The built site from any sub-path of a static host: `minivisor serve --base /some/prefix/`
// serves dist-web/ there (and nothing at /), and the page must start its workers, fetch the core
// and the catalogue's images, and run guests, with every URL relative to where it was loaded.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const root = fileURLToPath(new URL('..', import.meta.url));
const PREFIX = '/some/prefix/';
let server: ChildProcess | undefined;
let url = '';

test.beforeAll(async () => {
  // bin/minivisor.js runs dist/cli (npm test builds it); the site is the dist-web/ this run built.
  server = spawn(process.execPath, ['bin/minivisor.js', 'serve', '--port', '0', '--base', PREFIX], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`minivisor serve printed no URL:\n${output}`)), 15_000);
    const look = (d: Buffer): void => {
      output += d;
      const m = /serving the page at (http\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    server!.stdout!.on('data', look);
    server!.stderr!.on('data', look);
    server!.on('exit', (code) => reject(new Error(`minivisor serve exited (${code}):\n${output}`)));
  });
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
});

test('the page runs guests when served under /some/prefix/', async ({ page }) => {
  expect(url).toMatch(/\/some\/prefix\/$/);
  const requests: string[] = [];
  const failures: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${url}?launch=hello`);
  await page.evaluate(() => window.minivisor.ready);
  const hello = await page.waitForFunction(() => window.minivisor.guests().find((g) => g.name === 'hello')?.id);
  const helloId = (await hello.jsonValue()) as number;
  await expect.poll(() => page.evaluate((i) => window.minivisor.text(i), helloId)).toContain('Hello from minivisor!');

  const echo = await page.evaluate(() => window.minivisor.launch({ name: 'echo', options: { deterministic: true } }));
  await expect.poll(() => page.evaluate((i) => window.minivisor.text(i), echo)).toContain('> ');
  await page.evaluate((i) => window.minivisor.type(i, 'under a prefix\r'), echo);
  await expect.poll(() => page.evaluate((i) => window.minivisor.text(i), echo)).toContain('echo: under a prefix');

  expect(errors).toEqual([]);
  expect(failures).toEqual([]);
  // Everything the page loaded (itself, its script, the core, the guests) came from under the prefix.
  const origin = new URL(url).origin;
  const fetched = requests.filter((r) => r.startsWith(origin)).map((r) => new URL(r).pathname);
  expect(fetched.filter((p) => !p.startsWith(PREFIX))).toEqual([]);
  expect(fetched.some((p) => /\/assets\/hello-[\w-]+\.elf$/.test(p)), `the guest image was fetched: ${fetched.join(' ')}`).toBe(true);
  expect(fetched.some((p) => /\/assets\/worker-[\w-]+\.js$/.test(p)), 'the worker was loaded').toBe(true);
  expect(fetched.some((p) => /\/assets\/minivisor-[\w-]+\.wasm$/.test(p)), 'the core was fetched').toBe(true);
});

/**
 * `minivisor serve`: its command line, and the static server on a site of the test's own (the
 * installed package is tested in package.test.ts, the page under a sub-path in e2e/subpath.spec.ts).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/args.js';
import { ServeError, parseServeArgs, serve, type ServeCommand } from '../src/cli/serve.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let site = '';

beforeAll(() => {
  site = mkdtempSync(join(tmpdir(), 'minivisor-serve-'));
  mkdirSync(join(site, 'www', 'assets'), { recursive: true });
  writeFileSync(join(site, 'www', 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(site, 'www', 'assets', 'core-abc.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(site, 'www', 'assets', 'app-abc.js'), 'export {};');
  writeFileSync(join(site, 'secret.txt'), 'outside the site');
});

afterAll(() => {
  if (site) rmSync(site, { recursive: true, force: true });
});

describe('minivisor serve: the command line', () => {
  it('has defaults and takes --port, --host, --base, --open', () => {
    expect(parseServeArgs([])).toEqual({ kind: 'serve', port: 4173, host: '127.0.0.1', base: '/', open: false });
    expect(parseServeArgs(['--port', '0', '--host', '0.0.0.0', '--base', '/some/prefix', '--open'])).toEqual({
      kind: 'serve',
      port: 0,
      host: '0.0.0.0',
      base: '/some/prefix/',
      open: true,
    });
    expect(parseServeArgs(['--port=8080'])).toMatchObject({ port: 8080 });
    expect(parseServeArgs(['--help'])).toEqual({ kind: 'serve-help' });
  });

  it.each([
    [['--port', 'abc'], "--port 'abc' is not a port number"],
    [['--port', '65536'], "--port '65536' is not a port number"],
    [['--port', '-1'], "option '--port' needs a value"],
    [['--port'], "option '--port' needs a value"],
    [['--prot', '1'], "unknown option '--prot' for serve"],
    [['--open=yes'], "option '--open' takes no value"],
    [['extra'], "unexpected argument 'extra'"],
    [['--base', 'prefix/'], "--base 'prefix/' is not a URL path"],
    [['--base', '/a/../b/'], "--base '/a/../b/' is not a URL path"],
    [['--host', ''], "--host '' is not a host name or address"],
  ])('refuses %j', (args, message) => {
    expect(() => parseServeArgs(args)).toThrow(UsageError);
    expect(() => parseServeArgs(args)).toThrow(message);
  });

  it('is dispatched by the CLI: help, and exit status 2 for a bad flag', async () => {
    const bin = join(root, 'bin', 'minivisor.js');
    const runCli = (args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    const help = await runCli(['serve', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: minivisor serve');
    const bad = await runCli(['serve', '--port', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("minivisor: --port 'x' is not a port number");
    expect((await runCli(['--help'])).stdout).toContain('minivisor serve [--port N]');
  });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path is sent as written (fetch would normalize '..'). */
function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs serve() on the test's site until the returned stop() is called. */
async function start(cmd: Partial<ServeCommand> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => err.push(s) } as unknown as NodeJS.WritableStream,
  };
  const controller = new AbortController();
  const done = serve({ kind: 'serve', port: 0, host: '127.0.0.1', base: '/', open: false, ...cmd }, io, { root: join(site, 'www'), signal: controller.signal });
  for (let i = 0; i < 200 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const url = /serving the page at (\S+)/.exec(out.join(''))?.[1];
  if (!url) throw new Error(`serve did not start: ${out.join('')}${err.join('')}`);
  return {
    url,
    port: Number(new URL(url).port),
    err,
    stop: async () => {
      controller.abort();
      return done;
    },
  };
}

describe('minivisor serve: the server', () => {
  it('serves the site with the right MIME types and caching', async () => {
    const s = await start();
    try {
      expect(s.url).toBe(`http://127.0.0.1:${s.port}/`);
      const index = await get(s.port, '/');
      expect(index.status).toBe(200);
      expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(index.headers['cache-control']).toBe('no-cache');
      const wasm = await get(s.port, '/assets/core-abc.wasm');
      expect(wasm.headers['content-type']).toBe('application/wasm');
      expect(wasm.headers['cache-control']).toContain('immutable');
      expect((await get(s.port, '/assets/app-abc.js?v=1')).headers['content-type']).toBe('text/javascript; charset=utf-8');
      const head = await get(s.port, '/index.html', 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers['content-length']).toBe(String(readFileSync(join(site, 'www', 'index.html')).length));
      expect((await get(s.port, '/assets')).status).toBe(301);
      expect((await get(s.port, '/missing.js')).status).toBe(404);
      expect((await get(s.port, '/', 'POST')).status).toBe(405);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('never serves a file outside the site', async () => {
    const s = await start();
    try {
      for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/%00']) {
        const r = await get(s.port, path);
        expect(r.status, path).toBeGreaterThanOrEqual(400);
        expect(r.body).not.toContain('outside the site');
      }
    } finally {
      await s.stop();
    }
  });

  it('serves under a base path and redirects to it', async () => {
    const s = await start({ base: '/some/prefix/' });
    try {
      expect(s.url).toBe(`http://127.0.0.1:${s.port}/some/prefix/`);
      expect((await get(s.port, '/some/prefix/')).status).toBe(200);
      expect((await get(s.port, '/some/prefix/assets/core-abc.wasm')).headers['content-type']).toBe('application/wasm');
      const root = await get(s.port, '/?launch=echo');
      expect(root.status).toBe(302);
      expect(root.headers.location).toBe('/some/prefix/?launch=echo');
      expect((await get(s.port, '/some/prefix')).headers.location).toBe('/some/prefix/');
      expect((await get(s.port, '/assets/core-abc.wasm')).status).toBe(404);
    } finally {
      await s.stop();
    }
  });

  it('reports a port in use and a missing site with their exit statuses', async () => {
    const s = await start();
    try {
      const busy = await serve({ kind: 'serve', port: s.port, host: '127.0.0.1', base: '/', open: false }, { stdout: process.stdout, stderr: process.stderr }, { root: join(site, 'www') }).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(ServeError);
      expect((busy as ServeError).status).toBe(2);
      expect((busy as ServeError).message).toContain(`port ${s.port} on 127.0.0.1 is in use`);
    } finally {
      await s.stop();
    }
    const missing = await serve({ kind: 'serve', port: 0, host: '127.0.0.1', base: '/', open: false }, { stdout: process.stdout, stderr: process.stderr }, { root: join(site, 'nothing') }).catch((e: unknown) => e);
    expect((missing as ServeError).status).toBe(1);
    expect((missing as ServeError).message).toContain('the built page is missing');
  });

  it('--open runs $BROWSER with the URL', async () => {
    const opened = join(site, 'opened.txt');
    const browser = join(site, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\necho "$1" > '${opened}'\n`);
    chmodSync(browser, 0o755);
    const before = process.env.BROWSER;
    process.env.BROWSER = browser;
    try {
      const s = await start({ open: true, base: '/x/' });
      let text = '';
      for (let i = 0; i < 100 && !text; i++) {
        await new Promise((r) => setTimeout(r, 20));
        text = (() => {
          try {
            return readFileSync(opened, 'utf8');
          } catch {
            return '';
          }
        })();
      }
      await s.stop();
      expect(text.trim()).toBe(s.url);
    } finally {
      if (before === undefined) delete process.env.BROWSER;
      else process.env.BROWSER = before;
    }
  });
});

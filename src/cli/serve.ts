/**
 * `minivisor serve [--port N] [--host H] [--base /path/] [--open]`: serves the built page that
 * ships in the package (dist-web/, made by `vite build`) as static files with Node's own
 * node:http. No Vite, no dependency at run time: the site is a handful of hashed files whose URLs
 * are all relative, so any static server would do and this one only has to get the MIME types
 * (application/wasm for the core), the caching and the paths right.
 *
 * Exit statuses: 0 when stopped by Ctrl-C (SIGINT) or SIGTERM; 2 for a bad command line, a port
 * in use or an address that cannot be listened on; 1 when the built page is missing.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from './args.js';

export const DEFAULT_SERVE_PORT = 4173;
export const DEFAULT_SERVE_HOST = '127.0.0.1';

/** The built page in the package: dist-web/ at the package root (this file is in src/cli or dist/cli). */
export const SITE_ROOT = fileURLToPath(new URL('../../dist-web/', import.meta.url));

export interface ServeCommand {
  readonly kind: 'serve';
  /** 0 picks any free port (the URL printed says which) */
  readonly port: number;
  readonly host: string;
  /** the URL path the site is served under, starting and ending with '/' */
  readonly base: string;
  /** open the page in the default browser ($BROWSER when set) */
  readonly open: boolean;
}

export const SERVE_HELP_TEXT = `Usage: minivisor serve [--port N] [--host H] [--base /path/] [--open]

Serves minivisor's page (the built site shipped in the package) on a local
HTTP server and prints its URL. Ctrl-C or SIGTERM stops it.

Options:
  --port N      port to listen on (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)
  --host H      address to listen on (default ${DEFAULT_SERVE_HOST}; 0.0.0.0 for every
                interface, reachable from other machines)
  --base PATH   serve the page under this path, e.g. /some/prefix/ (default /)
  --open        open the page in the default browser (the command in $BROWSER
                when it is set)
  -h, --help    show this help

Exit status: 0 when stopped; 2 for a bad option, a port in use or an address
that cannot be used; 1 if the built page is missing.
`;

/** Parses the arguments after `minivisor serve`. Throws {@link UsageError}. */
export function parseServeArgs(argv: readonly string[]): ServeCommand | { readonly kind: 'serve-help' } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        base: { type: 'string' },
        open: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    const err = e as { code?: string; message: string };
    const quoted = /'([^']*)'/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(`unknown option '${quoted ?? err.message}' for serve (it takes --port, --host, --base and --open)`);
    }
    const name = quoted?.replace(/ <value>$/, '').split(', ').pop() ?? '';
    if (err.message.includes('argument missing') || err.message.includes('ambiguous')) throw new UsageError(`option '${name}' needs a value`);
    if (err.message.includes('does not take an argument')) throw new UsageError(`option '${name}' takes no value`);
    throw new UsageError(err.message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'serve-help' };
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}': serve takes only options (--port, --host, --base, --open)`);

  let port = DEFAULT_SERVE_PORT;
  if (values.port !== undefined) {
    const text = values.port.trim();
    port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
    if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port '${values.port}' is not a port number (0 to 65535; 0 picks a free one)`);
  }
  const host = values.host ?? DEFAULT_SERVE_HOST;
  if (host.trim() === '' || /[\s/]/.test(host)) throw new UsageError(`--host '${host}' is not a host name or address`);
  let base = values.base ?? '/';
  if (!base.startsWith('/') || base.includes('..') || /[?#\\\s]/.test(base)) {
    throw new UsageError(`--base '${base}' is not a URL path; use e.g. /some/prefix/`);
  }
  if (!base.endsWith('/')) base += '/';
  return { kind: 'serve', port, host, base, open: values.open === true };
}

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.elf': 'application/octet-stream',
  '.image': 'application/octet-stream',
};

export function mimeType(file: string): string {
  return MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** The request handler: the files under `root`, at URL paths under `base`. */
export function staticHandler(root: string, base: string): (req: IncomingMessage, res: ServerResponse) => void {
  const rootWithSep = root.endsWith(sep) ? root : root + sep;
  return (req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
        return;
      }
      const rawPath = (req.url ?? '/').split(/[?#]/)[0];
      const query = (req.url ?? '').slice(rawPath.length);
      if (base !== '/' && (rawPath === '/' || rawPath === base.slice(0, -1))) {
        res.writeHead(302, { Location: base + query, 'Content-Length': 0 }).end();
        return;
      }
      if (!rawPath.startsWith(base)) {
        sendText(res, 404, `not found: ${rawPath} (the page is at ${base})\n`);
        return;
      }
      let rel: string;
      try {
        rel = decodeURIComponent(rawPath.slice(base.length));
      } catch {
        sendText(res, 400, 'bad request: malformed URL\n');
        return;
      }
      // No way out of the site: no NUL, no '..' segment, no backslash tricks.
      if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) {
        sendText(res, 400, 'bad request: path\n');
        return;
      }
      let file = join(root, rel);
      if (!(file + sep).startsWith(rootWithSep)) {
        sendText(res, 400, 'bad request: path\n');
        return;
      }
      let info = await stat(file).catch(() => undefined);
      if (info?.isDirectory()) {
        if (!rawPath.endsWith('/')) {
          res.writeHead(301, { Location: rawPath + '/' + query, 'Content-Length': 0 }).end();
          return;
        }
        file = join(file, 'index.html');
        info = await stat(file).catch(() => undefined);
      }
      if (!info?.isFile()) {
        sendText(res, 404, `not found: ${rawPath}\n`);
        return;
      }
      res.writeHead(200, {
        'Content-Type': mimeType(file),
        'Content-Length': info.size,
        'X-Content-Type-Options': 'nosniff',
        // Vite's assets carry a content hash in their names; the page itself must be revalidated.
        'Cache-Control': rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      const stream = createReadStream(file);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    })().catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
}

/** The URL to print and open: a wildcard address is shown as the local machine. */
export function displayUrl(host: string, port: number, base: string): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}${base}`;
}

/** Why listen() failed, for the user; every such failure is exit status 2. */
function listenError(e: NodeJS.ErrnoException, cmd: ServeCommand): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${cmd.port} on ${cmd.host} is in use; choose another with --port N (--port 0 picks a free one)`;
    case 'EACCES':
    case 'EPERM':
      return `not allowed to listen on port ${cmd.port} (ports below 1024 need privileges); choose another with --port N`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${cmd.host}: no such address on this machine; try --host 127.0.0.1`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${cmd.host}: unknown host name; try --host 127.0.0.1`;
    default:
      return `cannot listen on ${cmd.host}:${cmd.port}: ${e.message}`;
  }
}

/** Opens a URL in the default browser, without waiting for it; $BROWSER ("none" to skip) wins. */
export function openBrowser(url: string, stderr: NodeJS.WritableStream): void {
  const fromEnv = process.env.BROWSER;
  if (fromEnv === 'none') return;
  const [command, args] =
    fromEnv ? [fromEnv, [url]]
    : process.platform === 'darwin' ? ['open', [url]]
    : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]]
    : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', (e) => stderr.write(`minivisor: could not open a browser (${command}: ${e.message}); open ${url} yourself\n`));
    child.unref();
  } catch (e) {
    stderr.write(`minivisor: could not open a browser (${(e as Error).message}); open ${url} yourself\n`);
  }
}

export interface ServeIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export interface ServeOptions {
  /** the site to serve (default: the package's dist-web/) */
  readonly root?: string;
  /** stops the server like SIGINT does (for tests and embedding); SIGINT and SIGTERM always do */
  readonly signal?: AbortSignal;
}

/** A failure to start: the message and the exit status (the CLI prints "minivisor: <message>"). */
export class ServeError extends Error {
  override readonly name = 'ServeError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Serves the page until SIGINT, SIGTERM or `options.signal`; resolves to the exit status (0).
 * Rejects with {@link ServeError} when the site is missing (status 1) or the server cannot listen
 * (status 2).
 */
export async function serve(cmd: ServeCommand, io: ServeIo, options: ServeOptions = {}): Promise<number> {
  const root = options.root ?? SITE_ROOT;
  const index = await stat(join(root, 'index.html')).catch(() => undefined);
  if (!index?.isFile()) {
    throw new ServeError(`the built page is missing (no ${join(root, 'index.html')}); in a clone of minivisor, build it with 'npm run build:web'`, 1);
  }
  const server: Server = createServer(staticHandler(root, cmd.base));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cmd.port, cmd.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((e: NodeJS.ErrnoException) => {
    throw new ServeError(listenError(e, cmd), 2);
  });
  const { port } = server.address() as AddressInfo;
  const url = displayUrl(cmd.host, port, cmd.base);
  io.stdout.write(`minivisor: serving the page at ${url}  (Ctrl-C stops)\n`);
  if (cmd.open) openBrowser(url, io.stderr);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      options.signal?.removeEventListener('abort', stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop);
  });
  io.stderr.write('minivisor: stopped\n');
  return 0;
}

/**
 * Loads and instantiates the core (build/minivisor.wasm), in Node and in the browser alike.
 *
 * - Node, no source given: reads `build/minivisor.wasm` next to the package root (the URL is
 *   relative to this file, which lives in src/core/ or dist/core/, two levels below the root).
 * - Browser: pass the URL of the .wasm (e.g. from Vite's `?url` import); it is fetched. Without
 *   one, the same package-relative URL is fetched.
 * - Anywhere: pass the bytes or an already compiled `WebAssembly.Module`.
 * - Node, no source given and `MINIVISOR_CORE` set in the environment: that file instead. This is
 *   how a whole test suite runs on another build of the core, e.g. the checked core
 *   (build/minivisor-checked.wasm), without changing a line of the tests.
 */
import { CORE_FUNCTION_EXPORTS, type CoreExports, type CoreImports } from './abi.js';
import { BlockCompiler } from '../jit/compiler.js';

const compilers = new WeakMap<CoreExports, BlockCompiler>();

/** The JIT's compiler of a core loaded by loadCore (its host-side counters), if any. */
export function blockCompilerOf(core: CoreExports): BlockCompiler | undefined {
  return compilers.get(core);
}

/** A URL (fetched; `file:` URLs are read in Node), a file path (Node), the bytes, or a compiled module. */
export type CoreSource = URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

export interface LoadCoreOptions {
  /** where the core comes from; default: build/minivisor.wasm in the package (Node only) */
  readonly wasm?: CoreSource;
  /** host clock in 10 MHz ticks; default `performance.now() * 1e4` */
  readonly hostTicks?: () => number;
}

/** The core could not be loaded (missing file, failed fetch, invalid module, ABI mismatch). */
export class CoreLoadError extends Error {
  override readonly name = 'CoreLoadError';
  constructor(
    readonly code: 'not-found' | 'fetch-failed' | 'invalid-module' | 'abi-mismatch',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const DEFAULT_CORE_URL = new URL('../../build/minivisor.wasm', import.meta.url);

export function defaultHostTicks(): number {
  return performance.now() * 1e4;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function describe(src: URL | string): string {
  const url = typeof src === 'string' ? src : src.href;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  if (url.startsWith('file:')) {
    try {
      return decodeURIComponent(new URL(url).pathname);
    } catch {
      return url;
    }
  }
  return url;
}

async function readNodeFile(url: URL | string): Promise<Uint8Array> {
  // Dynamic import through a variable so browser bundlers leave it alone; this path only runs in Node.
  const fsModule = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
  try {
    return await fs.readFile(url);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CoreLoadError('not-found', `core not found at ${describe(url)} (build it with 'npm run build:core')`, { cause: e });
    }
    throw new CoreLoadError('not-found', `cannot read the core at ${describe(url)}: ${(e as Error).message}`, { cause: e });
  }
}

async function compileFrom(src: CoreSource | undefined): Promise<WebAssembly.Module> {
  if (src instanceof WebAssembly.Module) return src;
  let bytes: BufferSource;
  // Without a source: $MINIVISOR_CORE in Node, else the package's build/minivisor.wasm (read from
  // disk in Node, fetched elsewhere).
  if (src === undefined && isNode() && process.env.MINIVISOR_CORE) src = process.env.MINIVISOR_CORE;
  if (src === undefined) src = DEFAULT_CORE_URL;
  if (typeof src === 'string' && isNode() && !/^[a-z][a-z0-9+.-]*:/i.test(src)) {
    bytes = (await readNodeFile(src)) as Uint8Array<ArrayBuffer>; // a file path, relative to the cwd
  } else if (typeof src === 'string' || src instanceof URL) {
    const url = typeof src === 'string' ? new URL(src, globalThis.location?.href ?? DEFAULT_CORE_URL) : src;
    if (url.protocol === 'file:' && isNode()) {
      bytes = (await readNodeFile(url)) as Uint8Array<ArrayBuffer>;
    } else {
      let response: Response;
      try {
        response = await fetch(url);
      } catch (e) {
        throw new CoreLoadError('fetch-failed', `cannot fetch the core from ${describe(url)}: ${(e as Error).message}`, { cause: e });
      }
      if (!response.ok) {
        throw new CoreLoadError('fetch-failed', `cannot fetch the core from ${describe(url)}: HTTP ${response.status}`);
      }
      bytes = await response.arrayBuffer();
    }
  } else {
    bytes = src as BufferSource;
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    const message = (e as Error).message;
    if (/Content.Security/i.test(message)) {
      // Not a bad module: the page's (or the worker's) policy forbids compiling any WebAssembly.
      throw new CoreLoadError('invalid-module', `the core may not be compiled here: a Content-Security-Policy without 'wasm-unsafe-eval' forbids WebAssembly (${message})`, { cause: e });
    }
    throw new CoreLoadError('invalid-module', `the core is not a valid WebAssembly module: ${message}`, { cause: e });
  }
}

/** Compiles (if needed) and instantiates the core; checks its exports against the ABI. */
export async function loadCore(options: LoadCoreOptions = {}): Promise<CoreExports> {
  const module = await compileFrom(options.wasm);
  const hostTicks = options.hostTicks ?? defaultHostTicks;
  const compiler = new BlockCompiler();
  const imports: CoreImports = {
    env: { hostTicks: () => hostTicks(), jitCompile: (host, pc, slot) => compiler.compile(host, pc, slot) },
  };
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, imports as unknown as WebAssembly.Imports);
  } catch (e) {
    throw new CoreLoadError('abi-mismatch', `cannot instantiate the core: ${(e as Error).message}`, { cause: e });
  }
  const exports = instance.exports as Record<string, unknown>;
  if (!(exports.memory instanceof WebAssembly.Memory)) {
    throw new CoreLoadError('abi-mismatch', 'the core does not export its memory (ABI mismatch: rebuild with npm run build:core)');
  }
  const missing = CORE_FUNCTION_EXPORTS.filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0) {
    throw new CoreLoadError(
      'abi-mismatch',
      `the core lacks export${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (ABI mismatch: rebuild with npm run build:core)`,
    );
  }
  if (!(exports.table instanceof WebAssembly.Table)) {
    throw new CoreLoadError('abi-mismatch', 'the core does not export its function table (ABI mismatch: rebuild with npm run build:core)');
  }
  const core = exports as unknown as CoreExports;
  compiler.attach(core);
  compilers.set(core, compiler);
  return core;
}

/**
 * The host's CPUs: one worker each, by default one per hardware thread (at most 4). A new guest
 * goes on the least loaded live worker. A worker that dies takes only its own guests with it, and
 * can be restarted (a new, empty worker at the same index).
 * On a machine with only two hardware threads one is left to the page itself: two spinning
 * workers there double the time a typed key takes to come back (bench/page-responsiveness.mjs).
 */
import { HostCpuClient } from './host-cpu-client.js';
import type { WorkerEvent } from './worker/api.js';

export const MAX_WORKERS = 4;

export function defaultWorkerCount(): number {
  const n = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  return Math.max(1, Math.min(MAX_WORKERS, n <= 2 ? n - 1 : n));
}

export interface PoolOptions {
  readonly workers: number;
  readonly wasmUrl: string;
  readonly onEvents: (cpu: number, events: WorkerEvent[]) => void;
  readonly onCrash: (cpu: number, reason: string) => void;
  /** the core, compiled once here for every worker (see compileCore); without it each worker compiles wasmUrl */
  readonly module?: WebAssembly.Module;
}

/**
 * The core compiled on the page, to be instantiated by every worker: one compile instead of one
 * per worker, and a worker whose Content-Security-Policy forbids compiling WebAssembly (no
 * 'wasm-unsafe-eval') can still instantiate a module it is given; only its JIT, which compiles
 * at run time, is then refused, and its guests are interpreted. Undefined when the page itself
 * may not compile (or the fetch fails): the workers then compile the core themselves, and say why
 * if they cannot.
 */
export async function compileCore(wasmUrl: string): Promise<WebAssembly.Module | undefined> {
  try {
    const response = await fetch(wasmUrl);
    if (!response.ok) return undefined;
    return await WebAssembly.compile(await response.arrayBuffer());
  } catch {
    return undefined;
  }
}

export class Pool {
  /** Latest load (0..1) reported by each worker, for placement. */
  private readonly loads: number[];
  /** Guests placed on each worker (placement counts them before the first stats arrive). */
  private readonly counts: number[];

  private constructor(
    private readonly clients: HostCpuClient[],
    private readonly options: PoolOptions,
  ) {
    this.loads = clients.map(() => 0);
    this.counts = clients.map(() => 0);
  }

  static async create(options: PoolOptions): Promise<Pool> {
    const n = Math.max(1, Math.min(MAX_WORKERS, Math.floor(options.workers)));
    const cpus = await Promise.all(Array.from({ length: n }, (_, i) => Pool.startCpu(i, options)));
    return new Pool(cpus, options);
  }

  private static async startCpu(index: number, options: PoolOptions): Promise<HostCpuClient> {
    const cpu = await HostCpuClient.start(index, options.wasmUrl, (events) => options.onEvents(index, events), options.module);
    cpu.onDeath((reason) => options.onCrash(index, reason));
    return cpu;
  }

  get cpus(): readonly HostCpuClient[] {
    return this.clients;
  }

  /** Replaces a dead worker with a new, empty one at the same index. */
  async restart(index: number): Promise<HostCpuClient> {
    const old = this.cpu(index);
    if (old.dead === undefined) throw new Error(`host CPU ${index} is running`);
    const fresh = await Pool.startCpu(index, this.options);
    this.clients[index] = fresh;
    this.loads[index] = 0;
    this.counts[index] = 0;
    return fresh;
  }

  cpu(index: number): HostCpuClient {
    const c = this.cpus[index];
    if (!c) throw new RangeError(`no worker ${index} (there are ${this.cpus.length})`);
    return c;
  }

  setLoad(index: number, load: number, guests: number): void {
    this.loads[index] = load;
    this.counts[index] = guests;
  }

  /** The live worker with the least load; guest count breaks ties (and decides before any stats). */
  pick(): HostCpuClient {
    let best: HostCpuClient | undefined;
    let bestScore = Infinity;
    for (const cpu of this.cpus) {
      if (cpu.dead !== undefined) continue;
      // A guest counts as a quarter of a busy CPU, so idle guests still spread out.
      const score = this.loads[cpu.index]! + 0.25 * this.counts[cpu.index]!;
      if (score < bestScore) {
        bestScore = score;
        best = cpu;
      }
    }
    if (!best) throw new Error('every host CPU has crashed: restart one in the host view');
    return best;
  }

  placed(index: number): void {
    this.counts[index]!++;
  }

  removed(index: number): void {
    this.counts[index] = Math.max(0, this.counts[index]! - 1);
  }
}

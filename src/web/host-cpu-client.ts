/**
 * The page's handle on one worker (one host CPU). Every RPC goes through {@link HostCpuClient.call},
 * which fails at once once the worker is dead: comlink alone would leave a call to a terminated
 * worker pending forever.
 */
import * as Comlink from 'comlink';
import type { EventSink, HostCpuApi } from './worker/api.js';

export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError';
}

export class HostCpuClient {
  private readonly remote: Comlink.Remote<HostCpuApi>;
  private deathReason: string | undefined;
  private readonly died: Promise<never>;
  private rejectDied!: (e: Error) => void;
  private readonly deathListeners: ((reason: string) => void)[] = [];

  private constructor(
    readonly index: number,
    private readonly worker: Worker,
  ) {
    this.remote = Comlink.wrap<HostCpuApi>(worker);
    this.died = new Promise<never>((_, reject) => (this.rejectDied = reject));
    this.died.catch(() => {}); // observed through call(); not an unhandled rejection
    worker.addEventListener('error', (ev) => {
      ev.preventDefault();
      this.die(`worker error: ${ev.message || 'the worker failed to load or threw'}`);
    });
    worker.addEventListener('messageerror', () => this.die('worker error: a message could not be decoded'));
  }

  /** `module`: the core compiled once by the page (see compileCore), else the worker compiles `wasmUrl`. */
  static async start(index: number, wasmUrl: string, sink: EventSink, module?: WebAssembly.Module): Promise<HostCpuClient> {
    const worker = new Worker(new URL('./worker/worker.ts', import.meta.url), { type: 'module', name: `host-cpu-${index}` });
    const client = new HostCpuClient(index, worker);
    await client.call((api) => api.init({ wasmUrl, memoryLimitBytes: 1024 * 1024 * 1024, ...(module ? { module } : {}) }));
    await client.call((api) => api.subscribe(Comlink.proxy(sink)));
    return client;
  }

  get dead(): string | undefined {
    return this.deathReason;
  }

  onDeath(listener: (reason: string) => void): void {
    this.deathListeners.push(listener);
  }

  /** Runs an RPC; rejects with WorkerCrashedError if the worker is or becomes dead. */
  call<T>(fn: (api: Comlink.Remote<HostCpuApi>) => Promise<T> | T): Promise<T> {
    if (this.deathReason !== undefined) return Promise.reject(new WorkerCrashedError(this.deathReason));
    return Promise.race([Promise.resolve(fn(this.remote)), this.died]);
  }

  /** Terminates the worker (the "kill worker" button): its guests are gone with it. */
  kill(reason = 'worker terminated from the host view'): void {
    this.worker.terminate();
    this.die(reason);
  }

  private die(reason: string): void {
    if (this.deathReason !== undefined) return;
    this.deathReason = reason;
    this.worker.terminate();
    this.rejectDied(new WorkerCrashedError(reason));
    for (const l of this.deathListeners) l(reason);
  }
}

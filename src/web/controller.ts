/**
 * The page's actions on guests (launch, pause, step, ...) and the routing of the workers' batched
 * events into the model. UI code and the automation object both go through here.
 */
import * as Comlink from 'comlink';
import { HISTORY_POINTS, Model, type PageGuest } from './model.js';
import type { Pool } from './pool.js';
import type { BootMode, CreateResult, GuestError, HostCpuApi, StepResult, WorkerEvent, WorkerStats } from './worker/api.js';

export interface LaunchRequest {
  readonly name: string;
  readonly image: { readonly url: string } | { readonly bytes: Uint8Array };
  readonly mode: BootMode;
  readonly ramBytes: number;
  readonly weight?: number;
  readonly deterministic?: boolean;
  readonly bootargs?: string;
  readonly paused?: boolean;
}

/** A guest could not be launched; the message is the loader's or the core's own. */
export class LaunchError extends Error {
  override readonly name = 'LaunchError';
  constructor(readonly detail: GuestError) {
    super(detail.message);
  }
}

export class Controller {
  private nextId = 1;
  private readonly t0 = performance.now();
  /** Events for guests whose create() reply has not arrived yet (replayed on arrival). */
  private readonly early = new Map<string, WorkerEvent[]>();
  private pool: Pool | undefined;

  constructor(readonly model: Model) {}

  attach(pool: Pool): void {
    this.pool = pool;
    for (const cpu of pool.cpus) this.model.workers.push({ index: cpu.index });
    this.model.emit('workers', this.model.workers);
  }

  private get p(): Pool {
    if (!this.pool) throw new Error('the host CPUs are still starting');
    return this.pool;
  }

  async launch(req: LaunchRequest): Promise<PageGuest> {
    const cpu = this.p.pick();
    const bytes = 'bytes' in req.image ? req.image.bytes : undefined;
    const config = {
      name: req.name,
      image: bytes ? { bytes } : req.image,
      ramBytes: req.ramBytes,
      mode: req.mode,
      weight: req.weight ?? 1,
      deterministic: req.deterministic ?? false,
      paused: req.paused ?? false,
      ...(req.bootargs !== undefined ? { bootargs: req.bootargs } : {}),
    };
    // The user's file is transferred, not copied: it can be large (a kernel).
    const result = await cpu.call<CreateResult>((api) => api.create(bytes ? Comlink.transfer(config, [bytes.buffer]) : config));
    if (!result.ok) throw new LaunchError(result.error);
    this.p.placed(cpu.index);
    const g: PageGuest = {
      id: this.nextId++,
      name: req.name,
      cpu: cpu.index,
      localId: result.guest.id,
      info: result.guest,
      state: req.paused ? 'paused' : 'running',
      history: { t: [], mips: [] },
    };
    this.model.guests.set(g.id, g);
    this.model.emit('added', g);
    const key = `${cpu.index}:${g.localId}`;
    const pending = this.early.get(key);
    this.early.delete(key);
    if (pending) this.onEvents(cpu.index, pending);
    return g;
  }

  pause(id: number): Promise<void> {
    return this.rpc(id, (api, g) => api.pause(g.localId));
  }

  resume(id: number): Promise<void> {
    return this.rpc(id, (api, g) => api.resume(g.localId));
  }

  step(id: number): Promise<StepResult> {
    return this.rpc(id, (api, g) => api.step(g.localId));
  }

  reset(id: number): Promise<void> {
    return this.rpc(id, (api, g) => api.reset(g.localId));
  }

  setWeight(id: number, weight: number): Promise<void> {
    return this.rpc(id, (api, g) => api.setWeight(g.localId, weight));
  }

  input(id: number, bytes: Uint8Array): Promise<number> {
    return this.rpc(id, (api, g) => api.input(g.localId, bytes));
  }

  /** Called by a console once xterm has written `bytes` of this guest's output. */
  ack(id: number, bytes: number): void {
    const g = this.model.guests.get(id);
    if (!g || g.state === 'crashed') return;
    this.p.cpu(g.cpu).call((api) => api.ack(g.localId, bytes)).catch(() => {});
  }

  /** Powers the guest off and forgets it (a crashed guest is only forgotten). */
  async destroy(id: number): Promise<void> {
    const g = this.model.get(id);
    if (g.state !== 'crashed') await this.p.cpu(g.cpu).call((api) => api.destroy(g.localId)).catch(() => {});
    this.model.guests.delete(id);
    this.p.removed(g.cpu);
    this.model.emit('removed', g);
  }

  killWorker(index: number): void {
    this.p.cpu(index).kill();
  }

  /** A worker died: its guests are marked crashed with the reason; nothing else changes. */
  onCrash(cpu: number, reason: string): void {
    const w = this.model.workers[cpu];
    if (w) w.crashed = reason;
    for (const g of this.model.guests.values()) {
      if (g.cpu !== cpu) continue;
      g.state = 'crashed';
      g.crashReason = reason;
      this.model.emit('changed', g);
    }
    this.model.emit('workers', this.model.workers);
  }

  onEvents(cpu: number, events: WorkerEvent[]): void {
    for (const ev of events) {
      if (ev.type === 'stats') {
        this.onStats(cpu, ev.stats);
        continue;
      }
      const g = this.model.byLocal(cpu, ev.id);
      if (!g) {
        const key = `${cpu}:${ev.id}`;
        const list = this.early.get(key) ?? [];
        list.push(ev);
        this.early.set(key, list);
        continue;
      }
      if (ev.type === 'output') {
        this.model.emit('output', { guest: g, bytes: ev.bytes });
      } else if (g.state !== 'crashed') {
        g.state = ev.state;
        g.exitCode = ev.exitCode;
        g.haltReason = ev.haltReason;
        g.fault = ev.fault;
        this.model.emit('changed', g);
      }
    }
  }

  private onStats(cpu: number, stats: WorkerStats): void {
    const w = this.model.workers[cpu];
    if (!w || w.crashed) return;
    w.stats = stats;
    this.p.setLoad(cpu, stats.load, stats.guests.length);
    const t = (performance.now() - this.t0) / 1000;
    for (const s of stats.guests) {
      const g = this.model.byLocal(cpu, s.id);
      if (!g) continue;
      g.stats = s;
      g.history.t.push(t);
      g.history.mips.push(s.mips);
      if (g.history.t.length > HISTORY_POINTS) {
        g.history.t.shift();
        g.history.mips.shift();
      }
      this.model.emit('stats', g);
    }
    this.model.emit('workers', this.model.workers);
  }

  private rpc<T>(id: number, fn: (api: Comlink.Remote<HostCpuApi>, g: PageGuest) => Promise<T> | T): Promise<T> {
    const g = this.model.get(id);
    return this.p.cpu(g.cpu).call((api) => fn(api, g));
  }
}

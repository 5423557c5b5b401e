/**
 * The page's actions on guests (launch, pause, step, ...) and the routing of the workers' batched
 * events into the model. UI code and the automation object both go through here.
 */
import * as Comlink from 'comlink';
import { HISTORY_POINTS, Model, type PageGuest } from './model.js';
import type { HostCpuClient } from './host-cpu-client.js';
import type { Pool } from './pool.js';
import type { BootMode, CreateResult, GuestError, GuestInfo, HostCpuApi, StepResult, WorkerEvent, WorkerStats } from './worker/api.js';

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
    const result = await this.create(cpu, req);
    const g: PageGuest = {
      id: this.nextId++,
      name: req.name,
      cpu: cpu.index,
      localId: result.id,
      info: result,
      request: req,
      state: req.paused ? 'paused' : 'running',
      history: { t: [], mips: [] },
    };
    this.model.guests.set(g.id, g);
    this.model.emit('added', g);
    this.replayEarly(g);
    return g;
  }

  /** Creates the guest on a worker; rejects with LaunchError for a refused image. */
  private async create(cpu: HostCpuClient, req: LaunchRequest): Promise<GuestInfo> {
    // A user's file is transferred, not copied (it can be a large kernel); the request keeps its
    // own copy so that a crashed guest can be launched again.
    const bytes = 'bytes' in req.image ? req.image.bytes.slice() : undefined;
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
    const result = await cpu.call<CreateResult>((api) => api.create(bytes ? Comlink.transfer(config, [bytes.buffer]) : config));
    if (!result.ok) throw new LaunchError(result.error);
    this.p.placed(cpu.index);
    return result.guest;
  }

  private replayEarly(g: PageGuest): void {
    const key = `${g.cpu}:${g.localId}`;
    const pending = this.early.get(key);
    this.early.delete(key);
    if (pending) this.onEvents(g.cpu, pending);
  }

  /**
   * Boots a crashed guest again, from its image, in the same tab: on `cpu` if given, else on the
   * least loaded live worker (restarting its own worker when every one is dead).
   */
  async relaunch(id: number, cpu?: number): Promise<PageGuest> {
    const g = this.model.get(id);
    if (g.state !== 'crashed') throw new Error(`${g.name} is ${g.state}, not crashed: use reset`);
    let target: HostCpuClient;
    if (cpu !== undefined) target = this.p.cpu(cpu);
    else if (this.p.cpus.some((c) => c.dead === undefined)) target = this.p.pick();
    else target = await this.restartWorker(g.cpu, false);
    const info = await this.create(target, { ...g.request, paused: false });
    g.cpu = target.index;
    g.localId = info.id;
    g.info = info;
    g.state = 'running';
    delete g.crashReason;
    delete g.exitCode;
    delete g.haltReason;
    delete g.fault;
    this.model.emit('relaunched', g);
    this.model.emit('changed', g);
    this.replayEarly(g);
    return g;
  }

  /**
   * Starts a new worker in place of a dead one. With `relaunch` (the default), the guests that
   * crashed with it boot again on it, in their own tabs.
   */
  async restartWorker(index: number, relaunch = true): Promise<HostCpuClient> {
    const cpu = await this.p.restart(index);
    const w = this.model.workers[index];
    if (w) {
      delete w.crashed;
      delete w.stats;
    }
    this.model.emit('workers', this.model.workers);
    if (relaunch) {
      for (const g of [...this.model.guests.values()]) {
        if (g.state === 'crashed' && g.cpu === index) await this.relaunch(g.id, index);
      }
    }
    return cpu;
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

  /** Power-on reset; a crashed guest is launched again instead (see relaunch). */
  async reset(id: number): Promise<void> {
    if (this.model.get(id).state === 'crashed') {
      await this.relaunch(id);
      return;
    }
    await this.rpc(id, (api, g) => api.reset(g.localId));
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

  /**
   * A worker died: its guests are marked crashed with the reason, and their numbers are dropped
   * (they would only show the last moment before the crash); nothing else changes.
   */
  onCrash(cpu: number, reason: string): void {
    const w = this.model.workers[cpu];
    if (w) {
      w.crashed = reason;
      delete w.stats;
    }
    this.p.setLoad(cpu, 0, 0);
    for (const g of this.model.guests.values()) {
      if (g.cpu !== cpu || g.state === 'crashed') continue;
      g.state = 'crashed';
      g.crashReason = reason;
      delete g.stats;
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

  /** For the machine panel and the labs (issue 14): a call on the guest's worker with its worker-local id. */
  inspect<T>(id: number, fn: (api: Comlink.Remote<HostCpuApi>, localId: number) => Promise<T> | T): Promise<T> {
    return this.rpc(id, (api, g) => fn(api, g.localId));
  }

  private rpc<T>(id: number, fn: (api: Comlink.Remote<HostCpuApi>, g: PageGuest) => Promise<T> | T): Promise<T> {
    const g = this.model.get(id);
    return this.p.cpu(g.cpu).call((api) => fn(api, g));
  }
}

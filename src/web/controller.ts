/**
 * The page's actions on guests (launch, pause, step, ...) and the routing of the workers' batched
 * events into the model. UI code and the automation object both go through here.
 */
import * as Comlink from 'comlink';
import { HISTORY_POINTS, Model, type MigrationFigures, type PageGuest } from './model.js';
import type { HostCpuClient } from './host-cpu-client.js';
import type { Pool } from './pool.js';
import { PageNetwork } from './network.js';
import type { BootMode, CreateResult, GuestError, GuestInfo, HostCpuApi, MigrationBatch, MigrationInResult, StepResult, WorkerEvent, WorkerStats } from './worker/api.js';

/** Test and bench knobs for a live migration (the page's button uses the defaults). */
export interface MigrateOptions {
  /** stop and copy once a round has at most this many dirty pages (default 64) */
  readonly stopBelow?: number;
  /** stop and copy after this many rounds whatever is left (default 8) */
  readonly maxRounds?: number;
  /** wait this long between rounds (the guest keeps running meanwhile): a slow link, for demos and tests */
  readonly roundDelayMs?: number;
  /** stay stopped this much longer before resuming on the destination (a slow final copy: tests type into it) */
  readonly stopDelayMs?: number;
  /** test hook: terminate the destination worker once this round has been sent, as if it failed */
  readonly killDestinationAfterRound?: number;
  /** test hook: terminate the destination worker as soon as the guest is told to stop (with stopDelayMs: before the hand-off reaches it) */
  readonly killDestinationAtStop?: boolean;
}

export interface LaunchRequest {
  readonly name: string;
  readonly image: { readonly url: string } | { readonly bytes: Uint8Array };
  readonly mode: BootMode;
  readonly ramBytes: number;
  readonly weight?: number;
  readonly deterministic?: boolean;
  readonly bootargs?: string;
  readonly paused?: boolean;
  /** restore these `.mvsnap` bytes instead of booting `image` (a dropped snapshot, a last save) */
  readonly snapshot?: Uint8Array;
  /** plug its network card into the page's switch on this segment (a Linux guest gets its address: docs/network.md) */
  readonly net?: { readonly segment: string };
  /** translate its hot code to WebAssembly (default true) */
  readonly jit?: boolean;
}

/** A guest could not be launched; the message is the loader's or the core's own. */
export class LaunchError extends Error {
  override readonly name = 'LaunchError';
  constructor(readonly detail: GuestError) {
    super(detail.message);
  }
}

/** A live migration failed; the guest runs on at its source. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    message: string,
    readonly figures: MigrationFigures,
  ) {
    super(message);
  }
}

export class Controller {
  private nextId = 1;
  private readonly t0 = performance.now();
  /** Events for guests whose create() reply has not arrived yet (replayed on arrival). */
  private readonly early = new Map<string, WorkerEvent[]>();
  private pool: Pool | undefined;
  /** the switch between the guests (src/web/network.ts) */
  readonly network = new PageNetwork();

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
    const id = this.nextId++;
    const result = await this.create(cpu, req, id);
    const g: PageGuest = {
      id,
      name: req.name,
      cpu: cpu.index,
      localId: result.id,
      info: result,
      request: req,
      state: req.paused ? 'paused' : 'running',
      history: { t: [], mips: [] },
      received: 0,
      ...(req.snapshot ? { lastSave: { bytes: req.snapshot, at: Date.now() } } : {}),
      jit: req.jit ?? true,
    };
    this.model.guests.set(g.id, g);
    this.model.emit('added', g);
    this.replayEarly(g);
    return g;
  }

  /** Creates the guest on a worker; rejects with LaunchError for a refused image. */
  private async create(cpu: HostCpuClient, req: LaunchRequest, id: number): Promise<GuestInfo> {
    if (req.net && req.snapshot) throw new LaunchError({ kind: 'snapshot', message: 'a restored snapshot cannot join the network: its card was set up when it was saved' });
    if (req.snapshot) {
      const snap = req.snapshot.slice();
      const r = { bytes: snap, name: req.name, weight: req.weight ?? 1, paused: req.paused ?? false, jit: req.jit ?? true };
      const restored = await cpu.call<CreateResult>((api) => api.restore(Comlink.transfer(r, [snap.buffer])));
      if (!restored.ok) throw new LaunchError(restored.error);
      this.p.placed(cpu.index);
      return restored.guest;
    }
    // A user's file is transferred, not copied (it can be a large kernel); the request keeps its
    // own copy so that a crashed guest can be launched again.
    const bytes = 'bytes' in req.image ? req.image.bytes.slice() : undefined;
    const net = req.net ? this.network.plug(id, req.name, req.net.segment) : undefined;
    const config = {
      name: req.name,
      image: bytes ? { bytes } : req.image,
      ramBytes: req.ramBytes,
      mode: req.mode,
      weight: req.weight ?? 1,
      deterministic: req.deterministic ?? false,
      paused: req.paused ?? false,
      jit: req.jit ?? true,
      ...(req.bootargs !== undefined ? { bootargs: req.bootargs } : {}),
      ...(net ? { net } : {}),
    };
    const transfer: Transferable[] = [...(bytes ? [bytes.buffer] : []), ...(net ? [net.port] : [])];
    let result: CreateResult;
    try {
      result = await cpu.call<CreateResult>((api) => api.create(transfer.length ? Comlink.transfer(config, transfer) : config));
    } catch (e) {
      if (net) this.network.unplug(id);
      throw e;
    }
    if (!result.ok) {
      if (net) this.network.unplug(id);
      throw new LaunchError(result.error);
    }
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
  async relaunch(id: number, cpu?: number, fromSave = false): Promise<PageGuest> {
    const g = this.model.get(id);
    if (g.state !== 'crashed') throw new Error(`${g.name} is ${g.state}, not crashed: use reset`);
    if (fromSave && !g.lastSave) throw new Error(`${g.name} has no saved snapshot to restore`);
    let target: HostCpuClient;
    if (cpu !== undefined) target = this.p.cpu(cpu);
    else if (this.p.cpus.some((c) => c.dead === undefined)) target = this.p.pick();
    else target = await this.restartWorker(g.cpu, false);
    const { snapshot: _, ...boot } = g.request;
    const info = await this.create(target, fromSave ? { ...g.request, snapshot: g.lastSave!.bytes, paused: false, jit: g.jit } : { ...boot, paused: false, jit: g.jit }, g.id);
    g.cpu = target.index;
    g.localId = info.id;
    g.info = info;
    g.state = 'running';
    g.received = 0;
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
        // A guest saved earlier comes back as it was saved; the others boot again.
        if (g.state === 'crashed' && g.cpu === index) await this.relaunch(g.id, index, g.lastSave !== undefined);
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

  /** The guest's own JIT switch: off, its code is interpreted (same behaviour, slower). */
  async setJit(id: number, on: boolean): Promise<void> {
    await this.rpc(id, (api, g) => api.setJit(g.localId, on));
    const g = this.model.get(id);
    g.jit = on;
    this.model.emit('changed', g);
  }

  input(id: number, bytes: Uint8Array): Promise<number> {
    const g = this.model.get(id);
    if (g.heldInput) {
      // Stopped for a migration's final copy: kept here, in order, and sent to wherever it resumes.
      g.heldInput.push(bytes.slice());
      return Promise.resolve(bytes.length);
    }
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
    this.network.unplug(id);
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
      if (ev.type === 'notice') {
        if (!this.model.notices.has(ev.key)) {
          this.model.notices.set(ev.key, ev.message);
          this.model.emit('notice', { key: ev.key, message: ev.message });
        }
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
        g.received += ev.bytes.length;
        this.model.emit('output', { guest: g, bytes: ev.bytes });
        this.drainWaiters.get(g)?.();
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
      if (s.net) this.network.setGuestDrops(g.id, s.net.linkDrops + s.net.cardDrops);
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

  // ---- State: save, fork, restore, live migration (docs/snapshots.md) ----

  /** The guest's `.mvsnap` bytes; kept as its last save ("Restore from last save" after a crash). */
  async save(id: number): Promise<Uint8Array> {
    const bytes = await this.rpc(id, (api, g) => api.snapshot(g.localId));
    this.model.get(id).lastSave = { bytes, at: Date.now() };
    this.model.emit('changed', this.model.get(id));
    return bytes;
  }

  /** A copy-on-write fork on the same worker, in a new tab named "<name> (fork)". */
  async fork(id: number): Promise<PageGuest> {
    const parent = this.model.get(id);
    const name = `${parent.name} (fork)`;
    const result = await this.rpc<CreateResult>(id, (api, g) => api.fork(g.localId, name));
    if (!result.ok) throw new LaunchError(result.error);
    this.p.placed(parent.cpu);
    const g: PageGuest = {
      id: this.nextId++,
      name,
      cpu: parent.cpu,
      localId: result.guest.id,
      info: result.guest,
      request: { ...parent.request, name },
      state: parent.state === 'paused' ? 'paused' : 'running',
      history: { t: [], mips: [] },
      received: 0,
      forkedFrom: parent.id,
      jit: parent.jit,
    };
    this.model.guests.set(g.id, g);
    this.model.emit('added', g);
    this.replayEarly(g);
    return g;
  }

  /** `.mvsnap` bytes as a new guest on the least loaded worker; rejects with LaunchError (the SnapshotError's message). */
  restore(bytes: Uint8Array, name: string): Promise<PageGuest> {
    return this.launch({ name, image: { bytes: new Uint8Array(0) }, mode: 'bare', ramBytes: 0, snapshot: bytes });
  }

  private readonly drainWaiters = new Map<PageGuest, () => void>();

  /** Resolves once the page has received `bytes` output bytes of g from its current worker (at most `timeoutMs` later). */
  private received(g: PageGuest, bytes: number, timeoutMs = 5000): Promise<boolean> {
    if (g.received >= bytes) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        this.drainWaiters.delete(g);
        clearTimeout(timer);
        resolve(g.received >= bytes);
      };
      const timer = setTimeout(done, timeoutMs);
      this.drainWaiters.set(g, () => {
        if (g.received >= bytes) done();
      });
    });
  }

  /**
   * Live migration by pre-copy to worker `to`: the guest runs on while its pages are copied in
   * rounds (through this thread, transferred), then it stops, its last pages and state go over
   * and it resumes there, in the same tab. Console output of the source all reaches the tab
   * before any of the destination's; input typed while it is stopped is held here and sent on.
   * If anything fails (the destination dies, refuses), the destination's copy is dropped and the
   * guest runs on at the source; the promise rejects with the figures in `error`.
   */
  async migrate(id: number, to: number, options: MigrateOptions = {}): Promise<MigrationFigures> {
    const g = this.model.get(id);
    const from = g.cpu;
    if (g.migration && (g.migration.phase === 'copying' || g.migration.phase === 'stopped')) throw new Error(`${g.name} is already migrating`);
    if (to === from) throw new Error(`${g.name} already runs on host CPU ${to}`);
    // Its card's link to the switch lives in the source worker and does not move (yet).
    if (this.network.has(id)) throw new Error(`${g.name} is on the network: a guest with a network card cannot migrate`);
    if (g.state !== 'running' && g.state !== 'waiting' && g.state !== 'paused') throw new Error(`${g.name} is ${g.state}: only a live guest migrates`);
    const dst = this.p.cpu(to);
    if (dst.dead !== undefined) throw new Error(`host CPU ${to} has crashed`);
    const src = this.p.cpu(from);
    const srcLocal = g.localId;
    const t0 = performance.now();
    const m: MigrationFigures = { from, to, phase: 'copying', rounds: [], pages: 0, bytes: 0, totalMs: 0 };
    g.migration = m;
    const emit = () => {
      m.totalMs = performance.now() - t0;
      this.model.emit('migration', g);
    };
    const record = (b: MigrationBatch, final = false) => {
      m.rounds.push({ round: m.rounds.length, pages: b.pages.length, bytes: b.data.byteLength, at: performance.now() - t0, ...(final ? { final } : {}) });
      m.pages += b.pages.length;
      m.bytes += b.data.byteLength;
      emit();
    };
    emit();
    let targetId: number | undefined;
    try {
      const begin = await dst.call<ReturnType<HostCpuApi['migrateInBegin']>>((api) => api.migrateInBegin(g.info.ramBytes));
      if (!begin.ok) throw new LaunchError(begin.error);
      targetId = begin.id;
      const tid = targetId;
      let batch: MigrationBatch | undefined = await src.call((api) => api.migrateOutStart(srcLocal, { ...(options.stopBelow !== undefined ? { stopBelow: options.stopBelow } : {}), ...(options.maxRounds !== undefined ? { maxRounds: options.maxRounds } : {}) }));
      // The boot image (a kernel's is megabytes) goes ahead, while the guest still runs.
      const boot = await src.call<ReturnType<HostCpuApi['migrateOutBoot']>>((api) => api.migrateOutBoot(srcLocal));
      await dst.call((api) => api.migrateInBoot(tid, boot));
      while (batch) {
        record(batch);
        const b: MigrationBatch = batch;
        await dst.call((api) => api.migrateInPages(tid, Comlink.transfer(b, [b.pages.buffer, b.data.buffer])));
        if (options.killDestinationAfterRound === m.rounds.length - 1) dst.kill(`worker terminated by a test during ${g.name}'s migration`);
        if (options.roundDelayMs) await new Promise((r) => setTimeout(r, options.roundDelayMs));
        batch = await src.call((api) => api.migrateOutNext(srcLocal));
      }

      // Stop and copy.
      m.phase = 'stopped';
      g.heldInput = [];
      emit();
      const tStop = performance.now();
      // The final copy goes from worker to worker over a channel of their own: the page's main
      // thread (busy drawing consoles, perhaps) is not on the downtime's path.
      const channel = new MessageChannel();
      const arrival = dst.call<MigrationInResult>((api) => api.migrateInAwait(tid, Comlink.transfer(channel.port2, [channel.port2]), g.name));
      arrival.catch(() => {}); // awaited below; the source's failure may come first
      const stopping = src.call((api) => api.migrateOutStop(srcLocal, Comlink.transfer(channel.port1, [channel.port1]), options.stopDelayMs ? { delayMs: options.stopDelayMs } : {}));
      if (options.killDestinationAtStop) dst.kill(`worker terminated by a test during ${g.name}'s stop-and-copy`);
      const fin = await stopping;
      m.rounds.push({ round: m.rounds.length, pages: fin.pages, bytes: fin.bytes, at: performance.now() - t0, final: true });
      m.pages += fin.pages;
      m.bytes += fin.bytes;
      emit();
      const res = await arrival;
      if (!res.ok) throw new LaunchError(res.error);
      m.stopCopyMs = performance.now() - tStop;
      m.downtimeMs = Math.max(0, res.resumedAt - fin.pausedAt);
      // It runs on the destination already. All the source printed reaches the tab before anything
      // from the destination: until the tab switches over, the destination's events wait in `early`
      // and typed input stays held.
      const tWait = performance.now();
      const complete = await this.received(g, fin.emitted);
      m.handoverMs = performance.now() - tWait;
      if (!complete) console.warn(`${g.name}: migration hand-over: ${g.received} of ${fin.emitted} output bytes from host CPU ${from} arrived`);
      // The source's copy is still there, paused: if the destination died meanwhile, it runs on.
      if (dst.dead !== undefined) throw new Error(dst.dead);

      // The guest is the destination's now.
      src.call((api) => api.migrateOutCommit(srcLocal)).catch(() => {});
      this.p.removed(from);
      this.p.placed(to);
      g.cpu = to;
      g.localId = res.guest.id;
      g.info = res.guest;
      g.received = 0;
      g.state = fin.wasPaused ? 'paused' : 'running';
      delete g.stats;
      m.phase = 'done';
      this.sendHeldInput(g);
      this.model.emit('changed', g);
      emit();
      this.replayEarly(g);
      return m;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (targetId !== undefined) {
        const tid = targetId;
        dst.call((api) => api.migrateInAbort(tid)).catch(() => {});
      }
      await src.call((api) => api.migrateOutAbort(srcLocal)).catch(() => {});
      this.sendHeldInput(g);
      m.phase = 'failed';
      m.error = message;
      emit();
      throw new MigrationError(`${g.name}: migration to host CPU ${to} failed (${message}); ${(g.state as string) === 'crashed' ? `host CPU ${from} crashed too` : `it keeps running on host CPU ${from}`}`, m);
    }
  }

  /** Input held during a migration's stop goes, in order, to wherever the guest runs now. */
  private sendHeldInput(g: PageGuest): void {
    const held = g.heldInput ?? [];
    delete g.heldInput;
    if (g.state === 'crashed') return;
    for (const bytes of held) this.p.cpu(g.cpu).call((api) => api.input(g.localId, bytes)).catch(() => {});
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

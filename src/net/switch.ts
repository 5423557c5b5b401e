/**
 * The virtual switch: a learning Ethernet switch whose ports are guests' network cards, on this
 * Hypervisor instance (GuestPort) or elsewhere (a port over a message channel, channel.ts).
 * Isomorphic: Node, a page, a worker.
 *
 * - Segments (VLAN-like), one per port: a frame never leaves its segment, broadcasts included.
 *   The address table is per segment.
 * - Bounded everywhere: a port gives the switch at most `burst` frames per pump; each port's
 *   outgoing queue holds at most `queueFrames` frames, kept per source port and served
 *   round-robin, and when it is full the longest per-source queue loses (its newest frame).
 *   A guest that floods fills its own share and the card's 12 KiB queue in the core: it slows
 *   only itself and the frames of others still get through. Drops are counted per port.
 * - Taps see every frame a port sends into the switch and every frame the switch hands a port
 *   (pcap.ts writes them to a capture file).
 */
import type { Guest } from '../core/hypervisor.js';
import type { Scheduler, ScheduledGuest } from '../core/scheduler.js';
import { GuestNic, type NicStats } from './nic.js';
import { formatMac, isGroupMac, macKey, type MacAddress } from './mac.js';

/** The switch's view of one endpoint (a guest's card here, or a channel to one elsewhere). */
export interface SwitchPort {
  /** Frames the endpoint sent that the switch may take now, at most `max`. */
  pull(max: number): Uint8Array[];
  /** Offers one frame to the endpoint: false when it cannot take it now (the switch keeps it queued). */
  push(frame: Uint8Array): boolean;
  /** After the switch has pushed what it could (wake a guest, flush a channel). */
  flush?(): void;
  /** Set by the switch: an asynchronous endpoint calls it when it has frames to pull. */
  onReadable?: (() => void) | undefined;
  /** The endpoint's own figures (a guest's card), for stats(). */
  nicStats?(): NicStats | undefined;
  /** Detached from the switch. */
  close?(): void;
}

export interface PortOptions {
  /** the segment (VLAN-like) the port is on; ports on different segments never see each other's frames (default 'default') */
  readonly segment?: string;
  /** a name for stats and captures (default 'port N') */
  readonly name?: string;
}

export interface AttachOptions extends PortOptions {
  /** the MAC address the guest's card reports (default 02:00:00:00:xx:yy, xx:yy the port number) */
  readonly mac?: MacAddress;
}

export interface PortStats {
  readonly name: string;
  readonly segment: string;
  /** frames and bytes the endpoint sent into the switch */
  readonly sentFrames: number;
  readonly sentBytes: number;
  /** frames and bytes the switch handed the endpoint */
  readonly receivedFrames: number;
  readonly receivedBytes: number;
  /** frames for this port the switch dropped (its queue was full) */
  readonly drops: number;
  /** frames waiting in the switch for this port */
  readonly queued: number;
  /** a guest's card, when the port is one here */
  readonly nic?: NicStats;
}

export interface TapEvent {
  /** host time in ms (the switch's clock) */
  readonly time: number;
  readonly port: Port;
  /** 'sent': the port's endpoint sent it into the switch; 'received': the switch handed it to the port */
  readonly direction: 'sent' | 'received';
  readonly frame: Uint8Array;
}

export type TapCallback = (event: TapEvent) => void;

export interface SwitchOptions {
  /** frames a port may wait for in the switch (default 256) */
  readonly queueFrames?: number;
  /** frames taken from one port per pump (default 64) */
  readonly burst?: number;
  /** how long an address stays learned, in ms (default 300 000) */
  readonly ageMs?: number;
  /** clock in ms (default performance.now) */
  readonly now?: () => number;
}

/** A port of the switch: its endpoint, segment, queues and figures. */
export class Port {
  segment: string;
  sentFrames = 0;
  sentBytes = 0;
  receivedFrames = 0;
  receivedBytes = 0;
  drops = 0;
  /** @internal frames waiting for this port, per source port */
  readonly queues = new Map<Port, Uint8Array[]>();
  /** @internal */ queued = 0;
  /** @internal round-robin position over the source queues */ rr = 0;

  constructor(
    readonly sw: VirtualSwitch,
    readonly endpoint: SwitchPort,
    readonly name: string,
    segment: string,
  ) {
    this.segment = segment;
  }

  stats(): PortStats {
    const nic = this.endpoint.nicStats?.();
    return {
      name: this.name,
      segment: this.segment,
      sentFrames: this.sentFrames,
      sentBytes: this.sentBytes,
      receivedFrames: this.receivedFrames,
      receivedBytes: this.receivedBytes,
      drops: this.drops,
      queued: this.queued,
      ...(nic ? { nic } : {}),
    };
  }
}

/** The port of a guest on this Hypervisor instance. */
export class GuestPortEndpoint implements SwitchPort {
  private pending: Uint8Array[] = [];
  private touched = false;
  /** set by VirtualSwitch.bindScheduler: wakes the guest when a frame arrived or its sending may go on */
  wake: (() => void) | undefined;

  constructor(readonly nic: GuestNic) {}

  pull(max: number): Uint8Array[] {
    if (this.nic.guest.isDestroyed) return [];
    if (this.pending.length === 0 && this.nic.hasFrames) {
      this.pending = this.nic.takeFrames();
      this.touched = true; // the card may have completed sends: the guest may have work
    }
    return this.pending.length <= max ? this.pending.splice(0) : this.pending.splice(0, max);
  }

  push(frame: Uint8Array): boolean {
    if (this.nic.guest.isDestroyed) return true; // gone: the frame is lost
    if (!this.nic.deliver(frame)) return false;
    this.touched = true;
    return true;
  }

  flush(): void {
    if (this.touched) {
      this.touched = false;
      this.wake?.();
    }
  }

  nicStats(): NicStats | undefined {
    return this.nic.guest.isDestroyed ? undefined : this.nic.stats();
  }
}

export class VirtualSwitch {
  private readonly portList: Port[] = [];
  /** segment -> MAC -> (port, last seen) */
  private readonly tables = new Map<string, Map<number, { port: Port; seen: number }>>();
  private readonly taps = new Set<{ port: Port | undefined; cb: TapCallback }>();
  private readonly queueFrames: number;
  private readonly burst: number;
  private readonly ageMs: number;
  private readonly now: () => number;
  private cursor = 0;
  private pumpQueued = false;
  private pumping = false;
  private nextMac = 1;
  private readonly unbind: (() => void)[] = [];

  constructor(options: SwitchOptions = {}) {
    this.queueFrames = options.queueFrames ?? 256;
    this.burst = options.burst ?? 64;
    this.ageMs = options.ageMs ?? 300_000;
    this.now = options.now ?? (() => performance.now());
  }

  get ports(): readonly Port[] {
    return this.portList;
  }

  /**
   * Connects a guest's network card (on this instance) to the switch. Sets its MAC (give it
   * before the guest's driver starts). Returns the port.
   */
  attach(guest: Guest, options: AttachOptions = {}): Port {
    const nic = new GuestNic(guest);
    const n = this.nextMac++;
    nic.setMac(options.mac ?? [0x02, 0, 0, 0, (n >> 8) & 0xff, n & 0xff]);
    const endpoint = new GuestPortEndpoint(nic);
    return this.addPort(endpoint, { name: options.name ?? `guest ${guest.handle} (${nic.mac})`, ...(options.segment !== undefined ? { segment: options.segment } : {}) });
  }

  /** Adds any endpoint (e.g. a channel to a guest on another instance: channel.ts). */
  addPort(endpoint: SwitchPort, options: PortOptions = {}): Port {
    const port = new Port(this, endpoint, options.name ?? `port ${this.portList.length + 1}`, options.segment ?? 'default');
    this.portList.push(port);
    endpoint.onReadable = () => this.schedulePump();
    return port;
  }

  /** Disconnects a port; frames waiting for it are dropped. */
  detach(port: Port): void {
    const i = this.portList.indexOf(port);
    if (i < 0) return;
    this.portList.splice(i, 1);
    this.forget(port);
    for (const p of this.portList) {
      const q = p.queues.get(port);
      if (q) {
        p.queued -= q.length;
        p.queues.delete(port);
      }
    }
    port.endpoint.onReadable = undefined;
    port.endpoint.close?.();
    for (const t of [...this.taps]) if (t.port === port) this.taps.delete(t);
  }

  /** Moves a port to another segment: it forgets what it learned and sees only that segment from now on. */
  setSegment(port: Port, segment: string): void {
    if (port.segment === segment) return;
    this.forget(port);
    // Frames queued for it came from its old segment.
    for (const q of port.queues.values()) port.drops += q.length;
    port.queues.clear();
    port.queued = 0;
    port.segment = segment;
  }

  /** Calls cb for every frame of `port` (both directions), or of every port (each frame once, as sent) when port is undefined. Returns a function that removes the tap. */
  tap(port: Port | undefined, cb: TapCallback): () => void {
    const t = { port, cb };
    this.taps.add(t);
    return () => this.taps.delete(t);
  }

  stats(): PortStats[] {
    return this.portList.map((p) => p.stats());
  }

  /** The learned addresses: segment, MAC, port name. */
  addresses(): { segment: string; mac: string; port: string }[] {
    const out: { segment: string; mac: string; port: string }[] = [];
    for (const [segment, table] of this.tables) {
      for (const [key, e] of table) {
        const b = new Uint8Array(6);
        let k = key;
        for (let i = 5; i >= 0; i--) {
          b[i] = k % 256;
          k = Math.floor(k / 256);
        }
        out.push({ segment, mac: formatMac(b), port: e.port.name });
      }
    }
    return out;
  }

  /**
   * Pumps frames after every guest's turn of `scheduler` and wakes the guests that got frames.
   * Returns a function that unbinds it.
   */
  bindScheduler(scheduler: Scheduler): () => void {
    const find = (guest: Guest): ScheduledGuest | undefined => scheduler.guests.find((sg) => sg.guest === guest);
    for (const port of this.portList) {
      const e = port.endpoint;
      if (e instanceof GuestPortEndpoint && e.wake === undefined) {
        e.wake = () => {
          const sg = find(e.nic.guest);
          if (sg) scheduler.wake(sg);
        };
      }
    }
    const off = scheduler.onTurn(() => this.pump());
    this.unbind.push(off);
    return off;
  }

  /**
   * Moves frames: takes up to `burst` frames from every port in turn (starting one further each
   * time), forwards them, and hands every port what waits for it while it takes them.
   */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const n = this.portList.length;
      if (n === 0) return;
      const start = this.cursor++ % n;
      for (let k = 0; k < n; k++) {
        const port = this.portList[(start + k) % n]!;
        for (const frame of port.endpoint.pull(this.burst)) this.forward(port, frame);
      }
      for (const port of this.portList) {
        this.deliver(port);
        port.endpoint.flush?.();
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Detaches every port. */
  close(): void {
    for (const off of this.unbind.splice(0)) off();
    for (const p of [...this.portList]) this.detach(p);
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private forget(port: Port): void {
    const table = this.tables.get(port.segment);
    if (!table) return;
    for (const [k, e] of table) if (e.port === port) table.delete(k);
  }

  private forward(from: Port, frame: Uint8Array): void {
    if (frame.length < 14) return;
    from.sentFrames++;
    from.sentBytes += frame.length;
    const time = this.now();
    for (const t of this.taps) if (t.port === undefined || t.port === from) t.cb({ time, port: from, direction: 'sent', frame });
    let table = this.tables.get(from.segment);
    if (!table) this.tables.set(from.segment, (table = new Map()));
    if (!isGroupMac(frame, 6)) table.set(macKey(frame, 6), { port: from, seen: time });
    if (!isGroupMac(frame, 0)) {
      const e = table.get(macKey(frame, 0));
      if (e && time - e.seen <= this.ageMs && this.portList.includes(e.port) && e.port.segment === from.segment) {
        if (e.port !== from) this.enqueue(e.port, from, frame);
        return;
      }
    }
    for (const p of this.portList) if (p !== from && p.segment === from.segment) this.enqueue(p, from, frame);
  }

  private enqueue(to: Port, from: Port, frame: Uint8Array): void {
    let q = to.queues.get(from);
    if (!q) to.queues.set(from, (q = []));
    if (to.queued >= this.queueFrames) {
      // Full: the longest per-source queue loses its newest frame (a flooder drops its own).
      let longest = q;
      for (const other of to.queues.values()) if (other.length > longest.length) longest = other;
      to.drops++;
      if (longest === q || longest.length === 0) return;
      longest.pop();
      to.queued--;
    }
    q.push(frame);
    to.queued++;
  }

  private deliver(to: Port): void {
    if (to.queued === 0) return;
    const sources = [...to.queues.keys()];
    let stalled = 0;
    // Round-robin over the source queues, one frame each, while the endpoint takes them.
    while (to.queued > 0 && stalled < sources.length) {
      const src = sources[to.rr++ % sources.length]!;
      const q = to.queues.get(src)!;
      if (q.length === 0) {
        stalled++;
        continue;
      }
      const frame = q[0]!;
      if (!to.endpoint.push(frame)) return;
      stalled = 0;
      q.shift();
      to.queued--;
      to.receivedFrames++;
      to.receivedBytes += frame.length;
      if (this.taps.size) {
        const time = this.now();
        for (const t of this.taps) if (t.port === to) t.cb({ time, port: to, direction: 'received', frame });
      }
    }
    for (const [src, q] of to.queues) if (q.length === 0) to.queues.delete(src);
  }
}

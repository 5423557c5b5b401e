/**
 * Crossing instances: a guest on one Hypervisor instance (a worker, another thread, another
 * page) on a switch that lives elsewhere, over a message channel (MessageChannel of the page or
 * of node:worker_threads, or any object with the same shape).
 *
 *   switch side:  sw.addPort(new ChannelPort(port1), { segment })
 *   guest side:   const link = new NicLink(guest, port2, { mac }); link.bindScheduler(scheduler)
 *
 * Messages are `{ frames: ArrayBuffer[] }` (transferred, one message per batch). Each side
 * keeps at most `queueFrames` frames it could not hand on yet and drops (counts) the rest, so
 * memory stays bounded whatever the other side does.
 */
import type { Guest } from '../core/hypervisor.js';
import type { Scheduler } from '../core/scheduler.js';
import { GuestNic, type NicStats } from './nic.js';
import type { MacAddress } from './mac.js';
import type { SwitchPort } from './switch.js';

/** What a message port must offer: the page's MessagePort and node:worker_threads' both do. */
export interface MessagePortLike {
  postMessage(message: unknown, transfer?: Transferable[] | readonly ArrayBuffer[]): void;
  addEventListener?(type: 'message', listener: (event: { data: unknown }) => void): void;
  on?(type: 'message', listener: (value: unknown) => void): unknown;
  start?(): void;
  close(): void;
}

function listen(port: MessagePortLike, fn: (frames: Uint8Array[]) => void): void {
  const handle = (data: unknown) => {
    const frames = (data as { frames?: unknown } | null)?.frames;
    if (!Array.isArray(frames)) return;
    fn(frames.filter((f): f is ArrayBuffer => f instanceof ArrayBuffer).map((b) => new Uint8Array(b)));
  };
  if (typeof port.on === 'function') port.on('message', handle);
  else port.addEventListener?.('message', (e) => handle(e.data));
  port.start?.();
}

function post(port: MessagePortLike, frames: Uint8Array[]): void {
  if (frames.length === 0) return;
  const buffers = frames.map((f) => (f.byteOffset === 0 && f.byteLength === f.buffer.byteLength ? f.buffer : f.slice().buffer) as ArrayBuffer);
  port.postMessage({ frames: buffers }, buffers);
}

/** The switch's end of a channel to a guest elsewhere. */
export class ChannelPort implements SwitchPort {
  private inbox: Uint8Array[] = [];
  private outbox: Uint8Array[] = [];
  onReadable: (() => void) | undefined;
  /** frames that arrived while the inbox was full */
  dropped = 0;

  constructor(
    private readonly port: MessagePortLike,
    private readonly queueFrames = 256,
  ) {
    listen(port, (frames) => {
      for (const f of frames) {
        if (this.inbox.length >= this.queueFrames) this.dropped++;
        else this.inbox.push(f);
      }
      this.onReadable?.();
    });
  }

  pull(max: number): Uint8Array[] {
    const out = this.inbox.length <= max ? this.inbox.splice(0) : this.inbox.splice(0, max);
    // More than one burst came in one message: ask for another pump, or the rest would wait for
    // the next message (a switch with no scheduler bound pumps only when a channel has frames).
    if (this.inbox.length > 0) this.onReadable?.();
    return out;
  }

  push(frame: Uint8Array): boolean {
    this.outbox.push(frame);
    return true;
  }

  flush(): void {
    post(this.port, this.outbox.splice(0));
  }

  close(): void {
    this.port.close();
  }
}

/** The guest's end: its card, linked to a switch elsewhere through a channel. */
export class NicLink {
  readonly nic: GuestNic;
  private pending: Uint8Array[] = [];
  /** frames from the switch dropped because the guest was not taking them */
  dropped = 0;
  private wake: (() => void) | undefined;
  private readonly unbind: (() => void)[] = [];

  constructor(
    readonly guest: Guest,
    private readonly port: MessagePortLike,
    options: { readonly mac?: MacAddress; readonly queueFrames?: number } = {},
  ) {
    this.nic = new GuestNic(guest);
    if (options.mac !== undefined) this.nic.setMac(options.mac);
    const limit = options.queueFrames ?? 256;
    listen(port, (frames) => {
      for (const f of frames) {
        if (this.pending.length >= limit) this.dropped++;
        else this.pending.push(f);
      }
      this.pump();
    });
  }

  /** Sends what the guest sent and gives it what arrived; call after each of its turns. */
  pump(): void {
    if (this.guest.isDestroyed) return;
    let touched = false;
    if (this.nic.hasFrames) {
      post(this.port, this.nic.takeFrames());
      touched = true;
    }
    while (this.pending.length > 0 && this.nic.deliver(this.pending[0]!)) {
      this.pending.shift();
      touched = true;
    }
    if (touched) this.wake?.();
  }

  /** Pumps after every turn of the scheduler, and wakes the guest when frames arrive. */
  bindScheduler(scheduler: Scheduler): () => void {
    this.wake = () => {
      const sg = scheduler.guests.find((g) => g.guest === this.guest);
      if (sg) scheduler.wake(sg);
    };
    const off = scheduler.onTurn((sg) => {
      if (sg.guest === this.guest) this.pump();
    });
    this.unbind.push(off);
    return off;
  }

  stats(): NicStats {
    return this.nic.stats();
  }

  close(): void {
    for (const off of this.unbind.splice(0)) off();
    this.port.close();
  }
}

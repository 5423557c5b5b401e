/**
 * The page's network, as the page sees it: the switch itself runs in a worker of its own
 * (worker/switch-host.ts) and the guests' cards in their host-CPU workers (a NicLink each, set
 * up by create(): worker/api.ts GuestConfig.net). For every guest plugged in, the page makes a
 * MessageChannel and hands one end to the switch's worker and the other to the guest's: frames
 * go from worker to worker and never wait for the page's thread, which is often busy drawing.
 *
 * The page keeps a mirror of the switch's figures, refreshed twice a second (and after every
 * change it makes), so that the Network view, the labs and the automation object read them
 * synchronously.
 */
import * as Comlink from 'comlink';
import { defaultMac } from '../net/linux-ip.js';
import { PcapWriter } from '../net/pcap.js';
import { Emitter } from './emitter.js';
import type { PacketRecord, SwitchApi, SwitchPortView, SwitchSnapshot } from './worker/api.js';

export type { PacketRecord } from './worker/api.js';

/** The segments the view offers besides those in use. */
export const SEGMENTS = ['lan', 'red', 'blue'] as const;

const REFRESH_MS = 500;

export interface NetworkPortView extends SwitchPortView {
  /** frames for this guest dropped in its worker (its link's queue was full, or the card's receive buffer too small): from the worker's stats */
  readonly guestDrops: number;
}

export type NetworkEvents = { changed: void };

export class PageNetwork extends Emitter<NetworkEvents> {
  /** the switch's worker, started with the first guest plugged in (a page without a network runs no such thread) */
  private remoteApi: Comlink.Remote<SwitchApi> | undefined;
  private snap: SwitchSnapshot = { ports: [], packets: {}, captureDropped: 0 };
  private readonly macs = new Map<number, string>();
  private readonly plugged = new Set<number>();
  private readonly guestDrops = new Map<number, number>();
  /** segment changes made here and not yet in a snapshot */
  private readonly moved = new Map<number, string>();
  private nextMac = 1;
  private refreshing = false;

  constructor() {
    super();
    setInterval(() => void this.refresh(), REFRESH_MS);
  }

  private get remote(): Comlink.Remote<SwitchApi> {
    this.remoteApi ??= Comlink.wrap<SwitchApi>(new Worker(new URL('./worker/switch-worker.ts', import.meta.url), { type: 'module', name: 'switch' }));
    return this.remoteApi;
  }

  /**
   * Plugs a guest's card into `segment`: returns its MAC and the guest's worker's end of the
   * channel (to send with the guest's create call). A guest plugged in again (a relaunch) keeps
   * its MAC.
   */
  plug(guest: number, name: string, segment: string): { mac: string; port: MessagePort } {
    checkSegment(segment);
    let mac = this.macs.get(guest);
    if (mac === undefined) this.macs.set(guest, (mac = defaultMac(this.nextMac++)));
    const channel = new MessageChannel();
    this.plugged.add(guest);
    void this.remote.plug(guest, name, segment, mac, Comlink.transfer(channel.port1, [channel.port1])).then(() => this.refresh());
    return { mac, port: channel.port2 };
  }

  unplug(guest: number): void {
    if (!this.plugged.delete(guest) || !this.remoteApi) return;
    void this.remote.unplug(guest).then(() => this.refresh());
  }

  has(guest: number): boolean {
    return this.plugged.has(guest);
  }

  /** Moves a guest's port to another segment: from now on it reaches only that segment. */
  setSegment(guest: number, segment: string): void {
    if (!this.plugged.has(guest)) throw new Error(`guest ${guest} is not on the network`);
    checkSegment(segment);
    this.moved.set(guest, segment);
    this.emit('changed', undefined);
    void this.remote.setSegment(guest, segment).then(() => this.refresh());
  }

  /** The worker's figures for a guest's card (its stats snapshots): drops on the guest's side of the channel. */
  setGuestDrops(guest: number, drops: number): void {
    this.guestDrops.set(guest, drops);
  }

  ports(): NetworkPortView[] {
    return this.snap.ports
      .filter((p) => this.plugged.has(p.guest))
      .map((p) => ({ ...p, segment: this.moved.get(p.guest) ?? p.segment, guestDrops: this.guestDrops.get(p.guest) ?? 0 }));
  }

  /** The segments in use, then the usual ones. */
  segments(): string[] {
    return [...new Set([...this.ports().map((p) => p.segment), ...SEGMENTS])];
  }

  /** The latest frames of a guest's port, oldest first (as of the last refresh). */
  packets(guest: number): readonly PacketRecord[] {
    return this.snap.packets[guest] ?? [];
  }

  /** The switch's capture (every frame once, as sent; the latest 20 000) as a libpcap file. */
  pcap(): Promise<Uint8Array> {
    return this.remoteApi ? this.remoteApi.pcap() : Promise.resolve(new PcapWriter().bytes());
  }

  private async refresh(): Promise<void> {
    if (this.refreshing || this.remoteApi === undefined || (this.plugged.size === 0 && this.snap.ports.length === 0)) return;
    this.refreshing = true;
    try {
      const pending = new Map(this.moved);
      this.snap = await this.remote.snapshot();
      // A move made while this snapshot was on its way is not in it yet.
      for (const [g, s] of pending) if (this.moved.get(g) === s) this.moved.delete(g);
      this.emit('changed', undefined);
    } finally {
      this.refreshing = false;
    }
  }
}

/** Segment names come from the URL (?net=) and the automation object: short and plain, as the view shows them. */
function checkSegment(segment: string): void {
  if (!/^[\w-]{1,32}$/.test(segment)) throw new Error(`segment '${segment}': use 1 to 32 letters, digits, - or _`);
}

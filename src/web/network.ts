/**
 * The page's network: one VirtualSwitch on the page's thread, whose ports are channels to the
 * guests' cards in the workers (a NicLink in each worker, set up by create(): see
 * worker/api.ts GuestConfig.net). The page owns the switch because it is the one place every
 * worker already talks to; frames go worker -> page -> worker over MessagePorts, transferred.
 *
 * For the Network view it keeps, per port: packets/s and bytes/s over the last second, drops,
 * and the last PACKETS_PER_PORT frames decoded into one-line summaries; for "Download .pcap",
 * the last CAPTURE_FRAMES frames of the whole switch, as sent (bounded: a flood cannot fill the
 * page's memory).
 */
import { ChannelPort } from '../net/channel.js';
import { summarizeFrame, type FrameSummary } from '../net/decode.js';
import { defaultMac, guestIpv4 } from '../net/linux-ip.js';
import { PcapWriter } from '../net/pcap.js';
import { VirtualSwitch, type Port } from '../net/switch.js';
import { Emitter } from './emitter.js';

export const PACKETS_PER_PORT = 200;
export const CAPTURE_FRAMES = 20_000;
/** The segments the view offers besides those in use. */
export const SEGMENTS = ['lan', 'red', 'blue'] as const;

export interface PacketRecord extends FrameSummary {
  /** ms since the Unix epoch */
  readonly time: number;
  /** 'sent': the guest sent it; 'received': the switch handed it to the guest */
  readonly direction: 'sent' | 'received';
}

export interface NetworkPortView {
  /** the page's guest id */
  readonly guest: number;
  readonly name: string;
  readonly mac: string;
  /** the address a Linux guest gets from its MAC (linux-ip.ts) */
  readonly ip: string;
  readonly segment: string;
  readonly sentFrames: number;
  readonly sentBytes: number;
  readonly receivedFrames: number;
  readonly receivedBytes: number;
  /** frames for this port the switch dropped (its queue was full) */
  readonly drops: number;
  /** frames for this guest dropped in its worker (its link's queue was full, or the card's receive buffer too small): from the worker's stats */
  readonly guestDrops: number;
  /** frames per second, both directions, over the last second */
  readonly packetsPerSecond: number;
  readonly bytesPerSecond: number;
}

interface Entry {
  readonly guest: number;
  readonly name: string;
  readonly mac: string;
  readonly port: Port;
  readonly packets: PacketRecord[];
  last: { at: number; frames: number; bytes: number };
  rate: { packets: number; bytes: number };
  guestDrops: number;
}

export type NetworkEvents = { changed: void };

export class PageNetwork extends Emitter<NetworkEvents> {
  readonly switch = new VirtualSwitch();
  private readonly entries = new Map<number, Entry>();
  private readonly byPort = new Map<Port, Entry>();
  /** a ring of the latest CAPTURE_FRAMES frames: shifting a 20 000-entry array per frame would cost a flood's worth of copying */
  private readonly capture: { frame: Uint8Array; time: number }[] = [];
  private captureHead = 0;
  /** frames left out of the capture because it was full (the oldest go) */
  captureDropped = 0;
  private nextMac = 1;

  constructor() {
    super();
    this.switch.tap(undefined, (e) => {
      const time = performance.timeOrigin + e.time;
      // A copy: the channel transfers the frame's buffer to the guest's worker right after.
      const entry = { frame: e.frame.slice(), time };
      if (this.capture.length < CAPTURE_FRAMES) this.capture.push(entry);
      else {
        this.capture[this.captureHead] = entry;
        this.captureHead = (this.captureHead + 1) % CAPTURE_FRAMES;
        this.captureDropped++;
      }
      this.record(e.port, 'sent', e.frame, time);
    });
    setInterval(() => this.sample(), 1000);
  }

  /**
   * Plugs a guest's card into `segment`: returns its MAC and the worker's end of the channel
   * (to send with the guest's create call). A guest plugged in again (a relaunch) gets a new port
   * with the same MAC.
   */
  plug(guest: number, name: string, segment: string): { mac: string; port: MessagePort } {
    checkSegment(segment);
    const old = this.entries.get(guest);
    const mac = old?.mac ?? defaultMac(this.nextMac++);
    if (old) this.unplug(guest);
    const channel = new MessageChannel();
    const port = this.switch.addPort(new ChannelPort(channel.port1), { name, segment });
    const entry: Entry = { guest, name, mac, port, packets: [], last: { at: performance.now(), frames: 0, bytes: 0 }, rate: { packets: 0, bytes: 0 }, guestDrops: 0 };
    this.entries.set(guest, entry);
    this.byPort.set(port, entry);
    // Frames the switch hands this port (the tap on every port sees only what ports send).
    this.switch.tap(port, (e) => {
      if (e.direction === 'received') this.record(port, 'received', e.frame, performance.timeOrigin + e.time);
    });
    this.emit('changed', undefined);
    return { mac, port: channel.port2 };
  }

  unplug(guest: number): void {
    const e = this.entries.get(guest);
    if (!e) return;
    this.entries.delete(guest);
    this.byPort.delete(e.port);
    this.switch.detach(e.port);
    this.emit('changed', undefined);
  }

  /** The worker's figures for a guest's card (its stats snapshots): drops on the guest's side of the channel. */
  setGuestDrops(guest: number, drops: number): void {
    const e = this.entries.get(guest);
    if (e) e.guestDrops = drops;
  }

  has(guest: number): boolean {
    return this.entries.has(guest);
  }

  /** Moves a guest's port to another segment: from now on it reaches only that segment. */
  setSegment(guest: number, segment: string): void {
    const e = this.entries.get(guest);
    if (!e) throw new Error(`guest ${guest} is not on the network`);
    checkSegment(segment);
    this.switch.setSegment(e.port, segment);
    this.emit('changed', undefined);
  }

  ports(): NetworkPortView[] {
    return [...this.entries.values()].map((e) => {
      const s = e.port.stats();
      let ip = '';
      try {
        ip = guestIpv4(e.mac);
      } catch {
        // a MAC without a host address: no Linux address to show
      }
      return {
        guest: e.guest,
        name: e.name,
        mac: e.mac,
        ip,
        segment: s.segment,
        sentFrames: s.sentFrames,
        sentBytes: s.sentBytes,
        receivedFrames: s.receivedFrames,
        receivedBytes: s.receivedBytes,
        drops: s.drops,
        guestDrops: e.guestDrops,
        packetsPerSecond: e.rate.packets,
        bytesPerSecond: e.rate.bytes,
      };
    });
  }

  /** The segments in use, then the usual ones. */
  segments(): string[] {
    return [...new Set([...[...this.entries.values()].map((e) => e.port.segment), ...SEGMENTS])];
  }

  /** The latest frames of a guest's port, oldest first. */
  packets(guest: number): readonly PacketRecord[] {
    return this.entries.get(guest)?.packets ?? [];
  }

  /** The capture (every frame once, as sent; the last CAPTURE_FRAMES) as a libpcap file. */
  pcap(): Uint8Array {
    const w = new PcapWriter();
    const n = this.capture.length;
    for (let i = 0; i < n; i++) {
      const f = this.capture[(this.captureHead + i) % n]!;
      w.add(f.frame, f.time);
    }
    return w.bytes();
  }

  private record(port: Port, direction: 'sent' | 'received', frame: Uint8Array, time: number): void {
    const e = this.byPort.get(port);
    if (!e) return;
    if (e.packets.length >= PACKETS_PER_PORT) e.packets.shift();
    e.packets.push({ time, direction, ...summarizeFrame(frame) });
  }

  private sample(): void {
    const now = performance.now();
    for (const e of this.entries.values()) {
      const s = e.port.stats();
      const frames = s.sentFrames + s.receivedFrames;
      const bytes = s.sentBytes + s.receivedBytes;
      const dt = Math.max(1, now - e.last.at) / 1000;
      e.rate = { packets: (frames - e.last.frames) / dt, bytes: (bytes - e.last.bytes) / dt };
      e.last = { at: now, frames, bytes };
    }
    if (this.entries.size) this.emit('changed', undefined);
  }
}

/** Segment names come from the URL (?net=) and the automation object: short and plain, as the view shows them. */
function checkSegment(segment: string): void {
  if (!/^[\w-]{1,32}$/.test(segment)) throw new Error(`segment '${segment}': use 1 to 32 letters, digits, - or _`);
}

/**
 * The page's switch, in a worker of its own (switch-worker.ts): a VirtualSwitch whose ports are
 * channels to the guests' cards in the host-CPU workers. It lives off the page's thread because
 * that thread is often busy drawing (consoles, charts) and every frame would wait for it: a
 * ping between two tabs took 15-25 ms there, against ~2 ms between threads in Node
 * (docs/network.md).
 *
 * For the Network view it keeps, per port: packets/s and bytes/s over the last second, drops,
 * and the last PACKETS_PER_PORT frames decoded into one-line summaries; for "Download .pcap",
 * the last CAPTURE_FRAMES frames of the whole switch, as sent, in a ring (bounded: a flood cannot
 * fill memory).
 */
import * as Comlink from 'comlink';
import { ChannelPort } from '../../net/channel.js';
import { summarizeFrame } from '../../net/decode.js';
import { guestIpv4 } from '../../net/linux-ip.js';
import { PcapWriter } from '../../net/pcap.js';
import { VirtualSwitch, type Port } from '../../net/switch.js';
import type { PacketRecord, SwitchApi, SwitchPortView, SwitchSnapshot } from './api.js';

export const PACKETS_PER_PORT = 200;
export const CAPTURE_FRAMES = 20_000;

interface Entry {
  readonly guest: number;
  readonly name: string;
  readonly mac: string;
  readonly port: Port;
  readonly packets: PacketRecord[];
  last: { at: number; frames: number; bytes: number };
  rate: { packets: number; bytes: number };
}

export class SwitchHost implements SwitchApi {
  readonly switch = new VirtualSwitch();
  private readonly entries = new Map<number, Entry>();
  private readonly byPort = new Map<Port, Entry>();
  /** a ring of the latest CAPTURE_FRAMES frames */
  private readonly capture: { frame: Uint8Array; time: number }[] = [];
  private captureHead = 0;
  private captureDropped = 0;

  constructor() {
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

  plug(guest: number, name: string, segment: string, mac: string, channel: MessagePort): void {
    this.unplug(guest);
    const port = this.switch.addPort(new ChannelPort(channel), { name, segment });
    const entry: Entry = { guest, name, mac, port, packets: [], last: { at: performance.now(), frames: 0, bytes: 0 }, rate: { packets: 0, bytes: 0 } };
    this.entries.set(guest, entry);
    this.byPort.set(port, entry);
    // Frames the switch hands this port (the tap on every port sees only what ports send).
    this.switch.tap(port, (e) => {
      if (e.direction === 'received') this.record(port, 'received', e.frame, performance.timeOrigin + e.time);
    });
  }

  unplug(guest: number): void {
    const e = this.entries.get(guest);
    if (!e) return;
    this.entries.delete(guest);
    this.byPort.delete(e.port);
    this.switch.detach(e.port);
  }

  setSegment(guest: number, segment: string): void {
    const e = this.entries.get(guest);
    if (!e) throw new Error(`guest ${guest} is not on the network`);
    this.switch.setSegment(e.port, segment);
  }

  snapshot(): SwitchSnapshot {
    const ports: SwitchPortView[] = [];
    const packets: Record<number, PacketRecord[]> = {};
    for (const e of this.entries.values()) {
      const s = e.port.stats();
      let ip = '';
      try {
        ip = guestIpv4(e.mac);
      } catch {
        // a MAC without a host address: no Linux address to show
      }
      ports.push({
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
        packetsPerSecond: e.rate.packets,
        bytesPerSecond: e.rate.bytes,
      });
      packets[e.guest] = [...e.packets];
    }
    return { ports, packets, captureDropped: this.captureDropped };
  }

  pcap(): Uint8Array {
    const w = new PcapWriter();
    const n = this.capture.length;
    for (let i = 0; i < n; i++) {
      const f = this.capture[(this.captureHead + i) % n]!;
      w.add(f.frame, f.time);
    }
    const bytes = w.bytes();
    return Comlink.transfer(bytes, [bytes.buffer]);
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
  }
}

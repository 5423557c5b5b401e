// The page's switch (src/web/worker/switch-host.ts), driven here over real MessageChannels as the
// guests' workers drive it: frames forwarded by segment, the figures and packet lists the Network
// view mirrors, a segment move, and the capture's ring (the latest 20 000 frames, in order).
import { afterAll, describe, expect, it } from 'vitest';
import { SwitchHost, CAPTURE_FRAMES, PACKETS_PER_PORT } from '../src/web/worker/switch-host.js';
import { parsePcap } from '../src/net/pcap.js';

const hosts: SwitchHost[] = [];
const channels: MessagePort[] = [];
afterAll(() => {
  for (const p of channels) p.close();
});

const BCAST = [255, 255, 255, 255, 255, 255];
const mac = (n: number) => [2, 0, 0, 0, 0, n];

function arp(from: number, to: number): Uint8Array {
  return Uint8Array.from([...BCAST, ...mac(from), 8, 6, 0, 1, 8, 0, 6, 4, 0, 1, ...mac(from), 10, 0, 0, from, 0, 0, 0, 0, 0, 0, 10, 0, 0, to]);
}

/** A guest's end of its channel: what it received, and a way to send. */
function guestEnd(host: SwitchHost, guest: number, segment: string) {
  const { port1, port2 } = new MessageChannel();
  channels.push(port1, port2);
  const received: Uint8Array[] = [];
  port2.onmessage = (e: MessageEvent<{ frames: ArrayBuffer[] }>) => received.push(...e.data.frames.map((b) => new Uint8Array(b)));
  host.plug(guest, `g${guest}`, segment, `02:00:00:00:00:0${guest}`, port1);
  return {
    received,
    send: (frames: Uint8Array[]) => port2.postMessage({ frames: frames.map((f) => f.slice().buffer) }),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('the page\'s switch worker', () => {
  it('forwards within a segment only, counts, lists packets, moves a port', async () => {
    const host = new SwitchHost();
    hosts.push(host);
    const a = guestEnd(host, 1, 'lan');
    const b = guestEnd(host, 2, 'lan');
    const c = guestEnd(host, 3, 'red');
    a.send([arp(1, 2)]);
    await settle();
    expect(b.received.length).toBe(1);
    expect(c.received.length).toBe(0);
    const snap = host.snapshot();
    expect(snap.ports.map((p) => [p.guest, p.ip, p.segment, p.sentFrames, p.receivedFrames])).toEqual([
      [1, '10.0.0.1', 'lan', 1, 0],
      [2, '10.0.0.2', 'lan', 0, 1],
      [3, '10.0.0.3', 'red', 0, 0],
    ]);
    expect(snap.packets[1]![0]).toMatchObject({ direction: 'sent', protocol: 'ARP', summary: 'ARP, Request who-has 10.0.0.2 tell 10.0.0.1' });
    expect(snap.packets[2]![0]).toMatchObject({ direction: 'received', src: '02:00:00:00:00:01' });
    host.setSegment(3, 'lan');
    a.send([arp(1, 3)]);
    await settle();
    expect(c.received.length).toBe(1);
    expect(() => host.setSegment(9, 'lan')).toThrow(/not on the network/);
    host.unplug(2);
    expect(host.snapshot().ports.map((p) => p.guest)).toEqual([1, 3]);
  });

  it('keeps the latest frames: per port a bounded list, and a capture ring in order', async () => {
    const host = new SwitchHost();
    hosts.push(host);
    const a = guestEnd(host, 1, 'lan');
    const total = CAPTURE_FRAMES + 7;
    for (let sent = 0; sent < total; ) {
      const batch: Uint8Array[] = [];
      for (let i = 0; i < 200 && sent < total; i++, sent++) {
        const f = arp(1, 2);
        new DataView(f.buffer).setUint32(f.length - 8, sent); // a sequence number in the sender's address fields
        batch.push(f);
      }
      a.send(batch);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    }
    await settle();
    const snap = host.snapshot();
    expect(snap.ports[0]!.sentFrames).toBe(total);
    expect(snap.packets[1]!.length).toBe(PACKETS_PER_PORT);
    expect(snap.captureDropped).toBe(7);
    const cap = parsePcap(host.pcap());
    expect(cap.records.length).toBe(CAPTURE_FRAMES);
    const seq = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset, f.byteLength).getUint32(f.length - 8);
    expect(seq(cap.records[0]!.frame)).toBe(7); // the oldest kept
    expect(seq(cap.records[CAPTURE_FRAMES - 1]!.frame)).toBe(total - 1);
    expect(cap.records.every((r, i) => i === 0 || seq(r.frame) === seq(cap.records[i - 1]!.frame) + 1)).toBe(true);
  });
});

// The testing API on a network (issue 15): launchNetwork puts several guests on one virtual
// switch, each a TestGuest with its own console, and captures the frames; a guest asleep in WFI
// runs again as soon as a frame reaches it, even while the background loop sleeps.
import { describe, expect, it } from 'vitest';
import { launchNetwork, GuestTestError } from '../src/testing/index.js';
import { parsePcap, LINKTYPE_ETHERNET } from '../src/net/pcap.js';
import type { SwitchPort } from '../src/net/switch.js';
import { guestPath } from './helpers/guests.js';

const NETDEMO = guestPath('netdemo.elf');
const text = (f: Uint8Array) => new TextDecoder().decode(f.subarray(14)).replace(/\0+$/, '');

function frame(dst: number[], src: number[], payload: string): Uint8Array {
  const f = new Uint8Array(60);
  f.set(dst, 0);
  f.set(src, 6);
  f.set([0x88, 0xb5], 12);
  f.set(new TextEncoder().encode(payload), 14);
  return f;
}

describe('launchNetwork', () => {
  it('two netdemo guests ping-pong on one switch; consoles are per guest; capture() and pcap() have every frame', async () => {
    await using net = await launchNetwork(
      [
        { image: NETDEMO, name: 'a', segment: 'lan', ram: '1M' },
        { image: NETDEMO, name: 'b', segment: 'lan', ram: '1M' },
      ],
      {},
    );
    await net.guest('b').console.waitFor('rx PING 1 from 02:00:00:00:00:01');
    expect(await net.exits({ timeout: 30_000 })).toEqual([0, 0]);
    const a = net.guest('a').console.text();
    const b = net.guest('b').console.text();
    expect(a).toContain('rx PONG 5 from 02:00:00:00:00:02 (60 bytes)');
    expect(a).not.toContain('rx PING');
    expect(b).toContain('rx BYE from 02:00:00:00:00:01 (60 bytes)');
    expect(b).not.toContain('rx PONG');

    const frames = net.capture();
    const sent = (name: string) => net.port(name).stats().sentFrames;
    expect(frames.length).toBe(sent('a') + sent('b'));
    expect(frames.filter((f) => f.from === 'a').map((f) => text(f.frame))).toEqual(expect.arrayContaining(['PING 1', 'PING 5', 'BYE']));
    expect(frames.filter((f) => f.from === 'b').every((f) => text(f.frame).startsWith('PONG '))).toBe(true);
    expect(frames.every((f) => f.segment === 'lan')).toBe(true);
    const cap = parsePcap(net.pcap());
    expect(cap.linkType).toBe(LINKTYPE_ETHERNET);
    expect(cap.records.map((r) => [...r.frame])).toEqual(frames.map((f) => [...f.frame]));
    expect(() => net.guest('c')).toThrow(GuestTestError);
  });

  it('segments isolate, and moving a guest to the other segment lets the ping-pong through', async () => {
    await using net = await launchNetwork([
      { image: NETDEMO, name: 'a', segment: 'red', mac: '52:54:00:00:00:01', ram: '1M' },
      { image: NETDEMO, name: 'b', segment: 'blue', mac: '52:54:00:00:00:02', ram: '1M' },
    ]);
    // a pings every 100 ms; b, on blue, hears none of it.
    const pings = async (n: number) => {
      const end = performance.now() + 20_000;
      while (net.capture().filter((f) => f.from === 'a').length < n && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
    };
    await pings(3);
    expect(net.capture().filter((f) => f.from === 'a').length).toBeGreaterThanOrEqual(3);
    expect(net.guest('b').console.text()).not.toContain('rx ');
    expect(net.port('b').stats().receivedFrames).toBe(0);
    net.setSegment('b', 'red');
    expect(await net.exits({ timeout: 30_000 })).toEqual([0, 0]);
    expect(net.guest('b').console.text()).toContain('rx PING 5 from 52:54:00:00:00:01 (60 bytes)');
  });

  it('a guest asleep in WFI wakes as soon as a frame reaches it, while the loop sleeps', async () => {
    // A port of the test's own on the switch: it sends one PING when the test says so.
    const outbox: Uint8Array[] = [];
    const inbox: Uint8Array[] = [];
    const port: SwitchPort = {
      pull: (max) => outbox.splice(0, max),
      push: (f) => (inbox.push(f.slice()), true),
    };
    await using net = await launchNetwork([{ image: NETDEMO, name: 'b', segment: 'lan', mac: '52:54:00:00:00:02', ram: '1M' }]);
    net.switch.addPort(port, { segment: 'lan', name: 'tester' });
    const b = net.guest('b');
    await b.console.waitFor('virtio-net ready');
    // b now sleeps until its 60 s timer: nothing runs.
    await new Promise((r) => setTimeout(r, 200));
    const before = b.stats().instructions;
    await new Promise((r) => setTimeout(r, 200));
    expect(b.stats().instructions).toBe(before);
    expect(b.stats().state).toBe('waiting');

    const sentAt = performance.now();
    outbox.push(frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x52, 0x54, 0, 0, 0, 0x01], 'PING 1'));
    port.onReadable?.();
    await b.console.waitFor('rx PING 1 from 52:54:00:00:00:01 (60 bytes)', { timeout: 5_000 });
    const end = performance.now() + 5_000;
    while (inbox.length === 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(performance.now() - sentAt).toBeLessThan(5_000);
    expect(inbox.map(text)).toEqual(['PONG 1']);
    expect([...inbox[0]!.subarray(0, 6)]).toEqual([0x52, 0x54, 0, 0, 0, 0x01]);
  });
});

// The network between guests (issue 15): netdemo.elf's own virtio-net driver, two guests
// exchanging frames through the virtual switch on one instance and across two, segments that
// isolate, a flooding guest that slows only itself, pcap captures.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, Scheduler, VirtualSwitch, ChannelPort, NicLink, PcapWriter, parsePcap, LINKTYPE_ETHERNET, type Guest } from '../src/index.js';
import { guestPath } from './helpers/guests.js';

const NETDEMO = readFileSync(guestPath('netdemo.elf'));

interface Running {
  readonly scheduler: Scheduler;
  readonly out: Map<Guest, string>;
}

function scheduled(guests: Guest[]): Running {
  const out = new Map<Guest, string>(guests.map((g) => [g, '']));
  const scheduler = new Scheduler({ quantum: 20_000, onOutput: (sg, bytes) => out.set(sg.guest, out.get(sg.guest)! + new TextDecoder().decode(bytes)) });
  for (const g of guests) scheduler.add(g);
  return { scheduler, out };
}

/** Runs the schedulers (and lets channel messages through) until done() or the time runs out. */
async function runUntil(schedulers: Scheduler[], done: () => boolean, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) {
    for (const s of schedulers) s.runFor(5);
    await new Promise((r) => setImmediate(r));
  }
}

function netdemo(hv: Hypervisor): Guest {
  // Real time: in deterministic time a sleeping guest's clock jumps to its next timer, so the
  // initiator's 100 ms retries would all fire before its peer had a turn.
  const g = hv.createGuest({ ramBytes: 1 << 20 });
  g.load(NETDEMO);
  return g;
}

const PING_PONG_A = ['rx PONG 1 from 52:54:00:00:00:02 (60 bytes)', 'rx PONG 5 from 52:54:00:00:00:02 (60 bytes)', 'netdemo: done'];
const PING_PONG_B = ['rx PING 1 from 52:54:00:00:00:01 (60 bytes)', 'rx PING 5 from 52:54:00:00:00:01 (60 bytes)', 'rx BYE from 52:54:00:00:00:01 (60 bytes)', 'netdemo: done'];

describe('virtual switch', () => {
  it('two guests on one instance ping-pong through the switch, and a tap writes a pcap', async () => {
    const hv = await Hypervisor.create();
    const a = netdemo(hv);
    const b = netdemo(hv);
    const net = new VirtualSwitch();
    const pa = net.attach(a, { mac: '52:54:00:00:00:01', segment: 'lan' });
    const pb = net.attach(b, { mac: '52:54:00:00:00:02', segment: 'lan' });
    const pcap = new PcapWriter();
    net.tap(undefined, (e) => pcap.add(e.frame, e.time));
    const { scheduler, out } = scheduled([a, b]);
    net.bindScheduler(scheduler);
    await runUntil([scheduler], () => scheduler.guests.every((sg) => sg.state === 'halted'));
    for (const line of PING_PONG_A) expect(out.get(a)).toContain(line);
    for (const line of PING_PONG_B) expect(out.get(b)).toContain(line);
    expect(scheduler.guests.map((sg) => sg.exitCode)).toEqual([0, 0]);
    const sa = pa.stats();
    const sb = pb.stats();
    expect(sa.sentFrames).toBeGreaterThanOrEqual(6); // 5 pings + bye
    expect(sb.sentFrames).toBeGreaterThanOrEqual(5);
    expect(sa.nic?.txFrames).toBe(sa.sentFrames);
    expect(sb.receivedFrames).toBe(sb.nic?.rxFrames);
    expect(sa.drops + sb.drops).toBe(0);
    // Exits by reason: notifications, MAC reads, interrupts.
    const exits = Object.fromEntries(a.exits().map((e) => [e.name, e.count]));
    expect(exits['virtio-net:notify:tx']).toBeGreaterThanOrEqual(6);
    expect(exits['virtio-net:notify:rx']).toBeGreaterThanOrEqual(5);
    expect(exits['virtio-net:config']).toBe(7); // six MAC bytes + the script-mode probe
    expect(exits['virtio-net:interrupt']).toBeGreaterThan(0);
    expect(exits['virtio-net:needs-reset']).toBeUndefined();
    // The capture: every frame once, as sent, in libpcap format.
    const cap = parsePcap(pcap.bytes());
    expect(cap.linkType).toBe(LINKTYPE_ETHERNET);
    expect(cap.records.length).toBe(sa.sentFrames + sb.sentFrames);
    const first = cap.records[0]!.frame;
    expect(first.length).toBe(60);
    expect([...first.subarray(0, 6)]).toEqual([255, 255, 255, 255, 255, 255]);
    expect(new TextDecoder().decode(first.subarray(14, 20))).toBe('PING 1');
    // The switch learned both addresses on segment 'lan'.
    expect(net.addresses().map((x) => x.mac).sort()).toEqual(['52:54:00:00:00:01', '52:54:00:00:00:02']);
    hv.destroyAll();
  });

  it('two guests on two instances, across a MessageChannel', async () => {
    const hv1 = await Hypervisor.create();
    const hv2 = await Hypervisor.create();
    const a = netdemo(hv1);
    const b = netdemo(hv2);
    const net = new VirtualSwitch();
    net.attach(a, { mac: '52:54:00:00:00:01' });
    const channel = new MessageChannel();
    const remote = net.addPort(new ChannelPort(channel.port1), { name: 'remote b' });
    const link = new NicLink(b, channel.port2, { mac: '52:54:00:00:00:02' });
    const r1 = scheduled([a]);
    const r2 = scheduled([b]);
    net.bindScheduler(r1.scheduler);
    link.bindScheduler(r2.scheduler);
    await runUntil([r1.scheduler, r2.scheduler], () => [r1, r2].every((r) => r.scheduler.guests[0]!.state === 'halted'));
    for (const line of PING_PONG_A) expect(r1.out.get(a)).toContain(line);
    for (const line of PING_PONG_B) expect(r2.out.get(b)).toContain(line);
    expect(remote.stats().sentFrames).toBeGreaterThanOrEqual(5);
    expect(link.stats().rxFrames).toBeGreaterThanOrEqual(6);
    net.close();
    link.close();
    hv1.destroyAll();
    hv2.destroyAll();
  });

  it('segments isolate: a guest on another segment sees nothing, broadcasts included', async () => {
    const hv = await Hypervisor.create();
    const a = netdemo(hv);
    const b = netdemo(hv); // the responder, on another segment
    const c = netdemo(hv); // a second responder on a's segment... answers
    const net = new VirtualSwitch();
    const pa = net.attach(a, { mac: '52:54:00:00:00:01', segment: 'red' });
    const pb = net.attach(b, { mac: '52:54:00:00:00:02', segment: 'blue' });
    net.attach(c, { mac: '52:54:00:00:00:03', segment: 'red' });
    const { scheduler, out } = scheduled([a, b, c]);
    net.bindScheduler(scheduler);
    await runUntil([scheduler], () => scheduler.guests[0]!.state === 'halted' && scheduler.guests[2]!.state === 'halted');
    expect(out.get(a)).toContain('rx PONG 5 from 52:54:00:00:00:03 (60 bytes)');
    expect(out.get(c)).toContain('rx BYE from 52:54:00:00:00:01 (60 bytes)');
    expect(out.get(b)).not.toContain('rx ');
    expect(pb.stats().receivedFrames).toBe(0);
    expect(pb.stats().nic?.rxFrames).toBe(0);
    expect(pa.stats().receivedFrames).toBeGreaterThanOrEqual(5);
    hv.destroyAll();
  });

  it('a flooding guest slows only itself: another pair still finishes, and its drops are its own', async () => {
    const rounds = 20;
    async function pairTime(withFlood: boolean): Promise<{ instructions: number; ms: number; floodDrops: number; floodSent: number }> {
      const hv = await Hypervisor.create();
      const a = netdemo(hv);
      const b = netdemo(hv);
      const net = new VirtualSwitch({ queueFrames: 64 });
      net.attach(a, { mac: `52:54:00:${rounds.toString(16)}:00:01` });
      net.attach(b, { mac: `52:54:00:${rounds.toString(16)}:00:02` });
      const guests = [a, b];
      if (withFlood) {
        const f = netdemo(hv);
        net.attach(f, { mac: '52:54:00:00:01:07' });
        guests.push(f);
      }
      const { scheduler } = scheduled(guests);
      net.bindScheduler(scheduler);
      const t0 = performance.now();
      await runUntil([scheduler], () => scheduler.guests[0]!.state === 'halted' && scheduler.guests[1]!.state === 'halted', 60_000);
      const ms = performance.now() - t0;
      expect(scheduler.guests[0]!.exitCode).toBe(0);
      expect(scheduler.guests[1]!.exitCode).toBe(0);
      const stats = net.stats();
      const floodDrops = withFlood ? stats[0]!.drops + stats[1]!.drops : 0;
      const floodSent = withFlood ? stats[2]!.sentFrames : 0;
      const instructions = scheduler.guests[0]!.instructions;
      hv.destroyAll();
      return { instructions, ms, floodDrops, floodSent };
    }
    const solo = await pairTime(false);
    const flooded = await pairTime(true);
    console.log(`pair of ${rounds} ping-pongs: alone ${solo.ms.toFixed(0)} ms, beside a flooder ${flooded.ms.toFixed(0)} ms (the flooder sent ${flooded.floodSent} frames; ${flooded.floodDrops} dropped at the pair's ports)`);
    // The flooder shares the CPU (a third of it) and the pair's ports: the pair must still be done in
    // well under 10x its solo time.
    expect(flooded.ms).toBeLessThan(solo.ms * 10 + 2000);
    expect(flooded.floodSent).toBeGreaterThan(1000); // it did flood
  });
});

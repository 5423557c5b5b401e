// Linux guests on the virtual switch (issue 15): each gets its address from the hypervisor (the
// kernel's `ip=`, from its MAC), pings the other and fetches a file from the other's httpd with
// the same checksum on both sides — with both guests on one host CPU and with them on two (two
// core instances, the card of the second linked to the switch through a MessageChannel).
// Segments isolate them, and a flooding guest does not starve another pair's transfer.
// Real time throughout: ping's timers and TCP's retransmissions need the wall clock.

import { describe, expect, it } from 'vitest';
import { launchNetwork, type NetworkGuestOptions, type TestGuest, type TestNetwork } from '../src/testing/index.js';
import { shellAt } from './helpers/linux-shell.js';

const image = new URL('../guests/bin/linux-rv32imac.Image', import.meta.url).pathname;
const PROMPT = /root@minivisor:[^\r\n]*# /;

function linux(name: string, segment: string, instance = 0): NetworkGuestOptions {
  return { image, mode: 'kernel', ram: '64M', name, segment, instance, timeout: 30_000 };
}

const { sh, ok } = shellAt(PROMPT, 25_000);

async function booted(net: TestNetwork, ...names: string[]): Promise<void> {
  for (const n of names) {
    const g = net.guest(n);
    await g.console.waitFor(PROMPT);
    // A wide terminal: nothing typed here wraps in the line editor.
    await ok(g, 'stty cols 250 rows 40');
  }
}

/** `ping -c N` from g to addr: the transmitted/received counts ping prints. */
async function ping(g: TestGuest, addr: string, count = 3): Promise<{ sent: number; received: number; out: string }> {
  const r = await sh(g, `ping -c ${count} -W 1 ${addr}`);
  const m = /(\d+) packets transmitted, (\d+) packets received/.exec(r.out);
  expect(m, `ping printed no summary:\n${r.out}`).not.toBeNull();
  return { sent: Number(m![1]), received: Number(m![2]), out: r.out };
}

/**
 * server serves a generated file of `kib` KiB over httpd; client fetches it with wget; the
 * SHA-256 on both sides must match. Returns the checksum.
 */
async function transfer(server: TestGuest, client: TestGuest, serverAddr: string, kib: number, tag: string): Promise<string> {
  await ok(server, `mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/${tag} bs=1024 count=${kib} 2>/dev/null && httpd -p 80 -h /tmp/www`);
  const sum = /^([0-9a-f]{64}) /m.exec(await ok(server, `sha256sum /tmp/www/${tag}`))![1]!;
  await ok(client, `wget -q -O /tmp/${tag} http://${serverAddr}/${tag}`, 60_000);
  const got = /^([0-9a-f]{64}) /m.exec(await ok(client, `sha256sum /tmp/${tag}`))![1]!;
  expect(got).toBe(sum);
  expect(await ok(client, `wc -c < /tmp/${tag}`)).toBe(`${kib * 1024}\n`);
  return sum;
}

describe('Linux guests on the network', () => {
  for (const [label, second] of [
    ['one host CPU', 0],
    ['two host CPUs', 1],
  ] as const) {
    it(`two guests get addresses, ping each other and transfer a file (${label})`, async () => {
      await using net = await launchNetwork([linux('a', 'lan'), linux('b', 'lan', second)]);
      await booted(net, 'a', 'b');
      // The hypervisor gave each its address: 10.0.HH.LL from the MAC's last two bytes.
      expect(await ok(net.guest('a'), 'ip -4 addr show dev eth0')).toMatch(/inet 10\.0\.0\.1\/16 /);
      expect(await ok(net.guest('b'), 'ip -4 addr show dev eth0')).toMatch(/inet 10\.0\.0\.2\/16 /);
      const p = await ping(net.guest('a'), '10.0.0.2');
      expect(p).toMatchObject({ sent: 3, received: 3 });
      expect((await ping(net.guest('b'), '10.0.0.1')).received).toBe(3);
      await transfer(net.guest('b'), net.guest('a'), '10.0.0.2', 512, 'blob');
      // The frames went through the switch, on the ports of a and b only.
      const sa = net.port('a').stats();
      const sb = net.port('b').stats();
      expect(sa.receivedBytes).toBeGreaterThan(512 * 1024);
      expect(sb.sentBytes).toBeGreaterThan(512 * 1024);
      expect(sa.drops + sb.drops).toBe(0);
      // Every ICMP echo of the pings is in the capture: IPv4, protocol 1, type 8.
      const echoes = net.capture().filter((f) => f.frame[12] === 0x08 && f.frame[13] === 0x00 && f.frame[23] === 1 && f.frame[34] === 8);
      expect(echoes.length).toBe(6);
    }, 90_000);
  }

  it('segments isolate: a ping across segments fails until the guest moves back', async () => {
    await using net = await launchNetwork([linux('a', 'red'), linux('b', 'blue')]);
    await booted(net, 'a', 'b');
    const across = await ping(net.guest('a'), '10.0.0.2', 2);
    expect(across).toMatchObject({ sent: 2, received: 0 });
    // Not even its ARP requests (broadcasts) reached b.
    expect(net.port('b').stats().receivedFrames).toBe(0);
    net.setSegment('b', 'red');
    expect((await ping(net.guest('a'), '10.0.0.2', 2)).received).toBe(2);
    net.setSegment('b', 'blue');
    expect((await ping(net.guest('a'), '10.0.0.2', 2)).received).toBe(0);
  }, 90_000);

  it('a flooding guest does not starve another pair: its transfer completes while the flood goes on', async () => {
    // The flooder is hostile and bare-metal: netdemo in flood mode (MAC ..:01:II) sends broadcast
    // frames as fast as its card takes them, so every one reaches both Linux guests' ports.
    const netdemo = new URL('../guests/bin/netdemo.elf', import.meta.url).pathname;
    await using net = await launchNetwork([linux('a', 'lan'), linux('b', 'lan'), { image: netdemo, ram: '1M', name: 'flood', segment: 'lan', mac: '52:54:00:00:01:07' }]);
    await booted(net, 'a', 'b');
    await net.guest('flood').console.waitFor('netdemo: flooding');
    const before = net.port('flood').stats().sentFrames;
    const t0 = performance.now();
    await transfer(net.guest('b'), net.guest('a'), '10.0.0.2', 128, 'during-flood');
    const ms = performance.now() - t0;
    const flooded = net.port('flood').stats().sentFrames - before;
    console.log(`128 KiB over httpd/wget beside a flooder: ${ms.toFixed(0)} ms; the flooder sent ${flooded} frames meanwhile; drops at a ${net.port('a').stats().drops}, at b ${net.port('b').stats().drops}`);
    expect(ms).toBeLessThan(30_000);
    expect(flooded, 'the flood went on during the transfer').toBeGreaterThan(1000);
    // The pair still pings without loss: its frames are not the ones dropped.
    expect((await ping(net.guest('a'), '10.0.0.2', 3)).received).toBe(3);
  }, 120_000);
});

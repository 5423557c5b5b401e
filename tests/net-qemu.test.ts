// netdemo.elf, its own virtio-net driver, against QEMU 7.2's virtio-net-device: two QEMU
// instances joined by a socket netdev, and two minivisor guests on the virtual switch, must
// print the same thing, byte for byte. Runs whenever qemu-system-riscv32 is installed (CI installs it).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, Scheduler, VirtualSwitch, type Guest } from '../src/index.js';
import { guestPath, hasQemu } from './helpers/guests.js';

function qemu(mac: string, netdev: string): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn('qemu-system-riscv32', [
      '-M', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'stdio',
      // What minivisor's card is: a modern (version 2) transport in the first slot.
      '-global', 'virtio-mmio.force-legacy=false',
      '-netdev', `socket,id=n0,${netdev}`,
      '-device', `virtio-net-device,netdev=n0,bus=virtio-mmio-bus.0,mac=${mac}`,
      '-kernel', guestPath('netdemo.elf'),
    ]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
}

async function onMinivisor(): Promise<string[]> {
  const hv = await Hypervisor.create();
  const net = new VirtualSwitch();
  const out = new Map<Guest, string>();
  const scheduler = new Scheduler({ quantum: 20_000, onOutput: (sg, b) => out.set(sg.guest, (out.get(sg.guest) ?? '') + new TextDecoder().decode(b)) });
  const guests = ['52:54:00:00:00:01', '52:54:00:00:00:02'].map((mac) => {
    const g = hv.createGuest({ ramBytes: 1 << 20 });
    g.load(readFileSync(guestPath('netdemo.elf')));
    net.attach(g, { mac });
    scheduler.add(g);
    return g;
  });
  net.bindScheduler(scheduler);
  const end = performance.now() + 20_000;
  while (!scheduler.guests.every((sg) => sg.state === 'halted') && performance.now() < end) {
    scheduler.runFor(5);
    await new Promise((r) => setImmediate(r));
  }
  expect(scheduler.guests.map((sg) => sg.exitCode)).toEqual([0, 0]);
  const texts = guests.map((g) => out.get(g) ?? '');
  hv.destroyAll();
  return texts;
}

describe.runIf(hasQemu)('netdemo.elf on minivisor matches QEMU virtio-net-device', () => {
  it('prints the same ping-pong on both sides', async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const responder = qemu('52:54:00:00:00:02', `listen=127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 500));
    const initiator = qemu('52:54:00:00:00:01', `connect=127.0.0.1:${port}`);
    const [qa, qb] = await Promise.all([initiator, responder]);
    expect(qa.code).toBe(0);
    expect(qb.code).toBe(0);
    expect(qa.out).toContain('rx PONG 5 from 52:54:00:00:00:02 (60 bytes)');
    const [ma, mb] = await onMinivisor();
    expect(ma).toBe(qa.out);
    expect(mb).toBe(qb.out);
  });
});

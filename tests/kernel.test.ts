/**
 * Kernel-mode boot through the host API (Guest.bootKernel), the kernel-image parser, and the
 * VM-exit names and table. Needs the core (build/minivisor.wasm, `npm run build:core`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hypervisor, StopReason, Priv } from '../src/index.js';
import { KernelError, parseKernel, type KernelErrorCode } from '../src/loader/kernel.js';
import { EXIT_NAMES, exitIndex, formatExitTable, namedExits } from '../src/core/exits.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFdt, parseFdt, type FdtNode } from '../src/boot/fdt.js';
import { virtDeviceTree } from '../src/boot/virt-devicetree.js';
import { hasQemu } from './helpers/guests.js';
import { buildElf, code, programElf, reg, rv } from './helpers/elf-builder.js';

const RAM_BASE = 0x8000_0000;
const SBI_DBCN = 0x4442_434e;
const SBI_SRST = 0x5352_5354;

/** S-mode code: SBI DBCN console_write_byte(c). */
function sbiPutc(c: string): number[] {
  return [...rv.li(reg.a7, SBI_DBCN), rv.addi(reg.a6, reg.zero, 2), rv.addi(reg.a0, reg.zero, c.charCodeAt(0)), rv.ecall()];
}

/** S-mode code: SBI SRST system_reset(type, reason). type 0 shutdown, 1 cold reboot. */
function sbiReset(type: number, reason: number): number[] {
  return [
    ...rv.li(reg.a7, SBI_SRST),
    rv.addi(reg.a6, reg.zero, 0),
    rv.addi(reg.a0, reg.zero, type),
    rv.addi(reg.a1, reg.zero, reason),
    rv.ecall(),
    rv.spin(),
  ];
}

/** A RISC-V Linux Image: 64-byte header (code0 jumps over it), then `words`. */
function linuxImage(words: (number | number[])[], opts: { textOffset?: number; imageSize?: number } = {}): Uint8Array {
  const body = code(words);
  const out = new Uint8Array(64 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, rv.j(64), true); // code0: j 64
  v.setBigUint64(0x08, BigInt(opts.textOffset ?? 0), true);
  v.setBigUint64(0x10, BigInt(opts.imageSize ?? out.length + 4096), true); // with some bss
  v.setUint32(0x20, 2, true); // version 0.2
  out.set([0x52, 0x49, 0x53, 0x43, 0x56, 0, 0, 0], 0x30); // "RISCV\0\0\0"
  out.set([0x52, 0x53, 0x43, 0x05], 0x38); // "RSC\x05"
  out.set(body, 64);
  return out;
}

function runToStop(guest: ReturnType<Hypervisor['createGuest']>, budget = 1_000_000): { reason: number; output: string } {
  let output = '';
  for (;;) {
    const reason = guest.run(budget);
    output += new TextDecoder().decode(guest.readConsole());
    if (reason !== StopReason.OutputFull && reason !== StopReason.Budget) return { reason, output };
  }
}

function prop(node: FdtNode, path: string[], name: string): Uint8Array | undefined {
  let n: FdtNode | undefined = node;
  for (const p of path) n = n?.children?.find((c) => c.name === p);
  const v = n?.props?.[name];
  return v instanceof Uint8Array ? v : undefined;
}

function cString(b: Uint8Array | undefined): string | undefined {
  if (!b) return undefined;
  const end = b.indexOf(0);
  return new TextDecoder().decode(b.subarray(0, end < 0 ? b.length : end));
}

let hv: Hypervisor;
beforeAll(async () => {
  hv = await Hypervisor.create();
});
afterAll(() => hv?.destroyAll());

describe('Guest.bootKernel', () => {
  const hello = programElf([...sbiPutc('K'), ...sbiReset(0, 0)]);

  it('enters S-mode at the entry with a0 = 0 and a1 = a device tree in RAM', () => {
    const g = hv.createGuest({ ramBytes: 4 << 20 });
    try {
      const k = g.bootKernel(hello);
      expect(k.format).toBe('elf');
      expect(g.pc).toBe(RAM_BASE);
      expect(g.priv).toBe(Priv.Supervisor);
      expect(g.reg(10)).toBe(0);
      const dtb = g.reg(11);
      expect(dtb).toBe(k.deviceTree.address);
      expect(dtb).toBeGreaterThanOrEqual(k.endAddress);
      expect(dtb + k.deviceTree.blob.length).toBeLessThanOrEqual(RAM_BASE + g.ramBytes);
      const ram = g.ram();
      const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
      expect(view.getUint32(dtb - RAM_BASE, false)).toBe(0xd00dfeed);
    } finally {
      g.destroy();
    }
  });

  it('prints through SBI DBCN and shuts down through SBI SRST with exit code 0', () => {
    const g = hv.createGuest({ ramBytes: 4 << 20 });
    try {
      g.bootKernel(hello);
      const { reason, output } = runToStop(g);
      expect(output).toBe('K');
      expect(reason).toBe(StopReason.Halted);
      expect(g.exitCode).toBe(0);
      const exits = Object.fromEntries(g.exits().map((e) => [e.name, e.count]));
      expect(exits['sbi:dbcn.console_write_byte']).toBe(1);
      expect(exits['sbi:srst.system_reset']).toBe(1);
    } finally {
      g.destroy();
    }
  });

  it('SRST shutdown for a system failure exits 1', () => {
    const g = hv.createGuest({ ramBytes: 1 << 20 });
    try {
      g.bootKernel(programElf(sbiReset(0, 1)));
      expect(runToStop(g).reason).toBe(StopReason.Halted);
      expect(g.exitCode).toBe(1);
    } finally {
      g.destroy();
    }
  });

  it('--append reaches /chosen/bootargs', () => {
    const g = hv.createGuest({ ramBytes: 32 << 20 });
    try {
      const bootargs = 'console=hvc0 earlycon=sbi quiet';
      const k = g.bootKernel(hello, { bootargs });
      const off = g.reg(11) - RAM_BASE;
      const tree = parseFdt(g.ram().slice(off, off + k.deviceTree.blob.length));
      expect(cString(prop(tree, ['chosen'], 'bootargs'))).toBe(bootargs);
      const mem = prop(tree, ['memory@80000000'], 'reg');
      expect(mem).toBeDefined();
      const cells = new DataView(mem!.buffer, mem!.byteOffset, mem!.byteLength);
      expect([0, 4, 8, 12].map((o) => cells.getUint32(o, false))).toEqual([0, RAM_BASE, 0, 32 << 20]);
    } finally {
      g.destroy();
    }
  });

  it('boots a RISC-V Linux Image at RAM start + text_offset, zeroing its bss', () => {
    const g = hv.createGuest({ ramBytes: 8 << 20 });
    try {
      const image = linuxImage([...sbiPutc('I'), ...sbiReset(0, 0)], { textOffset: 0x20_0000 });
      const ram = g.ram();
      ram.fill(0xaa, 0x20_0000 + image.length, 0x20_0000 + image.length + 4096);
      const k = g.bootKernel(image);
      expect(k.format).toBe('image');
      expect(k.entry).toBe(RAM_BASE + 0x20_0000);
      expect(g.pc).toBe(RAM_BASE + 0x20_0000);
      expect(ram.subarray(0x20_0000 + image.length, 0x20_0000 + image.length + 4096).every((b) => b === 0)).toBe(true);
      const { reason, output } = runToStop(g);
      expect(output).toBe('I');
      expect(reason).toBe(StopReason.Halted);
    } finally {
      g.destroy();
    }
  });

  it('reset() reloads the kernel, rewrites the device tree and boots it again (SBI reboot)', () => {
    // Prints "R", bumps a counter outside the image; reboots until it reaches 3, then shuts down.
    const counter = 0x8010_0000;
    const head = [...sbiPutc('R'), rv.lui(reg.t0, counter >>> 12), rv.lw(reg.t1, reg.t0, 0), rv.addi(reg.t1, reg.t1, 1), rv.sw(reg.t1, reg.t0, 0), rv.addi(reg.t2, reg.zero, 3)];
    const done = sbiReset(0, 0);
    const words = [...head, rv.bne(reg.t1, reg.t2, 4 * (done.length + 1)), ...done, ...sbiReset(1, 0)];
    const g = hv.createGuest({ ramBytes: 4 << 20 });
    try {
      const k = g.bootKernel(programElf(words), { bootargs: 'x' });
      let output = '';
      let resets = 0;
      for (;;) {
        const r = runToStop(g);
        output += r.output;
        if (r.reason !== StopReason.Reset) {
          expect(r.reason).toBe(StopReason.Halted);
          break;
        }
        resets++;
        // The guest scribbles on its device tree; reset must restore it.
        g.ram().fill(0, k.deviceTree.address - RAM_BASE, k.deviceTree.address - RAM_BASE + 16);
        g.reset();
        expect(g.priv).toBe(Priv.Supervisor);
        expect(g.reg(11)).toBe(k.deviceTree.address);
        const ram = g.ram();
        expect(new DataView(ram.buffer, ram.byteOffset).getUint32(k.deviceTree.address - RAM_BASE, false)).toBe(0xd00dfeed);
      }
      expect(output).toBe('RRR');
      expect(resets).toBe(2);
      expect(g.exitCode).toBe(0);
    } finally {
      g.destroy();
    }
  });
});

describe('the device tree lists the network card (virtio-mmio slot 0)', () => {
  const soc = (): FdtNode => parseFdt(buildFdt(virtDeviceTree({ ramBytes: 32 << 20 }))).children!.find((c) => c.name === 'soc')!;
  const node = (tree: FdtNode): FdtNode | undefined => tree.children?.find((c) => c.name === 'virtio_mmio@10001000');

  it('virtio_mmio@10001000: compatible virtio,mmio, reg 0x10001000 size 0x1000, PLIC source 1', () => {
    const n = node(soc());
    expect(n).toBeDefined();
    expect(cString(prop(n!, [], 'compatible'))).toBe('virtio,mmio');
    const cells = (b: Uint8Array) => Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer, b.byteOffset).getUint32(4 * i, false));
    expect(cells(prop(n!, [], 'reg')!)).toEqual([0, 0x1000_1000, 0, 0x1000]);
    expect(cells(prop(n!, [], 'interrupts')!)).toEqual([1]);
    const plic = soc().children!.find((c) => c.name === 'plic@c000000')!;
    expect(cells(prop(n!, [], 'interrupt-parent')!)).toEqual(cells(prop(plic, [], 'phandle')!));
    // Only the slot the core fills is listed.
    expect(soc().children!.filter((c) => c.name.startsWith('virtio_mmio@')).map((c) => c.name)).toEqual(['virtio_mmio@10001000']);
  });

  it.runIf(hasQemu)("has the same properties as QEMU's virt board gives slot 0", () => {
    const dir = mkdtempSync(join(tmpdir(), 'minivisor-dtb-'));
    try {
      const file = join(dir, 'virt.dtb');
      const r = spawnSync('qemu-system-riscv32', ['-M', `virt,dumpdtb=${file}`, '-bios', 'none', '-nographic', '-global', 'virtio-mmio.force-legacy=false', '-device', 'virtio-net-device,bus=virtio-mmio-bus.0'], { timeout: 30_000 });
      expect(r.status).toBe(0);
      const qemuSoc = parseFdt(new Uint8Array(readFileSync(file))).children!.find((c) => c.name === 'soc')!;
      const theirs = node(qemuSoc)!;
      const ours = node(soc())!;
      const plicPhandle = (s: FdtNode) => prop(s.children!.find((c) => c.name.startsWith('plic@'))!, [], 'phandle');
      for (const name of ['compatible', 'reg', 'interrupts']) expect([name, prop(ours, [], name)]).toEqual([name, prop(theirs, [], name)]);
      // interrupt-parent is the PLIC in both (phandle numbers differ between the trees)
      expect(prop(theirs, [], 'interrupt-parent')).toEqual(plicPhandle(qemuSoc));
      expect(prop(ours, [], 'interrupt-parent')).toEqual(plicPhandle(soc()));
      expect(Object.keys(ours.props ?? {}).sort()).toEqual(Object.keys(theirs.props ?? {}).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseKernel', () => {
  function kernelError(bytes: Uint8Array, ramBytes = 4 << 20): KernelError {
    try {
      parseKernel(bytes, { ramBytes });
    } catch (e) {
      expect(e).toBeInstanceOf(KernelError);
      return e as KernelError;
    }
    throw new Error('expected a KernelError');
  }
  function expectKernelError(bytes: Uint8Array, code: KernelErrorCode, text: string, ramBytes?: number): void {
    const e = kernelError(bytes, ramBytes);
    expect(e.code).toBe(code);
    expect(e.message).toContain(text);
  }

  it('rejects a file that is neither ELF nor Image', () => {
    expectKernelError(new TextEncoder().encode('hello, this is not a kernel at all, just text, long enough to have 0x38 bytes.'), 'not-kernel', 'not a RISC-V kernel image');
    expectKernelError(new Uint8Array(0), 'empty', 'not a RISC-V kernel image');
  });

  it('rejects an Image shorter than its header', () => {
    const image = linuxImage([rv.spin()]).slice(0, 60);
    expectKernelError(image, 'truncated', 'only 60 bytes');
  });

  it('rejects an Image whose image_size is smaller than the file', () => {
    const image = linuxImage([rv.spin(), rv.spin()], { imageSize: 64 });
    expectKernelError(image, 'bad-header', 'image_size 64');
  });

  it('accepts an Image whose file stops short of image_size (bss)', () => {
    const image = linuxImage([rv.spin()], { imageSize: 1 << 20 });
    const k = parseKernel(image, { ramBytes: 4 << 20 });
    expect(k.endAddress).toBe(RAM_BASE + (1 << 20));
  });

  it('rejects a kernel that runs into the device tree or out of RAM', () => {
    // Files as long as most of their image_size, as real kernels are (only bss is missing).
    const body = (bytes: number): number[] => new Array<number>(bytes / 4).fill(0);
    expectKernelError(linuxImage([rv.spin(), body(3 << 20)], { imageSize: 4 << 20 }), 'overlaps-device-tree', 'device tree');
    expectKernelError(linuxImage([rv.spin(), body(6 << 20)], { imageSize: 8 << 20 }), 'too-large', 'RAM');
    expectKernelError(linuxImage([rv.spin()], { textOffset: 8 << 20 }), 'outside-ram', 'text_offset');
  });

  it('wraps ELF problems, keeping the loader message', () => {
    const e = kernelError(programElf([rv.spin()]).slice(0, 40));
    expect(e.code).toBe('invalid-elf');
    expect(e.message).toContain('ELF header truncated');
  });

  it('translates a virtual ELF entry (vmlinux style) to its physical address', async () => {
    const { buildElf } = await import('./helpers/elf-builder.js');
    const elf = buildElf({
      entry: 0xc000_0010,
      segments: [{ paddr: RAM_BASE + 0x40_0000, vaddr: 0xc000_0000, data: code([rv.spin(), rv.spin(), rv.spin(), rv.spin(), rv.spin()]) }],
    });
    const k = parseKernel(elf, { ramBytes: 16 << 20 });
    expect(k.entry).toBe(RAM_BASE + 0x40_0010);
  });
});

describe('VM-exit names', () => {
  it('names every index the way the core numbers them', () => {
    expect(EXIT_NAMES).toHaveLength(128);
    expect(new Set(EXIT_NAMES).size).toBe(128);
    const at: Record<string, number> = {
      'mmio:uart:read': 0,
      'mmio:uart:write': 1,
      'mmio:clint:write': 3,
      'mmio:virtio:write': 9,
      'mmio:unmapped': 10,
      'csr:machine': 11,
      'csr:other': 16,
      mret: 17,
      'sfence.vma': 20,
      'tlb:refill': 21,
      'exception:instruction_misaligned': 24,
      'exception:illegal_instruction': 26,
      'exception:ecall_from_u': 32,
      'exception:store_page_fault': 39,
      'interrupt:supervisor_software': 41,
      'interrupt:machine_timer': 47,
      'interrupt:machine_external': 51,
      'sbi:legacy.set_timer': 56,
      'sbi:legacy.shutdown': 64,
      'sbi:base.get_spec_version': 65,
      'sbi:base.probe_extension': 68,
      'sbi:time.set_timer': 72,
      'sbi:ipi.send_ipi': 73,
      'sbi:rfence.remote_fence_i': 74,
      'sbi:hsm.hart_start': 81,
      'sbi:srst.system_reset': 85,
      'sbi:dbcn.console_write': 86,
      'sbi:dbcn.console_write_byte': 88,
      'sbi:other': 89,
    };
    for (const [name, index] of Object.entries(at)) expect(exitIndex(name), name).toBe(index);
  });

  it('formats a kvm_stat-like table sorted by count', () => {
    const counts = new Array(128).fill(0);
    counts[1] = 30;
    counts[72] = 10;
    counts[47] = 60;
    const stats = namedExits(counts);
    expect(stats.map((s) => s.name)).toEqual(['mmio:uart:write', 'interrupt:machine_timer', 'sbi:time.set_timer']);
    const table = formatExitTable(stats, { instructions: 1000, seconds: 2 });
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toBe('VM exits: 100, 1000 instructions, 10.0 instructions per exit, 2.000 s');
    expect(lines[1]).toMatch(/^Event\s+Total\s+%Total\s+Rate\/s$/);
    expect(lines[2]).toMatch(/^interrupt:machine_timer\s+60\s+60\.0\s+30\.0$/);
    expect(lines[3]).toMatch(/^mmio:uart:write\s+30\s+30\.0\s+15\.0$/);
    expect(lines[4]).toMatch(/^sbi:time\.set_timer\s+10\s+10\.0\s+5\.0$/);
    expect(lines[6]).toMatch(/^Total\s+100\s+100\.0\s+50\.0$/);
  });
});

describe('a kernel ELF with 65534 segments', () => {
  it('is parsed in a fraction of the time a quadratic overlap check takes, its range spanning them all', () => {
    const segments = Array.from({ length: 65534 }, (_, i) => ({ paddr: RAM_BASE + 16 * i, data: [0x13, 0, 0, 0], memsz: 16 }));
    const elf = buildElf({ segments });
    let best = Infinity; // the fastest of 3: the machine is shared
    let k;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      k = parseKernel(elf, { ramBytes: 4 << 20 });
      best = Math.min(best, performance.now() - t0);
    }
    expect(best).toBeLessThan(2500); // 3.4 s (7-12 s on a loaded machine) with the quadratic overlap check
    expect(k!.loadAddress).toBe(RAM_BASE);
    expect(k!.endAddress).toBe(RAM_BASE + 16 * 65534);
  });
});

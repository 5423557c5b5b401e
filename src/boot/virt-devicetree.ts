// The device tree a kernel-mode guest receives in a1: minivisor's subset of QEMU's virt board
// (hw/riscv/virt.c), generated from the guest's configuration. It lists exactly the devices the
// core models and the ISA the core implements, nothing more, so that a kernel never probes
// hardware that is not there.

import { buildFdt, type FdtNode } from './fdt.js';

export const RAM_BASE = 0x8000_0000;
export const TIMEBASE_HZ = 10_000_000;
/** What the core implements: RV32IMAC with Zicsr and Zifencei, Sv32. */
export const ISA_STRING = 'rv32imac_zicsr_zifencei';
export const ISA_EXTENSIONS = ['i', 'm', 'a', 'c', 'zicsr', 'zifencei'];

export interface VirtDeviceTreeOptions {
  ramBytes: number;
  bootargs?: string;
}

const PHANDLE_CPU_INTC = 1;
const PHANDLE_PLIC = 2;
const PHANDLE_TEST = 3;

/** virtio-net: the first virtio-mmio slot and its PLIC source (docs/network.md). */
export const VIRTIO_NET_BASE = 0x1000_1000;
export const VIRTIO_NET_IRQ = 1;

const reg = (base: number, size: number): number[] => [0, base, 0, size];

export function virtDeviceTree(opts: VirtDeviceTreeOptions): FdtNode {
  const uart = '/soc/serial@10000000';
  return {
    name: '',
    props: {
      '#address-cells': 2,
      '#size-cells': 2,
      compatible: 'riscv-virtio',
      model: 'riscv-virtio,qemu',
    },
    children: [
      {
        name: 'chosen',
        props: { bootargs: opts.bootargs ?? '', 'stdout-path': uart },
      },
      {
        name: 'memory@80000000',
        props: { device_type: 'memory', reg: reg(RAM_BASE, opts.ramBytes) },
      },
      {
        name: 'cpus',
        props: { '#address-cells': 1, '#size-cells': 0, 'timebase-frequency': TIMEBASE_HZ },
        children: [
          {
            name: 'cpu@0',
            props: {
              device_type: 'cpu',
              reg: 0,
              status: 'okay',
              compatible: 'riscv',
              'riscv,isa': ISA_STRING,
              'riscv,isa-base': 'rv32i',
              'riscv,isa-extensions': ISA_EXTENSIONS,
              'mmu-type': 'riscv,sv32',
            },
            children: [
              {
                name: 'interrupt-controller',
                props: {
                  '#interrupt-cells': 1,
                  'interrupt-controller': true,
                  compatible: 'riscv,cpu-intc',
                  phandle: PHANDLE_CPU_INTC,
                },
              },
            ],
          },
        ],
      },
      {
        name: 'soc',
        props: { '#address-cells': 2, '#size-cells': 2, compatible: 'simple-bus', ranges: true },
        children: [
          {
            name: 'test@100000',
            props: { compatible: ['sifive,test1', 'sifive,test0', 'syscon'], reg: reg(0x10_0000, 0x1000), phandle: PHANDLE_TEST },
          },
          {
            name: 'poweroff',
            props: { compatible: 'syscon-poweroff', regmap: PHANDLE_TEST, offset: 0, value: 0x5555 },
          },
          {
            name: 'reboot',
            props: { compatible: 'syscon-reboot', regmap: PHANDLE_TEST, offset: 0, value: 0x7777 },
          },
          {
            // Paravirtual: the guest kernel reports a panic, and the hypervisor halts it.
            name: 'pvpanic@102000',
            props: { compatible: 'qemu,pvpanic-mmio', reg: reg(0x10_2000, 0x2) },
          },
          {
            name: 'clint@2000000',
            props: {
              compatible: ['sifive,clint0', 'riscv,clint0'],
              reg: reg(0x200_0000, 0x1_0000),
              'interrupts-extended': [PHANDLE_CPU_INTC, 3, PHANDLE_CPU_INTC, 7],
            },
          },
          {
            name: 'plic@c000000',
            props: {
              compatible: ['sifive,plic-1.0.0', 'riscv,plic0'],
              reg: reg(0xc00_0000, 0x60_0000),
              '#address-cells': 0,
              '#interrupt-cells': 1,
              'interrupt-controller': true,
              'interrupts-extended': [PHANDLE_CPU_INTC, 11, PHANDLE_CPU_INTC, 9],
              'riscv,ndev': 31,
              phandle: PHANDLE_PLIC,
            },
          },
          {
            // The first virtio-mmio transport: virtio-net (assembly/devices/virtio_net.ts), as
            // QEMU's virt board describes each of its slots. The seven other slots are empty and
            // not listed.
            name: 'virtio_mmio@10001000',
            props: {
              interrupts: VIRTIO_NET_IRQ,
              'interrupt-parent': PHANDLE_PLIC,
              reg: reg(VIRTIO_NET_BASE, 0x1000),
              compatible: 'virtio,mmio',
            },
          },
          {
            name: 'serial@10000000',
            props: {
              compatible: 'ns16550a',
              reg: reg(0x1000_0000, 0x100),
              'clock-frequency': 3_686_400,
              interrupts: 10,
              'interrupt-parent': PHANDLE_PLIC,
            },
          },
        ],
      },
    ],
  };
}

/** The blob and where it goes: at the top of RAM, aligned as QEMU places it. */
export function placeDeviceTree(opts: VirtDeviceTreeOptions): { blob: Uint8Array; address: number } {
  const blob = buildFdt(virtDeviceTree(opts));
  const align = opts.ramBytes >= 16 << 20 ? 2 << 20 : 4096;
  const end = RAM_BASE + opts.ramBytes;
  const address = Math.floor((end - blob.length) / align) * align;
  return { blob, address };
}

/**
 * Addresses for Linux guests on the switch, with no DHCP server and no rebuilt kernel: the
 * hypervisor appends the kernel's own static `ip=` argument (IP_PNP) to a Linux guest's command
 * line when it plugs its card in, so `eth0` is up with an address before /init runs.
 *
 * The address is a function of the card's MAC alone (its last two bytes), so every way in (the
 * library, the CLI, the test API, the page) gives the same guest the same address, and two cards
 * on one switch (distinct MACs, distinct last two bytes for the defaults) never collide:
 *
 *   MAC xx:xx:xx:xx:HH:LL  ->  10.0.HH.LL/16 on eth0      (02:00:00:00:00:01 -> 10.0.0.1)
 *
 * One /16 for every segment: segments isolate at the switch, not by addressing, so moving a
 * guest to another segment changes nothing inside it and only what it can reach.
 */
import { parseMac, type MacAddress } from './mac.js';

/** The kernel's built-in command line (guests/linux/minivisor.config, CONFIG_CMDLINE): it is only used when bootargs is empty, so ours must repeat it. */
export const LINUX_BUILTIN_CMDLINE = 'console=ttyS0 earlycon=sbi rootfstype=ramfs norandmaps';

export const GUEST_NETMASK = '255.255.0.0';

/** The IPv4 address of the card with this MAC: 10.0.HH.LL. */
export function guestIpv4(mac: MacAddress): string {
  const b = parseMac(mac);
  const hi = b[4]!;
  const lo = b[5]!;
  // 10.0.0.0 and 10.0.255.255 are the /16's network and broadcast addresses.
  if ((hi === 0 && lo === 0) || (hi === 255 && lo === 255)) {
    throw new RangeError(`MAC ${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':')}: its last two bytes give 10.0.${hi}.${lo}, which is not a host address; choose a MAC that does not end in 00:00 or ff:ff`);
  }
  return `10.0.${hi}.${lo}`;
}

/** The guest's own hostname (CONFIG_DEFAULT_HOSTNAME): the prompt stays `root@minivisor`. */
const HOSTNAME = 'minivisor';

/**
 * The kernel argument: `ip=<addr>::<gw>:<mask>:<hostname>:<device>:<autoconf>`, no gateway.
 * The hostname is given because an empty one makes IP_PNP name the host after the address
 * (the prompt would read `root@10`).
 */
export function linuxIpArgument(mac: MacAddress): string {
  return `ip=${guestIpv4(mac)}:::${GUEST_NETMASK}:${HOSTNAME}:eth0:off`;
}

/**
 * A Linux guest's command line with its address appended: the built-in line when `bootargs` is
 * empty (a non-empty one replaces it), and left as it is when it already says `ip=` (the user
 * chose).
 */
export function withLinuxIp(bootargs: string | undefined, mac: MacAddress): string {
  const base = bootargs?.trim() ? bootargs.trim() : LINUX_BUILTIN_CMDLINE;
  if (/(^|\s)ip=/.test(base)) return base;
  return `${base} ${linuxIpArgument(mac)}`;
}

/** The default MAC of the n-th card on a switch (n from 1): 02:00:00:00:HH:LL, locally administered. */
export function defaultMac(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0xfffe) throw new RangeError(`default MAC number ${n}: expected 1..65534`);
  return `02:00:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
}

// The pieces of the network a learner reads (issue 15): one-line packet summaries for the
// page's packet lists, built from guest frames (hostile: truncated and malformed ones must be
// named, never read past their end), and the addresses Linux guests get from their MACs.
import { describe, expect, it } from 'vitest';
import { summarizeFrame } from '../src/net/decode.js';
import { defaultMac, guestIpv4, linuxIpArgument, withLinuxIp, LINUX_BUILTIN_CMDLINE } from '../src/net/linux-ip.js';

const A = [0x02, 0, 0, 0, 0, 1];
const B = [0x02, 0, 0, 0, 0, 2];

function eth(dst: number[], src: number[], type: number, payload: number[]): Uint8Array {
  return Uint8Array.from([...dst, ...src, type >> 8, type & 0xff, ...payload]);
}

function ipv4(proto: number, src: number[], dst: number[], l4: number[], fragment = 0): number[] {
  const total = 20 + l4.length;
  return [0x45, 0, total >> 8, total & 0xff, 0, 1, fragment >> 8, fragment & 0xff, 64, proto, 0, 0, ...src, ...dst, ...l4];
}

describe('packet summaries', () => {
  it('ARP requests and replies', () => {
    const arp = (op: number) => [0, 1, 8, 0, 6, 4, 0, op, ...A, 10, 0, 0, 1, ...(op === 1 ? [0, 0, 0, 0, 0, 0] : B), 10, 0, 0, 2];
    const req = summarizeFrame(eth([255, 255, 255, 255, 255, 255], A, 0x0806, arp(1)));
    expect(req).toMatchObject({ protocol: 'ARP', src: '02:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff', srcIp: '10.0.0.1', dstIp: '10.0.0.2', length: 42 });
    expect(req.summary).toBe('ARP, Request who-has 10.0.0.2 tell 10.0.0.1');
    expect(summarizeFrame(eth(B, A, 0x0806, arp(2))).summary).toBe('ARP, Reply 10.0.0.1 is-at 02:00:00:00:00:01');
  });

  it('ICMP echo, TCP with its flags, UDP, fragments', () => {
    const echo = summarizeFrame(eth(B, A, 0x0800, ipv4(1, [10, 0, 0, 1], [10, 0, 0, 2], [8, 0, 0, 0, 0, 7, 0, 3, ...new Array(56).fill(0)])));
    expect(echo.summary).toBe('10.0.0.1 > 10.0.0.2: ICMP echo request, id 7, seq 3, length 64');
    const syn = [0, 80, 0x9c, 0x40, 0, 0, 0, 100, 0, 0, 0, 0, 0x50, 0x02, 0x72, 0x10, 0, 0, 0, 0];
    expect(summarizeFrame(eth(B, A, 0x0800, ipv4(6, [10, 0, 0, 1], [10, 0, 0, 2], syn))).summary).toBe('10.0.0.1.80 > 10.0.0.2.40000: Flags [S], seq 100, win 29200, length 0');
    const ack = [...syn.slice(0, 8), 0, 0, 0, 9, 0x50, 0x18, 0, 10, 0, 0, 0, 0, 1, 2, 3];
    expect(summarizeFrame(eth(B, A, 0x0800, ipv4(6, [10, 0, 0, 1], [10, 0, 0, 2], ack))).summary).toBe('10.0.0.1.80 > 10.0.0.2.40000: Flags [P.], seq 100, ack 9, win 10, length 3');
    expect(summarizeFrame(eth(B, A, 0x0800, ipv4(17, [10, 0, 0, 1], [10, 0, 0, 2], [0, 53, 0, 54, 0, 12, 0, 0, 1, 2, 3, 4]))).summary).toBe('10.0.0.1.53 > 10.0.0.2.54: UDP, length 4');
    expect(summarizeFrame(eth(B, A, 0x0800, ipv4(17, [10, 0, 0, 1], [10, 0, 0, 2], [1, 2, 3, 4, 5, 6, 7, 8], 0x00b9))).summary).toMatch(/IPv4 fragment, proto 17/);
  });

  it('names truncated and malformed frames instead of reading past them', () => {
    expect(summarizeFrame(new Uint8Array(10)).summary).toBe('truncated Ethernet frame (10 bytes)');
    expect(summarizeFrame(eth(B, A, 0x0806, [0, 1])).summary).toBe('ARP, truncated');
    expect(summarizeFrame(eth(B, A, 0x0800, [0x45, 0, 0])).summary).toBe('IPv4, malformed header');
    // An IPv4 header claiming 60 bytes of options in a 40-byte frame: no TCP fields read.
    const lying = eth(B, A, 0x0800, [0x4f, 0, 0, 60, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 80, 0, 81, 0, 0]);
    expect(summarizeFrame(lying).summary).toBe('10.0.0.1 > 10.0.0.2: ip-proto-6, length 0');
    expect(summarizeFrame(eth(B, A, 0x88b5, [1, 2, 3])).summary).toBe('ethertype 0x88b5, length 17');
  });
});

describe('Linux guests\' addresses', () => {
  it('10.0.HH.LL/16 from the MAC\'s last two bytes, on the built-in command line', () => {
    expect(guestIpv4('02:00:00:00:00:01')).toBe('10.0.0.1');
    expect(guestIpv4('52:54:00:12:34:56')).toBe('10.0.52.86');
    expect(linuxIpArgument(defaultMac(2))).toBe('ip=10.0.0.2:::255.255.0.0:minivisor:eth0:off');
    expect(withLinuxIp('', defaultMac(300))).toBe(`${LINUX_BUILTIN_CMDLINE} ip=10.0.1.44:::255.255.0.0:minivisor:eth0:off`);
    expect(withLinuxIp('console=ttyS0 quiet', defaultMac(1))).toBe('console=ttyS0 quiet ip=10.0.0.1:::255.255.0.0:minivisor:eth0:off');
    expect(withLinuxIp('console=ttyS0 ip=192.168.1.5::::::off', defaultMac(1))).toBe('console=ttyS0 ip=192.168.1.5::::::off'); // the user's own wins
  });

  it('refuses MACs that give no host address, and default MAC numbers out of range', () => {
    expect(() => guestIpv4('02:00:00:00:00:00')).toThrow(/not a host address/);
    expect(() => guestIpv4('02:00:00:00:ff:ff')).toThrow(/not a host address/);
    expect(() => defaultMac(0)).toThrow(RangeError);
    expect(() => defaultMac(65535)).toThrow(RangeError);
  });
});

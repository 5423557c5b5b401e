/** MAC addresses: '52:54:00:12:34:56' or 6 bytes. */
export type MacAddress = string | Uint8Array | readonly number[];

export function parseMac(mac: MacAddress): Uint8Array {
  if (typeof mac === 'string') {
    const parts = mac.split(/[:-]/);
    if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
      throw new RangeError(`MAC address '${mac}': expected six hex bytes such as 52:54:00:12:34:56`);
    }
    return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
  }
  if (mac.length !== 6 || Array.from(mac).some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    throw new RangeError('MAC address: expected 6 bytes');
  }
  return Uint8Array.from(mac);
}

export function formatMac(b: ArrayLike<number>, offset = 0): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push((b[offset + i] ?? 0).toString(16).padStart(2, '0'));
  return out.join(':');
}

/** The 48-bit address at `offset` as a number (a key for tables). */
export function macKey(b: Uint8Array, offset: number): number {
  const lo = ((b[offset + 2]! << 24) | (b[offset + 3]! << 16) | (b[offset + 4]! << 8) | b[offset + 5]!) >>> 0;
  return b[offset]! * 2 ** 40 + b[offset + 1]! * 2 ** 32 + lo;
}

/** Broadcast or multicast: the group bit of the first byte. */
export function isGroupMac(b: Uint8Array, offset: number): boolean {
  return (b[offset]! & 1) !== 0;
}

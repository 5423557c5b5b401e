// The network on the page (issue 15): two Linux tabs on the switch, on two host CPUs, get their
// addresses and ping each other; the Network view shows their ports and the ICMP packets; a
// click moves a port to another segment and the ping fails; "Download .pcap" saves a capture
// in the libpcap format with every record whole.
import { expect, test } from '@playwright/test';
import { expectConsole, openPage } from './helpers.js';

const PROMPT = 'root@minivisor:/# ';

/** Types a command and waits for the `<<status>>` it prints at the end. */
async function run(page: import('@playwright/test').Page, id: number, cmd: string, timeout = 30_000): Promise<string> {
  const marker = `<<${Math.random().toString(36).slice(2, 8)}`;
  await page.evaluate(([i, line]) => window.minivisor.type(i as number, line as string), [id, `${cmd}; echo "${marker}:$?>>"\r`] as const);
  await expect.poll(() => page.evaluate((i) => window.minivisor.text(i), id), { timeout }).toMatch(new RegExp(`${marker}:\\d+>>`));
  const text = await page.evaluate((i) => window.minivisor.text(i), id);
  const at = text.lastIndexOf(`echo "${marker}`);
  return text.slice(at);
}

test('two Linux tabs ping each other; the Network view shows the packets; segments isolate; the pcap parses', async ({ page }) => {
  test.setTimeout(180_000);
  await openPage(page, '?launch=linux,linux&net=lan&workers=2');
  const ids = await page
    .waitForFunction(() => {
      const l = window.minivisor.guests().filter((g) => g.name === 'linux');
      return l.length === 2 ? l.map((g) => g.id) : undefined;
    })
    .then((h) => h.jsonValue() as Promise<number[]>);
  const [a, b] = ids as [number, number];
  // One per host CPU: the frames cross from worker to worker through the page's switch.
  expect(new Set(await page.evaluate(() => window.minivisor.guests().map((g) => g.worker))).size).toBe(2);
  for (const id of ids) await expectConsole(page, id, PROMPT, 90_000);

  const ports = await page.evaluate(() => window.minivisor.network());
  expect(ports.map((p) => [p.guest, p.ip, p.segment])).toEqual([
    [a, '10.0.0.1', 'lan'],
    [b, '10.0.0.2', 'lan'],
  ]);
  expect(await run(page, a, 'ip -4 addr show dev eth0')).toContain('inet 10.0.0.1/16');
  expect(await run(page, a, 'ping -c 3 10.0.0.2')).toMatch(/3 packets transmitted, 3 packets received/);

  // The Network view: both ports on segment lan, and a's packet list with the echo requests.
  await page.getByTestId('tab-network').click();
  const view = page.getByTestId('network-view');
  await expect(view).toBeVisible();
  await expect(page.getByTestId('net-segment-lan').locator('tbody tr')).toHaveCount(2);
  await page.getByTestId(`net-port-${a}`).click();
  await expect(page.getByTestId('net-packets')).toContainText('10.0.0.1 > 10.0.0.2: ICMP echo request');
  await expect(page.getByTestId('net-packets')).toContainText('10.0.0.2 > 10.0.0.1: ICMP echo reply');
  await expect(page.getByTestId('net-packets')).toContainText('ARP, Request who-has 10.0.0.2 tell 10.0.0.1');
  await expect(page.getByTestId(`net-frames-${a}`)).not.toHaveText('0 / 0');
  // Drops in the switch / in the guest's worker (from its stats): none for a ping.
  await expect(page.getByTestId(`net-drops-${a}`)).toHaveText('0 / 0');
  expect((await page.evaluate(() => window.minivisor.network()))[0]).toMatchObject({ drops: 0, guestDrops: 0 });

  // One click moves b to segment red: a's pings get no answer; another click brings it back.
  await page.getByTestId(`net-move-${b}-red`).click();
  await expect(page.getByTestId('net-segment-red').locator('tbody tr')).toHaveCount(1);
  expect(await run(page, a, 'ping -c 2 -W 1 10.0.0.2')).toMatch(/2 packets transmitted, 0 packets received/);
  await page.getByTestId(`net-move-${b}-lan`).click();
  expect(await run(page, a, 'ping -c 2 10.0.0.2')).toMatch(/2 packets transmitted, 2 packets received/);

  // Download .pcap: the libpcap header, then records that add up to the file exactly.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('net-download-pcap').click()]);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  const buf = readFileSync(path);
  expect(download.suggestedFilename()).toMatch(/\.pcap$/);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
  expect([v.getUint16(4, true), v.getUint16(6, true)]).toEqual([2, 4]);
  expect(v.getUint32(20, true)).toBe(1); // LINKTYPE_ETHERNET
  let at = 24;
  let records = 0;
  let echoes = 0;
  while (at < buf.length) {
    const caplen = v.getUint32(at + 8, true);
    const len = v.getUint32(at + 12, true);
    expect(caplen).toBe(len);
    expect(caplen).toBeGreaterThanOrEqual(14);
    expect(caplen).toBeLessThanOrEqual(1518);
    const f = buf.subarray(at + 16, at + 16 + caplen);
    if (f[12] === 8 && f[13] === 0 && f[23] === 1 && f[34] === 8) echoes++;
    at += 16 + caplen;
    records++;
  }
  expect(at).toBe(buf.length);
  // 3 + 2 + 2 echo requests from a, each once, as sent (those to red were sent too)
  expect(echoes).toBe(7);
  expect(records).toBeGreaterThan(14);
});

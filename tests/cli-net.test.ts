// `minivisor run` with several guests on one virtual switch (issue 15): netdemo.elf ping-pong
// through the command line, the --pcap capture, segments that isolate, consoles with a name
// prefix, stdin to the first guest, and the command-line mistakes that exit 2. The CLI runs in
// this process (main() with its own streams), so it uses the core vitest chose (release or
// checked).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { parseCommandLine, UsageError, type NetworkRunCommand } from '../src/cli/args.js';
import { parsePcap, LINKTYPE_ETHERNET } from '../src/net/pcap.js';
import { guestPath } from './helpers/guests.js';
import { exitWith, printText, programElf } from './helpers/elf-builder.js';

const NETDEMO = guestPath('netdemo.elf');
const tmp = mkdtempSync(join(tmpdir(), 'minivisor-cli-net-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(argv: string[], stdinText = ''): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const stdin = Readable.from(stdinText ? [Buffer.from(stdinText)] : []);
  const status = await main(argv, { stdin, stdout, stderr });
  return { status, stdout: out, stderr: err };
}

/** The lines of one guest's console, prefix removed. */
function linesOf(stdout: string, name: string): string[] {
  const prefix = new RegExp(`^${name} *\\| `);
  return stdout
    .split('\n')
    .filter((l) => prefix.test(l))
    .map((l) => l.replace(prefix, ''));
}

describe('minivisor run with several guests on one switch', () => {
  it('two netdemo guests ping-pong through the command line and exit 0; --pcap writes every frame', async () => {
    const pcap = join(tmp, 'lan.pcap');
    const r = await cli(['run', '--net', 'lan', '--name', 'a', NETDEMO, '--net', 'lan', '--name', 'b', NETDEMO, '--pcap', pcap, '--stats']);
    expect(r.stderr).not.toMatch(/stuck|stopped|error/);
    expect(r.status).toBe(0);
    const a = linesOf(r.stdout, 'a');
    const b = linesOf(r.stdout, 'b');
    // Default MACs: 02:00:00:00:00:NN by place on the switch, so a (NN = 1) starts the ping-pong.
    expect(a).toContain('netdemo: virtio-net ready, mac 02:00:00:00:00:01');
    expect(b).toContain('netdemo: virtio-net ready, mac 02:00:00:00:00:02');
    for (let n = 1; n <= 5; n++) {
      expect(a).toContain(`rx PONG ${n} from 02:00:00:00:00:02 (60 bytes)`);
      expect(b).toContain(`rx PING ${n} from 02:00:00:00:00:01 (60 bytes)`);
    }
    expect(a.at(-1)).toBe('netdemo: done');
    expect(b.slice(-2)).toEqual(['rx BYE from 02:00:00:00:00:01 (60 bytes)', 'netdemo: done']);
    // Every stdout line belongs to one guest.
    expect(r.stdout.trimEnd().split('\n').every((l) => /^[ab]\| /.test(l))).toBe(true);
    // --stats: both exit tables and the switch's ports.
    expect(r.stderr).toContain('== a ==');
    expect(r.stderr).toMatch(/virtio-net:notify:tx\s+\d+/);
    const port = (name: string) => new RegExp(`^${name}\\s+lan\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+0$`, 'm').exec(r.stderr);
    expect(port('a')).not.toBeNull();
    const sentA = Number(port('a')![1]);
    const sentB = Number(port('b')![1]);
    // The capture: libpcap, Ethernet, one record per frame sent into the switch, in order.
    const cap = parsePcap(new Uint8Array(readFileSync(pcap)));
    expect(cap.linkType).toBe(LINKTYPE_ETHERNET);
    expect(cap.records.length).toBe(sentA + sentB);
    const text = cap.records.map((rec) => new TextDecoder().decode(rec.frame.subarray(14)).replace(/\0+$/, ''));
    expect(text.filter((t) => t.startsWith('PING'))).toEqual(expect.arrayContaining(['PING 1', 'PING 5']));
    expect(text.filter((t) => t.startsWith('PONG')).length).toBeGreaterThanOrEqual(5);
    expect(text.at(-1)).toBe('BYE');
    expect(cap.records.every((rec) => rec.frame.length === 60 && rec.frame[12] === 0x88 && rec.frame[13] === 0xb5)).toBe(true);
    // Times are wall-clock (ms since the epoch) and in order.
    const times = cap.records.map((rec) => rec.timeMs);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(Math.abs(times[0]! - Date.now())).toBeLessThan(120_000);
  });

  it('segments isolate: a guest on another segment never hears the pings; the first non-zero status wins', async () => {
    const pcap = join(tmp, 'seg.pcap');
    // a and b on red ping-pong and power off; c, a responder on blue, hears nothing and waits until --timeout.
    const r = await cli([
      'run', '--timeout', '3', '--pcap', pcap,
      '--net', 'red', '--mac', '52:54:00:00:00:01', '--name', 'a', NETDEMO,
      '--net', 'red', '--mac', '52:54:00:00:00:02', '--name', 'b', NETDEMO,
      '--net', 'blue', '--mac', '52:54:00:00:00:03', '--name', 'c', NETDEMO,
    ]);
    expect(linesOf(r.stdout, 'a')).toContain('netdemo: done');
    expect(linesOf(r.stdout, 'b')).toContain('rx PING 5 from 52:54:00:00:00:01 (60 bytes)');
    const c = linesOf(r.stdout, 'c');
    expect(c).toEqual(['netdemo: virtio-net ready, mac 52:54:00:00:00:03']);
    expect(r.stderr).toContain('stopped after 3 s (--timeout)');
    expect(r.status).toBe(124); // a and b exited 0, c was stopped by the limit
    // Not one frame reached c: every captured frame is a's or b's, and none is addressed to c.
    const cap = parsePcap(new Uint8Array(readFileSync(pcap)));
    expect(cap.records.length).toBeGreaterThanOrEqual(11);
    const src = new Set(cap.records.map((rec) => rec.frame[11]));
    expect([...src].sort()).toEqual([1, 2]);
  });

  it('without --net the cards stay unplugged: nothing crosses between the guests', async () => {
    const r = await cli(['run', '--timeout', '1', NETDEMO, NETDEMO]);
    const one = linesOf(r.stdout, 'netdemo-1');
    const two = linesOf(r.stdout, 'netdemo-2');
    expect(one).toHaveLength(1);
    expect(one[0]).toMatch(/^netdemo: virtio-net ready, mac /);
    // The core's own MAC (the switch's 02:00:00:00:00:NN is for ports), and no frame crossed.
    expect(one[0]).not.toContain('02:00:00:00:00:01');
    expect(two).toEqual(one);
    expect(r.status).toBe(124);
  });

  it('stdin goes to the first guest; consoles are prefixed and padded to the longest name', async () => {
    const r = await cli(['run', '--timeout', '10', guestPath('echo.elf'), guestPath('hello.elf')], 'hello\nexit\n');
    expect(r.status).toBe(0);
    expect(linesOf(r.stdout, 'echo')).toContain('echo: hello');
    expect(r.stdout).toMatch(/^echo \| /m);
    expect(linesOf(r.stdout, 'hello')).toContain('Hello from minivisor!');
    expect(linesOf(r.stdout, 'hello').join('\n')).not.toContain('echo:');
  });

  it('two Linux guests from one command line get their addresses from their MACs and ping each other', async () => {
    const linux = new URL('../guests/bin/linux-rv32imac.Image', import.meta.url).pathname;
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (b: Buffer) => (out += b.toString()));
    // Typed once a's shell is up: bytes sent before the tty opens are lost (guests/linux/README.md).
    async function* typing(): AsyncGenerator<Buffer> {
      while (!/^a\| root@minivisor:\/# /m.test(out)) await new Promise((r) => setTimeout(r, 50));
      yield Buffer.from('ping -c 2 10.0.0.2; poweroff -f\n');
    }
    const status = await main(['run', '--timeout', '12', '--net', 'lan', '--name', 'a', '--kernel', linux, '--net', 'lan', '--name', 'b', '--kernel', linux], {
      stdin: Readable.from(typing()),
      stdout,
      stderr: new PassThrough(),
    });
    expect(status).toBe(124); // a powered off; b runs on until --timeout
    expect(linesOf(out, 'a').join('\n')).toMatch(/ipaddr=10\.0\.0\.1, mask=255\.255\.0\.0/);
    expect(linesOf(out, 'b').join('\n')).toMatch(/ipaddr=10\.0\.0\.2, mask=255\.255\.0\.0/);
    expect(linesOf(out, 'a').join('\n')).toMatch(/2 packets transmitted, 2 packets received/);
  }, 60_000);

  it('the status is the first non-zero one in command-line order; a limit is 124, each guest its own --max-instructions', async () => {
    const file = (name: string, words: number[]) => {
      const path = join(tmp, name);
      writeFileSync(path, programElf(words));
      return path;
    };
    const ok = file('ok.elf', [...printText('fine\n'), ...exitWith(0)]);
    const three = file('three.elf', [...printText('three\n'), ...exitWith(3)]);
    const five = file('five.elf', exitWith(5));
    let r = await cli(['run', ok, three, five]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('three powered off with exit code 3');
    expect(r.stderr).toContain('five powered off with exit code 5');
    expect(linesOf(r.stdout, 'ok')).toEqual(['fine']);
    r = await cli(['run', '--max-instructions', '1000', ok, guestPath('spinner.elf'), three]);
    expect(r.stderr).toContain('spinner stopped after 1000 instructions (--max-instructions)');
    expect(r.status).toBe(124);
  });
});

describe('command-line mistakes exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['run', '--net', 'lan', NETDEMO, '--mac', '52:54:00:00:00:01'], /--mac after the last guest: per-guest options .* go before the guest file/],
    [['run', '--net', 'lan', NETDEMO, '--net'], /option '--net' needs a value/],
    [['run', '--net', '', NETDEMO], /--net before .* needs a segment name/],
    [['run', '--net', 'lan', '--mac', 'zz:54:00:00:00:01', NETDEMO], /is not a MAC address/],
    [['run', '--net', 'lan', '--mac', '01:00:5e:00:00:01', NETDEMO], /is a multicast address/],
    [['run', '--net', 'a', '--mac', '52:54:00:00:00:01', NETDEMO, '--net', 'b', '--mac', '52:54:00:00:00:01', NETDEMO], /have the same MAC 52:54:00:00:00:01/],
    [['run', '--mac', '52:54:00:00:00:01', NETDEMO, NETDEMO], /--mac before .* needs --net/],
    [['run', '--net', 'lan', '--net', 'wan', NETDEMO], /--net given twice for one guest/],
    [['run', '--name', 'x', NETDEMO, '--name', 'x', NETDEMO], /two guests are named 'x'/],
    [['run', '--name', 'a|b', NETDEMO], /without '\|'/],
    [['run', '--pcap', 'x.pcap', NETDEMO, NETDEMO], /--pcap captures the switch, but no guest is on it/],
    [['run', '--append', 'quiet', NETDEMO, NETDEMO], /only a kernel gets a command line/],
    [['run', '--net', 'lan', NETDEMO, '--net', 'lan', join(tmp, 'missing.elf')], /cannot read .*missing\.elf': no such file/],
    [['run', '--net', 'lan', NETDEMO, '--pcap', join(tmp, 'no', 'such', 'dir.pcap')], /cannot write --pcap/],
    [['run', '--net', 'lan', '--ram', '0', NETDEMO], /--ram 0/],
  ];
  for (const [argv, message] of cases) {
    it(argv.slice(1).join(' '), async () => {
      const r = await cli(argv);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain("Try 'minivisor --help'.");
      expect(r.stdout).toBe('');
      expect(r.status).toBe(2);
    });
  }

  it('parses per-guest options into their guest, globals anywhere', () => {
    const cmd = parseCommandLine(['run', '--stats', '--net', 'red', '--ram', '2M', 'a.elf', '--pcap', 'f.pcap', '--net', 'blue', '--mac', '52:54:00:AA:00:02', '--append', 'quiet', '--kernel', 'k.Image', 'c/d.elf']) as NetworkRunCommand;
    expect(cmd.kind).toBe('run-network');
    expect(cmd.pcap).toBe('f.pcap');
    expect(cmd.stats).toBe(true);
    expect(cmd.guests.map((g) => [g.name, g.file, g.mode, g.segment, g.mac, g.ramBytes, g.bootargs])).toEqual([
      ['a', 'a.elf', 'bare', 'red', undefined, 2 << 20, undefined],
      ['k', 'k.Image', 'kernel', 'blue', '52:54:00:aa:00:02', 64 << 20, 'quiet'],
      ['d', 'c/d.elf', 'bare', undefined, undefined, 64 << 20, undefined],
    ]);
    // One guest without network options is still the single-guest run, options after the file included.
    expect(parseCommandLine(['run', 'a.elf', '--ram', '2M']).kind).toBe('run');
    expect(() => parseCommandLine(['run', 'a.elf', 'b.elf', '--ram', '2M'])).toThrow(UsageError);
  });
});

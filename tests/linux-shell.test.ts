// The Linux guest's userland as a learner uses it: BusyBox ash on the serial console with line
// editing, history, Tab completion and job control, and the commands of a small Linux system,
// each checked for what it prints.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchGuest, type TestGuest } from '../src/testing/index.js';
import { shellAt } from './helpers/linux-shell.js';

const image = new URL('../guests/bin/linux-rv32imac.Image', import.meta.url).pathname;
const PROMPT = /root@minivisor:[^\r\n]*# /;
const ESC = '\x1b';

const { sh, ok } = shellAt(PROMPT, 20_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Linux userland: BusyBox on musl', () => {
  let linux: TestGuest;
  beforeAll(async () => {
    linux = await launchGuest(image, { mode: 'kernel', ram: '64M', timeout: 30_000 });
    await linux.console.waitFor(PROMPT);
    // A wide terminal: the shell's line editor wraps nothing that the tests type.
    await ok(linux, 'stty cols 250 rows 40');
  });
  afterAll(async () => {
    await linux?.close();
  });

  it('has the files and mounts of a Linux system', async () => {
    const ls = await ok(linux, 'ls /');
    for (const d of ['bin', 'containers', 'dev', 'etc', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr']) expect(ls).toMatch(new RegExp(`\\b${d}\\b`));
    const mounts = await ok(linux, 'mount');
    expect(mounts).toMatch(/^proc on \/proc type proc/m);
    expect(mounts).toMatch(/^sysfs on \/sys type sysfs/m);
    expect(mounts).toMatch(/^devtmpfs on \/dev type devtmpfs/m);
    expect(mounts).toMatch(/^tmpfs on \/tmp type tmpfs/m);
    expect(mounts).toMatch(/^cgroup2 on \/sys\/fs\/cgroup type cgroup2/m);
    expect(await ok(linux, 'df')).toMatch(/^Filesystem\s+1K-blocks\s+Used\s+Available\s+Use%\s+Mounted on\n(.*\n)*tmpfs\s+\d+\s+\d+\s+\d+\s+\d+%\s+\/tmp$/m);
    expect(await ok(linux, 'cat /proc/version')).toMatch(/^Linux version 6\.1\.\d+/);
    expect(await ok(linux, 'ls /dev')).toMatch(/\bttyS0\b/);
    expect(await ok(linux, 'cat /sys/fs/cgroup/cgroup.subtree_control')).toBe('cpu memory pids\n');
  });

  it('knows who and where it is', async () => {
    expect(await ok(linux, 'hostname')).toBe('minivisor\n');
    expect(await ok(linux, 'uname -m')).toBe('riscv32\n');
    expect(await ok(linux, 'uname -r')).toMatch(/^6\.1\.\d+\n$/);
    expect(await ok(linux, 'uname -a')).toMatch(/^Linux minivisor 6\.1\.\d+ #1 .* riscv32 GNU\/Linux\n$/);
    expect(await ok(linux, 'id')).toBe('uid=0(root) gid=0(root)\n');
    expect(await ok(linux, 'whoami')).toBe('root\n');
    expect(await ok(linux, 'pwd')).toBe('/\n');
    expect(await ok(linux, 'echo $HOME $SHELL')).toMatch(/^\/root /);
    const env = await ok(linux, 'env');
    expect(env).toMatch(/^HOME=\/root$/m);
    expect(env).toMatch(/^PATH=\/bin:\/sbin:\/usr\/bin:\/usr\/sbin$/m);
    // cd changes the directory, and the prompt shows it
    linux.type('cd /tmp\n');
    await linux.console.waitFor('root@minivisor:/tmp# ');
    expect(await ok(linux, 'pwd')).toBe('/tmp\n');
    linux.type('cd\n');
    await linux.console.waitFor('root@minivisor:~# ');
    linux.type('cd /\n');
    await linux.console.waitFor('root@minivisor:/# ');
  });

  it('shows processes, memory and time', async () => {
    const ps = await ok(linux, 'ps');
    expect(ps).toMatch(/^\s*PID\s+USER\s+TIME\s+COMMAND$/m);
    expect(ps).toMatch(/^\s*1 root\s+\S+ \/init$/m);
    expect(ps).toMatch(/^\s*\d+ root\s+\S+ -\/bin\/sh$/m);
    const top = await ok(linux, 'top -n 1');
    expect(top).toMatch(/^Mem: \d+K used, \d+K free/m);
    expect(top).toMatch(/^CPU:\s+[\d.]+% usr/m);
    expect(top).toMatch(/^Load average: /m);
    expect(top).toMatch(/PID\s+PPID\s+USER\s+STAT\s+VSZ\s+%VSZ\s+%CPU\s+COMMAND/);
    expect(top).toMatch(/top -n 1/);
    expect(await ok(linux, 'free')).toMatch(/^\s+total\s+used\s+free\s+shared\s+buff\/cache\s+available\nMem:\s+\d+/m);
    expect(await ok(linux, 'uptime')).toMatch(/up\s.*load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d/);
    expect(await ok(linux, 'date +%Y-%m-%d')).toMatch(/^\d{4}-\d\d-\d\d\n$/);
    expect(await ok(linux, 'date -u -d @86400 +%F')).toBe('1970-01-02\n');
    expect(await ok(linux, 'dmesg | head -n 1')).toMatch(/^\[\s*0\.000000\] Linux version 6\.1/);
    // a pipe: dmesg | tail gives exactly what tail asks for
    expect(await ok(linux, 'dmesg | tail -n 3 | wc -l')).toBe('3\n');
    const t = await sh(linux, 'time sleep 0.3');
    expect(t.status).toBe(0);
    const real = /real\s+0m\s*(\d+\.\d+)s/.exec(t.out);
    expect(real, t.out).not.toBeNull();
    expect(Number(real![1])).toBeGreaterThanOrEqual(0.29);
    expect(t.out).toMatch(/user\s+0m\s*\d+\.\d+s\nsys\s+0m\s*\d+\.\d+s/);
  });

  it('processes text: cat grep sed awk find wc sort head tail and variables, pipes, scripts', async () => {
    expect(await ok(linux, 'cat /etc/hostname')).toBe('minivisor\n');
    expect(await ok(linux, 'grep root /etc/passwd')).toBe('root:x:0:0:root:/root:/bin/sh\n');
    expect(await ok(linux, 'echo hello world | sed s/world/there/')).toBe('hello there\n');
    expect(await ok(linux, "echo 6 7 | awk '{ print $1 * $2 }'")).toBe('42\n');
    expect(await ok(linux, 'find /etc -name passwd')).toBe('/etc/passwd\n');
    expect(await ok(linux, "printf 'a b\\nc\\n' | wc -l -w")).toMatch(/^\s*2\s+3\s*\n$/);
    expect(await ok(linux, "printf 'b\\nc\\na\\n' | sort | tr '\\n' ,")).toBe('a,b,c,');
    expect(await ok(linux, "seq 10 | head -n 3 | tr '\\n' ,")).toBe('1,2,3,');
    expect(await ok(linux, "seq 10 | tail -n 2 | tr '\\n' ,")).toBe('9,10,');
    expect(await ok(linux, 'x=21; echo "$((x * 2)) ${#x}"')).toBe('42 2\n');
    // a script file with #!, arguments and a loop
    await ok(linux, "printf '#!/bin/sh\\nfor a; do echo \"<$a>\"; done\\n' >/tmp/s");
    await ok(linux, 'chmod +x /tmp/s');
    expect(await ok(linux, '/tmp/s one "two three"')).toBe('<one>\n<two three>\n');
    expect(await sh(linux, 'grep nobody-here /etc/passwd')).toMatchObject({ out: '', status: 1 });
  });

  it('signals: kill ends a process, sleep sleeps', async () => {
    // (a moment for the background job to take its signal handlers from the shell's)
    const r = await ok(linux, 'sleep 30 & p=$!; sleep 0.3; kill $p; wait $p; echo "st=$?"');
    expect(r).toMatch(/^st=143$/m);
    const t0 = Date.now();
    await ok(linux, 'sleep 1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('clear and reset send the terminal its escape sequences', async () => {
    expect((await sh(linux, 'clear')).raw).toContain(`${ESC}[H${ESC}[J`);
    expect((await sh(linux, 'reset')).raw).toContain(`${ESC}c`);
  });

  it('less pages a file and quits on q; vi edits and saves one', async () => {
    linux.type('less /etc/passwd\n');
    await linux.console.waitFor('root:x:0:0:root:/root:/bin/sh');
    await linux.console.waitFor(/\(END\)|:/);
    linux.type('q');
    await linux.console.waitFor(PROMPT);

    linux.type('vi /tmp/note.txt\n');
    await linux.console.waitFor('/tmp/note.txt');
    await sleep(200);
    linux.type(`ihello from vi${ESC}`);
    await sleep(200);
    linux.type(':wq\r');
    await linux.console.waitFor(PROMPT);
    expect(await ok(linux, 'cat /tmp/note.txt')).toBe('hello from vi\n');
  });

  it('watch repeats a command until Ctrl-C', async () => {
    linux.type('watch -n 1 echo tick-$((1+1))\n');
    await linux.console.waitFor(/Every 1\.0s: echo tick/);
    await linux.console.waitFor('tick-2');
    // Ctrl-C, again until the prompt is back: watch ignores SIGINT while its command runs (system(3))
    const start = linux.console.text().length;
    for (let i = 0; i < 20 && !PROMPT.test(linux.console.text().slice(start)); i++) {
      linux.type('\x03');
      await sleep(300);
    }
    await linux.console.waitFor(PROMPT);
    expect(await ok(linux, 'echo alive')).toBe('alive\n');
  });

  it('the network on the loopback: ip, ping, nc, httpd and wget', async () => {
    const addr = await ok(linux, 'ip addr show lo');
    expect(addr).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/m);
    expect(addr).toMatch(/inet 127\.0\.0\.1\/8 scope host lo/);
    // the hypervisor's virtio-net card, found through the device tree's virtio-mmio slot
    expect(await ok(linux, 'ip link show eth0')).toMatch(/^2: eth0: <BROADCAST,MULTICAST.*> mtu 1500/m);
    expect(await ok(linux, 'ping -c 2 127.0.0.1')).toMatch(/2 packets transmitted, 2 packets received, 0% packet loss/);
    await ok(linux, 'mkdir -p /tmp/www; echo hello-web >/tmp/www/index.html');
    await ok(linux, 'httpd -p 8080 -h /tmp/www');
    expect(await ok(linux, 'wget -q -O - http://127.0.0.1:8080/index.html')).toBe('hello-web\n');
    await ok(linux, 'nc -l -p 9000 >/tmp/got & sleep 0.5');  // a server in the background
    await ok(linux, 'echo over-nc | nc -w 1 127.0.0.1 9000');
    await ok(linux, 'wait');
    expect(await ok(linux, 'cat /tmp/got')).toBe('over-nc\n');
  });

  it('line editing: arrow keys move the cursor, Up brings back history, Tab completes', async () => {
    // "echo helo", Left, insert "l": the line becomes "echo hello"
    linux.type(`echo helo${ESC}[Dl\n`);
    await linux.console.waitFor(/\r\nhello\r\n/);
    await linux.console.waitFor(PROMPT);
    // Home, then a word in front: "echo X" -> "echo say X"? (Home goes to the start of the line)
    linux.type(`abc${ESC}[H${ESC}[3~echo ${ESC}[F-end\n`);
    await linux.console.waitFor(/\r\nbc-end\r\n/);
    await linux.console.waitFor(PROMPT);
    // Up twice: the command before last, run again
    linux.type(`${ESC}[A${ESC}[A\n`);
    await linux.console.waitFor(/\r\nhello\r\n/);
    await linux.console.waitFor(PROMPT);
    // Tab completes a command name and a file name
    linux.type('unam\t -m\n');
    await linux.console.waitFor(/\r\nriscv32\r\n/);
    await linux.console.waitFor(PROMPT);
    linux.type('cat /etc/hostn\t\n');
    await linux.console.waitFor(/cat \/etc\/hostname (\x1b\[J)?\r\nminivisor\r\n/);
    await linux.console.waitFor(PROMPT);
    // Tab twice lists the candidates
    linux.type('ls /etc/p\t\t');
    await linux.console.waitFor(/passwd\s+profile/);
    linux.type('\x15'); // Ctrl-U: kill the line
    // the history holds the edited line
    expect(await ok(linux, 'history')).toMatch(/^\s*\d+ echo hello$/m);
  });

  it('job control: Ctrl-C interrupts `sleep 100`, Ctrl-Z stops a job, fg and kill %1', async () => {
    linux.type('sleep 100\n');
    await linux.console.waitFor(/sleep 100\r\n/);
    // The interrupt must reach sleep once it runs in the foreground; repeat until the prompt is back.
    const start = linux.console.text().length;
    for (let i = 0; i < 20 && !PROMPT.test(linux.console.text().slice(start)); i++) {
      await sleep(250);
      linux.type('\x03');
    }
    await linux.console.waitFor(PROMPT);
    expect(await ok(linux, 'echo "last=$?"')).toBe('last=130\n');

    linux.type('sleep 100\n');
    await linux.console.waitFor(/sleep 100\r\n/);
    const before = linux.console.text().length;
    for (let i = 0; i < 20 && !/Stopped/.test(linux.console.text().slice(before)); i++) {
      await sleep(250);
      linux.type('\x1a');
    }
    await linux.console.waitFor(/\[1\]\+\s+Stopped\s+sleep 100/);
    await linux.console.waitFor(PROMPT);
    expect(await ok(linux, 'jobs')).toMatch(/\[1\]\+\s+Stopped\s+sleep 100/);
    expect(await ok(linux, 'ps -o stat,args | grep "^T.*sleep 100"')).toMatch(/^T\s+sleep 100$/m);
    linux.type('fg\n');
    await linux.console.waitFor(/\r\nsleep 100\r\n/);
    await sleep(300);
    linux.type('\x03');
    await linux.console.waitFor(PROMPT);
    expect(await ok(linux, 'jobs; echo none')).toBe('none\n');
  });

  it('exit ends the shell and init gives a fresh one', async () => {
    linux.type('exit\n');
    await linux.console.waitFor(/minivisor Linux: Linux 6\.1/);
    await linux.console.waitFor(PROMPT);
    expect(await ok(linux, 'echo again')).toBe('again\n');
  });
});

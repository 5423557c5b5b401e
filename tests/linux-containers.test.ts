// OS-level virtualization inside one Linux guest: the `container` command (namespaces + cgroup v2).
// Two containers share the kernel (same release, same boot_id) but each has its own hostname,
// PID 1 and /proc; a memory limit kills a hog inside its container and the shell outside lives.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchGuest, type TestGuest } from '../src/testing/index.js';
import { shellAt } from './helpers/linux-shell.js';

const image = new URL('../guests/bin/linux-rv32imac.Image', import.meta.url).pathname;
const PROMPT = /root@[\w.-]+:[^\r\n]*# /;

const { sh, ok } = shellAt(PROMPT, 30_000);

describe('containers in one Linux guest', () => {
  let linux: TestGuest;
  beforeAll(async () => {
    linux = await launchGuest(image, { mode: 'kernel', ram: '64M', timeout: 30_000 });
    await linux.console.waitFor(/root@minivisor:\/# /);
    // A wide terminal: the shell's line editor wraps nothing that the tests type.
    await ok(linux, 'stty cols 250 rows 40');
  });
  afterAll(async () => {
    await linux?.close();
  });

  it('two containers share one kernel but have their own hostname, PIDs and /proc', async () => {
    const hostRelease = await ok(linux, 'uname -r');
    const hostBoot = await ok(linux, 'cat /proc/sys/kernel/random/boot_id');
    expect(hostBoot).toMatch(/^[0-9a-f-]{36}\n$/);

    expect(await ok(linux, 'container run -d web --cpu-weight 50 sleep 1000')).toMatch(/^web: started, PID 1 is \d+ here/);
    expect(await ok(linux, 'container run -d db --memory 16M sleep 2000')).toMatch(/^db: started, PID 1 is \d+ here/);

    const ls = await ok(linux, 'container ls');
    expect(ls).toMatch(/^NAME\s+PID\s+CPU-WEIGHT\s+MEMORY-MAX\s+MEMORY-USED\s+COMMAND$/m);
    expect(ls).toMatch(/^web\s+\d+\s+50\s+max\s+\d+\s+sleep 1000$/m);
    expect(ls).toMatch(/^db\s+\d+\s+100\s+16777216\s+\d+\s+sleep 2000$/m);

    for (const [name, cmd] of [['web', 'sleep 1000'], ['db', 'sleep 2000']] as const) {
      expect(await ok(linux, `container exec ${name} hostname`)).toBe(`${name}\n`);
      expect(await ok(linux, `container exec ${name} uname -r`)).toBe(hostRelease);
      expect(await ok(linux, `container exec ${name} cat /proc/sys/kernel/random/boot_id`)).toBe(hostBoot);
      // its own PID namespace: its command is PID 1, and nothing of the host is in its /proc
      const ps = await ok(linux, `container exec ${name} ps`);
      expect(ps).toMatch(new RegExp(`^\\s*1 root\\s+\\S+ ${cmd}$`, 'm'));
      expect(ps).not.toMatch(/ \/init$|-\/bin\/sh$/m);
      expect(ps.trim().split('\n').length).toBeLessThanOrEqual(4);
      // its own root: the host's /containers is not there
      expect(await sh(linux, `container exec ${name} ls /containers`)).toMatchObject({ status: 1 });
    }
    // the host sees both containers' processes, under other PIDs, in their cgroups
    const hostPs = await ok(linux, 'ps');
    expect(hostPs).toMatch(/^\s*\d+ root\s+\S+ sleep 1000$/m);
    expect(hostPs).toMatch(/^\s*\d+ root\s+\S+ sleep 2000$/m);
    expect(await ok(linux, 'cat /sys/fs/cgroup/containers/web/cpu.weight')).toBe('50\n');
    expect(await ok(linux, 'cat /sys/fs/cgroup/containers/db/memory.max')).toBe('16777216\n');
    expect(await ok(linux, 'hostname')).toBe('minivisor\n');

    expect(await ok(linux, 'container stop web')).toBe('web: stopped\n');
    expect(await ok(linux, 'container stop db')).toBe('db: stopped\n');
    expect((await ok(linux, 'container ls')).trim().split('\n')).toHaveLength(1);
    expect(await ok(linux, 'ps')).not.toMatch(/sleep [12]000/);
  });

  it('an interactive container: its own shell as PID 1, and back to the host on exit', async () => {
    linux.type('container run box\n');
    await linux.console.waitFor('root@box:/# ');
    expect(await ok(linux, 'echo "pid=$$ host=$(hostname)"')).toBe('pid=1 host=box\n');
    expect(await ok(linux, 'ls /proc | grep -c "^[0-9]"')).toMatch(/^[1-3]\n$/);
    linux.type('exit\n');
    await linux.console.waitFor('root@minivisor:/# ');
    expect(await ok(linux, 'hostname')).toBe('minivisor\n');
  });

  it('a memory limit: the OOM killer ends a hog inside its container; the shell outside lives', async () => {
    const r = await sh(linux, `container run hog --memory 8M awk 'BEGIN { s = "x"; while (1) s = s s }'`, 60_000);
    expect(r.status).toBe(137); // killed by SIGKILL
    expect(linux.console.text()).toMatch(/Memory cgroup out of memory: Killed process \d+ \(awk\)/);
    expect(await ok(linux, 'echo "outside: $((6 * 7))"')).toBe('outside: 42\n');
    expect(await ok(linux, 'container ls')).not.toMatch(/^hog/m);
  }, 90_000);
});

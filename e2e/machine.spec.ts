/**
 * The Machine panel (issue 14 item 4) on a real kernel, minios and Linux, through its own
 * controls: breakpoints on an exit reason and on a PC with Continue and Step, the memory view
 * (guest-physical and virtual) against what the guest is about to print and against the page
 * walk, the Sv32 walk of a kernel address level by level, and the TLB's entries.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { expectConsole, guestId, openPage } from './helpers.js';

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** The panel's controls of one guest. */
function panel(page: Page, id: number) {
  const t = (name: string) => page.getByTestId(`${name}-${id}`);
  const status = t('mp-status');
  return {
    t,
    status,
    async open() {
      await t('machine-toggle').click();
      await expect(t('machine')).toBeVisible();
      await expect(t('mp-pc')).toHaveText(/^0x[0-9a-f]{8}$/);
    },
    async reg(abi: number): Promise<number> {
      return parseInt(await t('mp-regs').locator(`div[title="x${abi}"] code`).innerText(), 16);
    },
    async csr(name: string): Promise<number> {
      return parseInt(await t('mp-csrs').locator(`tr[data-csr="${name}"] td`).nth(1).innerText(), 16);
    },
    async pc(): Promise<number> {
      return parseInt(await t('mp-pc').innerText(), 16);
    },
    async breakOnExit(name: string) {
      await t('bp-exit').selectOption(name);
      await t('bp-add-exit').click();
      await expect(t('bp-list').locator(`[data-bp="${name}"]`)).toHaveCount(1);
    },
    async breakAt(pc: number) {
      await t('bp-pc').fill(hex(pc));
      await t('bp-add-pc').click();
      await expect(t('bp-list').locator(`[data-bp="${hex(pc)}"]`)).toHaveCount(1);
    },
    async clearBreakpoints() {
      const xs = t('bp-list').locator('button');
      while ((await xs.count()) > 0) await xs.first().click();
    },
    /**
     * Continue, and wait for it to stop at a breakpoint (data-stop 'pc' or 'exit'). `poke` runs
     * once the guest is paused and stepping (typing before that would be handled at full speed).
     */
    async continueTo(kind: 'pc' | 'exit', poke?: () => Promise<unknown>, timeout = 60_000) {
      await status.evaluate((e) => e.removeAttribute('data-stop'));
      await t('mp-continue').click();
      if (poke) {
        await expect(status).toHaveText(/running one instruction at a time|breakpoint/);
        await poke();
      }
      await expect(status).toHaveAttribute('data-stop', kind, { timeout });
    },
    /** The memory view's rows: address, physical, bytes. */
    async memory(address: number, space: 'physical' | 'virtual'): Promise<{ address: number; physical: number | undefined; bytes: number[] }[]> {
      await t('mem-addr').fill(hex(address));
      await t('mem-space').selectOption(space);
      const rows = t('mem-rows');
      await rows.evaluate((e) => (e.textContent = ''));
      await t('mem-show').click();
      await expect(rows).not.toHaveText('');
      return (await rows.innerText()).split('\n').map((line) => {
        const m = /^(0x[0-9a-f]{8})(?: → (0x[0-9a-f]{8}))?\s+((?:[0-9a-f]{2} ){15}[0-9a-f]{2})/.exec(line);
        if (!m) return { address: parseInt(line, 16), physical: undefined, bytes: [] };
        return { address: parseInt(m[1]!, 16), physical: m[2] ? parseInt(m[2], 16) : undefined, bytes: m[3]!.split(' ').map((b) => parseInt(b, 16)) };
      });
    },
    /** The page walk of va: the physical address and each level's row. */
    async walk(va: number): Promise<{ pa: number | undefined; levels: { level: string; kind: string; pte: string; bits: string }[] }> {
      await t('walk-va').fill(hex(va));
      await t('walk-show').click();
      const result = t('walk-pa');
      await expect(result).toBeVisible();
      const pa = await result.getAttribute('data-pa');
      const levels = await t('walk-result')
        .locator('tr[data-level]')
        .evaluateAll((rows) => rows.map((r) => ({ level: r.getAttribute('data-level')!, kind: r.getAttribute('data-kind')!, pte: r.children[2]!.textContent!, bits: r.children[3]!.textContent! })));
      return { pa: pa ? parseInt(pa, 16) : undefined, levels };
    },
    /** The TLB's rows (as shown after the last stop or read). */
    async tlb(): Promise<{ va: number; pa: number; perm: string; walk: string }[]> {
      return t('tlb')
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => ({ va: parseInt(r.getAttribute('data-va')!, 16), pa: parseInt(r.getAttribute('data-pa') || 'NaN', 16), perm: r.getAttribute('data-perm')!, walk: r.lastElementChild!.textContent! })));
    },
  };
}
type Panel = ReturnType<typeof panel>;

/** Steps once: the PC moves to the instruction the disassembly now marks as current. */
async function stepOnce(p: Panel): Promise<void> {
  const before = await p.pc();
  await p.status.evaluate((e) => e.removeAttribute('data-stop'));
  await p.t('mp-step').click();
  await expect(p.status).toHaveAttribute('data-stop', /^(budget|exit|pc)$/);
  await expect(p.status).toContainText(/· 1 instruction ·/);
  const after = await p.pc();
  expect(after).not.toBe(before);
  await expect(p.t('mp-disasm').locator('.mp-current')).toHaveAttribute('data-pc', hex(after));
}

/** A PC breakpoint on the kernel's trap vector: Continue stops there, before it runs. */
async function breakOnTrapVector(p: Panel, poke: () => Promise<unknown>): Promise<number> {
  const stvec = ((await p.csr('stvec')) & ~3) >>> 0;
  expect(stvec).not.toBe(0);
  await p.clearBreakpoints();
  await p.breakAt(stvec);
  await p.continueTo('pc', poke);
  await expect(p.status).toHaveAttribute('data-pc', hex(stvec));
  expect(await p.pc()).toBe(stvec);
  await expect(p.t('mp-disasm').locator('.mp-current')).toHaveAttribute('data-pc', hex(stvec));
  // scause says why it came: an interrupt (the timer, a key) or an exception
  expect(await p.csr('scause')).not.toBe(0);
  return stvec;
}

/** The TLB at the stop holds the page of the PC, fetchable, mapped where the page walk says. */
async function expectTlbHoldsPc(p: Panel, pc: number, pa: number): Promise<void> {
  const rows = await p.tlb();
  expect(Number(await p.t('tlb-summary').getAttribute('data-entries'))).toBe(rows.length);
  expect(rows.length).toBeGreaterThan(0);
  const mine = rows.find((r) => r.va === (pc & ~0xfff) >>> 0);
  expect(mine, `a TLB entry for the PC's page ${hex(pc)}`).toBeDefined();
  expect(mine!.perm).toMatch(/X$/);
  expect(mine!.pa).toBe((pa & ~0xfff) >>> 0);
  // and every entry agrees with the page table walked now
  expect(rows.filter((r) => r.walk !== 'agrees')).toEqual([]);
}

function asciiOf(bytes: number[]): string {
  return String.fromCharCode(...bytes);
}

test('minios: break on a hypercall and on a PC, read what it is about to print, walk and TLB', async ({ page }) => {
  test.setTimeout(180_000);
  await openPage(page);
  // deterministic time: the clock follows the instructions, so stepping slowly is no timer storm
  const id = await page.evaluate(() => window.minivisor.launch({ name: 'minios', options: { deterministic: true } }));
  await expectConsole(page, id, 'minios$');
  const p = panel(page, id);
  await p.open();

  // 1. An exit breakpoint: the next SBI console write stops the guest right after it.
  const type = (text: string) => page.evaluate(([i, t]) => window.minivisor.type(i, t), [id, text] as const);
  await p.breakOnExit('sbi:dbcn.console_write');
  await p.continueTo('exit', () => type('u')); // the shell echoes it
  await expect(p.status).toHaveAttribute('data-exit', 'sbi:dbcn.console_write');
  const hit = p.t('trace').locator('tr[data-exit="sbi:dbcn.console_write"]').first();
  await expect(hit).toBeVisible();
  const ecallPc = parseInt(await hit.locator('td').nth(1).innerText(), 16);
  // the PC of the exit is an ECALL (0x00000073): through the page table, as the guest sees it
  const atEcall = await p.memory(ecallPc, 'virtual');
  const off = ecallPc & 15;
  expect(atEcall[0]!.bytes.slice(off, off + 4)).toEqual([0x73, 0, 0, 0]);

  // 2. A PC breakpoint on that ECALL: stopped before it, a0 = length, a1 = the physical address
  // of the bytes. Continue until the line that uptime prints, read it in the memory view, then
  // let the guest run and find exactly those bytes on its console.
  await p.clearBreakpoints();
  await p.breakAt(ecallPc);
  await type('ptime\r');
  // (the kernel makes every SBI call from that ECALL: a7 = 0x4442434e "DBCN" and a6 = 0 is console_write)
  let text = '';
  for (let i = 0; i < 80 && !/^up \d+\.\d{3} s/.test(text); i++) {
    await p.continueTo('pc');
    expect(await p.pc()).toBe(ecallPc);
    if ((await p.reg(17)) !== 0x4442434e || (await p.reg(16)) !== 0) continue;
    const len = await p.reg(10);
    const addr = await p.reg(11);
    expect(len).toBeGreaterThan(0);
    expect(len).toBeLessThan(256);
    const rows = await p.memory(addr, 'physical');
    const bytes = rows.flatMap((r) => r.bytes).slice(addr & 15, (addr & 15) + len);
    expect(bytes).toHaveLength(len);
    text = asciiOf(bytes);
  }
  expect(text).toMatch(/^up \d+\.\d{3} s\r?\n$/);

  // 3. The TLB at that stop holds the ECALL's page, and the walk of that kernel address agrees.
  const w = await p.walk(ecallPc);
  expect(w.pa).toBeDefined();
  expect(w.levels.map((l) => l.level)).toEqual(w.levels.length === 2 ? ['1', '0'] : ['1']);
  const leaf = w.levels[w.levels.length - 1]!;
  expect(leaf.kind).toBe('leaf');
  expect(leaf.bits).toMatch(/^V.{2}X-.A.$/); // valid, executable, accessed, not a user page
  if (w.levels.length === 2) expect(w.levels[0]!.kind).toBe('pointer');
  // the virtual view of that address shows the same bytes as the physical view of w.pa
  const phys = await p.memory(w.pa!, 'physical');
  expect(phys[0]!.bytes.slice(w.pa! & 15, (w.pa! & 15) + 4)).toEqual([0x73, 0, 0, 0]);
  const virt = await p.memory(ecallPc, 'virtual');
  expect(virt[0]!.physical).toBe((w.pa! & ~15) >>> 0);
  await expectTlbHoldsPc(p, ecallPc, w.pa!);

  // 4. Step: one instruction, the ECALL itself (its hypercall is an exit).
  await p.clearBreakpoints();
  await stepOnce(p);
  await expect(p.t('trace').locator('tbody tr').first()).toHaveAttribute('data-exit', 'sbi:dbcn.console_write');

  // 5. A PC breakpoint on the trap vector; then Resume and the console has the line read in memory.
  await breakOnTrapVector(p, () => type('\r'));
  await p.t('mp-resume').click();
  await expectConsole(page, id, text.trimEnd());
  await type('uptime\r');
  await expect.poll(async () => ((await page.evaluate((i) => window.minivisor.text(i), id)).match(/up \d+\.\d{3} s/g) ?? []).length).toBe(2);
});

test('Linux: break on a UART write and on the trap vector, walk a kernel address, read it both ways, the TLB', async ({ page }) => {
  test.setTimeout(180_000);
  await openPage(page, '?launch=linux');
  const id = await guestId(page, 'linux');
  await expectConsole(page, id, 'root@minivisor:/#', 60_000);
  const p = panel(page, id);
  await p.open();

  // 1. An exit breakpoint: Linux's 8250 driver writes THR for the echo of a key.
  const type = (text: string) => page.evaluate(([i, t]) => window.minivisor.type(i, t), [id, text] as const);
  await p.breakOnExit('mmio:uart:write');
  await p.continueTo('exit', () => type('x'));
  await expect(p.status).toHaveAttribute('data-exit', 'mmio:uart:write');
  const hit = p.t('trace').locator('tr[data-exit="mmio:uart:write"]').first();
  const storePc = parseInt(await hit.locator('td').nth(1).innerText(), 16);
  expect(storePc).toBeGreaterThanOrEqual(0xc0000000); // in the kernel

  // 2. The trap vector, a kernel text address: stop on it, walk it, read it both ways.
  const stvec = await breakOnTrapVector(p, () => type('y'));
  expect(stvec).toBeGreaterThanOrEqual(0xc0000000);
  const satp = await p.csr('satp');
  expect(satp >>> 31).toBe(1); // Sv32
  const w = await p.walk(stvec);
  // rv32 Linux maps its kernel linearly: PAGE_OFFSET 0xc0000000 is where the Image was loaded,
  // RAM + text_offset (the Image header's u64 at 0x08)
  const textOffset = Number(readFileSync(fileURLToPath(new URL('../guests/bin/linux-rv32imac.Image', import.meta.url))).readBigUInt64LE(0x08));
  expect(textOffset).toBeGreaterThan(0);
  expect(w.pa).toBe(0x80000000 + textOffset + (stvec - 0xc0000000));
  const leaf = w.levels[w.levels.length - 1]!;
  expect(leaf.kind).toBe('leaf');
  expect(leaf.bits).toMatch(/^V.{2}X-.A.$/);
  if (w.levels.length === 1) await expect(p.t('walk-pa')).toContainText('megapage');
  else expect(w.levels[0]!.kind).toBe('pointer');
  const virt = await p.memory(stvec, 'virtual');
  const phys = await p.memory(w.pa!, 'physical');
  expect(virt[0]!.physical).toBe((w.pa! & ~15) >>> 0);
  expect(virt.map((r) => r.bytes)).toEqual(phys.map((r) => r.bytes));
  expect(virt[0]!.bytes.some((b) => b !== 0)).toBe(true);
  // the disassembly shows the same first instruction word as the memory view
  const word = await p.t('mp-disasm').locator('.mp-current code').nth(1).innerText();
  const o = stvec & 15;
  const bytesAtPc = virt[0]!.bytes.slice(o, o + word.length / 2).reverse().map((b) => b.toString(16).padStart(2, '0')).join('');
  expect(bytesAtPc).toBe(word);

  // 3. A user address with no mapping: the walk says why.
  const none = await p.walk(0x00000100);
  expect(none.pa).toBeUndefined();
  await expect(p.t('walk-pa')).toContainText('page fault');

  // 4. Step: the first instruction of the trap handler is fetched, so the TLB (which the core may
  // have emptied on the way in, when the trap changed the privilege) now holds the trap vector's
  // page, fetchable, where the walk says; every entry agrees with the page table.
  await p.clearBreakpoints();
  await stepOnce(p);
  await expectTlbHoldsPc(p, stvec, w.pa!);

  // 5. Resume: the shell still answers.
  await p.t('mp-resume').click();
  await type('\recho machine-$((6*7))\r');
  await expectConsole(page, id, 'machine-42');
});

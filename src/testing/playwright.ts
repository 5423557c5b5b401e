/**
 * `minivisor/testing/playwright`: a Playwright fixture bound to minivisor's page, and console
 * matchers that retry like Playwright's web-first assertions.
 *
 *   import { test, expect } from 'minivisor/testing/playwright';
 *   test('echo', async ({ minivisor }) => {
 *     const echo = await minivisor.launch('echo');
 *     await echo.type('hi\r');
 *     await expect(echo.console).toContainText('echo: hi');
 *   });
 *
 *   // Start from a snapshot (a path or bytes; e.g. Linux booted once in a global setup):
 *   const linux = await minivisor.launch({ snapshot: 'booted-linux.mvsnap' });
 *   const bytes = await linux.snapshot();   // the guest's .mvsnap bytes, read back into Node
 *
 * It drives the page's automation object, `window.minivisor` (docs/page.md), and needs the page
 * served at the test's baseURL (Playwright's webServer).
 */
import { readFile } from 'node:fs/promises';
import { expect as baseExpect, test as base, type Locator, type Page } from '@playwright/test';
import { describePattern, findPattern, lastLines, type Pattern } from './console-waiter.js';

export interface PageLaunchOptions {
  readonly ramBytes?: number;
  readonly weight?: number;
  readonly mode?: 'bare' | 'kernel';
  readonly deterministic?: boolean;
  readonly bootargs?: string;
  /** translate its hot code to WebAssembly (default true; false: interpreted, as the page's JIT option) */
  readonly jit?: boolean;
}

interface Summary {
  readonly id: number;
  readonly name: string;
  readonly state: string;
  readonly worker: number;
  readonly crashReason?: string;
}

/** A guest's console in the page (the text comes from xterm's buffer). */
export class PageConsole {
  private cursor = 0;

  constructor(
    private readonly page: Page,
    readonly id: number,
    /** the xterm element, for clicks and keyboard input */
    readonly locator: Locator,
  ) {}

  text(): Promise<string> {
    return this.page.evaluate((i) => (window as unknown as { minivisor: { text(id: number): string } }).minivisor.text(i), this.id);
  }

  /** Waits until the console shows pattern (after the previous match) and returns the match. */
  async waitFor(pattern: Pattern, options: { timeout?: number } = {}): Promise<RegExpMatchArray> {
    const deadline = Date.now() + (options.timeout ?? 10_000);
    for (;;) {
      const text = await this.text();
      const m = findPattern(text, pattern, this.cursor);
      if (m) {
        this.cursor = (m.index ?? 0) + m[0].length;
        return m;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for guest ${this.id}'s console to show ${describePattern(pattern)}\nlast console lines:\n${lastLines(text)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A guest running in the page: the same verbs as the Node API, plus its tab and controls. */
export class PageGuest {
  readonly console: PageConsole;

  constructor(
    private readonly page: Page,
    readonly id: number,
  ) {
    this.console = new PageConsole(page, id, page.getByTestId(`console-${id}`));
  }

  get tab(): Locator {
    return this.page.getByTestId(`tab-${this.id}`);
  }

  /** The buttons of its toolbar, by their data-testid. */
  control(name: 'pause' | 'step' | 'reset' | 'destroy' | 'weight' | 'state'): Locator {
    return this.page.getByTestId(`${name}-${this.id}`);
  }

  async type(text: string): Promise<void> {
    await this.page.evaluate(([i, t]) => (window as unknown as { minivisor: { type(id: number, s: string): Promise<number> } }).minivisor.type(i, t), [this.id, text] as const);
  }

  async state(): Promise<Summary | undefined> {
    return this.page.evaluate((i) => (window as unknown as { minivisor: { guests(): Summary[] } }).minivisor.guests().find((g) => g.id === i), this.id);
  }

  async stats(): Promise<unknown> {
    return this.page.evaluate((i) => (window as unknown as { minivisor: { stats(id: number): unknown } }).minivisor.stats(i), this.id);
  }

  /** Waits for the guest to power off and returns its exit code. */
  /** The guest's whole state as `.mvsnap` bytes (restore them with `minivisor.launch({ snapshot })`, in the page or in Node). */
  async snapshot(): Promise<Uint8Array> {
    const b64 = await this.page.evaluate((i) => (window as unknown as { minivisor: { save(id: number): Promise<string> } }).minivisor.save(i), this.id);
    return new Uint8Array(Buffer.from(b64, 'base64'));
  }

  async exit(options: { timeout?: number } = {}): Promise<number> {
    const deadline = Date.now() + (options.timeout ?? 10_000);
    for (;;) {
      const s = (await this.stats()) as { exitCode?: number; pageState?: string } | undefined;
      if (s?.pageState === 'halted') return s.exitCode ?? 0;
      if (s?.pageState === 'faulted' || s?.pageState === 'crashed') throw new Error(`guest ${this.id} ${s.pageState} instead of powering off`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for guest ${this.id} to power off (it is ${s?.pageState})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The fixture: launches guests in the page. */
export class Minivisor {
  constructor(readonly page: Page) {}

  /**
   * A catalogue guest by name ('echo', 'minios', 'linux'...), an image of one's own, or a
   * snapshot (`{ snapshot }`: a path to an `.mvsnap` file or its bytes, read here in Node and
   * restored in the page on the least loaded host CPU: it continues where it was saved).
   * Rejects with the loader's or the SnapshotError's message.
   */
  async launch(guest: string | { name: string; bytes: Uint8Array } | { snapshot: string | Uint8Array; name?: string }, options: PageLaunchOptions = {}): Promise<PageGuest> {
    if (typeof guest === 'object' && 'snapshot' in guest) {
      const bytes = typeof guest.snapshot === 'string' ? await readFile(guest.snapshot) : guest.snapshot;
      const name = guest.name ?? (typeof guest.snapshot === 'string' ? (guest.snapshot.split(/[\\/]/).pop() ?? 'snapshot') : 'snapshot');
      const id = await this.page.evaluate(
        ([b64, n]) => (window as unknown as { minivisor: { restore(b: string, name: string): Promise<number> } }).minivisor.restore(b64, n),
        [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), name] as const,
      );
      return new PageGuest(this.page, id);
    }
    const spec = typeof guest === 'string' ? { name: guest, options } : { name: guest.name, bytes: [...guest.bytes], options };
    const id = await this.page.evaluate((s) => (window as unknown as { minivisor: { launch(x: unknown): Promise<number> } }).minivisor.launch(s), spec);
    return new PageGuest(this.page, id);
  }

  guests(): Promise<Summary[]> {
    return this.page.evaluate(() => (window as unknown as { minivisor: { guests(): Summary[] } }).minivisor.guests());
  }
}

export const test = base.extend<{ minivisor: Minivisor }>({
  minivisor: async ({ page }, use) => {
    await page.goto('/');
    await page.evaluate(() => (window as unknown as { minivisor: { ready: Promise<void> } }).minivisor.ready);
    await use(new Minivisor(page));
  },
});

export const expect = baseExpect.extend({
  /**
   * For a guest's console: retries until the console contains the text (or matches the RegExp).
   * Anything else (a Locator) gets Playwright's own toContainText.
   */
  async toContainText(received: unknown, expected: string | RegExp, options: { timeout?: number } = {}) {
    if (!(received instanceof PageConsole)) {
      const assertion = this.isNot ? baseExpect(received as Locator).not : baseExpect(received as Locator);
      try {
        await assertion.toContainText(expected, options);
        return { pass: !this.isNot, message: () => '', name: 'toContainText' };
      } catch (e) {
        return { pass: this.isNot, message: () => (e as Error).message, name: 'toContainText' };
      }
    }
    const timeout = options.timeout ?? this.timeout;
    const deadline = Date.now() + timeout;
    let text = '';
    let found = false;
    for (;;) {
      text = await received.text();
      found = findPattern(text, expected) !== null;
      if (found !== this.isNot || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const state = await received.locator.page().evaluate((i) => (window as unknown as { minivisor: { guests(): Summary[] } }).minivisor.guests().find((g) => g.id === i)?.state, received.id);
    return {
      pass: found,
      name: 'toContainText',
      message: () =>
        `${this.utils.matcherHint('toContainText', `guest ${received.id}'s console`, describePattern(expected), { isNot: this.isNot })}\n\n` +
        `expected the console ${this.isNot ? 'not ' : ''}to show ${describePattern(expected)} within ${timeout} ms; the guest is ${state ?? 'gone'}\n` +
        `last console lines:\n${lastLines(text)}`,
    };
  },
});

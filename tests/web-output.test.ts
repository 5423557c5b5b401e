/**
 * The page's output path, outside the browser: trimming a hidden console's parked output, the
 * output pump leaving parked consoles alone, the worker's outbox sending a key's echo at once,
 * and the run loop's one-turn slice after input.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { trimPoint } from '../src/web/ui/trim.js';
import { OutputPump, type PumpTarget } from '../src/web/ui/output-pump.js';
import { Outbox } from '../src/web/worker/outbox.js';
import { RunLoop } from '../src/web/worker/run-loop.js';
import type { WorkerEvent } from '../src/web/worker/api.js';

const enc = new TextEncoder();
const lines = (from: number, to: number) => enc.encode(Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join(''));
const text = (queue: Uint8Array[], drop: number) => new TextDecoder().decode(Buffer.concat(queue).subarray(drop));

describe('trimPoint (a hidden console keeps what its scrollback could show)', () => {
  it('drops nothing when the lines fit', () => {
    const q = [lines(0, 10)];
    expect(trimPoint(q, q[0]!.length, 10, 1 << 20)).toBe(0);
    expect(trimPoint(q, q[0]!.length, 100, 1 << 20)).toBe(0);
  });

  it('keeps the last lines, whole, across chunks', () => {
    const q = [lines(0, 50), lines(50, 80), enc.encode('line 80 (no newline yet)')];
    const total = q.reduce((n, c) => n + c.length, 0);
    const drop = trimPoint(q, total, 20, 1 << 20);
    const kept = text(q, drop);
    // 20 whole lines and the line being written
    expect(kept.startsWith('line 60\n')).toBe(true);
    expect(kept.split('\n')).toHaveLength(21);
    expect(kept.endsWith('line 80 (no newline yet)')).toBe(true);
  });

  it('keeps at most maxBytes, starting a line', () => {
    const q = [lines(0, 1000)];
    const drop = trimPoint(q, q[0]!.length, 1_000_000, 100);
    const kept = text(q, drop);
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(kept).toMatch(/^line \d+\n/);
    expect(kept.endsWith('line 999\n')).toBe(true);
  });

  it('cuts mid-line when a huge line has no line feed', () => {
    const q = [new Uint8Array(1000).fill(65)];
    expect(trimPoint(q, 1000, 10, 100)).toBe(900);
  });
});

/** A console stand-in: `queued` bytes waiting, optionally parked. */
class Target implements PumpTarget {
  pumped: number[] = [];
  constructor(
    public queued: number,
    public parked = false,
  ) {}
  pump(max: number): number {
    const n = Math.min(max, this.queued);
    this.queued -= n;
    this.pumped.push(n);
    return n;
  }
}

describe('OutputPump', () => {
  afterEach(() => vi.unstubAllGlobals());
  const frames = () => {
    const cbs: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => cbs.push(cb));
    vi.stubGlobal('cancelAnimationFrame', () => {});
    return () => {
      const now = cbs.splice(0);
      for (const cb of now) cb(0);
      return now.length;
    };
  };

  it('writes small output whole on the next frame and shares the bulk budget every few frames', () => {
    const frame = frames();
    const pump = new OutputPump();
    const small = new Target(100);
    const bulk = new Target(1 << 20);
    pump.request(small);
    pump.request(bulk);
    for (let i = 0; i < 6; i++) frame();
    expect(small.pumped).toEqual([100]);
    expect(bulk.pumped.length).toBeGreaterThan(0);
    expect(bulk.pumped.length).toBeLessThan(6); // not every frame
    expect(Math.max(...bulk.pumped)).toBeLessThanOrEqual(64 * 1024);
  });

  it('leaves a parked console alone, and stops asking for frames for it', () => {
    const frame = frames();
    const pump = new OutputPump();
    const parked = new Target(1 << 20, true);
    pump.request(parked);
    expect(frame()).toBe(1);
    expect(parked.pumped).toEqual([]);
    expect(frame()).toBe(0); // no frame requested any more
    parked.parked = false;
    pump.request(parked);
    for (let i = 0; i < 4; i++) frame();
    expect(parked.pumped.length).toBeGreaterThan(0);
  });
});

describe('Outbox', () => {
  it('holds output back to one message per gap, except right after input', () => {
    let t = 0;
    const sent: WorkerEvent[][] = [];
    const box = new Outbox(8, () => t);
    box.connect((events) => sent.push(events));
    box.addOutput(1, enc.encode('flood'));
    box.flushIfDue(); // first event after a quiet spell: at once
    expect(sent).toHaveLength(1);
    t = 2;
    box.addOutput(2, enc.encode('x'));
    box.flushIfDue();
    expect(sent).toHaveLength(1); // within the gap: held
    box.expedite();
    box.flushIfDue();
    expect(sent).toHaveLength(2); // a key's echo: at once
    t = 3;
    box.addOutput(1, enc.encode('more flood'));
    box.flushIfDue();
    expect(sent).toHaveLength(2); // expedite is spent
    box.forget(1);
  });
});

describe('RunLoop', () => {
  it('runs a one-turn slice (budget 0) after input, normal slices otherwise', async () => {
    const budgets: (number | undefined)[] = [];
    let slices = 0;
    const loop = new RunLoop((ms) => {
      budgets.push(ms);
      return { ran: true, busy: ++slices < 3, nextWakeAt: Infinity };
    });
    loop.wake(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(budgets).toEqual([0, undefined, undefined]);
  });
});

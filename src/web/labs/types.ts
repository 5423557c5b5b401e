/**
 * A lab: a short sequence of steps beside the live tabs. Each step says what to do (a button that
 * does it), what to look at (highlighted), and has a check that turns green when the page sees the
 * expected result in its real state (stats, console text, the machine panel), never a fake one.
 */
import type { Controller } from '../controller.js';
import type { Model, PageGuest } from '../model.js';
import type { App } from '../ui/app.js';
import type { MachinePanel } from '../ui/machine-panel.js';

export interface LabContext {
  readonly app: App;
  readonly model: Model;
  readonly controller: Controller;
  /** launches a catalogue guest for this lab under a role name ('uart', 'sbi', ...) */
  launch(role: string, name: string, options?: { bootargs?: string; weight?: number; mode?: 'bare' | 'kernel'; net?: string }): Promise<number>;
  /** the page id of the guest launched for a role */
  guest(role: string): PageGuest | undefined;
  type(role: string, text: string): Promise<void>;
  text(role: string): string;
  /** a VM-exit counter of the role's guest, by name (0 before any stats) */
  exits(role: string, name: string | RegExp): number;
  machine(role: string): MachinePanel | undefined;
  /** draws attention to an element (a panel, a number) */
  highlight(el: Element | null | undefined): void;
  /** the lab's own scratch space (figures a step computed) */
  readonly data: Record<string, unknown>;
}

export interface LabStep {
  readonly title: string;
  /** what to do and what it shows, in plain words */
  readonly text: string;
  readonly action?: { readonly label: string; run(ctx: LabContext): Promise<void> | void };
  /** what to look at: highlighted by the step's "Show me" */
  look?(ctx: LabContext): Element | null | undefined;
  readonly check?: { readonly label: string; test(ctx: LabContext): boolean };
  /** a live figure or chart under the step (redrawn with the checks) */
  render?(ctx: LabContext): Node | undefined;
}

export interface Lab {
  readonly name: string;
  readonly title: string;
  /** the technique it teaches, in the textbook's words */
  readonly technique: string;
  readonly aims: string;
  /** extra URL parameters the lab needs (e.g. workers=2), used by its link */
  readonly params?: Readonly<Record<string, string>>;
  readonly steps: readonly LabStep[];
  readonly questions?: readonly string[];
}

/** A lab whose feature is still being finished: listed, with what it waits for. */
export interface ComingLab {
  readonly name: string;
  readonly title: string;
  readonly needs: string;
}

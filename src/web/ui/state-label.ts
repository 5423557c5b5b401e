/** How a guest's state reads in its tab and toolbar. */
import type { PageGuest } from '../model.js';

export function stateLabel(g: PageGuest): string {
  switch (g.state) {
    case 'halted':
      return g.haltReason === 'panic' ? 'halted: kernel panic' : `powered off (exit ${g.exitCode ?? 0})`;
    case 'faulted':
      return `faulted${g.fault ? ` (cause ${g.fault.cause ?? '?'} at 0x${g.fault.pc.toString(16)})` : ''}`;
    case 'crashed':
      return `crashed: ${g.crashReason ?? 'its worker died'}`;
    case 'waiting':
      return 'waiting (WFI)';
    default:
      return g.state;
  }
}

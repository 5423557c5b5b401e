/** Every lab, in teaching order, and the ones that wait for a feature. */
import { containers } from './containers.js';
import { fullVirt } from './full-virt.js';
import { hosted } from './hosted.js';
import { isolation } from './isolation.js';
import { migration } from './migration.js';
import { network } from './network.js';
import { paravirt } from './paravirt.js';
import { scheduling } from './scheduling.js';
import type { ComingLab, Lab } from './types.js';

export const LABS: readonly Lab[] = [hosted, fullVirt, paravirt, isolation, scheduling, migration, containers, network];

/** Labs listed before their feature is on main (none at the moment: every technique has its lab). */
export const COMING: readonly ComingLab[] = [];

export function findLab(name: string): Lab | undefined {
  return LABS.find((l) => l.name === name);
}

/** The link that opens a lab with its parameters (relative: works under any base path). */
export function labHref(lab: Lab): string {
  const q = new URLSearchParams({ lab: lab.name, ...(lab.params ?? {}) });
  return `?${q.toString()}`;
}

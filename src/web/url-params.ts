/**
 * Page URL parameters: `?launch=echo,escape,spinner` launches catalogue guests on load;
 * `?workers=N` fixes the number of host CPUs (tests force 2 to kill one).
 */
export interface PageParams {
  readonly launch: readonly string[];
  readonly workers?: number;
}

export function readParams(search: string): PageParams {
  const q = new URLSearchParams(search);
  const launch = (q.get('launch') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const w = Number(q.get('workers'));
  return { launch, ...(Number.isInteger(w) && w > 0 ? { workers: w } : {}) };
}

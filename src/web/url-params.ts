/**
 * Page URL parameters: `?launch=echo,escape,spinner` launches catalogue guests on load;
 * `?workers=N` fixes the number of host CPUs (tests force 2 to kill one); `?net=SEGMENT` plugs
 * the guests of `launch` into the network on that segment (`?launch=linux,linux&net=lan`).
 */
export interface PageParams {
  readonly launch: readonly string[];
  readonly workers?: number;
  readonly net?: string;
}

export function readParams(search: string): PageParams {
  const q = new URLSearchParams(search);
  const launch = (q.get('launch') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const w = Number(q.get('workers'));
  const net = q.get('net')?.trim();
  return { launch, ...(Number.isInteger(w) && w > 0 ? { workers: w } : {}), ...(net ? { net } : {}) };
}

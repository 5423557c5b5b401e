/**
 * Page URL parameters: `?launch=echo,escape,spinner` launches catalogue guests on load;
 * `?workers=N` fixes the number of host CPUs (tests force 2 to kill one); `?net=SEGMENT` plugs
 * the guests of `launch` into the network on that segment (`?launch=linux,linux&net=lan`);
 * `?jit=off` launches guests without translation to WebAssembly (the launcher's JIT option starts
 * unchecked; `on` is the default).
 */
export interface PageParams {
  readonly launch: readonly string[];
  readonly workers?: number;
  readonly net?: string;
  /** false for `jit=off` (also `0`, `false`, `no`); undefined when not given */
  readonly jit?: boolean;
}

export function readParams(search: string): PageParams {
  const q = new URLSearchParams(search);
  const launch = (q.get('launch') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const w = Number(q.get('workers'));
  const net = q.get('net')?.trim();
  const j = q.get('jit')?.trim().toLowerCase();
  const jit = j === undefined ? undefined : !['off', '0', 'false', 'no'].includes(j);
  return { launch, ...(Number.isInteger(w) && w > 0 ? { workers: w } : {}), ...(net ? { net } : {}), ...(jit !== undefined ? { jit } : {}) };
}

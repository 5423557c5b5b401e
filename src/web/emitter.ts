/** A minimal typed event emitter: the page's model tells its views what changed. */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>();

  on<K extends keyof Events>(type: K, listener: (value: Events[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const l of this.listeners.get(type) ?? []) (l as (value: Events[K]) => void)(value);
  }
}

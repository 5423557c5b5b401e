/** Trimming a hidden console's parked output (console-view.ts): only what the scrollback could not show anyway goes. */

/**
 * Where to cut a parked backlog: the number of bytes to drop from its head so that at most
 * `maxLines` line feeds and `maxBytes` bytes are left, cut just after a line feed (0 if it fits).
 * What is left starts a line; what goes would have scrolled out of the scrollback anyway.
 */
export function trimPoint(queue: readonly Uint8Array[], total: number, maxLines: number, maxBytes: number): number {
  let lines = 0;
  let end = total; // bytes from the head to the end of the chunk being scanned
  for (let c = queue.length - 1; c >= 0; c--) {
    const chunk = queue[c]!;
    const start = end - chunk.length;
    let i = chunk.length;
    while (i > 0) {
      const nl = chunk.lastIndexOf(10, i - 1);
      if (nl < 0) break;
      if (++lines > maxLines) return Math.max(start + nl + 1, byteCut(queue, total, maxBytes));
      i = nl;
    }
    end = start;
  }
  return byteCut(queue, total, maxBytes);
}

/** Bytes to drop so that at most `maxBytes` are left, moved on to just after the next line feed if there is one. */
function byteCut(queue: readonly Uint8Array[], total: number, maxBytes: number): number {
  if (total <= maxBytes) return 0;
  const cut = total - maxBytes;
  let start = 0;
  for (const chunk of queue) {
    const end = start + chunk.length;
    if (end > cut) {
      const nl = chunk.indexOf(10, Math.max(0, cut - start));
      if (nl >= 0) return start + nl + 1;
    }
    start = end;
  }
  return cut; // no line feed after the cut: cut mid-line
}

// The built page (dist-web/) served by vite's preview server, and the Chromium the page benches
// drive: the system's when there is one (as the Playwright config does), else Playwright's own.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Serves dist-web on `port` (or the next free one) and launches headless Chromium. */
export async function servePage(port) {
  const { preview } = await import('vite');
  const { chromium } = await import('@playwright/test');
  const server = await preview({ root, preview: { port, strictPort: false, host: '127.0.0.1' }, logLevel: 'warn' });
  const url = server.resolvedUrls.local[0];
  const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  const browser = await chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  return { server, url, browser };
}

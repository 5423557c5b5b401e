#!/usr/bin/env node
// minivisor command line. The CLI itself is TypeScript in src/cli/, compiled to dist/ by `npm run build:ts`.
import { main } from '../dist/cli/main.js';
import { flushAndExit } from '../dist/cli/run.js';

// A reader that goes away (`minivisor run x.elf | head -1`) must not crash us with EPIPE.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const status = await main(process.argv.slice(2));
// Let pending output reach the OS, then exit even though stdin may still be open. Output that
// --timeout gave up on (its reader stopped reading) is not waited for.
await flushAndExit(status);

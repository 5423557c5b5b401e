/**
 * The page's entry point: starts the host CPUs (workers), builds the UI, launches what the URL
 * asks for and installs `window.minivisor` (see automation.ts).
 */
import './styles.css';
import wasmUrl from '../../build/minivisor.wasm?url';
import { createAutomation } from './automation.js';
import { findEntry, catalogue } from './catalogue.js';
import { Controller } from './controller.js';
import { Model } from './model.js';
import { Pool, compileCore, defaultWorkerCount } from './pool.js';
import { App } from './ui/app.js';
import { warmUpConsoles } from './ui/console-warmup.js';
import { installTeaching } from './labs/teaching.js';
import { readParams } from './url-params.js';

const params = readParams(location.search);
const model = new Model();
const controller = new Controller(model);
const app = new App(document.getElementById('app')!, model, controller);
// ?jit=off: the launcher's JIT option starts unchecked, and the guests of ?launch= are interpreted.
if (params.jit !== undefined) app.launcher.setJit(params.jit);

async function start(): Promise<void> {
  const coreUrl = new URL(wasmUrl, location.href).href;
  const module = await compileCore(coreUrl);
  const pool = await Pool.create({
    workers: params.workers ?? defaultWorkerCount(),
    wasmUrl: coreUrl,
    ...(module ? { module } : {}),
    onEvents: (cpu, events) => controller.onEvents(cpu, events),
    onCrash: (cpu, reason) => {
      controller.onCrash(cpu, reason);
      app.banner.show(`host CPU ${cpu} crashed (${reason}); its guests are lost, the others keep running. Restart it in the host view, or relaunch a guest from its tab.`);
    },
  });
  controller.attach(pool);
  let first = true;
  for (const name of params.launch) {
    const entry = findEntry(name);
    if (!entry) {
      app.banner.show(`?launch=${name}: no such guest (catalogue: ${catalogue.map((e) => e.name).join(', ')})`);
      continue;
    }
    // Launched one after the other so that placement sees each new guest; the first one is shown.
    await app.launchEntry(entry, { ...(params.net ? { net: params.net } : {}), ...(params.jit !== undefined ? { jit: params.jit } : {}) }, first).catch(() => {});
    first = false;
  }
}

const ready = start().catch((e: unknown) => {
  app.banner.show(`cannot start the host CPUs: ${(e as Error).message}`);
  throw e;
});
window.minivisor = createAutomation(model, controller, app, ready);
// Once started, run the console path out of sight so that the first flood does not stutter (console-warmup.ts).
void ready.then(() => warmUpConsoles(), () => {});
// Labs, glossary, docs and the Machine panels (issue 14); window.minivisor.teaching for tests.
window.minivisor.teaching = installTeaching(document.getElementById('app')!, app, model, controller, ready);

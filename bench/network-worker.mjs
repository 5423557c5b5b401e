// One Linux guest in a worker thread of its own (bench/network.mjs): its card linked to the
// switch in the main thread through a MessageChannel, as a guest in another worker of the page
// is. The console goes to the parent as { out } messages; { type } messages are typed into it.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { Hypervisor, Scheduler, NicLink, withLinuxIp } from '../dist/index.js';

const { image, mac, port } = workerData;
const hv = await Hypervisor.create();
const guest = hv.createGuest({ ramBytes: 64 << 20 });
guest.bootKernel(readFileSync(image), { bootargs: withLinuxIp('', mac) });
let timer;
let sleeping;
const scheduler = new Scheduler({
  onOutput: (_sg, bytes) => parentPort.postMessage({ out: Buffer.from(bytes).toString('latin1') }),
  onStateChange: (sg) => {
    if (sg.state === 'running') kick();
  },
});
const sg = scheduler.add(guest, { name: 'b' });
const link = new NicLink(guest, port, { mac });
link.bindScheduler(scheduler);

function kick() {
  if (sleeping !== undefined) {
    clearTimeout(sleeping);
    sleeping = undefined;
  }
  if (timer !== undefined) return;
  timer = setImmediate(() => {
    timer = undefined;
    const r = scheduler.runFor(5);
    if (r.busy) kick();
    else if (r.nextWakeAt < Infinity) sleeping = setTimeout(() => { sleeping = undefined; kick(); }, Math.max(0, r.nextWakeAt - performance.now()));
  });
}
parentPort.on('message', (m) => {
  if (m.type !== undefined) {
    scheduler.input(sg, Buffer.from(m.type));
    kick();
  }
  if (m.exit) {
    link.close();
    hv.destroyAll();
    process.exit(0);
  }
});
kick();

/**
 * Worker entry point: the page's virtual switch (switch-host.ts), exposed to the page with comlink.
 */
import * as Comlink from 'comlink';
import { SwitchHost } from './switch-host.js';

Comlink.expose(new SwitchHost());

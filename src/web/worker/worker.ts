/**
 * Worker entry point: one host CPU per worker, exposed to the page with comlink.
 */
import * as Comlink from 'comlink';
import { HostCpu } from './host-cpu.js';

Comlink.expose(new HostCpu());

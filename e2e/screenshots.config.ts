import { defineConfig } from '@playwright/test';
import base from '../playwright.config.js';

// `npm run screenshots`: the page with several guests and the host view, saved in docs/.
// Not part of `npm test` (it only takes pictures).
export default defineConfig({ ...base, testMatch: 'screenshots.ts' });

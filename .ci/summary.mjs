// Prints one closing line for the whole CI run, "N passed, M failed", from the test reports that
// npm test wrote (vitest's JSON report, and Playwright's when present).
// (In reports/, since Playwright empties test-results/ when it starts.)
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
if (existsSync('reports/vitest.json')) {
  const v = JSON.parse(readFileSync('reports/vitest.json', 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
}
if (existsSync('reports/playwright.json')) {
  const p = JSON.parse(readFileSync('reports/playwright.json', 'utf8'));
  passed += p.stats?.expected ?? 0;
  failed += p.stats?.unexpected ?? 0;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

/**
 * The page links to its docs (issue 14 item 2): the Docs menu names the README, the page, the
 * teachers' labs guide, testing, minios and Linux, and every link serves that document.
 */
import { expect, test } from '@playwright/test';
import { openPage } from './helpers.js';

const DOCS: readonly [string, string][] = [
  // testid suffix, the document's first heading
  ['readme', '# minivisor'],
  ['the', '# The page'],
  ['labs', '# Labs: a guide for teachers'],
  ['testing', '# Testing guests'],
  ['minios', '# minios'],
  ['linux', '# guests/linux'],
];

test('the Docs menu links to the README, page, labs, testing, minios and Linux docs, and each one opens', async ({ page }) => {
  await openPage(page);
  await page.getByTestId('docs-button').click();
  await expect(page.getByTestId('docs-button-menu')).toBeVisible();
  for (const [key, heading] of DOCS) {
    const link = page.getByTestId(`doc-link-${key}`);
    await expect(link).toHaveCount(1);
    const href = await link.getAttribute('href');
    expect(href).toBeTruthy();
    const res = await page.request.get(new URL(href!, page.url()).toString());
    expect(res.status(), `${key}: ${href}`).toBe(200);
    expect((await res.text()).startsWith(heading), `${key} starts with ${heading}`).toBe(true);
  }
});

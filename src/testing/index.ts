/** `minivisor/testing`: drive guests from tests. Node: launchGuest. Playwright: 'minivisor/testing/playwright'. */
export { launchGuest, launchNetwork, TestGuest, TestNetwork, GuestTestError, parseSize } from './node.js';
export type { LaunchOptions, GuestStats, TestConsole, Pattern, NetworkGuestOptions, NetworkOptions, CapturedFrame } from './node.js';
// The Playwright fixture lives in 'minivisor/testing/playwright' so that Node users need no Playwright.

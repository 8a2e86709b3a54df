// Headless Debian Chromium driven by playwright-core (never downloads a
// browser), plus screenshot and axe-core accessibility helpers.
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const screenshotDir = fileURLToPath(new URL('../screenshots/', import.meta.url));

const viewports = {
  1280: { width: 1280, height: 900 },
  375: { width: 375, height: 812 },
};

// WCAG 2.0/2.1 levels A and AA: what a French public service must meet (RGAA).
const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    // Playwright adds its own fresh --user-data-dir; these flags keep
    // Chromium quiet and offline apart from the pages we open.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// One fresh context per page, so cookies and sessions never leak between tests.
export async function newPage(browser, width, { javaScriptEnabled = true } = {}) {
  const viewport = viewports[width];
  if (!viewport) throw new Error(`Unsupported width ${width}, use 1280 or 375`);
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    locale: 'fr-FR',
    // The server sends a strict CSP (script-src 'self', no inline script).
    // auditA11y injects axe-core as an inline <script>, which that CSP would
    // block, so the CSP is bypassed. Consequence: these tests do NOT prove the
    // pages work under their CSP; CSP itself must be checked on the headers.
    bypassCSP: true,
    javaScriptEnabled,
  });
  return context.newPage();
}

// Full-page PNG in browser/screenshots/<name>-<width>.png.
export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  const { width } = page.viewportSize();
  const path = `${screenshotDir}${name}-${width}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

let axeSource;

// Runs axe-core on the current page; throws listing every violation.
export async function auditA11y(page) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async (values) => {
    const results = await window.axe.run(document, {
      runOnly: { type: 'tag', values },
    });
    // Only plain data crosses back to Node.
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  }, axeTags);
  if (violations.length > 0) {
    const report = violations
      .map(
        (v) =>
          `- ${v.id} [${v.impact}] ${v.help}\n` +
          v.targets.map((t) => `    at ${t}`).join('\n'),
      )
      .join('\n');
    throw new Error(
      `${violations.length} accessibility violation(s) on ${page.url()}:\n${report}`,
    );
  }
}

// Foundation: login page, 404 page, language and keyboard focus,
// at desktop and phone widths, with an axe-core audit on each page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditA11y, launchBrowser, newPage, screenshot } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Each test gets its own context (fresh cookies), closed even on failure.
async function withPage(width, fn) {
  const page = await newPage(browser, width);
  try {
    await fn(page);
  } finally {
    await page.context().close();
  }
}

const visible = (locator) => locator.waitFor({ state: 'visible', timeout: 5_000 });

for (const width of [1280, 375]) {
  test(`${width}px: a visitor on / lands on the login page`, { timeout: 60_000 }, () =>
    withPage(width, async (page) => {
      const res = await page.goto(`${server.baseUrl}/`);
      assert.equal(res.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/connexion');

      await visible(page.getByText('Mairie de CarteVille').first());
      // exact: "Mot de passe" must not also match e.g. a show-password toggle.
      await visible(page.getByLabel('Identifiant', { exact: true }));
      const password = page.getByLabel('Mot de passe', { exact: true });
      await visible(password);
      assert.equal(await password.getAttribute('type'), 'password');
      await visible(page.getByRole('link', { name: 'Réinitialiser votre mot de passe' }));

      await screenshot(page, 'connexion');
      await auditA11y(page);
    }),
  );

  test(`${width}px: an unknown page answers 404`, { timeout: 60_000 }, () =>
    withPage(width, async (page) => {
      const res = await page.goto(`${server.baseUrl}/nimporte-quoi`);
      assert.equal(res.status(), 404);
      await visible(page.getByText('Page introuvable').first());

      await screenshot(page, '404');
      await auditA11y(page);
    }),
  );

  test(`${width}px: French language and visible keyboard focus`, { timeout: 60_000 }, () =>
    withPage(width, async (page) => {
      await page.goto(`${server.baseUrl}/connexion`);
      assert.equal(await page.getAttribute('html', 'lang'), 'fr');

      await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return {
          tag: el.tagName,
          outlineStyle: style.outlineStyle,
          outlineWidth: parseFloat(style.outlineWidth) || 0,
          boxShadow: style.boxShadow,
          width: box.width,
          height: box.height,
        };
      });
      const where = JSON.stringify(focus);
      assert.notEqual(focus.tag, 'BODY', `Tab focused nothing: ${where}`);
      // A skip link hidden until focused must actually show up when focused.
      assert.ok(focus.width > 0 && focus.height > 0, `focused element is invisible: ${where}`);
      const hasOutline = focus.outlineStyle !== 'none' && focus.outlineWidth > 0;
      const hasShadow = focus.boxShadow !== 'none';
      assert.ok(hasOutline || hasShadow, `no visible focus indicator: ${where}`);
    }),
  );
}

// What every browser test file shares: one server per width (started with the browser,
// once per file), a fresh browser context per test, waiting helpers, and the check run on
// every distinct page.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { auditA11y, launchBrowser, newPage, screenshot } from './browser.js';
import { startServer } from './server.js';

// The widths a file tests: all of them, or those RIBAMBELLE_BROWSER_WIDTHS lists (« 1280 »:
// the date sweep checks the calendar's rules at one width, the phone layout being tested today).
export function chosenWidths(widths) {
  const chosen = (process.env.RIBAMBELLE_BROWSER_WIDTHS || '').split(',').filter(Boolean).map(Number);
  return chosen.length === 0 ? widths : widths.filter((w) => chosen.includes(w));
}

// Registers the file's before/after hooks (`serverOptions` go to startServer); returns `withPage(width, fn)`, which runs
// `fn(page, baseUrl, server)` in its own context (fresh cookies), closed even on failure.
export function serversPerWidth(widths, serverOptions) {
  const servers = {};
  let browser;
  before(async () => {
    const started = await Promise.allSettled(widths.map(() => startServer(serverOptions)));
    widths.forEach((width, i) => {
      if (started[i].status === 'fulfilled') servers[width] = started[i].value;
    });
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  });
  return async function withPage(width, fn, options) {
    const page = await newPage(browser, width, options);
    try {
      await fn(page, servers[width].baseUrl, servers[width]);
    } finally {
      await page.context().close();
    }
  };
}

export const visible = (locator) => locator.waitFor({ state: 'visible', timeout: 5_000 });
export const hidden = (locator) => locator.waitFor({ state: 'hidden', timeout: 5_000 });
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Retries an assertion until it passes (the page may still be reacting to a key or click).
export async function eventually(check, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

// On a phone who is signed in, the structure switch and « Se déconnecter » sit behind
// « Menu » with the sections: opens it when it is there and closed.
export async function openMenu(page) {
  const menu = page.getByRole('button', { name: 'Menu', exact: true });
  if ((await menu.count()) === 0 || !(await menu.isVisible())) return;
  if ((await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
}

// Signs in through the login form at `path` (`/connexion` or `/gestion/connexion`).
export async function logIn(page, baseUrl, path, identifiant, password) {
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel('Identifiant', { exact: true }).fill(identifiant);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

const DUPONT_PASSWORD = 'Trombone-Vert7!Lune';

// DUPONT's first login from the demo's initial password, briefly (the accounts tests look
// at it closely): a password, the texts accepted, both children's règlement signed.
export async function onboardDupont(page, baseUrl) {
  await logIn(page, baseUrl, '/connexion', 'dupont', 'bienvenue');
  await expectPath(page, '/premiere-connexion');
  await page.getByLabel('Nouveau mot de passe', { exact: true }).fill(DUPONT_PASSWORD);
  await page.getByLabel('Confirmation du nouveau mot de passe', { exact: true }).fill(DUPONT_PASSWORD);
  await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await page.getByRole('link', { name: 'Continuer', exact: true }).click();
  for (const box of await page.getByRole('checkbox').all()) await box.check();
  await page.getByRole('button', { name: 'Valider', exact: true }).click();
  for (const child of ['Amalia', 'Paolo']) {
    if (child === 'Paolo') await page.getByRole('link', { name: 'Accéder à la fiche de Paolo' }).click();
    await page.getByLabel("J'ai pris connaissance du règlement intérieur et j'ai informé mon enfant de ce règlement").check();
    await page.getByLabel('Lieu', { exact: true }).fill('CarteVille');
    await page.getByRole('button', { name: 'Valider et transmettre la fiche' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'La fiche a bien été validée et transmise.' }));
  }
  await page.getByRole('link', { name: "Continuer vers l'accueil" }).click();
  await expectPath(page, '/accueil');
}

export async function expectPath(page, pathname) {
  await eventually(() => assert.equal(new URL(page.url()).pathname, pathname));
}

// Every distinct page: a screenshot, the axe audit, and nothing wider than the screen.
// On a phone, what a finger aims at is at least 44 × 44 px: buttons, fields, menus, links
// drawn as buttons or standing alone (a link inside running text is exempt, as WCAG 2.5.8
// has it), and for a radio or a checkbox the label it sits in. Returns the ones too small.
export function smallTouchTargets(page) {
  return page.evaluate((min) => {
    const small = [];
    const shown = (r) => r.width > 1 && r.height > 1 && r.right > 0 && r.left < innerWidth;
    const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} « ${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40)} »`;
    for (const el of document.querySelectorAll('button, select, textarea, input:not([type=hidden]), summary, a[href]')) {
      if (el.closest('[hidden], [aria-hidden="true"], .visually-hidden')) continue;
      let target = el;
      if (el.matches('input[type=radio], input[type=checkbox]')) {
        const label = el.closest('label') ?? (el.id && document.querySelector(`label[for="${el.id}"]`));
        // A label read but not shown is no target: the box itself is.
        target = label && !label.closest('.visually-hidden') ? label : el;
      } else if (el.matches('a') && !el.matches('.button, .tool, .day') && !el.closest('nav')) {
        const around = el.parentElement?.innerText.trim() ?? '';
        if (around !== el.innerText.trim()) continue;
      }
      const r = target.getBoundingClientRect();
      if (!shown(r)) continue;
      if (r.width < min - 0.5 || r.height < min - 0.5) small.push(`${name(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    return small;
  }, 44);
}

export async function checkPage(page, name) {
  await screenshot(page, name);
  await auditA11y(page);
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${name}: the page scrolls sideways (${scrollWidth} > ${clientWidth} px)`);
  assert.ok(scrollWidth <= page.viewportSize().width, `${name}: wider than the screen (${scrollWidth} px)`);
  if (page.viewportSize().width < 600) {
    assert.deepEqual(await smallTouchTargets(page), [], `${name}: touch targets under 44 × 44 px`);
  }
}

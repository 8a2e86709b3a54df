// Every page of the back office, as the demo's administrateur sees it (all structures, the
// staff accounts too): each one answers, names itself in a first-level heading, and passes
// the audit at 1280 px. The section tests drive the forms; this one makes sure no page is
// left out of the audit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPage, expectPath, logIn, serversPerWidth } from '../lib/suite.js';

const width = 1280;
// The animateur's pages are seen on a phone too.
const withPage = serversPerWidth([width, 375]);

const pages = [
  ['/gestion', 'tableau'],
  ['/gestion/familles', 'familles'],
  ['/gestion/familles?q=martin', 'familles-recherche'],
  ['/gestion/familles/nouvelle', 'familles-nouvelle'],
  ['/gestion/familles/import', 'familles-import'],
  ['/gestion/activites', 'activites'],
  ['/gestion/structures/carteville', 'structure'],
  ['/gestion/structures/carteville/activites/nouvelle', 'activite-nouvelle'],
  ['/gestion/reservations', 'reservations'],
  ['/gestion/facturation', 'facturation'],
  ['/gestion/facturation/factures', 'facturation-factures'],
  ['/gestion/facturation/reglements', 'facturation-reglements'],
  ['/gestion/facturation/reglements/nouveau', 'facturation-reglement-nouveau'],
  ['/gestion/facturation/soldes', 'facturation-soldes'],
  ['/gestion/facturation/export', 'facturation-export'],
  ['/gestion/dossiers', 'dossiers'],
  ['/gestion/campagnes', 'campagnes'],
  ['/gestion/annonces', 'annonces'],
  ['/gestion/journal', 'journal'],
  ['/gestion/securite', 'securite'],
  ['/gestion/personnel', 'personnel'],
  ['/gestion/personnel/nouveau', 'personnel-nouveau'],
];

test('every back-office page answers and passes the audit for the administrateur', { timeout: 180_000 }, () =>
  withPage(width, async (page, baseUrl) => {
    await logIn(page, baseUrl, '/gestion/connexion', 'admin', 'Admin-Demo-2026!');
    await expectPath(page, '/gestion');
    for (const [path, name] of pages) {
      const response = await page.goto(`${baseUrl}${path}`);
      assert.equal(response.status(), 200, `${path} answers ${response.status()}`);
      assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1, `${path} has one first-level heading`);
      await checkPage(page, `gestion-page-${name}`);
    }
    // The family page and a staff account's page, reached from their lists.
    await page.goto(`${baseUrl}/gestion/familles?q=martin`);
    await page.getByRole('link', { name: /MARTIN/ }).first().click();
    await checkPage(page, 'gestion-page-famille');
    await page.goto(`${baseUrl}/gestion/personnel`);
    await page.getByRole('link', { name: /gestion/i }).last().click();
    await checkPage(page, 'gestion-page-personnel-compte');
  }),
);

test("a gestionnaire's menu offers only what the role opens; the staff pages say why they are closed", { timeout: 60_000 }, () =>
  withPage(width, async (page, baseUrl) => {
    await logIn(page, baseUrl, '/gestion/connexion', 'gestion', 'Gestion-Demo-2026!');
    await expectPath(page, '/gestion');
    const menu = page.getByRole('navigation', { name: 'Rubriques de la gestion' });
    await menu.getByRole('link', { name: 'Journal', exact: true }).waitFor();
    assert.equal(await menu.getByRole('link', { name: 'Personnel', exact: true }).count(), 0);
    const response = await page.goto(`${baseUrl}/gestion/personnel`);
    assert.equal(response.status(), 403);
    await page.getByRole('heading', { level: 1, name: 'Accès non autorisé pour votre rôle' }).waitFor();
    await page.getByText('adressez-vous à un administrateur du portail').waitFor();
    await menu.getByRole('link', { name: 'Tableau de bord', exact: true }).waitFor();
    await checkPage(page, 'gestion-page-role-refuse');
    await page.getByRole('link', { name: 'Revenir au tableau de bord' }).click();
    await expectPath(page, '/gestion');
  }),
);

// What the animateur may not send is not shown: its pages carry no form but its own
// account's, no link to a form, and a form's address typed by hand says why it is closed.
const animateurPages = [
  ['/gestion', 'tableau'],
  ['/gestion/familles', 'familles'],
  ['/gestion/activites', 'activites'],
  ['/gestion/reservations', 'reservations'],
  ['/gestion/facturation', 'facturation'],
  ['/gestion/facturation/factures', 'facturation-factures'],
  ['/gestion/facturation/soldes', 'facturation-soldes'],
  ['/gestion/dossiers', 'dossiers'],
  ['/gestion/campagnes', 'campagnes'],
  ['/gestion/annonces', 'annonces'],
];

/** The page's POST forms other than the session's own (sign-out, structure, security). */
async function changingForms(page) {
  return page.locator('form[method="post"]').evaluateAll((forms) =>
    forms
      .map((f) => new URL(f.action).pathname)
      .filter((path) => !['/gestion/deconnexion', '/deconnexion', '/session/prolonger'].includes(path) && !path.startsWith('/gestion/securite')),
  );
}

for (const w of [1280, 375]) {
  test(`${w}px: an animateur reads the back office and is offered no form it could not send`, { timeout: 120_000 }, () =>
    withPage(w, async (page, baseUrl) => {
      await logIn(page, baseUrl, '/gestion/connexion', 'animateur', 'Animateur-Demo-2026!');
      await expectPath(page, '/gestion');
      for (const [path, name] of animateurPages) {
        const response = await page.goto(`${baseUrl}${path}`);
        assert.equal(response.status(), 200, `${path} answers ${response.status()}`);
        assert.deepEqual(await changingForms(page), [], `${path} offers no form`);
        await checkPage(page, `gestion-animateur-${name}`);
      }
      // The activities are read in their list, with no way into their form.
      await page.goto(`${baseUrl}/gestion/activites`);
      assert.equal(await page.getByRole('link', { name: 'Créer une activité', exact: false }).count(), 0);
      assert.equal(await page.getByRole('link', { name: 'APS MATIN', exact: true }).count(), 0);
      await page.getByRole('cell', { name: 'APS MATIN', exact: true }).first().waitFor();
      // A family's page: its account and children, no « Modifier », no password to issue.
      await page.goto(`${baseUrl}/gestion/familles?q=martin`);
      await page.getByRole('link', { name: /MARTIN/ }).first().click();
      await page.getByRole('heading', { level: 2, name: 'Enfants' }).waitFor();
      assert.equal(await page.getByRole('link', { name: /^Modifier/ }).count(), 0);
      assert.deepEqual(await changingForms(page), []);
      await checkPage(page, 'gestion-animateur-famille');
      // A form's address typed by hand: refused inside the back office, with why.
      const response = await page.goto(`${baseUrl}/gestion/familles/nouvelle`);
      assert.equal(response.status(), 403);
      await page.getByRole('heading', { level: 1, name: 'Accès non autorisé pour votre rôle' }).waitFor();
      // Behind the menu button on a phone: present, if not shown.
      await page.locator('nav[aria-label="Rubriques de la gestion"]').waitFor({ state: 'attached' });
      await checkPage(page, 'gestion-animateur-refuse');
    }),
  );
}

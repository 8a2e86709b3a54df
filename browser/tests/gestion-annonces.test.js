// The gestionnaire's own pages: the dashboard, an announcement published and then read by
// MARTIN on « Accueil », a new version of a text, the journal that records both, and the
// activation page of the second factor with its QR code. At 1280 px, audited.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portalNow } from '../lib/server.js';
import { checkPage, expectPath, logIn, serversPerWidth, visible } from '../lib/suite.js';

const width = 1280;
const withPage = serversPerWidth([width]);

function today() {
  const parts = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric' }).format(portalNow());
  return parts;
}

test('the gestionnaire publishes an announcement that MARTIN reads, and a new CGU version, both in the journal', { timeout: 90_000 }, () =>
  withPage(width, async (page, baseUrl) => {
    await logIn(page, baseUrl, '/gestion/connexion', 'gestion', 'Gestion-Demo-2026!');
    await expectPath(page, '/gestion');
    await visible(page.getByRole('heading', { level: 1, name: 'Tableau de bord' }));
    await visible(page.getByRole('navigation', { name: 'Rubriques de la gestion' }));
    await checkPage(page, 'gestion-tableau');

    await page.getByRole('link', { name: 'Annonces et textes' }).first().click();
    await visible(page.getByRole('heading', { level: 1, name: 'Annonces et textes' }));
    await checkPage(page, 'gestion-annonces');
    await page.getByLabel('Structure').selectOption({ label: 'Mairie de CarteVille' });
    await page.getByLabel('Titre').fill('Sortie au musée');
    await page.getByLabel('Texte').fill('Les enfants du mercredi visitent le musée le 10 décembre.');
    await page.getByLabel('Affichée à partir du').fill('31/13/2026');
    await page.getByRole('button', { name: "Publier l'annonce" }).click();
    await visible(page.getByText('Saisissez une date au format jj/mm/aaaa.'));
    assert.equal(await page.getByLabel('Affichée à partir du').getAttribute('aria-invalid'), 'true');
    await checkPage(page, 'gestion-annonces-erreur');
    await page.getByLabel('Affichée à partir du').fill(today());
    await page.getByRole('button', { name: "Publier l'annonce" }).click();
    await visible(page.getByText("L'annonce est publiée", { exact: false }));
    await visible(page.getByRole('row').filter({ hasText: 'Sortie au musée' }).getByText('Affichée'));

    await page.getByRole('link', { name: 'Nouvelle version : Conditions générales d\'utilisation, Mairie de CarteVille' }).click();
    await visible(page.getByRole('heading', { level: 1, name: /nouvelle version/ }));
    await checkPage(page, 'gestion-texte');
    await page.getByLabel('Texte').fill('Conditions générales, version revue : article unique.');
    await page.getByRole('button', { name: /^Publier la version/ }).click();
    await visible(page.getByText('La nouvelle version est publiée', { exact: false }));

    await page.getByRole('link', { name: 'Journal' }).first().click();
    await visible(page.getByRole('heading', { level: 1, name: 'Journal des modifications' }));
    await visible(page.getByText('Annonce publiée : Sortie au musée'));
    await visible(page.getByText("Nouvelle version publiée : Conditions générales d'utilisation"));
    await checkPage(page, 'gestion-journal');

    await page.goto(`${baseUrl}/gestion/securite`);
    await page.getByRole('button', { name: "Commencer l'activation" }).click();
    await visible(page.getByRole('img', { name: /Code QR à scanner/ }));
    await checkPage(page, 'gestion-securite');

    // MARTIN accepts the new CGU, then reads the announcement on « Accueil ».
    const family = await page.context().browser().newContext();
    const martin = await family.newPage();
    try {
      await logIn(martin, baseUrl, '/connexion', 'martin', 'Martin-Demo-2026!');
      await expectPath(martin, '/conditions');
      await visible(martin.getByText('Conditions générales, version revue : article unique.'));
      await martin.getByRole('checkbox', { name: /je les accepte/ }).check();
      await martin.getByRole('button', { name: 'Valider' }).click();
      await expectPath(martin, '/accueil');
      await visible(martin.getByRole('heading', { name: 'Sortie au musée' }));
      await visible(martin.getByText('Les enfants du mercredi visitent le musée le 10 décembre.'));
    } finally {
      await family.close();
    }
  }),
);

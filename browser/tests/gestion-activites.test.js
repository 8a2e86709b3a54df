// Structures and activities in the back office, as the gestionnaire goes through them: the
// list of each structure's activities; a new activity with its calendar (weekdays, hours),
// capacity and prices, first refused at its wrong fields then created; a closure added;
// the structure's settings changed (a too light colour refused, then a dark one saved).
// At desktop width, with the axe audit on every distinct page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPage, expectPath, logIn, serversPerWidth, visible } from '../lib/suite.js';

const widths = [1280];
const withPage = serversPerWidth(widths);

async function logInStaff(page, baseUrl) {
  await logIn(page, baseUrl, '/gestion/connexion', 'gestion', 'Gestion-Demo-2026!');
  await expectPath(page, '/gestion');
}

for (const width of widths) {
  test(`${width}px: a gestionnaire creates an activity with its calendar, capacity and prices, and edits a structure`, { timeout: 120_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logInStaff(page, baseUrl);
      await page.getByRole('navigation').getByRole('link', { name: /activités/i }).first().click();
      await expectPath(page, '/gestion/activites');
      await visible(page.getByRole('heading', { level: 2, name: 'Mairie de CarteVille' }));
      await visible(page.getByRole('link', { name: 'APS MATIN' }));
      await checkPage(page, `gestion-activites-liste-${width}`);

      await page.getByRole('link', { name: 'Créer une activité pour Mairie de CarteVille' }).click();
      await expectPath(page, '/gestion/structures/carteville/activites/nouvelle');
      // The holiday booking windows, folded away for a school-period activity.
      await page.getByText('Afficher les périodes de vacances').click();
      await visible(page.getByRole('table', { name: /Ouverture et clôture des réservations/ }));
      await checkPage(page, `gestion-activites-nouvelle-${width}`);
      await page.getByLabel("Nom de l'activité").fill('ATELIER THÉÂTRE');
      await page.getByLabel("Porte-monnaie de l'activité").selectOption({ label: 'Loisirs (facturation)' });
      await page.getByLabel('Périodes scolaires (hors vacances et jours fériés)').check();
      for (const day of ['lundi', 'mardi', 'jeudi', 'vendredi']) await page.getByLabel(day, { exact: true }).check();
      await page.getByLabel('Heure de début').fill('16:30');
      await page.getByLabel('Heure de fin').fill('15:00');
      await page.getByLabel('Capacité (places par jour)').fill('12');
      await page.getByLabel("Tranche 1 : quotient familial jusqu'à").fill('600');
      await page.getByLabel('Tranche 1 : tarif en euros').fill('2,5O');
      await page.getByLabel('Tranche 2 : quotient familial jusqu\'à').fill('1000');
      await page.getByLabel('Tranche 2 : tarif en euros').fill('3,50');
      await page.getByLabel('Tarif au-delà de la dernière tranche').fill('5');
      await page.getByRole('button', { name: "Créer l'activité" }).click();

      // Refused: the summary on top links to each field, which says what is wrong.
      const summary = page.getByRole('alert').filter({ hasText: "L'activité n'a pas été enregistrée" });
      await visible(summary);
      await visible(summary.getByRole('link', { name: "L'heure de fin doit venir après l'heure de début." }));
      await visible(summary.getByRole('link', { name: /Saisissez un tarif en euros/ }));
      assert.equal(await page.getByLabel('Heure de fin').getAttribute('aria-invalid'), 'true');
      await checkPage(page, `gestion-activites-erreurs-${width}`);
      await page.getByLabel('Heure de fin').fill('18:00');
      await page.getByLabel('Tranche 1 : tarif en euros').fill('2,50');
      await page.getByRole('button', { name: "Créer l'activité" }).click();
      await visible(page.getByRole('status').filter({ hasText: "L'activité est créée." }));
      assert.equal(await page.getByLabel('Capacité (places par jour)').inputValue(), '12');
      assert.equal(await page.getByLabel('jeudi', { exact: true }).isChecked(), true);
      assert.equal(await page.getByLabel('mercredi', { exact: true }).isChecked(), false);

      // A closure, with its reason.
      await page.getByLabel('Jour fermé').fill('2027-05-07');
      await page.getByLabel('Motif').fill('Pont de l\'Ascension');
      await page.getByRole('button', { name: 'Ajouter la fermeture' }).click();
      await visible(page.getByRole('status').filter({ hasText: 'La fermeture est enregistrée.' }));
      await visible(page.getByRole('cell', { name: "Pont de l'Ascension" }));
      await checkPage(page, `gestion-activites-activite-${width}`);

      await page.getByRole('link', { name: 'Retour aux structures et activités' }).click();
      const row = page.getByRole('row').filter({ hasText: 'ATELIER THÉÂTRE' });
      await visible(row.getByRole('cell', { name: '12 places par jour' }));
      await visible(row.getByRole('cell', { name: /QF jusqu'à 600 : 2,50/ }));

      // The structure's settings: a light colour refused, a dark one saved.
      await page.getByRole('link', { name: 'Paramètres de Mairie de CarteVille et régie' }).click();
      await expectPath(page, '/gestion/structures/carteville');
      await checkPage(page, `gestion-structure-${width}`);
      await page.getByLabel('Adresse postale').fill('1 place de la Mairie\n77000 CarteVille');
      await page.getByLabel('Zone B').check();
      await page.getByLabel('Couleur de la structure').fill('#7fb3e6');
      await page.getByRole('button', { name: 'Enregistrer les paramètres' }).click();
      await visible(page.getByText("Le texte blanc sur cette couleur n'est pas assez lisible"));
      await page.getByLabel('Couleur de la structure').fill('#7a3b00');
      await page.getByRole('button', { name: 'Enregistrer les paramètres' }).click();
      await visible(page.getByRole('status').filter({ hasText: 'Les paramètres de la structure sont enregistrés.' }));
      assert.equal(await page.getByLabel('Zone B').isChecked(), true);
      await checkPage(page, `gestion-structure-enregistree-${width}`);
    }),
  );
}

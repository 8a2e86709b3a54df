// « Historique »: MARTIN's consommations of this month and the last (the arrow between
// them), his règlements, the export links, the print button and its printout, a month out
// of reach; then « Paiement et Solde »; at desktop and phone widths, with the audit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPage, chosenWidths, expectPath, serversPerWidth, visible } from '../lib/suite.js';

const widths = chosenWidths([1280, 375]);
const withPage = serversPerWidth(widths);

for (const width of widths) {
  test(`${width}px: MARTIN reads his history of two months and can export it`, { timeout: 60_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await page.goto(`${baseUrl}/connexion`);
      await page.getByLabel('Identifiant', { exact: true }).fill('martin');
      await page.getByLabel('Mot de passe', { exact: true }).fill('Martin-Demo-2026!');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await expectPath(page, '/accueil');
      await page.goto(`${baseUrl}/historique`);
      await visible(page.getByRole('heading', { level: 2, name: /^Vos consommations — / }));
      await visible(page.getByRole('heading', { level: 2, name: 'Vos règlements' }));
      await visible(page.getByRole('link', { name: 'Exporter les consommations (CSV)' }));
      await checkPage(page, 'historique');
      const thisMonth = await page.getByRole('heading', { level: 2, name: /^Vos consommations — / }).textContent();
      await page.getByRole('navigation', { name: 'Mois des consommations' }).getByRole('link').click();
      await visible(page.getByRole('table', { name: /^Consommations de / }));
      const lastMonth = await page.getByRole('heading', { level: 2, name: /^Vos consommations — / }).textContent();
      assert.notEqual(lastMonth, thisMonth);
      await checkPage(page, 'historique-mois-precedent');

      // « Imprimer l'historique » opens the browser's printing; the printout says whose it is.
      await page.evaluate(() => {
        window.printed = 0;
        window.print = () => { window.printed += 1; };
      });
      await page.getByRole('button', { name: "Imprimer l'historique" }).click();
      assert.equal(await page.evaluate(() => window.printed), 1);
      await page.emulateMedia({ media: 'print' });
      await visible(page.getByText(/^MARTIN Claire — Mairie de CarteVille$/));
      assert.equal(await page.getByRole('button', { name: "Imprimer l'historique" }).isVisible(), false);
      await page.emulateMedia({ media: 'screen' });

      // One arrow too far (an old bookmark): the current month, and why, not a bare error.
      await page.goto(`${baseUrl}/historique?mois=2020-01`);
      await visible(page.getByRole('alert').filter({ hasText: "L'historique en ligne présente le mois en cours et le mois précédent" }));
      assert.equal(await page.getByRole('heading', { level: 2, name: /^Vos consommations — / }).textContent(), thisMonth);
      await checkPage(page, 'historique-mois-hors-ligne');

      await page.goto(`${baseUrl}/paiement`);
      await visible(page.getByRole('table', { name: 'Solde par porte-monnaie' }));
      await visible(page.getByText('(à régler)').first());
      await checkPage(page, 'paiement');
    }),
  );
}

// Paying online as MARTIN does it, through the simulated bank the binary serves: a payment
// left on its review page, given up from « Paiement et Solde »; his
// invoice at the town hall (PayFiP), back on the portal with the new balance, the payment
// in the history and its ticket in the outbox for his first address only; then, at the
// centre de loisirs (Systempay), a refused and an abandoned credit that change nothing.
// At desktop and phone widths, with the audit on every page, the bank's included.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkPage, chosenWidths, eventually, expectPath, logIn, openMenu, serversPerWidth, visible } from '../lib/suite.js';

const widths = chosenWidths([1280, 375]);
const withPage = serversPerWidth(widths);

async function logInMartin(page, baseUrl) {
  await logIn(page, baseUrl, '/connexion', 'martin', 'Martin-Demo-2026!');
  await expectPath(page, '/accueil');
}

// The Solde cell of a porte-monnaie's row on « Paiement et Solde ».
async function solde(page, wallet) {
  const row = page.getByRole('row').filter({ hasText: new RegExp(`^\\s*${wallet} \\(`) });
  return (await row.getByRole('cell').nth(1).textContent()).trim();
}

// The delivered mails (.eml) that contain `needle`.
async function mailsWith(dataDir, needle) {
  const folder = join(dataDir, 'outbox');
  const found = [];
  for (const name of await readdir(folder)) {
    if (!name.endsWith('.eml')) continue;
    const eml = await readFile(join(folder, name), 'utf8');
    if (eml.includes(needle)) found.push(eml);
  }
  return found;
}

for (const width of widths) {
  test(`${width}px: a payment left on its review page is explained, resumed, then given up, and its invoices can be ticked again`, { timeout: 90_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logInMartin(page, baseUrl);
      await page.goto(`${baseUrl}/paiement`);
      const boxes = page.getByRole('checkbox', { name: /^Payer la facture F/ });
      const offered = await boxes.count();
      assert.ok(offered > 0, 'MARTIN has an invoice to pay');
      await boxes.first().check();
      await page.getByRole('button', { name: 'Payer les factures cochées' }).click();
      await visible(page.getByRole('heading', { level: 1, name: 'Vérifiez votre paiement' }));
      const review = new URL(page.url()).pathname;

      // He leaves for another page, then comes back: the payment waits for him, in words.
      await page.goto(`${baseUrl}/accueil`);
      await page.goto(`${baseUrl}/paiement`);
      const underWay = page.getByRole('region', { name: 'Paiement en cours' });
      await visible(underWay);
      await visible(underWay.getByText("Tant que la banque n'a pas confirmé un paiement", { exact: false }));
      assert.equal(await boxes.count(), offered - 1);
      await visible(page.getByRole('table').getByRole('link', { name: 'Paiement en cours' }));
      await checkPage(page, 'paiement-en-cours');

      await underWay.getByRole('link', { name: /^Reprendre le paiement/ }).click();
      await expectPath(page, review);
      await page.goto(`${baseUrl}/paiement`);
      await underWay.getByRole('button', { name: /^Abandonner ce paiement/ }).click();
      await visible(page.getByRole('status').filter({ hasText: 'Le paiement a été abandonné' }));
      assert.equal(await underWay.count(), 0);
      assert.equal(await boxes.count(), offered);
      await checkPage(page, 'paiement-abandonne-depuis-le-solde');
    }),
  );

  test(`${width}px: MARTIN pays his invoice through the bank and comes back to his new balance`, { timeout: 90_000 }, () =>
    withPage(width, async (page, baseUrl, server) => {
      await logInMartin(page, baseUrl);
      await page.goto(`${baseUrl}/paiement`);
      await visible(page.getByRole('heading', { level: 2, name: 'Vos factures' }));
      const before = await solde(page, 'Périscolaire');
      assert.match(before, /à régler/);
      await checkPage(page, 'paiement-factures');

      const box = page.getByRole('row').filter({ hasText: '(Périscolaire)' }).getByRole('checkbox', { name: /^Payer la facture F/ }).first();
      const label = await box.evaluate((el) => el.labels[0].textContent);
      const number = label.match(/F\d{6}-\d{5}/)[0];
      await box.check();
      await page.getByRole('button', { name: 'Payer les factures cochées' }).click();
      await visible(page.getByRole('heading', { level: 1, name: 'Vérifiez votre paiement' }));
      await visible(page.getByText(`Facture ${number}`));
      await visible(page.getByText('claire.martin@example.fr'));
      await checkPage(page, 'paiement-verification');

      await page.getByRole('button', { name: /^Confirmer et payer/ }).click();
      await visible(page.getByText('Ceci est une banque simulée', { exact: false }));
      await checkPage(page, 'banque-simulee-payfip');
      await page.getByRole('button', { name: 'Payer', exact: true }).click();

      await visible(page.getByRole('heading', { level: 1, name: 'Paiement accepté' }));
      assert.match(new URL(page.url()).pathname, /^\/paiement\/[0-9a-f-]+\/retour$/);
      await visible(page.getByText('Un reçu a été envoyé à claire.martin@example.fr'));
      const reference = (await page.locator('dt:has-text("Référence") + dd').textContent()).trim();
      await checkPage(page, 'paiement-accepte');

      await page.getByRole('link', { name: 'Revenir à Paiement et Solde' }).click();
      const after = await solde(page, 'Périscolaire');
      assert.notEqual(after, before);
      assert.doesNotMatch(after, /à régler/);
      await visible(page.getByRole('row').filter({ hasText: number }).getByText('Réglée'));
      assert.equal(await page.getByRole('checkbox', { name: new RegExp(`facture ${number}`) }).count(), 0);

      await page.goto(`${baseUrl}/historique`);
      await visible(page.getByRole('row').filter({ hasText: reference }).getByText('Carte bancaire'));

      // The ticket goes out with the mail sender, to the first address only.
      const tickets = await eventually(async () => {
        const found = await mailsWith(server.dataDir, reference);
        assert.equal(found.length, 1);
        return found;
      }, 20_000);
      const to = tickets[0].split(/\r?\n/).find((line) => line.startsWith('To:'));
      assert.match(to, /claire\.martin@example\.fr/);
      assert.doesNotMatch(tickets[0], /paul\.martin@example\.fr/);
    }),
  );

  test(`${width}px: a refused and an abandoned payment leave MARTIN's balance as it was`, { timeout: 90_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logInMartin(page, baseUrl);
      await openMenu(page);
      await page.getByLabel('Structure consultée').selectOption({ label: 'Centre de loisirs Les Écureuils' });
      await page.getByRole('button', { name: 'Changer', exact: true }).click();
      await expectPath(page, '/accueil');
      await page.goto(`${baseUrl}/paiement`);
      const before = await solde(page, 'Activités');

      for (const [choice, outcome, name] of [
        ['Refuser le paiement', 'Paiement refusé', 'paiement-refuse'],
        ['Abandonner', 'Paiement abandonné', 'paiement-abandonne'],
      ]) {
        await page.goto(`${baseUrl}/paiement`);
        await page.getByLabel('Montant à créditer, en euros').fill('20');
        await page.getByRole('button', { name: 'Créditer Activités' }).click();
        await visible(page.getByRole('heading', { level: 1, name: 'Vérifiez votre paiement' }));
        await visible(page.getByText('Crédit du porte-monnaie Activités'));
        await page.getByRole('button', { name: /^Confirmer et payer/ }).click();
        await visible(page.getByText('Ceci est une banque simulée', { exact: false }));
        if (name === 'paiement-refuse') await checkPage(page, 'banque-simulee-systempay');
        await page.getByRole('button', { name: choice, exact: true }).click();
        await visible(page.getByRole('heading', { level: 1, name: outcome }));
        await visible(page.getByText("votre solde n'a pas changé", { exact: false }));
        await checkPage(page, name);
      }
      await page.goto(`${baseUrl}/paiement`);
      assert.equal(await solde(page, 'Activités'), before);
    }),
  );

  test(`${width}px: a wrong amount is explained next to its field`, { timeout: 60_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logInMartin(page, baseUrl);
      await page.goto(`${baseUrl}/paiement`);
      const amount = page.getByLabel('Montant à créditer, en euros');
      await amount.fill('beaucoup');
      await page.getByRole('button', { name: 'Créditer Restauration' }).click();
      await visible(page.getByText('Indiquez un montant en euros, par exemple 25 ou 25,50.'));
      assert.equal(await page.getByLabel('Montant à créditer, en euros').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByLabel('Montant à créditer, en euros').inputValue(), 'beaucoup');
      await checkPage(page, 'paiement-montant-invalide');
    }),
  );
}

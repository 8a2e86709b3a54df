// Facturation in the back office: the gestionnaire previews last month (the demo's
// neighbours' MERCREDI left uninvoiced), issues the invoices and sees a family's balance
// move, then records a cheque at the counter for that family and sees the invoice settled
// and the balance back. Audit on every page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPage, expectPath, logIn, serversPerWidth, visible } from '../lib/suite.js';

const width = 1280;
const withPage = serversPerWidth([width]);

async function logInStaff(page, baseUrl) {
  await logIn(page, baseUrl, '/gestion/connexion', 'gestion', 'Gestion-Demo-2026!');
  await expectPath(page, '/gestion');
}

// A family's total on the balances page.
async function balanceOf(page, family) {
  return page.getByRole('row').filter({ has: page.getByRole('link', { name: family, exact: true }) }).locator('td[data-label="Total"]').innerText();
}

test(`${width}px: a gestionnaire issues last month's invoices, then records a cheque at the counter`, { timeout: 90_000 }, () =>
  withPage(width, async (page, baseUrl) => {
    await logInStaff(page, baseUrl);
    await page.getByRole('link', { name: 'Facturation', exact: true }).first().click();
    await visible(page.getByRole('heading', { level: 1, name: 'Facturation' }));
    await page.getByLabel('Structure').selectOption({ label: 'Mairie de CarteVille' });
    await page.getByRole('button', { name: 'Afficher' }).click();
    const preview = page.getByRole('table', { name: /^Aperçu : \d+ factures? à émettre/ });
    await visible(preview);
    await visible(preview.getByRole('link', { name: 'BERNARD Sophie' }));
    await checkPage(page, 'gestion-facturation-apercu');

    // Before: BERNARD owes nothing on Loisirs.
    await page.getByRole('link', { name: 'Soldes', exact: true }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Soldes des familles' }));
    const before = await page.getByRole('row').filter({ has: page.getByRole('link', { name: 'BERNARD Sophie', exact: true }) }).innerText();
    assert.doesNotMatch(before, /à régler/, before);
    await checkPage(page, 'gestion-facturation-soldes-avant');

    await page.getByRole('link', { name: 'Émission des factures', exact: true }).click();
    await page.getByRole('button', { name: 'Émettre les factures' }).click();
    await visible(page.getByRole('status').filter({ hasText: /factures? émises? pour/ }));
    await visible(page.getByRole('heading', { level: 1, name: 'Factures' }));
    const invoiceRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'BERNARD Sophie', exact: true }) });
    await visible(invoiceRow.getByText('À régler'));
    await checkPage(page, 'gestion-facturation-factures');

    // The balance moved: BERNARD is now a débiteur, listed first.
    await page.getByRole('link', { name: 'Soldes', exact: true }).click();
    const after = await balanceOf(page, 'BERNARD Sophie');
    assert.match(after, /à régler/, after);
    await checkPage(page, 'gestion-facturation-soldes-apres');

    // A cheque at the counter for BERNARD's invoice, first refused without its number.
    await page.getByRole('row').filter({ has: page.getByRole('link', { name: 'BERNARD Sophie', exact: true }) }).getByRole('link', { name: /^Enregistrer un règlement/ }).click();
    await visible(page.getByRole('heading', { level: 2, name: /^Famille BERNARD Sophie/ }));
    const owed = (await page.getByText(/: reste /).first().innerText()).split(': reste ')[1].replace(/[\u00a0\u202f]/g, ' ').replace(' €', '');
    await page.getByLabel('Chèque', { exact: true }).check();
    await page.getByLabel('Montant reçu, en euros').fill(owed);
    await checkPage(page, 'gestion-facturation-reglement');
    await page.getByRole('button', { name: 'Enregistrer le règlement' }).click();
    await visible(page.getByText('Indiquez le numéro du chèque.'));
    assert.equal(await page.getByLabel('Numéro du chèque ou référence').getAttribute('aria-invalid'), 'true');
    await checkPage(page, 'gestion-facturation-reglement-erreur');
    await page.getByLabel('Numéro du chèque ou référence').fill('9876543');
    await page.getByRole('button', { name: 'Enregistrer le règlement' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'Le règlement est enregistré.' }));
    await visible(page.getByRole('cell', { name: '9876543' }));
    await checkPage(page, 'gestion-facturation-reglements');

    await page.getByRole('link', { name: 'Soldes', exact: true }).click();
    const settled = await balanceOf(page, 'BERNARD Sophie');
    assert.doesNotMatch(settled, /à régler/, settled);

    await page.getByRole('link', { name: 'Export comptable', exact: true }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Export comptable' }));
    await checkPage(page, 'gestion-facturation-export');

    await page.goto(`${baseUrl}/gestion/journal`);
    await visible(page.getByRole('cell', { name: /^Factures émises : / }));
    await visible(page.getByRole('cell', { name: /^Règlement enregistré : BERNARD Sophie, Chèque/ }));
  }));

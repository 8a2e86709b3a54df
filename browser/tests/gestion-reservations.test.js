// Réservations et pointage in the back office: the gestionnaire opens a day's list of
// RESTAURATION, runs the processing, records the pointage (Léa MARTIN absent with an
// excuse, Hugo present); MARTIN then finds Hugo's lunch in his history and Léa's gone.
// Audit on every page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPage, screenshot } from '../lib/browser.js';
import { portalNow } from '../lib/server.js';
import { checkPage, expectPath, hidden, logIn, serversPerWidth, visible } from '../lib/suite.js';

const width = 1280;
const withPage = serversPerWidth([width]);

// The months the family's Historique shows, « 2027-09 » and « 2027-08 », on the portal's clock.
function historyMonths() {
  const month = (date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(date);
  const now = portalNow();
  const current = month(now);
  const [year, number] = current.split('-').map(Number);
  const previous = number === 1 ? `${year - 1}-12` : `${year}-${String(number - 1).padStart(2, '0')}`;
  return [current, previous];
}

test(`${width}px: a gestionnaire lists a day, runs the processing and records the pointage; the family sees it`, { timeout: 90_000 }, () =>
  withPage(width, async (page, baseUrl) => {
    await logIn(page, baseUrl, '/gestion/connexion', 'gestion', 'Gestion-Demo-2026!');
    await expectPath(page, '/gestion');
    await page.goto(`${baseUrl}/gestion/reservations`);
    await visible(page.getByRole('heading', { level: 1, name: 'Réservations et pointage' }));
    await checkPage(page, 'gestion-reservations-choix');

    // Today's lunches; if there are none today, the previous day with lunches.
    await page.getByLabel('Activité').selectOption({ label: 'RESTAURATION' });
    await page.getByRole('button', { name: 'Afficher la liste' }).click();
    await visible(page.getByRole('heading', { level: 1, name: /^RESTAURATION — / }));
    const point = page.getByRole('link', { name: /^(Faire|Modifier) le pointage$/ });
    if ((await point.count()) === 0) {
      await page.getByRole('navigation', { name: "Autres jours de l'activité" }).getByRole('link', { name: /^Jour précédent/ }).click();
      await visible(point);
    }
    await visible(page.getByRole('rowheader', { name: 'MARTIN Léa' }));
    await visible(page.getByText(/inscrits? sur 180 places/));
    await checkPage(page, 'gestion-reservations-liste');
    const day = new URL(page.url()).searchParams.get('jour');
    assert.match(day, /^\d{4}-\d{2}-\d{2}$/);

    // The processing, now: it comes back to the list with its outcome.
    await page.getByRole('button', { name: 'Lancer le traitement' }).click();
    await visible(page.getByRole('status').filter({ hasText: /^Traitement terminé : / }));
    await visible(page.getByRole('heading', { level: 1, name: /^RESTAURATION — / }));
    await checkPage(page, 'gestion-reservations-traitement');

    // The pointage: Léa absent; Hugo present, booked or come without a booking.
    await point.click();
    await visible(page.getByRole('heading', { level: 1, name: /^Pointage — RESTAURATION — / }));
    await checkPage(page, 'gestion-reservations-pointage');
    // The demo bills an absence not cancelled in time; Léa's is excused by a certificate.
    await visible(page.getByText(/Un enfant absent l'est aussi \(absence non annulée\), sauf absence excusée/));
    await page.getByRole('group', { name: /^MARTIN Léa/ }).getByLabel('Absent excusé', { exact: true }).check();
    const hugo = page.getByRole('group', { name: /^MARTIN Hugo/ });
    if ((await hugo.count()) > 0) {
      await hugo.getByLabel('Présent').check();
    } else {
      await page.getByLabel('Ajouter un enfant venu sans réservation').selectOption({ label: 'MARTIN Hugo' });
    }
    await page.getByRole('button', { name: 'Enregistrer le pointage' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'Le pointage est enregistré' }));
    await visible(page.getByText('Pointage enregistré par Nadia GESTION'));
    await checkPage(page, 'gestion-reservations-pointee');

    // Printed, the sheet is the lists alone.
    await page.emulateMedia({ media: 'print' });
    await hidden(page.getByRole('button', { name: 'Lancer le traitement' }));
    await hidden(page.getByRole('link', { name: 'Modifier le pointage' }));
    await visible(page.getByRole('rowheader', { name: 'MARTIN Léa' }));
    await screenshot(page, 'gestion-reservations-impression');
    await page.emulateMedia({ media: 'screen' });

    // MARTIN's history of that month: Hugo's lunch that day, none for Léa. The Historique
    // shows this month and the last only: at the rentrée the last lunches are older.
    if (!historyMonths().includes(day.slice(0, 7))) return;
    const family = await newPage(page.context().browser(), width);
    try {
      await logIn(family, baseUrl, '/connexion', 'martin', 'Martin-Demo-2026!');
      await expectPath(family, '/accueil');
      await family.goto(`${baseUrl}/historique?mois=${day.slice(0, 7)}`);
      const table = family.getByRole('table', { name: /^Consommations de / });
      await visible(table);
      const [, month, date] = day.split('-');
      const rows = table.getByRole('row').filter({ hasText: `${date}/${month}` });
      await visible(rows.filter({ hasText: 'Hugo' }).filter({ hasText: 'RESTAURATION' }));
      assert.equal(await rows.filter({ hasText: 'Léa' }).filter({ hasText: 'RESTAURATION' }).count(), 0, "Léa's excused lunch is no longer billed");
      await checkPage(family, 'gestion-reservations-historique-famille');
    } finally {
      await family.context().close();
    }
  }),
);

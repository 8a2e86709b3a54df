// Reservations, as MARTIN would make them: choose a child and an activity, click days,
// the quick tools (whole month, week, same weekday), « Annuler », several activities on
// one day, « Valider » → récapitulatif → « Modifier » / « Abandonner » / « Confirmer »,
// the follow-up, copying another child's days, and the calendar without JavaScript.
// At desktop and phone widths, with an axe-core audit of every distinct page.
//
// Dates in the demo are relative to the day it is loaded: no date is written here, the
// tests read the calendar (the days' accessible names) to choose their days and months.
// Pending changes belong to the family, so each width gets its own server (started once
// per file), and each test starts by dropping whatever an earlier one left pending.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { newPage, screenshot } from '../lib/browser.js';
import { portalNow } from '../lib/server.js';
import { checkPage, chosenWidths, eventually, expectPath, logIn as suiteLogIn, onboardDupont, serversPerWidth, visible } from '../lib/suite.js';

const widths = chosenWidths([1280, 375]);
const withPage = serversPerWidth(widths);

async function logIn(page, baseUrl) {
  await page.goto(`${baseUrl}/connexion`);
  await page.getByLabel('Identifiant', { exact: true }).fill('martin');
  await page.getByLabel('Mot de passe', { exact: true }).fill('Martin-Demo-2026!');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expectPath(page, '/accueil');
}

// « Réservations » in the header: a tab on a desktop, behind « Menu » on a phone.
async function openReservations(page) {
  const menu = page.getByRole('button', { name: 'Menu', exact: true });
  if (await menu.isVisible()) await menu.click();
  await page.getByRole('navigation', { name: 'Rubriques du portail' }).getByRole('link', { name: 'Réservations', exact: true }).click();
  await expectPath(page, '/reservations');
  await visible(page.getByRole('heading', { level: 1, name: 'Réservations' }));
}

// 1. the child, 2. the activity (or « Toutes les activités »), then « Afficher le calendrier ».
async function chooseCalendar(page, child, activity) {
  await page.getByRole('navigation', { name: 'Enfant' }).getByRole('link', { name: child, exact: true }).click();
  await eventually(async () =>
    assert.equal(
      await page.getByRole('navigation', { name: 'Enfant' }).getByRole('link', { name: child, exact: true }).getAttribute('aria-current'),
      'true',
    ),
  );
  await page.getByLabel("2. Choisissez l'activité (facultatif)").selectOption({ label: activity });
  await page.getByRole('button', { name: 'Afficher le calendrier' }).click();
  const title = activity === 'Toutes les activités' ? 'toutes les activités' : activity;
  await visible(page.getByRole('heading', { level: 2, name: new RegExp(` — ${child} — ${title}$`) }));
}

const monthTitle = async (page) =>
  (await page.getByRole('heading', { level: 2, name: / — .* — / }).textContent()).split(' — ')[0].trim();

const calendarRegion = (page) => page.getByRole('region', { name: / — .* — / });
const pendingBar = (page) => calendarRegion(page).getByRole('status');

const weekdays = 'lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche';
const dayNamePattern = new RegExp(`^(?:${weekdays}) \\d{1,2}(?:er)? \\S+ \\d{4}, `);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The state a day's accessible name says, in the words of the calendar.
function stateOf(rest) {
  if (rest.startsWith('réservable')) return 'free';
  if (rest.startsWith('réservé, annulable')) return 'booked';
  if (rest.startsWith('à réserver, modification non validée')) return 'to-book';
  if (rest.startsWith('à annuler, modification non validée')) return 'to-cancel';
  if (rest.startsWith('réservé, hors délai')) return 'locked';
  if (rest.startsWith("en liste d'attente")) return 'waiting';
  if (rest.startsWith('fermé')) return 'closed';
  if (rest.startsWith('non réservable')) return 'debtor';
  throw new Error(`unknown state « ${rest} »`);
}

// The clickable days of the calendar (buttons, or links in the several-activities view),
// in date order, read from the accessibility tree: [{ date, state, name }].
async function readDays(page, role = 'button') {
  const snapshot = await calendarRegion(page).getByRole('table').ariaSnapshot();
  const days = [];
  const line = new RegExp(`^\\s*- '?${role} "((?:${weekdays}) [^"]+)"`);
  for (const text of snapshot.split('\n')) {
    const match = line.exec(text);
    if (!match) continue;
    const name = match[1];
    const comma = name.indexOf(', ');
    days.push({ date: name.slice(0, comma), state: stateOf(name.slice(comma + 2)), name });
  }
  return days;
}

const dayButton = (page, date) =>
  calendarRegion(page).getByRole('button', { name: new RegExp(`^${escape(date)}, `) });

async function dayState(page, date) {
  const day = (await readDays(page)).find((d) => d.date === date);
  assert.ok(day, `no button for ${date}`);
  return day.state;
}

// Goes forward month by month (this month, the next, the one after) until the calendar
// shows days the predicate likes; returns them.
async function findMonth(page, predicate, role = 'button') {
  for (let i = 0; i < 4; i++) {
    const days = await readDays(page, role);
    if (predicate(days)) return days;
    await submitOrFollow(page, calendarRegion(page).getByRole('link', { name: /^Mois suivant/ }));
  }
  throw new Error('no month among the next four has the days wanted');
}

// A click on the calendar. With scripts, the calendar is replaced in place (no page
// load): wait until the old table is gone. Without, wait for the new page.
const withoutScripts = new WeakSet();

async function submitOrFollow(page, control) {
  const old = await calendarRegion(page).getByRole('table').elementHandle();
  const isLink = (await control.evaluate((el) => el.tagName)) === 'A';
  if (isLink || withoutScripts.has(page)) {
    await Promise.all([page.waitForEvent('load'), control.click()]);
  } else {
    await control.click();
    await page.waitForFunction((el) => !el.isConnected, old);
  }
  await visible(calendarRegion(page));
}

// Drops what an earlier test left pending, with « Annuler » in the pending bar.
async function dropPending(page) {
  const cancel = pendingBar(page).getByRole('button', { name: 'Annuler', exact: true });
  if (await cancel.count()) await submitOrFollow(page, cancel);
  await visible(pendingBar(page).getByText('Aucune modification en attente.'));
}

const bookedAfter = (state) => state === 'booked' || state === 'to-book';

// R-RES-7: within the set's modifiable days, if the first one is not booked (counting
// pending changes) every day becomes booked; else every day becomes not booked.
function quickTool(all, set) {
  if (set.length === 0) return all;
  const book = !bookedAfter(set[0].state);
  const dates = new Set(set.map((d) => d.date));
  const next = {
    true: { free: 'to-book', 'to-cancel': 'booked', booked: 'booked', 'to-book': 'to-book' },
    false: { booked: 'to-cancel', 'to-book': 'free', free: 'free', 'to-cancel': 'to-cancel' },
  }[book];
  return all.map((d) => (dates.has(d.date) ? { ...d, state: next[d.state] } : d));
}

const states = (days) => Object.fromEntries(days.map((d) => [d.date, d.state]));

// Uses a quick tool and checks every day against the rule; returns the new days.
async function useQuickTool(page, tool, setOf) {
  const before = await readDays(page);
  const expected = quickTool(before, setOf(before));
  await submitOrFollow(page, tool);
  const after = await readDays(page);
  assert.deepEqual(states(after), states(expected));
  return after;
}

// The same count in words as the pending bar says it.
function pendingText(n) {
  if (n === 0) return 'Aucune modification en attente.';
  if (n === 1) return '1 modification en attente, non enregistrée.';
  return `${n} modifications en attente, non enregistrées.`;
}

// Today in Paris, as the server counts days: « 2026-11-28 ».
function parisToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(portalNow());
}

// The day `days` after an ISO day (« 2027-09-01 »), as an ISO day.
function isoDay(day, days) {
  return new Date(Date.parse(`${day}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

// The last day on which a school day can still be booked or cancelled (until 23:59): the
// Thursday of the week before.
function deadlineOf(day) {
  const monday = isoDay(day, -((new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7));
  return isoDay(monday, -4);
}

// The calendar's days that can be clicked, as ISO days, with their cell's state class.
const clickableDays = (page) =>
  calendarRegion(page)
    .locator('button[name="basculer"]')
    .evaluateAll((buttons) => buttons.map((b) => ({ day: b.value, booked: b.closest('td').classList.contains('day-booked') })));

// The first booked day on or after `from` in this month or the next three.
async function nextBookedDay(page, from) {
  for (let i = 0; i < 4; i++) {
    const booked = (await clickableDays(page)).find((d) => d.booked && d.day >= from);
    if (booked) return booked.day;
    await submitOrFollow(page, calendarRegion(page).getByRole('link', { name: /^Mois suivant/ }));
  }
  throw new Error(`no booked day from ${from} in the next four months`);
}

// Goes forward until the calendar shows the month of an ISO day.
async function showMonthOf(page, day) {
  for (let i = 0; i < 4 && !(await clickableDays(page)).some((d) => d.day.slice(0, 7) === day.slice(0, 7)); i++) {
    await submitOrFollow(page, calendarRegion(page).getByRole('link', { name: /^Mois suivant/ }));
  }
}

// The accessible description of a field: the texts its aria-describedby points at.
const description = (locator) =>
  locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ')
      .replace(/\s+/g, ' '),
  );

const amount = /^\d+,\d{2}\s€$/;

for (const width of widths) {
  test(`${width}px: MARTIN clicks two days of Léa's APS MATIN; they stay pending after a reload`, { timeout: 120_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logIn(page, baseUrl);
      await openReservations(page);
      await visible(page.getByRole('link', { name: 'Voir mes réservations' }));
      await checkPage(page, 'reservations');
      await chooseCalendar(page, 'Léa', 'APS MATIN');
      await dropPending(page);
      // A calendar of the current month: the tools, the days, the legend.
      await visible(page.getByRole('table', { name: /^Calendrier de / }));
      await visible(page.getByRole('button', { name: /^Tout le mois de .* : réserver ou annuler$/ }));
      await visible(page.getByRole('link', { name: 'Copier des réservations vers Léa, APS MATIN', exact: true }));
      await visible(page.getByRole('heading', { name: 'Légende' }));
      // Phone first: the grid and its first week are on the first screen.
      if (width < 600) {
        const screen = page.viewportSize().height;
        const top = (selector) => page.locator(selector).first().evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
        const [grid, week] = [await top('table.calendar'), await top('table.calendar tbody tr')];
        console.log(`phone calendar: grid at ${Math.round(grid)} px, first week at ${Math.round(week)} px, first screen ${screen} px`);
        assert.ok(week < screen, `the calendar's first week starts at ${week} px, below the first ${screen} px`);
      }
      await checkPage(page, 'reservations-calendrier');

      const days = await findMonth(page, (list) => list.filter((d) => d.state === 'free').length >= 2);
      const [first, second] = days.filter((d) => d.state === 'free');
      assert.match(first.name, /, réservable, (\d+ places?|complet — liste d'attente)$/, 'the day says it is free and how many places are left');
      const calendarUrl = page.url();

      // With scripts the page stays (the marker survives), the focus stays on the day.
      await page.evaluate(() => {
        window.ribambelleMarker = 'still the same page';
      });
      await pendingBar(page).evaluate((bar) => {
        bar.ribambelleMarker = 'the same live region';
      });
      for (const [i, day] of [first, second].entries()) {
        await submitOrFollow(page, dayButton(page, day.date));
        await visible(page.getByRole('button', { name: `${day.date}, à réserver, modification non validée`, exact: false }));
        assert.equal(await dayState(page, day.date), 'to-book');
        assert.equal(await page.evaluate(() => window.ribambelleMarker), 'still the same page', 'no page load');
        // The status region stays in the document, so screen readers announce its new text.
        assert.equal(await pendingBar(page).evaluate((bar) => bar.ribambelleMarker), 'the same live region');
        const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
        assert.ok(focused.startsWith(`${day.date}, à réserver`), `the focus stays on the day clicked (on « ${focused} »)`);
        await visible(pendingBar(page).getByText(pendingText(i + 1)));
      }
      assert.equal(page.url(), calendarUrl);
      await visible(pendingBar(page).getByRole('link', { name: 'Valider', exact: true }));
      await visible(pendingBar(page).getByRole('button', { name: 'Annuler', exact: true }));
      // Changes waiting: the bar stays on the screen, wherever the family is in the month.
      await page.evaluate(() => window.scrollTo(0, 0));
      const bar = await pendingBar(page).boundingBox();
      const screen = page.viewportSize().height;
      assert.ok(bar.y >= 0 && bar.y + bar.height <= screen + 1, `the pending bar is off the screen: ${JSON.stringify(bar)}`);
      // The other days did not move.
      const after = await readDays(page);
      for (const d of days) {
        if (d.date !== first.date && d.date !== second.date) {
          assert.equal(after.find((a) => a.date === d.date)?.state, d.state, d.date);
        }
      }
      await checkPage(page, 'reservations-calendrier-a-reserver');

      // Pending changes live on the server: a reload shows them again.
      await page.reload();
      assert.equal(await page.evaluate(() => window.ribambelleMarker), undefined, 'the page was reloaded');
      assert.equal(await dayState(page, first.date), 'to-book');
      assert.equal(await dayState(page, second.date), 'to-book');
      await visible(pendingBar(page).getByText(pendingText(2)));
    }),
  );

  test(`${width}px: the whole-month, week and weekday tools book, then cancel`, { timeout: 120_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logIn(page, baseUrl);
      await openReservations(page);
      await chooseCalendar(page, 'Léa', 'APS MATIN');
      await dropPending(page);

      // « Tout le mois » in a month whose first modifiable day is free: it books every
      // free day; a second click undoes it all (and cancels what was booked).
      const days = await findMonth(page, (list) => list.length > 0 && list[0].state === 'free');
      const month = await monthTitle(page);
      const wholeMonth = page.getByRole('button', { name: `Tout le mois de ${month} : réserver ou annuler`, exact: true });
      const booked = await useQuickTool(page, wholeMonth, (list) => list);
      assert.ok(booked.every((d) => bookedAfter(d.state)), 'every day is now booked or to be booked');
      assert.equal(booked.filter((d) => d.state === 'to-book').length, days.filter((d) => d.state === 'free').length);
      await visible(pendingBar(page).getByText(pendingText(days.filter((d) => d.state === 'free').length)));
      await checkPage(page, 'reservations-tout-le-mois');
      const undone = await useQuickTool(page, wholeMonth, (list) => list);
      assert.ok(undone.every((d) => !bookedAfter(d.state)), 'every day is now free or to be cancelled');
      assert.equal(undone.filter((d) => d.state === 'to-book').length, 0);
      await dropPending(page);

      // The arrows, in the month with the first bookable days; preferably one where
      // some days are already booked, so that both directions show.
      await chooseCalendar(page, 'Léa', 'APS MATIN');
      const month2 = await findMonth(page, (list) => list.some((d) => d.state === 'free'));
      const free = month2.find((d) => d.state === 'free');
      const title = await monthTitle(page);

      // The week arrow sits at the start of the day's row: it works on that row's days.
      const row = calendarRegion(page).getByRole('row').filter({ has: page.getByRole('button', { name: new RegExp(`^${escape(free.date)}, `) }) });
      const weekArrow = row.getByRole('button', { name: /^Semaine du .* : réserver ou annuler$/ });
      assert.equal(await weekArrow.count(), 1);
      const weekName = await weekArrow.getAttribute('aria-label');
      const weekDates = [...(await row.ariaSnapshot()).matchAll(new RegExp(`button "((?:${weekdays}) [^,"]+),`, 'g'))].map((m) => m[1]);
      assert.ok(weekDates.includes(free.date));
      const inWeek = (list) => list.filter((d) => weekDates.includes(d.date));
      await useQuickTool(page, weekArrow, inWeek);
      await checkPage(page, 'reservations-semaine');
      await useQuickTool(page, calendarRegion(page).getByRole('button', { name: weekName, exact: true }), inWeek);

      // The weekday arrow, above its column: every same weekday of the month. A weekday
      // that has booked days if there is one, to see the cancellation side.
      const target = month2.find((d) => d.state === 'booked') ?? free;
      const weekday = target.date.split(' ')[0];
      const weekdayArrow = () => page.getByRole('button', { name: `Tous les ${weekday}s de ${title} : réserver ou annuler`, exact: true });
      const sameWeekday = (list) => list.filter((d) => d.date.startsWith(`${weekday} `));
      const first = await useQuickTool(page, weekdayArrow(), sameWeekday);
      const second = await useQuickTool(page, weekdayArrow(), sameWeekday);
      assert.notEqual(
        bookedAfter(sameWeekday(first)[0].state),
        bookedAfter(sameWeekday(second)[0].state),
        'the second click goes the other way',
      );
      await checkPage(page, 'reservations-jour-de-semaine');

      // A week without any day that can change: nothing changes, and the page says so.
      const emptyWeek = calendarRegion(page)
        .getByRole('row')
        .filter({ has: page.getByRole('button', { name: /^Semaine du / }) })
        .filter({ hasNot: page.getByRole('button', { name: dayNamePattern }) })
        .first();
      if (await emptyWeek.count()) {
        const before = states(await readDays(page));
        await submitOrFollow(page, emptyWeek.getByRole('button', { name: /^Semaine du / }));
        await visible(pendingBar(page).getByText("Aucun jour modifiable dans cette sélection : rien n'a changé."));
        assert.deepEqual(states(await readDays(page)), before);
      }
    }),
  );

  test(`${width}px: « Annuler » in the pending bar drops every pending change`, { timeout: 60_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logIn(page, baseUrl);
      await openReservations(page);
      await chooseCalendar(page, 'Léa', 'APS MATIN');
      await dropPending(page);
      const days = await findMonth(page, (list) => list.some((d) => d.state === 'free') && list.some((d) => d.state === 'booked'));
      const free = days.find((d) => d.state === 'free');
      const booked = days.find((d) => d.state === 'booked');
      await submitOrFollow(page, dayButton(page, free.date));
      await submitOrFollow(page, dayButton(page, booked.date));
      assert.equal(await dayState(page, free.date), 'to-book');
      assert.equal(await dayState(page, booked.date), 'to-cancel');
      await visible(pendingBar(page).getByText(pendingText(2)));

      await submitOrFollow(page, pendingBar(page).getByRole('button', { name: 'Annuler', exact: true }));
      await visible(pendingBar(page).getByText('Toutes les modifications en attente ont été annulées.'));
      await visible(pendingBar(page).getByText('Aucune modification en attente.'));
      assert.equal(await pendingBar(page).getByRole('button', { name: 'Annuler', exact: true }).count(), 0);
      assert.equal(await pendingBar(page).getByRole('link', { name: 'Valider', exact: true }).count(), 0);
      assert.deepEqual(states(await readDays(page)), states(days), 'every day is back as it was');
      // The focus is not lost with the button that disappeared.
      assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'BODY');
      await checkPage(page, 'reservations-annule');
    }),
  );

  test(`${width}px: several activities on one day, from « Toutes les activités »`, { timeout: 90_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logIn(page, baseUrl);
      await openReservations(page);
      await chooseCalendar(page, 'Léa', 'APS MATIN');
      await dropPending(page);
      // A day Léa's RESTAURATION can be booked (in the holidays others may be bookable alone).
      await chooseCalendar(page, 'Léa', 'RESTAURATION');
      const lunches = await findMonth(page, (list) => list.some((d) => d.state === 'free'));
      const day = lunches.find((d) => d.state === 'free');
      await chooseCalendar(page, 'Léa', 'Toutes les activités');
      // No quick tools here: each day opens the list of the day's activities.
      assert.equal(await page.getByRole('button', { name: /^Tout le mois/ }).count(), 0);
      const link = calendarRegion(page).getByRole('link', { name: `${day.date}, réservable — voir les activités du jour`, exact: true });
      for (let i = 0; i < 4 && (await link.count()) === 0; i++) {
        await submitOrFollow(page, calendarRegion(page).getByRole('link', { name: /^Mois suivant/ }));
      }
      await visible(link);
      await checkPage(page, 'reservations-toutes-activites');
      await link.click();

      await expectPath(page, '/reservations/jour');
      await visible(page.getByRole('heading', { level: 1, name: `Léa — ${day.date}` }));
      const group = page.getByRole('group', { name: `Activités du ${day.date}` });
      await visible(group);
      const restauration = group.getByRole('checkbox', { name: /^RESTAURATION/ });
      const matin = group.getByRole('checkbox', { name: /^APS MATIN/ });
      assert.equal(await restauration.isChecked(), false);
      assert.match(await description(restauration), /État : réservable/);
      assert.equal(await restauration.isEnabled(), true);
      await checkPage(page, 'reservations-jour');
      // Ticked by clicking the label's text, as a person would.
      await group.getByText(/^RESTAURATION \(\d\dh\d\d – \d\dh\d\d\)$/).click();
      assert.ok(await restauration.isChecked());
      let ticked = 1;
      if (await matin.isEnabled()) {
        await matin.check();
        ticked = 2;
      }
      await page.getByRole('button', { name: 'Revenir au calendrier' }).click();

      await expectPath(page, '/reservations');
      await visible(page.getByRole('heading', { level: 2, name: / — Léa — toutes les activités$/ }));
      const changed = calendarRegion(page).getByRole('link', {
        name: `${day.date}, à réserver, modification non validée — voir les activités du jour`,
        exact: true,
      });
      await visible(changed);
      await visible(pendingBar(page).getByText(pendingText(ticked)));

      // The day's page now says which activities wait for validation.
      await changed.click();
      await expectPath(page, '/reservations/jour');
      assert.ok(await restauration.isChecked());
      assert.match(await description(restauration), /État : à réserver, modification non validée/);
      await page.getByRole('link', { name: 'Revenir sans rien changer' }).click();
      await expectPath(page, '/reservations');
      await visible(changed);
      await dropPending(page);
    }),
  );

  test(`${width}px: « Valider », the récapitulatif, « Modifier », « Abandonner », then « Confirmer »`, { timeout: 120_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logIn(page, baseUrl);
      await openReservations(page);
      await chooseCalendar(page, 'Léa', 'APS MATIN');
      await dropPending(page);
      const wanted = (list) => list.filter((d) => d.state === 'free').length >= 2 && list.some((d) => d.state === 'booked');
      const days = await findMonth(page, wanted);
      const [a, b] = days.filter((d) => d.state === 'free');
      const month = await monthTitle(page);
      await submitOrFollow(page, dayButton(page, a.date));
      await submitOrFollow(page, dayButton(page, b.date));

      // « Valider »: the récapitulatif, with prices; nothing to cancel, so no such table.
      const validate = async () => {
        await pendingBar(page).getByRole('link', { name: 'Valider', exact: true }).click();
        await expectPath(page, '/reservations/recapitulatif');
        await visible(page.getByRole('heading', { level: 1, name: 'Récapitulatif de vos demandes' }));
      };
      await validate();
      const bookings = page.getByRole('table', { name: 'Réservations demandées' });
      await visible(bookings);
      const rows = bookings.locator('tbody').getByRole('row');
      assert.equal(await rows.count(), 2);
      for (const [i, day] of [a, b].entries()) {
        const cells = rows.nth(i).getByRole('cell');
        assert.deepEqual((await cells.allTextContents()).slice(0, 3), ['Léa', 'APS MATIN', day.date]);
        assert.match((await cells.nth(3).textContent()).trim(), amount);
      }
      const total = bookings.getByRole('row', { name: /^Total estimé/ });
      assert.match((await total.getByRole('cell').textContent()).trim(), amount);
      assert.equal(await page.getByRole('table', { name: 'Annulations demandées' }).count(), 0);
      await visible(page.getByText('vos demandes ne sont pas encore enregistrées'));
      await checkPage(page, 'reservations-recapitulatif');

      // « Modifier »: back to the reservations, the changes still there.
      await page.getByRole('link', { name: 'Modifier', exact: true }).click();
      await expectPath(page, '/reservations');
      if (!(await calendarRegion(page).count())) await chooseCalendar(page, 'Léa', 'APS MATIN');
      while ((await monthTitle(page)) !== month) {
        await submitOrFollow(page, calendarRegion(page).getByRole('link', { name: /^Mois suivant/ }));
      }
      assert.equal(await dayState(page, a.date), 'to-book');
      assert.equal(await dayState(page, b.date), 'to-book');
      await visible(pendingBar(page).getByText(pendingText(2)));

      // « Abandonner »: everything pending is dropped.
      await validate();
      await page.getByRole('button', { name: 'Abandonner', exact: true }).click();
      await expectPath(page, '/reservations');
      await visible(page.getByRole('status').filter({ hasText: 'Toutes les modifications en attente ont été annulées.' }));
      if (!(await calendarRegion(page).count())) await chooseCalendar(page, 'Léa', 'APS MATIN');
      await visible(pendingBar(page).getByText('Aucune modification en attente.'));
      while ((await monthTitle(page)) !== month) {
        await submitOrFollow(page, calendarRegion(page).getByRole('link', { name: /^Mois suivant/ }));
      }
      assert.equal(await dayState(page, a.date), 'free');

      // Again, with a booked day cancelled: two tables.
      const cancelled = days.find((d) => d.state === 'booked');
      await submitOrFollow(page, dayButton(page, a.date));
      await submitOrFollow(page, dayButton(page, cancelled.date));
      assert.equal(await dayState(page, cancelled.date), 'to-cancel');
      await validate();
      await visible(page.getByRole('table', { name: 'Réservations demandées' }));
      const cancellations = page.getByRole('table', { name: 'Annulations demandées' });
      await visible(cancellations);
      assert.deepEqual(await cancellations.locator('tbody').getByRole('row').getByRole('cell').allTextContents(), ['Léa', 'APS MATIN', cancelled.date]);
      assert.equal(await bookings.locator('tbody').getByRole('row').count(), 1);
      await checkPage(page, 'reservations-recapitulatif-annulation');

      await page.getByRole('button', { name: 'Confirmer', exact: true }).click();
      await expectPath(page, '/reservations/confirmation');
      await visible(page.getByRole('heading', { level: 1, name: 'Demandes enregistrées' }));
      await visible(page.getByRole('status').filter({ hasText: 'Vos demandes ont bien été enregistrées : 1 réservation et 1 annulation.' }));
      await checkPage(page, 'reservations-confirmation');

      await page.getByRole('link', { name: 'Voir mes réservations' }).click();
      await expectPath(page, '/reservations/suivi');
      await visible(page.getByRole('heading', { level: 1, name: 'Suivi des réservations' }));
      // Léa's lines, month by month: the day, the activity, the state, the amount.
      const follow = page.getByRole('region', { name: 'Léa', exact: true });
      const line = follow.getByRole('row').filter({ has: page.getByRole('cell', { name: a.date, exact: true }) }).filter({ hasText: 'APS MATIN' });
      assert.deepEqual((await line.getByRole('cell').allTextContents()).slice(1, 3), ['APS MATIN', 'Non transmise']);
      assert.match((await line.getByRole('cell').nth(3).textContent()).trim(), amount);
      const gone = follow.getByRole('row').filter({ has: page.getByRole('cell', { name: cancelled.date, exact: true }) }).filter({ hasText: 'APS MATIN' });
      assert.equal((await gone.getByRole('cell').nth(2).textContent()).trim(), 'Annulée');
      assert.ok((await follow.getByRole('cell', { name: 'Non transmise', exact: true }).count()) >= 1);
      await checkPage(page, 'reservations-suivi');

      // The calendar now shows the confirmed days as booked, nothing pending.
      await page.getByRole('link', { name: 'Revenir au calendrier' }).click();
      await expectPath(page, '/reservations');
      await chooseCalendar(page, 'Léa', 'APS MATIN');
      await visible(pendingBar(page).getByText('Aucune modification en attente.'));
      while ((await monthTitle(page)) !== month) {
        await submitOrFollow(page, calendarRegion(page).getByRole('link', { name: /^Mois suivant/ }));
      }
      assert.equal(await dayState(page, a.date), 'booked');
      assert.equal(await dayState(page, cancelled.date), 'free');
    }),
  );

  test(`${width}px: copying Léa's RESTAURATION to Hugo's APS SOIR lists the days not copied`, { timeout: 90_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logIn(page, baseUrl);
      await openReservations(page);
      // Two weeks from Léa's next lunch: today in school time, the rentrée in the summer.
      await chooseCalendar(page, 'Léa', 'RESTAURATION');
      const from = await nextBookedDay(page, parisToday());
      const to = isoDay(from, 13);
      await chooseCalendar(page, 'Hugo', 'APS SOIR');
      await dropPending(page);
      await showMonthOf(page, from);
      await page.getByRole('link', { name: 'Copier des réservations vers Hugo, APS SOIR', exact: true }).click();
      await expectPath(page, '/reservations/copier');
      await visible(page.getByRole('heading', { level: 1, name: 'Copier des réservations' }));
      await visible(page.getByRole('strong').filter({ hasText: 'Hugo — APS SOIR' }));
      const source = page.getByLabel('Enfant et activité à recopier');
      const period = page.getByRole('group', { name: 'Période' });
      await visible(period);
      await checkPage(page, 'reservations-copier');

      await source.selectOption({ label: 'Léa — RESTAURATION' });
      await period.getByLabel('Du', { exact: true }).fill(from);
      await period.getByLabel('Au', { exact: true }).fill(to);
      await page.getByRole('button', { name: 'Copier', exact: true }).click();

      const done = page.getByRole('status').filter({ hasText: /recopié/ });
      await visible(done);
      const said = (await done.textContent()).trim();
      const copied = /^Aucun jour/.test(said) ? 0 : Number(/^(\d+) jours? (?:a|ont) été recopiés?/.exec(said)?.[1]);
      assert.ok(copied >= 1, `some days are copied: « ${said} »`);
      const refused = page.getByRole('table', { name: 'Réservations non recopiées' });
      await visible(refused);
      const reasons = await refused.locator('tbody').getByRole('row').getByRole('cell').allTextContents();
      assert.ok(reasons.length >= 2);
      const why = reasons.filter((_, i) => i % 2 === 1);
      // Near today some lunches are past their deadline; after the holidays none is.
      if (deadlineOf(from) < parisToday()) assert.ok(why.some((r) => r.startsWith('hors délai')), `a day past the deadline: ${why}`);
      else assert.ok(!why.some((r) => r.startsWith('hors délai')), `no day past the deadline: ${why}`);
      assert.ok(why.some((r) => r === 'déjà réservé'), `a day already booked: ${why}`);
      await checkPage(page, 'reservations-copier-resultat');

      // Back to Hugo's APS SOIR: the copied days wait to be booked, in the period's months.
      await page.getByRole('link', { name: 'Revenir au calendrier' }).click();
      await visible(page.getByRole('heading', { level: 2, name: / — Hugo — APS SOIR$/ }));
      let toBook = (await readDays(page)).filter((d) => d.state === 'to-book').length;
      if (from.slice(0, 7) !== to.slice(0, 7)) {
        await submitOrFollow(page, calendarRegion(page).getByRole('link', { name: /^Mois suivant/ }));
        toBook += (await readDays(page)).filter((d) => d.state === 'to-book').length;
      }
      assert.equal(toBook, copied);
      await visible(pendingBar(page).getByText(pendingText(copied)));
      await checkPage(page, 'reservations-copie-calendrier');
      await dropPending(page);
    }),
  );

  test(`${width}px: DUPONT asks the last MERCREDI place for both children; the one the run puts on the waiting list never looks booked, and gets the place the town adds`, { timeout: 120_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await onboardDupont(page, baseUrl);
      await openReservations(page);
      // The neighbours leave one place on some Wednesdays: both children ask for it.
      const lastPlace = (d) => d.state === 'free' && /, 1 place$/.test(d.name);
      await chooseCalendar(page, 'Amalia', 'MERCREDI');
      const day = (await findMonth(page, (list) => list.some(lastPlace))).find(lastPlace);
      const iso = await dayButton(page, day.date).getAttribute('value');
      await submitOrFollow(page, dayButton(page, day.date));
      const child = async (name) => {
        await chooseCalendar(page, name, 'MERCREDI');
        await findMonth(page, (list) => list.some((d) => d.date === day.date));
      };
      await child('Paolo');
      await submitOrFollow(page, dayButton(page, day.date));
      await pendingBar(page).getByRole('link', { name: 'Valider', exact: true }).click();
      await page.getByRole('button', { name: 'Confirmer', exact: true }).click();
      await expectPath(page, '/reservations/confirmation');

      // The gestionnaire, in a window of her own, runs the processing from that day's
      // list (it decides every request of her structures); returns the run's notice.
      const inOffice = async (work) => {
        const office = await newPage(page.context().browser(), width);
        try {
          await suiteLogIn(office, baseUrl, '/gestion/connexion', 'gestion', 'Gestion-Demo-2026!');
          await expectPath(office, '/gestion');
          await work(office);
        } finally {
          await office.context().close();
        }
      };
      const runFromTheDaysList = async (office) => {
        await office.goto(`${baseUrl}/gestion/reservations`);
        await office.getByLabel('Activité').selectOption({ label: 'MERCREDI' });
        await office.getByRole('button', { name: 'Afficher la liste' }).click();
        await visible(office.getByRole('heading', { level: 1, name: /^MERCREDI — / }));
        const list = new URL(office.url());
        list.searchParams.set('jour', iso);
        await office.goto(list.toString());
        await office.getByRole('button', { name: 'Lancer le traitement' }).click();
        const notice = office.getByRole('status').filter({ hasText: /^Traitement terminé : / });
        await visible(notice);
        return (await notice.innerText()).trim();
      };
      await inOffice(async (office) => {
        await runFromTheDaysList(office);
        await visible(office.getByText(/sur 14 places, 1 en liste d'attente/));
      });

      // One child has the place, the other is on the waiting list: in words, in the cell's
      // look and in the legend, never as « réservé ».
      await page.goto(`${baseUrl}/reservations`);
      const seen = {};
      for (const name of ['Amalia', 'Paolo']) {
        await child(name);
        seen[name] = (await readDays(page)).find((d) => d.date === day.date).state;
        if (seen[name] !== 'waiting') continue;
        const cell = dayButton(page, day.date).locator('xpath=ancestor::td');
        assert.match(await cell.getAttribute('class'), /(^|\s)day-waiting(\s|$)/);
        const label = cell.locator(width < 600 ? '.state-short' : '.state');
        assert.equal((await label.innerText()).trim(), width < 600 ? 'attente 1er' : "En liste d'attente");
        // Where the child stands in the queue: spoken, and written on a wide screen.
        assert.match(await dayButton(page, day.date).getAttribute('aria-label'), /, 1er sur la liste$/);
        if (width >= 600) assert.equal((await cell.locator('.places').innerText()).trim(), '1er sur la liste');
        await visible(page.getByText("En liste d'attente (« attente ») : l'activité est complète ce jour-là"));
        await cell.scrollIntoViewIfNeeded();
        await checkPage(page, 'calendrier-liste-attente');
      }
      assert.deepEqual(Object.values(seen).sort(), ['booked', 'waiting'], JSON.stringify(seen));

      // The town adds a fifteenth place in the activity's form: the next run gives it to
      // the waiting child, and the family's calendar shows both children booked.
      await inOffice(async (office) => {
        await office.goto(`${baseUrl}/gestion/activites`);
        await office.getByRole('link', { name: 'MERCREDI', exact: true }).click();
        await office.getByLabel('Capacité (places par jour)').fill('15');
        await office.getByRole('button', { name: "Enregistrer l'activité" }).click();
        await visible(office.getByRole('status').filter({ hasText: "L'activité est enregistrée." }));
        assert.match(await runFromTheDaysList(office), /1 place attribuée depuis la liste d'attente/);
        await visible(office.getByText('15 inscrits sur 15 places, aucun en liste d\'attente'));
        await checkPage(office, 'gestion-liste-attente-servie');
      });
      await page.goto(`${baseUrl}/reservations`);
      for (const name of ['Amalia', 'Paolo']) {
        await child(name);
        assert.equal((await readDays(page)).find((d) => d.date === day.date).state, 'booked', name);
      }
      await checkPage(page, 'calendrier-liste-attente-servie');
    }),
  );

  test(`${width}px: « Suivi des réservations » shows each child month by month, filters, and prints`, { timeout: 60_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logIn(page, baseUrl);
      await page.goto(`${baseUrl}/reservations/suivi`);
      await visible(page.getByRole('region', { name: 'Léa', exact: true }));
      await visible(page.getByRole('region', { name: 'Hugo', exact: true }));
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      console.log(`Suivi at ${width} px: ${height} px tall`);
      await checkPage(page, 'reservations-suivi-tout');

      await page.getByLabel('Enfant', { exact: true }).selectOption({ label: 'Hugo' });
      await page.getByRole('button', { name: 'Filtrer', exact: true }).click();
      await visible(page.getByRole('region', { name: 'Hugo', exact: true }));
      assert.equal(await page.getByRole('region', { name: 'Léa', exact: true }).count(), 0);
      await visible(page.getByRole('link', { name: 'Tout afficher' }));
      await checkPage(page, 'reservations-suivi-filtre');

      // Printed: the lines and whose they are, without the filters.
      await visible(page.getByRole('button', { name: 'Imprimer le suivi' }));
      await page.emulateMedia({ media: 'print' });
      await page.getByRole('button', { name: 'Filtrer', exact: true }).waitFor({ state: 'hidden' });
      await visible(page.getByText(/^MARTIN Claire — Mairie de CarteVille — au /));
      await screenshot(page, 'reservations-suivi-impression');
      await page.emulateMedia({ media: 'screen' });
    }),
  );

  test(`${width}px: without JavaScript a click on a day still works, with a page load`, { timeout: 60_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      withoutScripts.add(page);
      await logIn(page, baseUrl);
      // The phone menu is a plain link to #menu without scripts.
      const menu = page.getByRole('link', { name: 'Menu', exact: true });
      if (await menu.isVisible()) await menu.click();
      await page.getByRole('navigation', { name: 'Rubriques du portail' }).getByRole('link', { name: 'Réservations', exact: true }).click();
      await expectPath(page, '/reservations');
      await chooseCalendar(page, 'Léa', 'APS MATIN');
      await dropPending(page);
      const days = await findMonth(page, (list) => list.some((d) => d.state === 'free'));
      const day = days.find((d) => d.state === 'free');
      await Promise.all([page.waitForEvent('load'), dayButton(page, day.date).click()]);
      assert.equal(await dayState(page, day.date), 'to-book');
      await visible(pendingBar(page).getByText(pendingText(1)));
      await screenshot(page, 'reservations-sans-script');
      await dropPending(page);
      assert.equal(await dayState(page, day.date), 'free');
    }, { javaScriptEnabled: false }),
  );

  // Last of the file: MARTIN stays débiteur for the rest of this width's server.
  test(`${width}px: MARTIN, débiteur for an invoice past its due date, is told which one and may still cancel, never book`, { timeout: 90_000 }, () =>
    withPage(width, async (page, baseUrl, server) => {
      // MARTIN's périscolaire invoice reaches its due date unpaid (the clock cannot be
      // moved past it under a running portal, so its due date is moved back).
      const past = new Date(portalNow().getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
      execFileSync('sqlite3', [
        join(server.dataDir, 'ribambelle.sqlite'),
        `UPDATE invoices SET due_on = '${past}' WHERE family_id = (SELECT id FROM families WHERE identifiant = 'martin') AND wallet_id IN (SELECT id FROM wallets WHERE name = 'Périscolaire')`,
      ]);
      await logIn(page, baseUrl);
      await openReservations(page);
      await chooseCalendar(page, 'Léa', 'APS MATIN');
      await dropPending(page);
      const alert = page.getByRole('alert').filter({ hasText: 'Votre compte famille est débiteur' });
      await visible(alert.getByText(/^Facture F\d{6}-\d{5} \(Périscolaire\) : .+ à payer, échéance du \d\d\/\d\d\/\d{4} dépassée$/));
      await visible(alert.getByRole('link', { name: 'Payer dans « Paiement et Solde »' }));
      assert.equal(await calendarRegion(page).getByRole('button', { name: /Tout le mois/ }).count(), 0, 'no tool books for a débiteur');
      const days = await findMonth(page, (list) => list.some((d) => d.state === 'booked'));
      assert.deepEqual([...new Set(days.map((d) => d.state))], ['booked'], JSON.stringify(days));
      await visible(page.getByText('Non réservable (« débiteur ») : aucun jour ne peut être réservé tant que le compte est débiteur.'));
      await checkPage(page, 'calendrier-debiteur');

      const day = days[0];
      await submitOrFollow(page, dayButton(page, day.date));
      assert.equal(await dayState(page, day.date), 'to-cancel');
      await pendingBar(page).getByRole('link', { name: 'Valider', exact: true }).click();
      await visible(page.getByRole('heading', { level: 2, name: 'Annulations demandées' }));
      await page.getByRole('button', { name: 'Confirmer', exact: true }).click();
      await expectPath(page, '/reservations/confirmation');
    }),
  );
}

// The opening morning seen from a browser: the password queue is narrowed to one hash at a
// time and no waiting line, and every hash is made slow, so that a second family signing
// in while the first one's password is checked gets the waiting page. Nothing to click:
// the page brings the family in by itself (its Refresh header) once its turn comes, with
// nothing typed in any address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPage, chosenWidths, eventually, expectPath, serversPerWidth } from '../lib/suite.js';

const widths = chosenWidths([1280, 375]);
// Slow hashes (about a second each in the debug build): long enough for the second of two
// logins sent together to find the only place taken.
const withPage = serversPerWidth(widths, {
  env: { RIBAMBELLE_ARGON2_MEMORY_KIB: '16384', RIBAMBELLE_ARGON2_ITERATIONS: '40' },
  args: ['--hashes-at-once', '1', '--login-queue', '0'],
});

async function fillLogin(page, baseUrl) {
  await page.goto(`${baseUrl}/connexion`);
  await page.getByLabel('Identifiant', { exact: true }).fill('martin');
  await page.getByLabel('Mot de passe', { exact: true }).fill('Martin-Demo-2026!');
}

const heading = (page) => page.getByRole('heading', { level: 1 }).textContent();
const waitingHeading = 'Beaucoup de familles se connectent en ce moment';

for (const width of widths) {
  test(`a family arriving while the queue is full waits on a page that signs it in by itself (${width} px)`, async () => {
    await withPage(width, async (one, baseUrl) => {
      await withPage(width, async (other) => {
        // Two families press « Se connecter » together: one password is checked, the other
        // family finds the only place taken.
        await fillLogin(one, baseUrl);
        await fillLogin(other, baseUrl);
        const button = (page) => page.getByRole('button', { name: 'Se connecter' });
        await Promise.all([button(one).click(), button(other).click()]);
        let waiting;
        await eventually(async () => {
          const shown = await Promise.all([one, other].map((page) => heading(page).catch(() => '')));
          waiting = [one, other][shown.indexOf(waitingHeading)];
          assert.ok(waiting, `no waiting page: ${shown.join(' / ')}`);
        }, 10_000);
        await waiting.getByText("Vous êtes en file d'attente.", { exact: false }).waitFor();
        assert.ok(!waiting.url().includes('Martin-Demo'), `nothing typed in the address: ${waiting.url()}`);
        await checkPage(waiting, `connexion-attente-${width}`);
        // No click: the Refresh brings it back, and in, once the other login is done.
        await eventually(() => assert.equal(new URL(waiting.url()).pathname, '/accueil'), 30_000);
        // Signed in as MARTIN (on a phone the name is behind « Menu »).
        await waiting.locator('.person', { hasText: 'MARTIN' }).waitFor({ state: 'attached' });
        for (const page of [one, other]) await expectPath(page, '/accueil');
      });
    });
  });
}

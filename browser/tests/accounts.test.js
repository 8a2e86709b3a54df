// Accounts: a family's first login (own password, documents to accept, règlement
// intérieur signed for each child), the home page and logging out; then an onboarded
// family switching structure. At desktop and phone widths, with an axe-core audit on
// every distinct page.
//
// DUPONT's first login can happen only once per database, so each width gets its own
// server (its own temporary data dir); both are started with the browser, once per file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenshot } from '../lib/browser.js';
import { checkPage, chosenWidths, eventually, expectPath, hidden, openMenu, serversPerWidth, sleep, visible } from '../lib/suite.js';

const widths = chosenWidths([1280, 375]);
const withPage = serversPerWidth(widths);

async function logIn(page, baseUrl, identifiant, password) {
  await page.goto(`${baseUrl}/connexion`);
  await page.getByLabel('Identifiant', { exact: true }).fill(identifiant);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
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

// The header: who is signed in, the structure, the last update, the way out, and the
// five sections (tabs on a desktop, behind « Menu » on a phone).
const sections = ['Accueil', 'Historique', 'Paiement et Solde', 'Réservations', 'Dossier Famille'];

async function checkSections(page, width, shot) {
  const nav = page.getByRole('navigation', { name: 'Rubriques du portail' });
  const links = sections.map((name) => nav.getByRole('link', { name, exact: true }));
  const menu = page.getByRole('button', { name: 'Menu', exact: true });
  if (width === 1280) {
    await hidden(menu);
    for (const link of links) await visible(link);
    await hidden(page.getByRole('link', { name: 'Fermer le menu' }));
    // Tabs: the five sections side by side on one line.
    const tops = await Promise.all(links.map(async (l) => (await l.boundingBox()).y));
    assert.ok(Math.max(...tops) - Math.min(...tops) < 2, `sections not on one line: ${tops}`);
    return;
  }
  await visible(menu);
  // Closed, the menu hides who is signed in and the way out: the page starts at once.
  await hidden(page.getByRole('banner').getByRole('button', { name: 'Se déconnecter' }));
  const box = await menu.boundingBox();
  const { width: viewport } = page.viewportSize();
  assert.ok(box.x + box.width > viewport - 40 && box.y < 80, `« Menu » is not at the top right: ${JSON.stringify(box)}`);
  for (const link of links) await hidden(link);
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  await menu.click();
  for (const link of links) await visible(link);
  await visible(page.getByRole('banner').getByRole('button', { name: 'Se déconnecter' }));
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  await checkPage(page, shot);
  await page.getByRole('link', { name: 'Fermer le menu' }).click();
  for (const link of links) await hidden(link);
}

for (const width of widths) {
  test(`${width}px: DUPONT's first login, documents, règlement intérieur, home page and logout`, { timeout: 120_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      // 1. Log in with the password the town hall gave.
      await logIn(page, baseUrl, 'dupont', 'bienvenue');
      await expectPath(page, '/premiere-connexion');
      await visible(page.getByRole('heading', { level: 1, name: 'Votre première connexion' }));

      // 2. The rules are shown next to the field, and tick themselves as one types.
      const password = page.getByLabel('Nouveau mot de passe', { exact: true });
      const confirmation = page.getByLabel('Confirmation du nouveau mot de passe', { exact: true });
      await visible(password);
      await visible(confirmation);
      assert.equal(await password.getAttribute('type'), 'password');
      const rules = page.getByRole('list').filter({ has: page.getByRole('listitem').filter({ hasText: 'Au moins 12 caractères' }) });
      await visible(rules);
      const lengthRule = rules.getByRole('listitem').filter({ hasText: 'Au moins 12 caractères' });
      const variedRule = rules.getByRole('listitem').filter({ hasText: 'Assez varié' });
      assert.match(await description(password), /Au moins 12 caractères/, 'the rules describe the field');
      // Beside the field: the rules sit between the label and the input.
      const rulesBox = await rules.boundingBox();
      const fieldBox = await password.boundingBox();
      assert.ok(rulesBox.y + rulesBox.height <= fieldBox.y + 1, 'the rules are right above the field');
      await checkPage(page, 'premiere-connexion');

      await password.pressSequentially('Bonjour12');
      await eventually(async () => {
        assert.equal(await lengthRule.getAttribute('data-state'), 'ko');
        assert.equal(await variedRule.getAttribute('data-state'), 'ko');
        assert.match(await lengthRule.textContent(), /\(règle non respectée\)/);
      });
      await confirmation.pressSequentially('Bonjour12');
      await screenshot(page, 'premiere-connexion-saisie');
      await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
      await expectPath(page, '/premiere-connexion');
      await visible(page.getByRole('alert').filter({ hasText: "Le mot de passe n'a pas été enregistré" }));
      const broken = page.getByText('Le mot de passe doit contenir au moins 12 caractères.');
      await visible(broken);
      assert.equal(await password.getAttribute('aria-invalid'), 'true');
      assert.match(await description(password), /doit contenir au moins 12 caractères/, 'the message describes the field');
      await checkPage(page, 'premiere-connexion-erreur');

      // 3. A strong password, typed twice.
      await password.pressSequentially('Trombone-Vert7!Lune');
      await eventually(async () => {
        assert.equal(await lengthRule.getAttribute('data-state'), 'ok');
        assert.equal(await variedRule.getAttribute('data-state'), 'ok');
        assert.match(await lengthRule.textContent(), /\(règle respectée\)/);
        assert.match(await variedRule.textContent(), /\(règle respectée\)/);
      });
      await confirmation.pressSequentially('Trombone-Vert7!Lune');
      await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
      await expectPath(page, '/premiere-connexion/enregistre');
      await visible(page.getByText('Le mot de passe a bien été enregistré'));
      const proceed = page.getByRole('link', { name: 'Continuer', exact: true });
      await visible(proceed);
      await checkPage(page, 'premiere-connexion-enregistre');
      await proceed.click();

      // 4. The RGPD notice and the CGU, one box each, both required.
      await expectPath(page, '/conditions');
      await visible(page.getByRole('heading', { level: 1, name: 'Documents à consulter' }));
      await visible(page.getByRole('heading', { name: 'Protection des données personnelles (RGPD)' }));
      await visible(page.getByRole('heading', { name: "Conditions générales d'utilisation du portail" }));
      const rgpd = page.getByRole('checkbox', { name: /notice « Protection des données personnelles \(RGPD\) »/ });
      const cgu = page.getByRole('checkbox', { name: /« Conditions générales d'utilisation du portail » et je les accepte/ });
      assert.equal(await page.getByRole('checkbox').count(), 2);
      await checkPage(page, 'conditions');

      await page.getByRole('button', { name: 'Valider', exact: true }).click();
      await expectPath(page, '/conditions');
      await visible(page.getByRole('alert').filter({ hasText: 'Cochez la case de chaque document pour continuer.' }));
      assert.equal(await rgpd.getAttribute('aria-invalid'), 'true');
      assert.equal(await cgu.getAttribute('aria-invalid'), 'true');
      await checkPage(page, 'conditions-erreur');

      // Ticked by clicking their label text, as a person would.
      await page.getByText("J'ai pris connaissance de la notice « Protection des données personnelles (RGPD) »").click();
      await page.getByText("J'ai pris connaissance des « Conditions générales d'utilisation du portail » et je les accepte").click();
      assert.ok(await rgpd.isChecked());
      assert.ok(await cgu.isChecked());
      await page.getByRole('button', { name: 'Valider', exact: true }).click();

      // 5. The règlement intérieur, Amalia (born 2016) first, then Paolo (2018).
      await eventually(() => assert.match(new URL(page.url()).pathname, /^\/reglement-interieur\/[^/]+$/));
      await visible(page.getByRole('heading', { level: 1, name: 'Règlement intérieur' }));
      const children = page.getByRole('navigation', { name: 'Enfants' }).getByRole('listitem');
      assert.equal(await children.count(), 2);
      assert.match(await children.nth(0).textContent(), /Amalia/);
      assert.match(await children.nth(1).textContent(), /Paolo/);
      assert.match(await children.nth(0).textContent(), /À signer/);
      assert.match(await children.nth(1).textContent(), /À signer/);
      await visible(page.getByRole('heading', { level: 2, name: 'Amalia DUPONT — Mairie de CarteVille' }));

      const signer = page.getByLabel('Nom du signataire', { exact: true });
      const place = page.getByLabel('Lieu', { exact: true });
      const day = page.getByLabel('Date', { exact: true });
      const time = page.getByLabel('Heure', { exact: true });
      assert.equal(await signer.inputValue(), 'DUPONT Jean-Paul');
      assert.match(await day.inputValue(), /^\d{4}-\d{2}-\d{2}$/);
      assert.match(await time.inputValue(), /^\d{2}:\d{2}$/);
      assert.equal(await place.inputValue(), '');
      await checkPage(page, 'reglement-amalia');

      // Validating without ticking nor saying where shows both problems.
      const sign = page.getByRole('button', { name: 'Valider et transmettre la fiche' });
      await sign.click();
      const read = page.getByLabel("J'ai pris connaissance du règlement intérieur et j'ai informé mon enfant de ce règlement");
      await visible(page.getByText('Cochez cette case pour confirmer que vous avez pris connaissance du règlement intérieur.'));
      await visible(page.getByText('Saisissez le lieu de signature.'));
      await visible(page.getByRole('alert').filter({ hasText: "La fiche n'a pas été transmise" }));
      assert.equal(await read.getAttribute('aria-invalid'), 'true');
      assert.equal(await place.getAttribute('aria-invalid'), 'true');
      assert.equal(await signer.inputValue(), 'DUPONT Jean-Paul', 'the name is kept');
      await checkPage(page, 'reglement-amalia-erreur');

      async function signFiche(childName) {
        await read.check();
        await place.fill('CarteVille');
        await sign.click();
        await visible(page.getByRole('status').filter({ hasText: 'La fiche a bien été validée et transmise.' }));
        await visible(page.getByText('✓ Fiche signée par DUPONT Jean-Paul, à CarteVille, le '));
        const item = children.filter({ hasText: childName });
        assert.match(await item.textContent(), /✓ Signé/);
      }

      await signFiche('Amalia');
      assert.match(await children.nth(1).textContent(), /À signer/);
      // Not everything is signed yet: no « Continuer vers l'accueil ».
      assert.equal(await page.getByRole('link', { name: "Continuer vers l'accueil" }).count(), 0);
      await checkPage(page, 'reglement-amalia-signe');

      await page.getByRole('link', { name: 'Accéder à la fiche de Paolo' }).click();
      await visible(page.getByRole('heading', { level: 2, name: 'Paolo DUPONT — Mairie de CarteVille' }));
      await screenshot(page, 'reglement-paolo');
      await signFiche('Paolo');
      assert.match(await children.nth(0).textContent(), /✓ Signé/);
      await checkPage(page, 'reglement-paolo-signe');
      await page.getByRole('link', { name: "Continuer vers l'accueil" }).click();

      // 6. The home page of Mairie de CarteVille.
      await expectPath(page, '/accueil');
      await visible(page.getByRole('heading', { level: 1, name: 'Accueil' }));
      await visible(page.getByRole('heading', { name: 'Menus de la restauration scolaire' }));
      // Every règlement is signed: no reminder left.
      assert.equal(await page.getByText('reste à signer').count(), 0);
      await checkPage(page, 'accueil');
      await checkSections(page, width, 'accueil-menu-ouvert');
      const header = page.getByRole('banner');
      await openMenu(page);
      await visible(header.getByText('DUPONT Jean-Paul', { exact: true }));
      assert.match(await header.textContent(), /Structure : Mairie de CarteVille/);
      assert.match(await header.textContent(), /Dernière mise à jour : \d{2}\/\d{2}\/\d{4}/);
      await visible(header.getByRole('button', { name: 'Se déconnecter' }));

      // 7. Log out.
      await openMenu(page);
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await expectPath(page, '/connexion');
      await visible(page.getByRole('status').filter({ hasText: 'Vous êtes déconnecté' }));
      await checkPage(page, 'deconnecte');

      // The session is over: the home page now asks to log in.
      await page.goto(`${baseUrl}/accueil`);
      await expectPath(page, '/connexion');
    }),
  );

  test(`${width}px: MARTIN goes straight to the home page and switches structure`, { timeout: 60_000 }, () =>
    withPage(width, async (page, baseUrl) => {
      await logIn(page, baseUrl, 'martin', 'Martin-Demo-2026!');
      await expectPath(page, '/accueil');
      await visible(page.getByRole('heading', { level: 1, name: 'Accueil' }));
      await visible(page.getByRole('heading', { name: 'Menus de la restauration scolaire' }));
      assert.equal(await page.getByRole('heading', { name: 'Bienvenue aux Écureuils' }).count(), 0);

      await checkPage(page, 'accueil-martin');
      await checkSections(page, width, 'accueil-martin-menu-ouvert');
      const structure = page.getByLabel('Structure consultée');
      await openMenu(page);
      await visible(structure);
      const selected = await structure.evaluate((el) => el.selectedOptions[0].textContent);
      assert.equal(selected, 'Mairie de CarteVille');

      // Arrowing through the options must not leave the page (WCAG 3.2.2 On Input):
      // the change happens with « Changer ».
      await structure.focus();
      await page.keyboard.press('ArrowDown');
      await sleep(500);
      await visible(page.getByRole('heading', { name: 'Menus de la restauration scolaire' }));
      await openMenu(page);
      await structure.selectOption({ label: 'Centre de loisirs Les Écureuils' });
      await page.getByRole('button', { name: 'Changer', exact: true }).click();
      await expectPath(page, '/accueil');
      await visible(page.getByRole('heading', { name: 'Bienvenue aux Écureuils' }));
      await visible(page.getByRole('heading', { name: 'Informations — Centre de loisirs Les Écureuils' }));
      assert.equal(await page.getByRole('heading', { name: 'Menus de la restauration scolaire' }).count(), 0);
      assert.equal(
        await page.getByLabel('Structure consultée').evaluate((el) => el.selectedOptions[0].textContent),
        'Centre de loisirs Les Écureuils',
      );
      await checkPage(page, 'accueil-martin-ecureuils');
    }),
  );
}

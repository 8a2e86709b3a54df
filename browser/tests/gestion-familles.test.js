// Familles in the back office: the gestionnaire creates a family and its child with a
// registration, generates the initial password and downloads its letter; the family logs in
// with the letter's password and lands on its first login. Then 50 families are imported
// from a CSV file, after a check, with the letters of all of them; a file with errors is
// refused with its line numbers. At desktop width, with the axe audit on every page.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { checkPage, expectPath, logIn, serversPerWidth, visible } from '../lib/suite.js';

const width = 1280;
const withPage = serversPerWidth([width]);

// The page contents of a PDF file, inflated: the text drawn is in its (…) Tj operators.
function pdfContents(bytes) {
  const raw = bytes.toString('latin1');
  let text = '';
  for (const match of raw.matchAll(/stream\r?\n/g)) {
    const start = match.index + match[0].length;
    const end = raw.indexOf('endstream', start);
    try {
      text += inflateSync(bytes.subarray(start, end)).toString('latin1');
    } catch {
      // Not deflated (the XMP metadata): no page text in it.
    }
  }
  return { text, pages: (raw.match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length };
}

// Clicks a button that answers a file; the file's bytes.
async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return readFile(await file.path());
}

test(`${width}px: a family created with its child gets its letter and logs in with it`, { timeout: 180_000 }, () =>
  withPage(width, async (page, baseUrl) => {
    await logIn(page, baseUrl, '/gestion/connexion', 'gestion', 'Gestion-Demo-2026!');
    await expectPath(page, '/gestion');
    await page.getByRole('link', { name: 'Familles', exact: true }).first().click();
    await expectPath(page, '/gestion/familles');
    await page.getByLabel("Nom de la famille, prénom ou nom d'un enfant, ou identifiant").fill('amalia');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await visible(page.getByRole('link', { name: 'DUPONT Jean-Paul' }));
    await checkPage(page, 'gestion-familles');

    await page.getByRole('link', { name: 'Créer une famille' }).click();
    await expectPath(page, '/gestion/familles/nouvelle');
    await page.getByLabel('Civilité').selectOption('Mme');
    await page.getByLabel('Nom', { exact: true }).fill('Le Goff');
    await page.getByLabel('Prénom', { exact: true }).fill('Maëlle');
    await page.getByLabel('Identifiant de connexion').fill('legoff');
    await page.getByLabel('Adresses e-mail').fill('maelle.legoff@example.fr ; pas-une-adresse');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await visible(page.getByText('2 champs sont à corriger'));
    await checkPage(page, 'gestion-famille-erreurs');
    await page.getByLabel('Adresses e-mail').fill('maelle.legoff@example.fr');
    await page.getByLabel('Mairie de CarteVille').check();
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Famille LE GOFF Maëlle' }));
    await visible(page.getByText('La famille est créée.'));

    await page.getByRole('link', { name: 'Ajouter un enfant' }).click();
    await page.getByLabel('Prénom', { exact: true }).fill('Gwen');
    await page.getByLabel('Date de naissance').fill('31/02/2018');
    await page.getByLabel('APS MATIN').check();
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await visible(page.getByText("« 31/02/2018 » n'est pas une date au format jj/mm/aaaa."));
    await checkPage(page, 'gestion-famille-enfant');
    await page.getByLabel('Date de naissance').fill('15/05/2018');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await visible(page.getByRole('cell', { name: 'Gwen LE GOFF' }));
    await visible(page.getByRole('cell', { name: 'APS MATIN', exact: true }));
    await checkPage(page, 'gestion-famille');

    await page.getByRole('button', { name: 'Générer et imprimer le courrier' }).click();
    const password = (await page.locator('#mot-de-passe').textContent()).trim();
    assert.match(password, /^[A-Za-z2-9]{5}-[A-Za-z2-9]{5}-[A-Za-z2-9]{5}$/);
    await checkPage(page, 'gestion-famille-mot-de-passe');
    const letter = await download(page, page.getByRole('button', { name: 'Télécharger le courrier à imprimer (PDF)' }));
    assert.equal(letter.subarray(0, 5).toString(), '%PDF-');
    const { text, pages } = pdfContents(letter);
    assert.equal(pages, 1);
    assert.ok(text.includes('(Identifiant : legoff)'), 'the identifiant is on the letter');
    assert.ok(text.includes(`(Mot de passe provisoire : ${password})`), 'the password is on the letter');

    // The family, on its own computer, types what the letter says.
    const family = await page.context().browser().newContext({ viewport: { width, height: 900 }, locale: 'fr-FR', bypassCSP: true });
    try {
      const home = await family.newPage();
      await logIn(home, baseUrl, '/connexion', 'legoff', password);
      await expectPath(home, '/premiere-connexion');
      await visible(home.getByLabel('Nouveau mot de passe', { exact: true }));
      await checkPage(home, 'gestion-famille-premiere-connexion');
    } finally {
      await family.close();
    }

    await page.goto(`${baseUrl}/gestion/journal?famille=legoff`);
    await visible(page.getByText('Mot de passe initial généré : LE GOFF Maëlle'));
    assert.ok(!(await page.content()).includes(password), 'the journal never shows the password');
  }));

function csv(lines) {
  return `\ufeffidentifiant;civilite;nom;prenom;emails;enfant_prenom;enfant_nom;enfant_naissance;enfant_ecole\r\n${lines.join('\r\n')}\r\n`;
}

function fiftyFamilies() {
  const lines = [];
  for (let n = 0; n < 50; n++) {
    const family = `import${String(n).padStart(3, '0')};Mme;Durand-${n};Léa;lea.durand${n}@example.fr`;
    if (n % 5 === 4) {
      lines.push(`${family};;;;`);
    } else {
      lines.push(`${family};Tom;;03/02/2016;École Jean Moulin`, `${family};Inès;DURAND;21/11/2019;`);
    }
  }
  return lines;
}

test(`${width}px: 50 families imported from a CSV file, a file with errors refused by line`, { timeout: 180_000 }, () =>
  withPage(width, async (page, baseUrl) => {
    const folder = await mkdtemp(join(tmpdir(), 'ribambelle-import-'));
    const good = join(folder, 'familles.csv');
    await writeFile(good, csv(fiftyFamilies()));
    const bad = join(folder, 'erreurs.csv');
    await writeFile(bad, csv(['errone1;Mme;DURAND;Léa;;Tom;;03/02/2016;', 'errone1;Mme;DURAND;Léa;;Inès;;31/02/2019;', 'errone2;Dr;;Léa;pas-une-adresse;;;;']));

    await logIn(page, baseUrl, '/gestion/connexion', 'gestion', 'Gestion-Demo-2026!');
    await expectPath(page, '/gestion');
    await page.goto(`${baseUrl}/gestion/familles`);
    await page.getByRole('link', { name: 'Importer des familles (CSV)' }).click();
    await expectPath(page, '/gestion/familles/import');
    await checkPage(page, 'gestion-familles-import');

    await page.getByLabel('Fichier CSV').setInputFiles(bad);
    await page.getByRole('button', { name: 'Vérifier le fichier' }).click();
    const errors = page.getByRole('alert');
    await visible(errors.getByText("Ligne 3, colonne enfant_naissance : « 31/02/2019 » n'est pas une date au format jj/mm/aaaa."));
    await visible(errors.getByText('Ligne 4, colonne civilite : Choisissez la civilité'));
    await visible(errors.getByText('Ligne 4, colonne nom : Saisissez le nom.'));
    await visible(errors.getByText('Ligne 4, colonne emails : « pas-une-adresse »'));
    await checkPage(page, 'gestion-familles-import-erreurs');

    await page.getByLabel('Structure où les familles seront connues').selectOption({ label: 'Centre de loisirs Les Écureuils' });
    await page.getByLabel('Fichier CSV').setInputFiles(good);
    await page.getByRole('button', { name: 'Vérifier le fichier' }).click();
    await visible(page.getByText("L'import créera 50 familles et 80 enfants"));
    await checkPage(page, 'gestion-familles-import-verifie');
    await page.getByRole('button', { name: 'Importer les 50 familles' }).click();
    await visible(page.getByText('50 familles et 80 enfants sont importés'));
    await checkPage(page, 'gestion-familles-import-fait');
    const letters = await download(page, page.getByRole('button', { name: 'Télécharger les 50 courriers à imprimer (PDF)' }));
    const { text, pages } = pdfContents(letters);
    assert.equal(pages, 50);
    const password = (await page.getByRole('row', { name: /import049/ }).getByRole('cell').nth(2).textContent()).trim();
    assert.ok(text.includes('(Identifiant : import049)') && text.includes(`(Mot de passe provisoire : ${password})`));

    await page.goto(`${baseUrl}/gestion/familles?q=import0`);
    await visible(page.getByRole('link', { name: 'DURAND-49 Léa' }));
  }));

// Dossier Famille, as DUPONT and the gestionnaire go through it: the fiche famille in two
// sittings (draft, then transmit), a contact created for Amalia and reused for Paolo,
// every fiche transmitted; the gestionnaire refuses one with a reason and validates the
// others; DUPONT reads the reason, corrects and transmits again; the mails are in the
// outbox. At desktop and phone widths, with the axe audit on every distinct page.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { newPage } from '../lib/browser.js';
import { checkPage, chosenWidths, eventually, expectPath, logIn, onboardDupont, serversPerWidth, visible } from '../lib/suite.js';

const widths = chosenWidths([1280, 375]);
const withPage = serversPerWidth(widths);

// A fiche's field by its label, which ends with a hidden « * » when it is required.
const field = (scope, label) => scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`));

// « de Paolo », « d'Amalia »: French elides « de » before a vowel or an h.
const of = (name) => (/^[aâàeéèêëiîïoôuûùüyh]/i.test(name) ? `d'${name}` : `de ${name}`);
// The link to a fiche on /dossier (« Fiche sanitaire » and its hidden « de Paolo »).
const ficheLink = (page, title, child) => page.getByRole('link', { name: child ? `${title} ${of(child)}` : title, exact: true });

async function openFiche(page, baseUrl, title, child) {
  await page.goto(`${baseUrl}/dossier`);
  await ficheLink(page, title, child).click();
  await visible(page.getByRole('heading', { level: 1, name: child ? `${title} — ${child}` : title }));
}

async function transmit(page, code) {
  await page.getByRole('button', { name: 'Valider et transmettre la fiche' }).click();
  await expectPath(page, '/dossier');
  assert.equal(new URL(page.url()).searchParams.get('transmise'), code);
}

// Every « Oui / Non » question answered « Oui ».
async function answerYes(scope) {
  for (const group of await scope.getByRole('group').all()) await group.getByLabel('Oui', { exact: true }).check();
}

async function fillFamille(page) {
  await field(page, 'Code postal').fill('77000');
  await field(page, 'Ville').fill('CarteVille');
  await field(page, 'Téléphone portable').fill('06 12 34 56 78');
  await field(page, 'Régime allocataire').selectOption('CAF');
  await field(page, "Numéro d'allocataire").fill('7654321');
  await field(page, 'Quotient familial').fill('650');
}

async function childFiches(page, baseUrl, child, width, contact) {
  await openFiche(page, baseUrl, "Fiche assurance", child);
  if (contact === 'create') {
    // The insurance attestation, deposited first (a deposit reloads the page).
    await page.getByLabel("Fichier à déposer : Attestation d'assurance").setInputFiles({
      name: `attestation-${child}.pdf`,
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n% attestation d\'assurance scolaire\n%%EOF\n'),
    });
    await page.getByRole('button', { name: "Déposer le fichier : Attestation d'assurance" }).click();
    await visible(page.getByText(`attestation-${child}.pdf`).first());
    await checkPage(page, 'dossier-assurance');
  }
  await field(page, 'Compagnie').selectOption('MAIF');
  await field(page, 'N° de contrat').fill(`MAIF-${child}`);
  await field(page, "Date d'échéance").fill('31/08/2027');
  await transmit(page, 'assurance');

  await openFiche(page, baseUrl, "Fiche d'autorisation", child);
  await answerYes(page.locator('main form'));
  await transmit(page, 'autorisations');

  await openFiche(page, baseUrl, 'Fiche de contacts', child);
  if (contact === 'create') {
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Créer un nouveau contact' }) });
    await field(form, 'Nom').fill('Bernard');
    await field(form, 'Prénom').fill('Lucie');
    await field(form, 'Téléphone').fill('0601020304');
    await field(form, "Lien de parenté avec l'enfant").fill('Tante');
    await answerYes(form);
    await form.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  } else {
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Choisir un de vos contacts' }) });
    await form.getByLabel('Contact', { exact: true }).selectOption({ label: 'BERNARD Lucie' });
    await field(form, "Lien de parenté avec l'enfant").fill('Tante');
    await answerYes(form);
    await form.getByRole('button', { name: 'Ajouter ce contact' }).click();
  }
  await visible(page.getByText('BERNARD Lucie', { exact: true }).first());
  if (contact === 'create') await checkPage(page, 'dossier-contacts');
  await transmit(page, 'contacts');

  await openFiche(page, baseUrl, 'Fiche sanitaire', child);
  await field(page, 'Vaccin DT-Polio : date du dernier rappel').fill('10/09/2024');
  await field(page, 'Exigences alimentaires').selectOption('Aucune');
  await field(page, 'Médecin traitant (nom)').fill('Dr Lambert');
  await field(page, 'Téléphone du médecin').fill('01 60 00 00 00');
  await page.getByRole('group', { name: /PAI/ }).getByLabel('Non', { exact: true }).check();
  await transmit(page, 'sanitaire');
}

// The text of a single-part mail, whatever its transfer encoding.
function mailText(eml) {
  const split = eml.indexOf('\r\n\r\n');
  const [headers, body] = [eml.slice(0, split), eml.slice(split + 4)];
  if (/Content-Transfer-Encoding: base64/i.test(headers)) return Buffer.from(body, 'base64').toString('utf8');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(headers)) {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

async function mailsTo(dataDir, address, needle) {
  const folder = join(dataDir, 'outbox');
  const found = [];
  for (const name of await readdir(folder)) {
    if (!name.endsWith('.eml')) continue;
    const eml = await readFile(join(folder, name), 'utf8');
    if (eml.includes(address) && mailText(eml).includes(needle)) found.push(name);
  }
  return found;
}

for (const width of widths) {
  test(`${width}px: DUPONT's dossier from draft to validation, with a refusal corrected`, { timeout: 300_000 }, () =>
    withPage(width, async (page, baseUrl, server) => {
      await onboardDupont(page, baseUrl);
      await page.goto(`${baseUrl}/dossier`);
      await visible(page.getByText('10 fiches', { exact: true }));
      await checkPage(page, 'dossier');

      // The fiche famille in two sittings: a draft, then the rest and the transmission.
      await openFiche(page, baseUrl, 'Fiche famille');
      await field(page, 'Date de naissance').fill('12/03/1984');
      await field(page, 'Adresse').fill('3 rue des Lilas');
      await page.getByRole('button', { name: 'Enregistrer en brouillon' }).click();
      await visible(page.getByRole('status').filter({ hasText: 'Fiche enregistrée en brouillon' }));
      await page.goto(`${baseUrl}/dossier`);
      await visible(page.getByRole('listitem').filter({ has: ficheLink(page, 'Fiche famille') }).getByText('Brouillon'));
      await openFiche(page, baseUrl, 'Fiche famille');
      assert.equal(await field(page, 'Adresse').inputValue(), '3 rue des Lilas');
      // A wrong postcode is named next to its field and in the list at the top.
      await field(page, 'Code postal').fill('7700');
      await page.getByRole('button', { name: 'Valider et transmettre la fiche' }).click();
      await visible(page.getByRole('alert').filter({ hasText: 'Code postal' }));
      await visible(page.getByText('Le code postal compte 5 chiffres, par exemple 75011.').first());
      await checkPage(page, 'dossier-fiche-erreurs');
      await fillFamille(page);
      await transmit(page, 'famille');

      await openFiche(page, baseUrl, 'Autres responsables');
      await transmit(page, 'responsables');
      await childFiches(page, baseUrl, 'Amalia', width, 'create');
      await childFiches(page, baseUrl, 'Paolo', width, 'reuse');
      await visible(page.getByRole('status').filter({ hasText: 'Toutes vos fiches sont transmises.' }));

      // The gestionnaire refuses the fiche famille with a reason and validates the others.
      const office = await newPage(page.context().browser(), width);
      try {
        await logIn(office, baseUrl, '/gestion/connexion', 'gestion', 'Gestion-Demo-2026!');
        await expectPath(office, '/gestion');
        await office.getByRole('link', { name: 'Campagnes du dossier famille' }).click();
        await visible(office.getByRole('heading', { level: 2, name: 'Ouvrir une campagne' }));
        await checkPage(office, 'gestion-campagnes');
        await office.goto(`${baseUrl}/gestion`);
        await office.getByRole('link', { name: /fiches transmises/ }).click();
        await checkPage(office, 'gestion-dossiers');
        await office.getByRole('link', { name: 'Fiche famille' }).click();
        await office.getByLabel('Motif du refus', { exact: true }).fill("Le numéro d'allocataire ne correspond pas à l'attestation.");
        await checkPage(office, 'gestion-fiche');
        await office.getByRole('button', { name: 'Refuser la fiche' }).click();
        await expectPath(office, '/gestion/dossiers');
        for (;;) {
          const next = office.getByRole('table').getByRole('link').first();
          if ((await next.count()) === 0) break;
          await next.click();
          await office.getByRole('button', { name: 'Valider la fiche' }).click();
          await expectPath(office, '/gestion/dossiers');
        }
        await visible(office.getByText("Aucune fiche transmise n'attend votre validation."));
      } finally {
        await office.context().close();
      }

      // DUPONT reads the reason, corrects and transmits again.
      await page.goto(`${baseUrl}/dossier`);
      await visible(page.getByRole('listitem').filter({ has: ficheLink(page, 'Fiche famille') }).getByText('Refusée'));
      await openFiche(page, baseUrl, 'Fiche famille');
      await visible(page.getByText("Le numéro d'allocataire ne correspond pas à l'attestation."));
      await checkPage(page, 'dossier-fiche-refusee');
      await field(page, "Numéro d'allocataire").fill('1234567');
      await transmit(page, 'famille');
      await visible(page.getByRole('listitem').filter({ has: ficheLink(page, 'Fiche sanitaire', 'Paolo') }).getByText('Validée'));

      // The refusal and the validations were mailed.
      await eventually(async () => {
        assert.equal((await mailsTo(server.dataDir, 'jean-paul.dupont@example.fr', 'allocataire ne correspond')).length, 1);
        assert.equal((await mailsTo(server.dataDir, 'jean-paul.dupont@example.fr', 'a été validée par votre gestionnaire')).length, 9);
      }, 20_000);
    }),
  );
}

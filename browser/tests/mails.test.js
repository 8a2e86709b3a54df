// The processing run's report mail, as a family reads it: its HTML part (which the .eml
// folder keeps beside each mail) at desktop and phone widths, with the axe audit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ribambelleBin } from '../lib/server.js';
import { checkPage, chosenWidths, eventually, serversPerWidth, visible } from '../lib/suite.js';

const widths = chosenWidths([1280, 375]);
const withPage = serversPerWidth(widths);

// The HTML parts delivered so far to `address`.
async function htmlMailsTo(dataDir, address) {
  const folder = join(dataDir, 'outbox');
  const found = [];
  for (const name of await readdir(folder)) {
    if (!name.endsWith('.eml')) continue;
    const eml = await readFile(join(folder, name), 'utf8');
    const html = join(folder, name.replace(/\.eml$/, '.html'));
    // The HTML part is written just after the .eml.
    const written = await access(html).then(() => true, () => false);
    if (eml.includes(address) && written) found.push(html);
  }
  return found;
}

for (const width of widths) {
  test(`${width}px: the report mail of a processing run reads well and passes the audit`, { timeout: 90_000 }, () =>
    withPage(width, async (page, _baseUrl, server) => {
      // MARTIN's demo requests are *Non transmise* at both structures: the run decides
      // them and queues one report per structure, which the running server delivers to
      // its .eml folder.
      await promisify(execFile)(ribambelleBin, ['process', '--data-dir', server.dataDir]);
      let mails = [];
      await eventually(async () => {
        mails = await htmlMailsTo(server.dataDir, 'claire.martin@example.fr');
        assert.equal(mails.length, 2);
      }, 20_000);
      for (const [i, mail] of mails.entries()) {
        await page.goto(pathToFileURL(mail).href);
        assert.equal(await page.getAttribute('html', 'lang'), 'fr');
        await visible(page.getByRole('heading', { level: 1, name: 'Compte rendu de vos demandes de réservation' }));
        await visible(page.getByRole('heading', { level: 2, name: 'Réservations acceptées' }));
        await visible(page.getByText('Veuillez trouver ci-dessous un compte rendu'));
        await checkPage(page, `mail-compte-rendu-${i + 1}`);
      }
    }),
  );
}

// The officer's desk in a real browser, in the order of work: the list of the
// agency's open dossiers (received date in local time, status in Vietnamese), the
// search box, a dossier opened with its procedure and persons, a person looked up
// from it with only the procedure's fields; a hand-typed invented code refused
// with the Vietnamese message; the format-mode banner for every signed-in user
// (and its absence in verify mode); an officer's second-factor enrolment at the
// first sign-in, down to the QR code and into the desk. Dossiers are made with
// `canhgac dossier generate` before the server starts.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import {
  a11y, closeBrowser, firstSignIn, generateDossiers, importDossiers, makeInstance, openBrowser, serve, shot, signIn,
  totp
} from './harness.mjs';

const PW = { admin: 'Xanh-Lam-Bien-2026!', 'cb.a': 'Tra-Cuu-An-2026!', 'cb.b': 'Ho-So-Mot-Cua-26!' };
// A well-formed code no generator makes (the generator numbers from its own day).
const INVENTED = 'H15.50.05.13-261008-0975';

let inst, srv, browser, dossiers, procedures, assigned;

before(async () => {
  inst = makeInstance([['dossier', 'check', 'verify']]);
  generateDossiers(inst, 'SO.B', 3); // another agency's: never in cb.a's list
  // Another agency's dossier assigned to cb.a (in the list), with a role the
  // console has no word for (shown as it is); and a finished one (not in the list).
  assigned = {
    code: 'H15.50.05.13-261206-0042', procedure_code: '1.001022', agency: 'SO.B', status: 'processing',
    received_at: '2026-12-05T18:30:00Z', officers: ['cb.a'],
    persons: [{ citizen_id: inst.ids[1], role: 'applicant' }, { citizen_id: inst.ids[2], role: 'nguoi_lam_chung' }]
  };
  importDossiers(inst, [assigned, {
    code: 'H15.50.05.13-261201-0007', procedure_code: '1.001022', agency: 'SO.A', status: 'returned',
    received_at: '2026-12-01T02:00:00Z', closed_at: '2026-12-03T02:00:00Z',
    persons: [{ citizen_id: inst.ids[3], role: 'applicant' }]
  }]);
  dossiers = generateDossiers(inst, 'SO.A', 12).concat([assigned]);
  srv = await serve(inst);
});

after(async () => {
  if (browser) await browser.close();
  await closeBrowser();
  const code = srv ? await srv.stop() : 0;
  if (inst) fs.rmSync(inst.tmp, { recursive: true, force: true });
  assert.equal(code, 0, 'canhgac serve exits 0 on SIGTERM');
});

async function fresh(t) {
  if (browser) await browser.close();
  browser = await openBrowser();
  const b = browser;
  t.after(async () => { try { await shot(b.page, 'end-' + t.name.replace(/\W+/g, '-').slice(0, 40)); } catch (e) { /* closed */ } });
  t.after(() => assert.deepEqual(b.errors.filter((e) => /Content.Security.Policy|Refused|TypeError|ReferenceError/i.test(e)),
    [], 'no CSP violations or script errors'));
  return b.page;
}

// dd/mm/yyyy of a time in Asia/Ho_Chi_Minh, computed apart from the console's code.
function localDay(iso) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit'
  }).formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year}`;
}

const STATUS_VI = { received: 'Đã tiếp nhận', processing: 'Đang xử lý', awaiting_supplement: 'Chờ bổ sung' };
const ROLE_VI = { applicant: 'Người nộp hồ sơ', subject: 'Người được cấp/đối tượng', guardian: 'Người giám hộ' };

async function listedCodes(page) {
  return page.$$eval('#dossier-table tbody tr[data-code]', (trs) => trs.map((tr) => tr.dataset.code));
}

// Waits until the list shows exactly `codes` (in any order).
async function waitForList(page, codes) {
  await page.waitForFunction((want) => {
    const got = [...document.querySelectorAll('#dossier-table tbody tr[data-code]')].map((tr) => tr.dataset.code).sort();
    return JSON.stringify(got) === JSON.stringify(want);
  }, [...codes].sort());
}

test('the officer works from a dossier: list, open, look a person up', async (t) => {
  const page = await fresh(t);
  await firstSignIn(page, srv.url, 'cb.a', inst.pw['cb.a'], PW['cb.a']);
  await page.waitForSelector('#view-lookup', { state: 'visible' });
  await waitForList(page, dossiers.map((d) => d.code));

  // verify mode: no banner, and the list does not say it is unverified
  const me = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()));
  assert.equal(me.dossier_check, 'verify');
  assert.ok(await page.isHidden('#dossier-banner'), 'no format banner in verify mode');
  assert.match(await page.textContent('#ds-count'), /^13 hồ sơ đang giải quyết\.$/);

  // Each row: code, procedure name and code, local received day, Vietnamese status.
  procedures = await page.evaluate(async () => (await (await fetch('/api/v1/procedures')).json()).procedures);
  const pname = Object.fromEntries(procedures.map((p) => [p.code, p.name]));
  for (const d of dossiers) {
    const cells = await page.$$eval(`#dossier-table tr[data-code="${d.code}"] td`, (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[0], d.code);
    assert.equal(cells[1], pname[d.procedure_code] + d.procedure_code);
    assert.equal(cells[2], localDay(d.received_at), 'received day in Asia/Ho_Chi_Minh, dd/mm/yyyy');
    assert.equal(cells[3], STATUS_VI[d.status] || d.status);
  }
  await shot(page, '40-desk-dossiers');
  assert.deepEqual(await a11y(page, 'desk-dossiers'), [], 'axe: the dossier list');

  // Open a dossier: its procedure, agency and persons, roles in Vietnamese.
  const d = dossiers[0];
  await page.click(`#dossier-table tr[data-code="${d.code}"] button[data-action="open"]`);
  await page.waitForSelector('#dossier-detail', { state: 'visible' });
  assert.equal(await page.textContent('#dd-title'), 'Hồ sơ ' + d.code);
  assert.equal(await page.textContent('#dd-fields dd[data-field="procedure"]'),
    pname[d.procedure_code] + ' (' + d.procedure_code + ')');
  assert.equal(await page.textContent('#dd-fields dd[data-field="received_at"]'), localDay(d.received_at));
  const persons = await page.$$eval('#dd-persons tbody tr[data-citizen]', (trs) => trs.map((tr) =>
    [tr.dataset.citizen, tr.children[1].textContent]));
  assert.deepEqual(persons, d.persons.map((p) => [p.citizen_id, ROLE_VI[p.role] || p.role]));
  await shot(page, '41-desk-dossier');
  assert.deepEqual(await a11y(page, 'desk-dossier'), [], 'axe: an opened dossier');

  // "Tra cứu" on the first person: only the procedure's fields, under this dossier.
  const who = d.persons[0].citizen_id;
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/lookups') && r.request().method() === 'POST');
  await page.click(`#dd-persons tr[data-citizen="${who}"] button[data-action="lookup"]`);
  const sent = (await answer).request().postDataJSON();
  assert.deepEqual(sent, { citizen_id: who, dossier_code: d.code, procedure_code: d.procedure_code });
  await page.waitForSelector('#lookup-result', { state: 'visible' });
  const fields = await page.$$eval('#lookup-fields dt', (dts) => dts.map((x) => x.dataset.field));
  const want = procedures.find((p) => p.code === d.procedure_code).fields;
  assert.deepEqual([...fields].sort(), [...want].sort(), "only the procedure's fields");
  if (want.includes('citizen_id')) assert.equal(await page.textContent('#lookup-fields dd[data-field="citizen_id"]'), who);
  assert.match(await page.textContent('#lookup-context'), new RegExp(d.code.replace(/[.]/g, '\\.')));
  assert.ok(await page.isHidden('#lookup-error'));
  await page.waitForFunction((id) => [...document.querySelectorAll('#history-table tbody td')]
    .some((td) => td.textContent === id), who);
  await shot(page, '42-desk-lookup');

  // English: the same screen, its words from strings_en.js.
  await page.selectOption('#lang-select', 'en');
  assert.equal(await page.textContent('#dossiers-title'), 'Dossiers in progress');
  assert.equal(await page.textContent('#dd-title'), 'Dossier ' + d.code);
  const statusEn = await page.textContent(`#dossier-table tr[data-code="${d.code}"] td[data-status]`);
  assert.ok(['Received', 'Processing', 'Awaiting supplement'].includes(statusEn), statusEn);
  await page.selectOption('#lang-select', 'vi');
  assert.equal(await page.textContent('#dossiers-title'), 'Hồ sơ đang giải quyết');

  await page.click('#dd-close');
  await page.waitForSelector('#dossier-detail', { state: 'hidden' });

  // The other agency's dossier assigned to this officer: its persons, a role with
  // no Vietnamese word shown as it is; received 18:30 UTC is the next local day.
  await page.click(`#dossier-table tr[data-code="${assigned.code}"] button[data-action="open"]`);
  await page.waitForSelector('#dd-title:text-is("Hồ sơ ' + assigned.code + '")');
  assert.equal(await page.textContent('#dd-fields dd[data-field="received_at"]'), '06/12/2026');
  assert.equal(await page.textContent('#dd-fields dd[data-field="status"]'), 'Đang xử lý');
  assert.deepEqual(await page.$$eval('#dd-persons tbody tr[data-citizen]', (trs) => trs.map((tr) =>
    tr.children[1].textContent)), ['Người nộp hồ sơ', 'nguoi_lam_chung']);
  assert.equal(await page.getAttribute(`#dossier-table tr[data-code="${assigned.code}"]`, 'aria-current'), 'true');
  await page.click(`#dd-persons tr[data-citizen="${inst.ids[1]}"] button[data-action="lookup"]`);
  await page.waitForSelector(`#lookup-context:has-text("${assigned.code}")`);
  assert.ok(await page.isVisible('#lookup-result'));
  assert.equal(await page.textContent('#lookup-fields dd[data-field="citizen_id"]'), inst.ids[1]);

  // At phone width the desk fits the screen (the tables scroll in their frames).
  await page.setViewportSize({ width: 375, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 375, `page is ${wide}px wide at 375px`);
  await shot(page, '42b-desk-375px');

  // Opening another dossier puts the last answer away; signing out leaves no
  // dossier or citizen in the page.
  await page.click(`#dossier-table tr[data-code="${d.code}"] button[data-action="open"]`);
  await page.waitForSelector('#dd-title:text-is("Hồ sơ ' + d.code + '")');
  assert.ok(await page.isHidden('#lookup-result'));
  await page.click('#signout');
  await page.waitForSelector('#view-signin', { state: 'visible' });
  const left = await page.evaluate(() => ['#lookup-fields', '#dossier-table tbody', '#dd-persons tbody', '#history-table tbody']
    .map((q) => document.querySelector(q).textContent).join(''));
  assert.equal(left, '');
});

test('the search box filters by a part of the code or a citizen id', async (t) => {
  const page = await fresh(t);
  await signIn(page, srv.url, 'cb.a', PW['cb.a']);
  await waitForList(page, dossiers.map((d) => d.code));

  // The part of a code only one dossier has (q matches citizen ids as well).
  const target = dossiers[5];
  const matches = (d, s) => d.code.includes(s) || d.persons.some((p) => p.citizen_id.includes(s));
  let part = null;
  for (let n = 4; n <= target.code.length && !part; n++) {
    const s = target.code.slice(-n);
    if (dossiers.filter((d) => matches(d, s)).length === 1) part = s;
  }
  assert.ok(part, 'a part of the code that is unique');
  await page.fill('#ds-q', part);
  await waitForList(page, [target.code]);
  assert.match(await page.textContent('#ds-count'), /^1 hồ sơ khớp/);

  // A citizen id: the dossiers naming that citizen.
  const id = target.persons[0].citizen_id;
  await page.fill('#ds-q', id);
  await page.press('#ds-q', 'Enter');
  await waitForList(page, dossiers.filter((d) => d.persons.some((p) => p.citizen_id === id)).map((d) => d.code));

  // Nothing matches: the table says so.
  await page.fill('#ds-q', 'KHONG-CO-HO-SO-NAY');
  await waitForList(page, []);
  await page.waitForSelector('#dossier-table tbody td.note');

  await page.fill('#ds-q', '');
  await waitForList(page, dossiers.map((d) => d.code));
  await shot(page, '43-desk-search');
});

test('a typed invented code, or a dossier of another procedure, is refused in Vietnamese', async (t) => {
  const page = await fresh(t);
  await signIn(page, srv.url, 'cb.a', PW['cb.a']);
  await page.waitForSelector('#lk-procedure option', { state: 'attached' });
  const d = dossiers[1];
  await page.fill('#lk-citizen', d.persons[0].citizen_id);
  await page.fill('#lk-dossier', INVENTED);
  await page.selectOption('#lk-procedure', d.procedure_code);
  await page.click('#lookup-form button[type=submit]');
  await page.waitForSelector('#lookup-error[data-error="dossier_not_found"]:not([hidden])');
  assert.match(await page.textContent('#lookup-error'), /^Không có hồ sơ với mã này\./);
  assert.ok(await page.isHidden('#lookup-result'));
  await shot(page, '44-desk-refused');

  // The real code with another procedure: the mismatch, in Vietnamese.
  const other = (await page.$$eval('#lk-procedure option', (os) => os.map((o) => o.value)))
    .find((c) => c !== d.procedure_code);
  await page.fill('#lk-dossier', d.code);
  await page.selectOption('#lk-procedure', other);
  await page.click('#lookup-form button[type=submit]');
  await page.waitForSelector('#lookup-error[data-error="dossier_procedure_mismatch"]:not([hidden])');
  assert.match(await page.textContent('#lookup-error'), /thuộc thủ tục khác/);

  // The hand-typed form still works with the right code and procedure.
  await page.selectOption('#lk-procedure', d.procedure_code);
  await page.click('#lookup-form button[type=submit]');
  await page.waitForSelector('#lookup-result', { state: 'visible' });
  assert.ok(await page.isHidden('#lookup-error'));
});

test('format mode: a banner for every signed-in user; an officer enrols a second factor at the first sign-in',
  async (t) => {
    const fi = makeInstance([['dossier', 'check', 'format'], ['totp', 'required_roles', 'officer']]);
    const fs2 = await serve(fi);
    try {
      const page = await fresh(t);
      await page.goto(fs2.url + '/');
      assert.ok(await page.isHidden('#dossier-banner'), 'no banner before signing in');

      // The officer: forced password change, then the enrolment, which nothing else precedes.
      await firstSignIn(page, fs2.url, 'cb.a', fi.pw['cb.a'], PW['cb.a']);
      await page.waitForSelector('#view-totp', { state: 'visible' });
      await page.waitForSelector('#dossier-banner', { state: 'visible' });
      assert.match(await page.textContent('#dossier-banner'), /^Tra cứu chưa gắn với hồ sơ thật/);
      assert.match(await page.textContent('#totp-intro'), /bắt buộc/);
      assert.deepEqual(await page.$$eval('#nav button', (bs) => bs.map((b) => b.id)), ['nav-totp', 'nav-password']);
      await page.waitForSelector('#totp-setup', { state: 'visible' }); // no click needed: straight to the QR code
      assert.ok(await page.isHidden('#totp-start'));
      assert.match(await page.getAttribute('#totp-qr', 'src'), /^data:image\/svg\+xml;base64,/);
      assert.ok(await page.$eval('#totp-qr', (i) => i.complete && i.naturalWidth > 0), 'the QR image renders');
      const first = (await page.textContent('#totp-secret')).replace(/\s+/g, '');
      assert.match(first, /^[A-Z2-7]{16,}$/);
      // A reload on the way resumes the session on the enrolment, with a new secret
      // (the one the server now holds).
      await page.reload();
      await page.waitForSelector('#totp-setup', { state: 'visible' });
      await page.waitForFunction((old) => {
        const s = document.getElementById('totp-secret').textContent.replace(/\s+/g, '');
        return s.length >= 16 && s !== old;
      }, first);
      const secret = (await page.textContent('#totp-secret')).replace(/\s+/g, '');
      await shot(page, '45-officer-totp-qr');
      assert.deepEqual(await a11y(page, 'officer-totp'), [], 'axe: the enrolment');
      await page.fill('#totp-code', totp(secret));
      await page.click('#totp-form button[type=submit]');
      await page.waitForSelector('#totp-done', { state: 'visible' });
      assert.equal(await page.locator('#totp-codes li').count(), 10);
      await page.click('#totp-finish');
      // Then the desk, where the banner stays.
      await page.waitForSelector('#view-lookup', { state: 'visible' });
      await page.waitForSelector('#lk-procedure option', { state: 'attached' });
      assert.ok(await page.isVisible('#dossier-banner'));
      assert.match(await page.textContent('#ds-count'), /chưa đối chiếu/);
      await page.selectOption('#lang-select', 'en');
      assert.match(await page.textContent('#dossier-banner'), /^Lookups are not bound to real dossiers/);
      await page.selectOption('#lang-select', 'vi');
      await shot(page, '46-format-banner-officer');
      await page.click('#signout');
      await page.waitForSelector('#view-signin', { state: 'visible' });
      assert.ok(await page.isHidden('#dossier-banner'), 'gone when signed out');

      // The next sign-in asks for the code (the step after the one used above).
      await page.fill('#signin-username', 'cb.a');
      await page.fill('#signin-password', PW['cb.a']);
      await page.fill('#signin-otp', totp(secret, 1));
      await page.click('#signin-form button[type=submit]');
      await page.waitForSelector('#view-lookup', { state: 'visible' });
      await page.click('#signout');

      // An administrator sees the banner too.
      await firstSignIn(page, fs2.url, 'admin', fi.pw.admin, PW.admin);
      await page.waitForSelector('#view-dashboard', { state: 'visible' });
      await page.waitForSelector('#dossier-banner', { state: 'visible' });
      await shot(page, '47-format-banner-admin');
    } finally {
      assert.equal(await fs2.stop(), 0);
      fs.rmSync(fi.tmp, { recursive: true, force: true });
    }
  });

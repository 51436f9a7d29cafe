// The console in a real browser: first sign-in and the forced change, an
// officer's lookup, the quota-exhausted message, an admin creating an account
// and its handover record, an auditor who can change nothing. Screenshots go to
// artifacts/. Run through run.sh (or `node --test` here with CANHGAC_BIN set).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import {
  DOSSIER, closeBrowser, firstSignIn, importDossiers, makeInstance, openBrowser, serve, shot, signIn
} from './harness.mjs';

const NEW_PW = {
  admin: 'Xanh-Lam-Bien-2026!',
  'cb.a': 'Tra-Cuu-An-2026!',
  thanhtra: 'Doc-Lap-Moc-2026!'
};

let inst, srv, browser;

// The dossier the officer's lookups are made under ([dossier] check = verify, as
// `canhgac init` writes): SO.A's, procedure 1.001022, naming the first citizen.
function withDossier(i) {
  importDossiers(i, [{ code: DOSSIER, procedure_code: '1.001022', agency: 'SO.A',
    persons: [{ citizen_id: i.ids[0], role: 'applicant' }] }]);
  return i;
}

before(async () => {
  inst = withDossier(makeInstance());
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
  t.after(() => assert.deepEqual(b.errors.filter((e) => /Content.Security.Policy|Refused/i.test(e)), [],
    'no CSP violations'));
  return browser.page;
}

async function rules(page) {
  return page.$$eval('#pw-rules li', (lis) => Object.fromEntries(lis.map((li) =>
    [li.dataset.rule, li.dataset.met === 'true'])));
}

test('static files: index, assets with their types, 404 for anything else', async () => {
  let r = await fetch(srv.url + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
  assert.match(await r.text(), /<script type="module" src="\/static\/main.js"><\/script>/);
  r = await fetch(srv.url + '/static/main.js');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  r = await fetch(srv.url + '/static/app.css');
  assert.match(r.headers.get('content-type'), /^text\/css/);
  for (const p of ['/static/nope.js', '/static/..%2Fcanhgac.conf', '/static/../canhgac.conf', '/static/']) {
    r = await fetch(srv.url + p);
    assert.equal(r.status, 404, p);
  }
});

test('first sign-in: the forced change ticks each rule as it is met', async (t) => {
  const page = await fresh(t);
  await page.goto(srv.url + '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  assert.equal((await page.textContent('#view-signin h1')).trim(), 'Đăng nhập');
  // The language switch, and back.
  await page.selectOption('#lang-select', 'en');
  assert.equal((await page.textContent('#view-signin h1')).trim(), 'Sign in');
  await page.selectOption('#lang-select', 'vi');
  assert.equal((await page.textContent('#view-signin h1')).trim(), 'Đăng nhập');

  // A wrong password: the server's message.
  await signIn(page, srv.url, 'admin', 'wrong-password');
  await page.waitForSelector('#signin-error:not([hidden])');
  assert.match(await page.textContent('#signin-error'), /\S/);

  await signIn(page, srv.url, 'admin', inst.pw.admin);
  await page.waitForSelector('#view-password', { state: 'visible' });
  assert.ok(await page.isHidden('#nav'), 'nothing else is reachable before the change');
  let r = await rules(page);
  assert.deepEqual(Object.values(r).filter(Boolean), [], 'no rule met yet');

  await page.fill('#pw-current', inst.pw.admin);
  await page.fill('#pw-new', 'abc');
  r = await rules(page);
  assert.equal(r.lower, true);
  assert.equal(r.upper, false);
  assert.equal(r.length, false);
  await page.fill('#pw-new', 'Xadmin-2026!');
  r = await rules(page);
  assert.equal(r.username, false, 'contains the username');
  assert.equal(r.length && r.upper && r.lower && r.digit && r.special, true);
  await page.fill('#pw-new', NEW_PW.admin);
  await page.fill('#pw-confirm', NEW_PW.admin.slice(0, -1));
  r = await rules(page);
  assert.equal(r.match, false);
  await page.fill('#pw-confirm', NEW_PW.admin);
  r = await rules(page);
  assert.deepEqual(Object.values(r).filter((v) => !v), [], 'every rule met');
  await shot(page, '01-forced-change');

  // The server stays the judge: a wrong current password is refused with its message.
  await page.fill('#pw-current', 'not-the-one-time-password');
  await page.click('#pw-form button[type=submit]');
  await page.waitForSelector('#pw-error:not([hidden])');
  assert.match(await page.textContent('#pw-error'), /\S/);

  // Rules the page cannot know (here: a part of the full name "Quản trị hệ thống")
  // come back from the server as violations with their messages.
  await page.fill('#pw-current', inst.pw.admin);
  await page.fill('#pw-new', 'Quan-Tri-Vien-2026!');
  await page.fill('#pw-confirm', 'Quan-Tri-Vien-2026!');
  await page.click('#pw-form button[type=submit]');
  await page.waitForSelector('#pw-error li[data-violation="contains_username"]');
  assert.match(await page.textContent('#pw-error'), /tên đăng nhập/);
  await shot(page, '01b-server-violation');

  await page.fill('#pw-new', NEW_PW.admin);
  await page.fill('#pw-confirm', NEW_PW.admin);
  await page.click('#pw-form button[type=submit]');
  await page.waitForSelector('#view-dashboard', { state: 'visible' });
  await page.waitForSelector('#pw-changed');
  await shot(page, '02-admin-home');

  await page.click('#signout');
  await page.waitForSelector('#view-signin', { state: 'visible' });
});

test("an officer's lookup shows only the procedure's fields, with the remaining quota", async (t) => {
  const page = await fresh(t);
  await page.setViewportSize({ width: 375, height: 800 });
  await firstSignIn(page, srv.url, 'cb.a', inst.pw['cb.a'], NEW_PW['cb.a']);
  await page.waitForSelector('#view-lookup', { state: 'visible' });
  await page.waitForSelector('#lk-procedure option', { state: 'attached' });
  assert.match(await page.textContent('#quota'), /10 \/ 10.*200 \/ 200/);

  await page.fill('#lk-citizen', inst.ids[0]);
  await page.fill('#lk-dossier', DOSSIER);
  await page.selectOption('#lk-procedure', '1.001022'); // citizen_id, full_name, date_of_birth, place_of_birth
  await page.click('#lookup-form button[type=submit]');
  await page.waitForSelector('#lookup-result', { state: 'visible' });
  const fields = await page.$$eval('#lookup-fields dt', (dts) => dts.map((d) => [d.dataset.field, d.textContent]));
  assert.deepEqual(fields.map((f) => f[0]).sort(), ['citizen_id', 'date_of_birth', 'full_name', 'place_of_birth']);
  assert.ok(fields.some(([k, label]) => k === 'full_name' && label === 'Họ, chữ đệm và tên'));
  assert.equal(await page.textContent('#lookup-fields dd[data-field="citizen_id"]'), inst.ids[0]);
  assert.match(await page.textContent('#lookup-fields dd[data-field="date_of_birth"]'), /^\d{2}\/\d{2}\/\d{4}$|^\d{4}$/);
  assert.match(await page.textContent('#quota'), /9 \/ 10.*199 \/ 200/);
  assert.match(await page.textContent('#lookup-audit'), /\d+/);
  // the officer's own history shows this lookup
  await page.waitForFunction((id) => [...document.querySelectorAll('#history-table tbody td')]
    .some((td) => td.textContent === id), inst.ids[0]);
  // Usable at phone width: nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 375, `page is ${overflow}px wide at 375px`);
  await shot(page, '03-officer-lookup-375px');

  // A bad citizen id: the server's code, in words.
  await page.fill('#lk-citizen', '123');
  await page.click('#lookup-form button[type=submit]');
  await page.waitForSelector('#lookup-error:not([hidden])');
  assert.ok(await page.isHidden('#lookup-result'));
});

test('the quota-exhausted message, with when to retry', async (t) => {
  const qi = withDossier(makeInstance([['quota', 'user_per_minute', '1'], ['quota', 'user_per_day', '1']]));
  const qs = await serve(qi);
  try {
    const page = await fresh(t);
    await firstSignIn(page, qs.url, 'cb.a', qi.pw['cb.a'], NEW_PW['cb.a']);
    await page.waitForSelector('#lk-procedure option', { state: 'attached' });
    await page.fill('#lk-citizen', qi.ids[0]);
    await page.fill('#lk-dossier', DOSSIER);
    await page.selectOption('#lk-procedure', '1.001022');
    await page.click('#lookup-form button[type=submit]');
    await page.waitForSelector('#lookup-result', { state: 'visible' });
    assert.match(await page.textContent('#quota'), /0 \/ 1.*0 \/ 1/);
    await page.click('#lookup-form button[type=submit]');
    await page.waitForSelector('#quota-exceeded');
    const msg = await page.textContent('#quota-exceeded');
    assert.match(msg, /Đã hết hạn mức tra cứu/);
    assert.match(msg, /mỗi ngày của cán bộ|mỗi phút của cán bộ/);
    assert.match(msg, /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
    assert.ok(await page.isHidden('#lookup-result'));
    await shot(page, '04-quota-exceeded');
  } finally {
    assert.equal(await qs.stop(), 0);
    fs.rmSync(qi.tmp, { recursive: true, force: true });
  }
});

test('an admin creates an account and prints its handover record', async (t) => {
  const page = await fresh(t);
  await signIn(page, srv.url, 'admin', NEW_PW.admin);
  await page.waitForSelector('#view-dashboard', { state: 'visible' });
  await page.click('#nav-users');
  await page.waitForSelector('#view-users', { state: 'visible' });
  await page.waitForSelector('#users-table tr[data-username="cb.a"]');
  await page.click('#user-new');
  await page.fill('#uf-username', 'cb.moi');
  await page.fill('#uf-name', 'Lê Thị Mới');
  await page.selectOption('#uf-agency', 'SO.A');
  await page.selectOption('#uf-role', 'officer');
  await page.click('#user-form button[type=submit]');
  await page.waitForSelector('#otp-panel', { state: 'visible' });
  const otp = (await page.textContent('#otp-value')).trim();
  assert.ok(otp.length >= 8, 'a one-time password is shown');
  await page.waitForSelector('#users-table tr[data-username="cb.moi"]');
  await shot(page, '05-account-created');

  await page.click('#otp-print');
  await page.waitForSelector('#handover', { state: 'visible' });
  const text = await page.textContent('#handover');
  assert.match(text, /BIÊN BẢN BÀN GIAO TÀI KHOẢN/);
  assert.equal((await page.textContent('#ho-password')).trim(), otp);
  assert.equal(await page.textContent('#ho-username'), 'cb.moi');
  assert.equal(await page.textContent('#ho-name'), 'Lê Thị Mới');
  assert.match(await page.textContent('#ho-agency'), /Sở Tư pháp — SO\.A/);
  assert.match(text, /Đổi mật khẩu ngay ở lần đăng nhập đầu tiên/);
  assert.match(text, /BÊN GIAO[\s\S]*BÊN NHẬN/);
  await page.emulateMedia({ media: 'print' });
  await shot(page, '06-handover-print');
  await page.emulateMedia({ media: 'screen' });
  await page.click('#ho-close');

  // Disable with a reason, then enable again.
  await page.click('#users-table tr[data-username="cb.moi"] button[data-action="disable"]');
  await page.fill('#reason-input', 'Nghỉ việc');
  await page.click('#reason-form button[type=submit]');
  await page.waitForSelector('#users-table tr[data-username="cb.moi"] td.status-disabled');
  await page.click('#users-table tr[data-username="cb.moi"] button[data-action="enable"]');
  await page.fill('#reason-input', 'Đi làm lại');
  await page.click('#reason-form button[type=submit]');
  await page.waitForSelector('#users-table tr[data-username="cb.moi"] td.status-active');

  // The new account signs in with the printed password and must change it.
  await page.click('#signout');
  await signIn(page, srv.url, 'cb.moi', otp);
  await page.waitForSelector('#view-password', { state: 'visible' });
});

test('an auditor reads and can change nothing', async (t) => {
  const page = await fresh(t);
  await firstSignIn(page, srv.url, 'thanhtra', inst.pw.thanhtra, NEW_PW.thanhtra);
  await page.waitForSelector('#view-dashboard', { state: 'visible' });
  await page.click('#nav-audit');
  await page.waitForSelector('#view-audit', { state: 'visible' });
  await page.waitForSelector('#verify-status:text-matches("toàn vẹn")');
  await page.waitForSelector('#audit-table tbody tr'); // the officer's lookup
  assert.match(await page.textContent('#audit-table tbody'), /cb\.a/);
  await page.fill('#sf-citizen', inst.ids[0]);
  await page.click('#sf-citizen-report');
  await page.waitForSelector('#audit-results-title:text-matches("' + inst.ids[0] + '")');
  assert.match(await page.textContent('#audit-table tbody'), new RegExp(inst.ids[0]));
  await shot(page, '07-auditor-log');

  await page.click('#nav-users');
  await page.waitForSelector('#users-table tr[data-username="cb.a"]');
  assert.ok(await page.isHidden('#user-new'), 'no create button');
  assert.equal(await page.locator('#users-table button').count(), 0, 'no write controls');
  await shot(page, '08-auditor-accounts');

  // The server refuses anyway: a direct POST with a valid session and CSRF token.
  const res = await page.evaluate(async (pw) => {
    const s = await fetch('/api/v1/session', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'thanhtra', password: pw })
    });
    const { csrf_token: csrf } = await s.json();
    const r = await fetch('/api/v1/users', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ username: 'cb.gia', full_name: 'Giả', agency: 'SO.B', role: 'officer' })
    });
    return [r.status, (await r.json()).error];
  }, NEW_PW.thanhtra);
  assert.deepEqual(res, [403, 'forbidden']);
});

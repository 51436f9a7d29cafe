// The console's second half in a real browser, on one server: an admin's
// required second-factor enrolment and a sign-in with a code computed here; the
// dashboard after a brute-force scenario (an alert, an incident with its report
// deadline counting down); the incident workflow to closed with its reports;
// adding and removing an IP block; a reload that keeps the session (GET
// /session) and can still write; a staff change; the language switch on every
// new screen; axe-core on each main screen (no serious or critical violation)
// and a phone-width screenshot of each role; an auditor who can change nothing;
// the idle notice from the server's limit (the page's clock run forward).
// Screenshots and axe reports go to artifacts/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import {
  a11y, apiSignIn, canhgac, closeBrowser, firstSignIn, makeInstance, openBrowser, serve, shot, signIn, totp
} from './harness.mjs';
import en from '../../web/strings_en.js';
import vi from '../../web/strings_vi.js';

const PW = { admin: 'Xanh-Lam-Bien-2026!', thanhtra: 'Doc-Lap-Moc-2026!', 'qt.a': 'Song-Dong-Nai-48!', 'cb.a': 'Tra-Cuu-An-2026!' };
let inst, srv, browser, secret, recovery = [];
const usedSteps = new Set();

before(async () => {
  inst = makeInstance([['totp', 'required_roles', 'admin'], ['lockout', 'ip_max_failures', '1000']]);
  for (const [u, name, role] of [['qt.a', 'Phạm Văn Quản', 'agency_admin'], ['cb.nghi', 'Đỗ Thị Nghỉ', 'officer']]) {
    const out = canhgac(['user', 'add', '--data', inst.data, '--username', u, '--name', name, '--agency', 'SO.A',
      '--role', role, '--json']);
    inst.pw[u] = JSON.parse(out).one_time_password;
  }
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
  b.page.on('dialog', (d) => d.accept()); // window.confirm of unblock and resets
  failShot(t, b.page);
  t.after(() => assert.deepEqual(b.errors.filter((e) => /Content.Security.Policy|Refused|TypeError|ReferenceError/i.test(e)),
    [], 'no CSP violations or script errors'));
  return b.page;
}

async function noSerious(page, name) {
  assert.deepEqual(await a11y(page, name), [], 'axe: no serious or critical violations on ' + name);
}

// The page as each test left it (on a failure: as it failed), for the artifacts.
async function failShot(t, page) {
  t.after(async () => { try { await shot(page, 'end-' + t.name.replace(/\W+/g, '-').slice(0, 40)); } catch (e) { /* closed */ } });
}

async function tab(page, name) {
  await page.click('#nav-' + name);
  await page.waitForSelector('#view-' + name, { state: 'visible' });
}

// A code the server will take: the current or next step (its tolerance) when not
// used yet (a used step is refused); when both are used, a recovery code.
function nextCode() {
  const now = Math.floor(Date.now() / 30000);
  for (const off of [0, 1]) {
    if (!usedSteps.has(now + off)) { usedSteps.add(now + off); return totp(secret, off); }
  }
  return recovery.shift();
}

// Signs the admin in with the password and a second-factor code.
async function adminIn(page) {
  await page.goto(srv.url + '/');
  await page.fill('#signin-username', 'admin');
  await page.fill('#signin-password', PW.admin);
  await page.fill('#signin-otp', nextCode());
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#view-dashboard', { state: 'visible' });
}

test('every word used by the console exists in Vietnamese and English', () => {
  const used = new Set();
  const html = fs.readFileSync(new URL('../../web/index.html', import.meta.url), 'utf8');
  for (const m of html.matchAll(/data-i18n(?:-alt|-label)?="([a-z_0-9]+)"/g)) used.add(m[1]);
  const dir = new URL('../../web/', import.meta.url);
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.js') && !n.startsWith('strings_'))) {
    for (const m of fs.readFileSync(new URL(f, dir), 'utf8').matchAll(/\bt(?:Or)?\('([a-z_0-9]+)'\s*[,)]/g)) used.add(m[1]);
  }
  assert.ok(used.size > 150, 'found the keys');
  assert.deepEqual([...used].filter((k) => !(k in vi)), [], 'Vietnamese');
  assert.deepEqual([...used].filter((k) => !(k in en)), [], 'English');
  assert.deepEqual(Object.keys(vi).filter((k) => !(k in en)), [], 'English has every Vietnamese key');
  assert.deepEqual(Object.keys(en).filter((k) => !(k in vi)), [], 'Vietnamese has every English key');
  // Vietnamese with its diacritics, not ASCII look-alikes
  assert.match(vi.totp_title, /Xác thực hai lớp/);
  assert.match(vi.nav_incidents, /Sự cố/);
});

test('an admin must enrol a second factor, gets recovery codes, then signs in with a code', async (t) => {
  const page = await fresh(t);
  await firstSignIn(page, srv.url, 'admin', inst.pw.admin, PW.admin);
  // the required enrolment: only that screen (and the password) in the menu
  await page.waitForSelector('#view-totp', { state: 'visible' });
  assert.match(await page.textContent('#totp-intro'), /bắt buộc/);
  assert.deepEqual(await page.$$eval('#nav button', (bs) => bs.map((b) => b.id)), ['nav-totp', 'nav-password']);
  // the sign-in walks straight on to the QR code: no extra step to find
  await page.waitForSelector('#totp-setup', { state: 'visible' });
  assert.ok(await page.isHidden('#totp-start'));
  // the QR code is an image from a data: URL, not markup in the page
  const src = await page.getAttribute('#totp-qr', 'src');
  assert.match(src, /^data:image\/svg\+xml;base64,/);
  assert.match(Buffer.from(src.split(',')[1], 'base64').toString(), /<svg/);
  assert.equal(await page.locator('#view-totp svg').count(), 0);
  assert.ok(await page.$eval('#totp-qr', (i) => i.complete && i.naturalWidth > 0), 'the QR image renders under the CSP');
  secret = (await page.textContent('#totp-secret')).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  await shot(page, '20-totp-enrol');
  await noSerious(page, 'totp-setup');

  await page.fill('#totp-code', '12345');
  await page.click('#totp-form button[type=submit]');
  await page.waitForSelector('#totp-error:not([hidden])');
  usedSteps.add(Math.floor(Date.now() / 30000));
  await page.fill('#totp-code', totp(secret));
  await page.click('#totp-form button[type=submit]');
  await page.waitForSelector('#totp-done', { state: 'visible' });
  const codes = await page.$$eval('#totp-codes li', (lis) => lis.map((l) => l.textContent));
  assert.equal(codes.length, 10);
  for (const c of codes) assert.match(c, /^[a-z0-9]{5}-[a-z0-9]{5}$/i);
  recovery = codes.slice(1);
  assert.ok(await page.isVisible('#totp-print'));
  await page.emulateMedia({ media: 'print' });
  await shot(page, '21-recovery-codes-print');
  assert.ok(await page.isHidden('#nav'), 'the menu is not printed');
  await page.emulateMedia({ media: 'screen' });
  await page.click('#totp-finish');
  await page.waitForSelector('#view-dashboard', { state: 'visible' });
  assert.equal(await page.locator('#totp-codes li').count(), 0, 'codes gone from the page');

  // sign out; without the code the sign-in is refused, with it accepted
  await page.click('#signout');
  await signIn(page, srv.url, 'admin', PW.admin);
  await page.waitForSelector('#signin-error:not([hidden])');
  assert.match(await page.textContent('#signin-error'), /mã xác thực/);
  await adminIn(page);
  await shot(page, '22-signed-in-with-code');
});

test('a brute-force scenario shows on the dashboard: an alert and an incident counting down', async (t) => {
  // ten failed sign-ins for one name (brute_force: 10 in 15 minutes)
  for (let i = 0; i < 10; i++) assert.equal(await apiSignIn(srv.url, 'ke.gian', 'doan-mat-khau-' + i), 401);
  const page = await fresh(t);
  await adminIn(page);
  for (let i = 0; i < 40 && !await page.$('#dash-alerts tr[data-rule="brute_force"]'); i++) {
    await page.waitForTimeout(250);
    await page.click('#dash-refresh');
  }
  await page.waitForSelector('#dash-alerts tr[data-rule="brute_force"]');
  assert.match(await page.textContent('#dash-alerts tr[data-rule="brute_force"]'), /ke\.gian/);
  await page.waitForSelector('#dash-incidents tr[data-incident]');
  const cd = page.locator('#dash-incidents tr[data-incident] .countdown').first();
  const first = await cd.textContent();
  assert.match(first, /^còn (7[01]|72) giờ|^còn \d+ ngày/, first);
  await page.waitForTimeout(1100);
  assert.notEqual(await cd.textContent(), '', 'still shown');
  assert.match(await page.textContent('#dash-verify'), /toàn vẹn/);
  // the chart: 24 bars with their counts
  assert.equal(await page.locator('#dash-chart svg g[data-hour]').count(), 24);
  assert.ok(await page.getAttribute('#dash-chart svg', 'aria-labelledby'));
  await shot(page, '23-dashboard');
  await noSerious(page, 'dashboard');
});

test('the incident workflow to closed, with notes and the reports opened to print', async (t) => {
  const page = await fresh(t);
  await adminIn(page);
  await tab(page, 'incidents');
  await page.click('#inc-table tr[data-incident] button[data-action="open"]');
  await page.waitForSelector('#inc-detail', { state: 'visible' });
  assert.match(await page.textContent('#inc-fields'), /Mới/);
  assert.ok(await page.isHidden('#inc-report-closing'));
  // the initial report opens in a new tab
  const [report] = await Promise.all([page.context().waitForEvent('page'), page.click('#inc-report')]);
  await report.waitForLoadState();
  assert.match(report.url(), /\/report\?format=html$/);
  assert.match(await report.textContent('body'), /BÁO CÁO|Báo cáo/);
  await report.close();
  await noSerious(page, 'incident-detail');

  for (const [to, note] of [['investigating', 'Đang xác minh nguồn'], ['contained', 'Đã chặn địa chỉ'],
    ['reported', 'Đã gửi Sở TT&TT'], ['closed', 'Kết quả: đã chặn, không lộ dữ liệu\nNguyên nhân: dò mật khẩu']]) {
    await page.selectOption('#inc-next', to);
    await page.fill('#inc-note', note);
    await page.click('#inc-form button[type=submit]');
    await page.waitForFunction((n) => document.querySelector('#inc-notes').textContent.includes(n), note.split('\n')[0]);
  }
  assert.equal(await page.locator('#inc-notes li').count(), 4);
  assert.match(await page.textContent('#inc-fields'), /Đã đóng/);
  assert.equal(await page.locator('#inc-next option').count(), 1, 'nothing leaves closed but a note');
  await page.waitForSelector('#inc-report-closing', { state: 'visible' });
  const [closing] = await Promise.all([page.context().waitForEvent('page'), page.click('#inc-report-closing')]);
  await closing.waitForLoadState();
  assert.match(closing.url(), /kind=closing/);
  const closingText = await closing.textContent('body');
  assert.match(closingText, /Mẫu số 04/);
  assert.match(closingText, /đã chặn, không lộ dữ liệu/, 'the closing note\'s result line is in the report');
  await closing.close();
  // a move the server refuses (a note only is still allowed)
  await page.fill('#inc-note', 'Ghi chú sau khi đóng');
  await page.click('#inc-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#inc-notes').textContent.includes('Ghi chú sau khi đóng'));
  await shot(page, '24-incident-closed');
});

test('an IP block added and removed; a reload keeps the session and can still write', async (t) => {
  const page = await fresh(t);
  await adminIn(page);
  await tab(page, 'blocks');
  await page.fill('#bf-ip', '203.0.113.7');
  await page.fill('#bf-ttl', '2');
  await page.selectOption('#bf-unit', '3600');
  await page.fill('#bf-reason', 'Quét cổng');
  await page.click('#block-form button[type=submit]');
  await page.waitForSelector('#blocks-table tr[data-ip="203.0.113.7"]');
  assert.match(await page.textContent('#blocks-table tr[data-ip="203.0.113.7"]'), /Quét cổng.*admin.*còn 1 giờ 59 phút|Quét cổng.*admin.*còn 2 giờ/);
  await noSerious(page, 'blocks');
  await shot(page, '25-blocks');

  // reload: the cookie's session is picked up again (GET /session), no sign-in
  await page.reload();
  await page.waitForSelector('#view-dashboard', { state: 'visible' });
  assert.ok(await page.isHidden('#view-signin'));
  await page.waitForSelector('#dash-blocks tr[data-ip="203.0.113.7"]');
  await tab(page, 'blocks');
  // a second tab of the same session resumes too, which replaces the CSRF token:
  // the first tab's next write is refused once, picks the new token up and goes through
  const other = await page.context().newPage();
  await other.goto(srv.url + '/');
  await other.waitForSelector('#view-dashboard', { state: 'visible' });
  await other.close();
  await page.click('#blocks-table tr[data-ip="203.0.113.7"] button[data-action="unblock"]');
  await page.waitForSelector('#blocks-table tr[data-ip="203.0.113.7"]', { state: 'detached' });

  // a write after the reload: acknowledge the alert
  await tab(page, 'alerts');
  await page.click('#alerts-table tr[data-rule="brute_force"] button[data-action="ack"]');
  await page.waitForFunction(() => !document.querySelector('#alerts-table tr[data-rule="brute_force"] button'));
  assert.match(await page.textContent('#alerts-table tr[data-rule="brute_force"]'), /Đã xác nhận \(admin\)/);
  await noSerious(page, 'alerts');

  // the idle limit comes from the server
  const idle = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).session.idle_seconds);
  assert.equal(idle, 900);
});

test('a per-user quota, a staff change (leave, at once) and the access review with its reminders', async (t) => {
  const page = await fresh(t);
  await adminIn(page);
  await tab(page, 'users');
  await page.click('#users-table tr[data-username="cb.a"] button[data-action="quota"]');
  await page.waitForSelector('#quota-dialog[open]');
  await page.fill('#qf-minute', '0');
  await page.click('#quota-form button[type=submit]');
  await page.waitForSelector('#quota-error:not([hidden])');
  await page.fill('#qf-minute', '5');
  await page.fill('#qf-day', '100');
  await noSerious(page, 'quota-dialog');
  await page.click('#quota-form button[type=submit]');
  await page.waitForSelector('#quota-dialog', { state: 'hidden' });
  await page.waitForFunction(() => /5\/phút, 100\/ngày/.test(
    document.querySelector('#users-table tr[data-username="cb.a"] td[data-col="quota"]').textContent));
  await tab(page, 'staff');
  await page.fill('#sc-username', 'cb.nghi');
  await page.selectOption('#sc-kind', 'leave');
  await page.fill('#sc-reference', 'QĐ 12/2026/QĐ-STP');
  await page.click('#sc-form button[type=submit]');
  await page.waitForSelector('#sc-done:not([hidden])');
  assert.match(await page.textContent('#sc-done'), /Đã áp dụng.*cb\.nghi/);
  await page.waitForSelector('#sc-table tr[data-username="cb.nghi"]');
  assert.match(await page.textContent('#sc-table tr[data-username="cb.nghi"]'), /Nghỉ việc.*QĐ 12\/2026.*Đã áp dụng/);
  // transfer shows its agency field
  await page.selectOption('#sc-kind', 'transfer');
  assert.ok(await page.isVisible('#sc-to-agency'));
  await noSerious(page, 'staff');
  await shot(page, '26-staff-change');

  await tab(page, 'review');
  await page.waitForSelector('#rv-reminders li');
  // the officer who has not changed the handed-over password yet is on the list
  await page.waitForSelector('#rv-reminders li[data-reminder="must_change_password"][data-username="cb.a"]');
  // either the review (lifecycle branch) or the "not available" message, never a broken page
  await page.waitForFunction(() => document.querySelector('#rv-table tbody tr[data-username]') ||
    !document.querySelector('#rv-error').hidden);
  if (await page.$('#rv-table tbody tr[data-username="cb.a"]')) {
    // the CSV export: a file download with the accounts
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#rv-csv')]);
    assert.match(dl.suggestedFilename(), /^ra-soat-SO\.A\.csv$/);
    const csv = fs.readFileSync(await dl.path(), 'utf8');
    assert.match(csv, /username/);
    assert.match(csv, /cb\.a/);
  } else {
    assert.match(await page.textContent('#rv-error'), /chưa có chức năng rà soát/);
  }
  await noSerious(page, 'review');
  await shot(page, '27-review');
});

test('the language switch on every new screen', async (t) => {
  const page = await fresh(t);
  await adminIn(page);
  const screens = { dashboard: 'dash_title', alerts: 'alerts_title', incidents: 'incidents_title', blocks: 'blocks_title',
    staff: 'staff_title', review: 'review_title', audit: 'audit_title', totp: 'totp_title', users: 'users_title' };
  for (const [name, key] of Object.entries(screens)) {
    await tab(page, name);
    assert.equal((await page.textContent(`#view-${name} h1`)).trim(), vi[key]);
    await page.selectOption('#lang-select', 'en');
    assert.equal((await page.textContent(`#view-${name} h1`)).trim(), en[key], name);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal((await page.textContent('#nav-' + name)).trim(), en['nav_' + name]);
    if (name === 'dashboard') {
      await page.waitForFunction(() => /lookups/.test(document.querySelector('#dash-chart-total').textContent));
      await shot(page, '28-dashboard-en');
    }
    await page.selectOption('#lang-select', 'vi');
    assert.equal((await page.textContent(`#view-${name} h1`)).trim(), vi[key]);
  }
});

test('each role at phone width, with the accessibility check; the auditor changes nothing', async (t) => {
  const page = await fresh(t);
  await page.setViewportSize({ width: 375, height: 812 });
  const wide = async (name) => {
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(w <= 375, `${name}: page is ${w}px wide at 375px`);
  };

  await adminIn(page);
  await wide('admin');
  await shot(page, '30-admin-375px');
  await noSerious(page, 'admin-375px');
  await page.click('#signout');

  await firstSignIn(page, srv.url, 'thanhtra', inst.pw.thanhtra, PW.thanhtra);
  await page.waitForSelector('#view-dashboard', { state: 'visible' });
  await page.waitForSelector('#dash-incidents tr[data-incident], #dash-incidents td.note');
  await wide('auditor');
  await shot(page, '31-auditor-375px');
  await noSerious(page, 'auditor-dashboard');
  // read only: no block form, no acknowledge, no incident update
  await tab(page, 'blocks');
  assert.ok(await page.isHidden('#block-form'));
  await tab(page, 'alerts');
  await page.waitForSelector('#alerts-table tbody tr');
  assert.equal(await page.locator('#alerts-table button').count(), 0);
  await tab(page, 'incidents');
  await page.click('#inc-table tr[data-incident] button[data-action="open"]');
  await page.waitForSelector('#inc-detail', { state: 'visible' });
  assert.ok(await page.isHidden('#inc-form'));
  await tab(page, 'audit');
  await noSerious(page, 'auditor-audit');
  await page.click('#signout');

  await firstSignIn(page, srv.url, 'qt.a', inst.pw['qt.a'], PW['qt.a']);
  await page.waitForSelector('#view-users', { state: 'visible' });
  await page.waitForSelector('#users-table tr[data-username="cb.a"]');
  await wide('agency admin');
  await shot(page, '32-agency-admin-375px');
  await noSerious(page, 'agency-admin-users');
  await tab(page, 'staff');
  await page.waitForSelector('#sc-kind option', { state: 'attached' });
  assert.deepEqual(await page.$$eval('#sc-kind option', (os) => os.map((o) => o.value)), ['leave']);
  await noSerious(page, 'agency-admin-staff');
  await page.click('#signout');

  await firstSignIn(page, srv.url, 'cb.a', inst.pw['cb.a'], PW['cb.a']);
  await page.waitForSelector('#view-lookup', { state: 'visible' });
  await wide('officer');
  await shot(page, '33-officer-375px');
  await noSerious(page, 'officer-lookup');
  await page.click('#signout');
  await page.waitForSelector('#view-signin', { state: 'visible' });
  await noSerious(page, 'signin');
});

test('the idle notice comes from the server limit, two minutes before the end', async (t) => {
  const page = await fresh(t);
  await page.clock.install(); // the page's timers and Date under the test's control
  await adminIn(page);
  const idle = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).session.idle_seconds);
  await page.clock.fastForward((idle - 150) * 1000);
  assert.ok(await page.isHidden('#idle'), 'no notice 2.5 minutes before');
  await page.clock.fastForward(45000);
  await page.waitForSelector('#idle', { state: 'visible' });
  assert.match(await page.textContent('#idle-text'), /kết thúc sau (1 phút|2 phút|\d+ giây)/);
  await shot(page, '29-idle-notice');
  await page.click('#idle-continue'); // GET /me: the server's idle timer starts again
  await page.waitForSelector('#idle', { state: 'hidden' });
  await page.clock.fastForward((idle + 10) * 1000);
  await page.waitForSelector('#view-signin', { state: 'visible' });
  assert.match(await page.textContent('#signin-error'), /không có thao tác/);
  // the page also ended the session on the server: a reload does not resume it
  await page.waitForTimeout(300);
  await page.reload();
  await page.waitForSelector('#view-signin', { state: 'visible' });
  assert.ok(await page.isHidden('#nav'));
});

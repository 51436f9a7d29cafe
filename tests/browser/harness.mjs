// Browser-test harness: makes a canhgac data directory with the CLI, serves it on
// a free loopback port, and opens Debian's chromium through playwright-core with
// a fresh context per scenario. Plain Node (node:test), no @playwright/test.
//
// Environment: CANHGAC_BIN (default build/canhgac of the repository),
// CHROMIUM (default /usr/bin/chromium), ARTIFACTS (default ./artifacts).

import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
export const BIN = path.resolve(ROOT, process.env.CANHGAC_BIN || 'build/canhgac');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(HERE, process.env.ARTIFACTS || 'artifacts');
export const DOSSIER = 'H15.50.05.13-261008-0975';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
];

export function canhgac(args) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
}

// Sets `key = value` in [section] of an INI file, replacing the default line.
export function setConfig(file, section, key, value) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let current = null, header = -1, done = false;
  const keyRe = new RegExp('^\\s*' + key.replace(/[.]/g, '\\.') + '\\s*=');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*\[([^\]]*)\]/.exec(lines[i]);
    if (m) { current = m[1].trim(); if (current === section && header < 0) header = i; continue; }
    if (current === section && keyRe.test(lines[i])) { lines[i] = `${key} = ${value}`; done = true; }
  }
  if (!done) {
    if (header < 0) lines.push(`[${section}]`, `${key} = ${value}`);
    else lines.splice(header + 1, 0, `${key} = ${value}`);
  }
  fs.writeFileSync(file, lines.join('\n'));
}

// A data directory with agencies SO.A and SO.B, an officer (cb.a, SO.A), an
// auditor (thanhtra, SO.B) and 200 synthetic citizens. `config` is
// [[section, key, value], ...] applied after the fast hashing cost.
export function makeInstance(config = []) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'canhgac-browser-'));
  const data = path.join(tmp, 'data');
  const pw = { admin: JSON.parse(canhgac(['init', '--data', data, '--json'])).one_time_password };
  const conf = path.join(data, 'canhgac.conf');
  setConfig(conf, 'password', 'hash_memory_mib', '19');
  setConfig(conf, 'password', 'hash_passes', '2');
  // No role needs a second factor here; test_watch.mjs turns it on for admins.
  setConfig(conf, 'totp', 'required_roles', '');
  for (const [s, k, v] of config) setConfig(conf, s, k, v);
  canhgac(['population', 'generate', '--data', data, '--count', '200', '--seed', '1']);
  const ids = canhgac(['population', 'sample', '--data', data, '--count', '5']).split(/\s+/).filter(Boolean);
  for (const code of ['SO.A', 'SO.B']) {
    canhgac(['agency', 'add', '--data', data, '--code', code, '--name', code === 'SO.A' ? 'Sở Tư pháp' : 'Thanh tra tỉnh']);
  }
  for (const [u, name, agency, role] of [['cb.a', 'Nguyễn Văn An', 'SO.A', 'officer'],
    ['thanhtra', 'Trần Thị Bình', 'SO.B', 'auditor']]) {
    const out = canhgac(['user', 'add', '--data', data, '--username', u, '--name', name, '--agency', agency,
      '--role', role, '--json']);
    pw[u] = JSON.parse(out).one_time_password;
  }
  return { tmp, data, pw, ids };
}

// Makes `count` synthetic open dossiers of `agency` over the instance's citizens
// (`canhgac dossier generate`, before the server starts or beside it, through its
// spool) and answers the agency's open dossiers as `canhgac dossier list --json`
// prints them. The instance must check lookups against them: [dossier] check =
// verify, which `canhgac init` writes.
export function generateDossiers(inst, agency, count) {
  canhgac(['dossier', 'generate', '--data', inst.data, '--agency', agency, '--count', String(count), '--json']);
  const out = JSON.parse(canhgac(['dossier', 'list', '--data', inst.data, '--agency', agency, '--open',
    '--limit', '1000', '--json']));
  return Array.isArray(out) ? out : out.dossiers;
}

// Imports dossiers (objects as `canhgac dossier list --json` prints them; status
// defaults to received, received_at to now) with `canhgac dossier import`, JSON
// lines, all or none.
export function importDossiers(inst, list) {
  const file = path.join(inst.tmp, 'dossiers-' + crypto.randomBytes(4).toString('hex') + '.jsonl');
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  fs.writeFileSync(file, list.map((d) => JSON.stringify(Object.assign({ status: 'received', received_at: now }, d)))
    .join('\n') + '\n');
  return JSON.parse(canhgac(['dossier', 'import', '--data', inst.data, '--json', file]));
}

// Starts `canhgac serve` on 127.0.0.1:0; resolves { url, stop() } once it
// prints its address and /healthz answers.
export async function serve(inst) {
  const proc = spawn(BIN, ['serve', '--data', inst.data, '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (b) => { stderr += b.toString(); if (stderr.length > 1e6) stderr = stderr.slice(-5e5); });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('no listening line in 10 s\n' + stderr)), 10000);
    proc.stdout.on('data', (b) => {
      out += b.toString();
      const m = /canhgac: listening on (\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}\n${stderr}`)); });
  });
  for (let i = 0; i < 50; i++) {
    try { if ((await fetch(url + '/healthz')).ok) break; } catch (e) { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    proc.once('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });
  return { url, stop, stderr: () => stderr };
}

// One chromium for the whole run (playwright gives it a fresh temporary profile,
// its own --user-data-dir; launching costs seconds), and a fresh context (its own
// cookies and storage) per scenario. Collects console errors (a CSP violation
// would show up there) in `errors`.
let shared = null;

export async function openBrowser() {
  if (!shared) {
    shared = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }
  const context = await shared.newContext({
    viewport: { width: 1024, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh'
  });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page, errors, close: () => context.close() };
}

export async function closeBrowser() {
  if (shared) await shared.close();
  shared = null;
}

export async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name + '.png'), fullPage: true });
}

export async function signIn(page, url, username, password) {
  await page.goto(url + '/');
  await page.fill('#signin-username', username);
  await page.fill('#signin-password', password);
  await page.click('#signin-form button[type=submit]');
}

// Signs in with a one-time password and goes through the forced change.
export async function firstSignIn(page, url, username, otp, newPassword) {
  await signIn(page, url, username, otp);
  await page.waitForSelector('#view-password', { state: 'visible' });
  await page.fill('#pw-current', otp);
  await page.fill('#pw-new', newPassword);
  await page.fill('#pw-confirm', newPassword);
  await page.click('#pw-form button[type=submit]');
  await page.waitForSelector('#view-password', { state: 'hidden' });
}

// RFC 6238 code of a base32 secret (SHA-1, 30-s steps, 6 digits), `offset`
// steps from now: the server refuses a step already used, so a test that signs
// in right after enrolling takes the next one (one step of tolerance).
export function totp(secretB32, offset = 0) {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretB32.replace(/[\s=]/g, '').toUpperCase()) bits += alpha.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const step = Math.floor(Date.now() / 30000) + offset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// axe-core (npm) on the page as it is; fails on serious or critical violations.
// axe is evaluated through the DevTools protocol, which the page's CSP (no inline
// script) does not apply to, so the console keeps its strict policy under test.
const AXE = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
export async function a11y(page, name) {
  if (!await page.evaluate(() => typeof window.axe === 'object')) {
    await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  }
  const res = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    resultTypes: ['violations']
  }));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, 'axe-' + name + '.json'), JSON.stringify(res.violations, null, 1));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

// POST /api/v1/session from node (no browser): for scenarios such as brute force.
export async function apiSignIn(url, username, password, otp) {
  const r = await fetch(url + '/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(otp ? { username, password, otp } : { username, password })
  });
  return r.status;
}

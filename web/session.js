/*
 * Signing in and out, the password change (forced or chosen) with each policy
 * rule ticked as it is met, resuming a session after a reload (GET /session),
 * and the idle notice, whose limits come from the server.
 */
import { $, api, el, errorText, fmtDate, fmtWait, health, hooks, showError, state } from './core.js';
import { t } from './i18n.js';
import { open, register, renderNav, show, tabsFor } from './views.js';

const DEFAULT_IDLE = 900;
let forced = false;

export function signedOut(message) {
  state.csrf = null;
  state.me = null;
  $('banner').hidden = true;
  $('dossier-banner').hidden = true;
  $('idle').hidden = true;
  $('signin-form').reset();
  document.dispatchEvent(new Event('canhgac:signedout'));
  showError($('signin-error'), message || '');
  show('signin');
  $('signin-username').focus();
}

/* Takes the body of POST or GET /session. */
function adopt(body) {
  const { csrf_token: csrf, ...me } = body;
  state.csrf = csrf;
  state.me = me;
  state.lastApi = Date.now();
  dossierBanner();
}

/* Every signed-in user sees it while the server binds lookups to a dossier code's
 * form only ([dossier] check = format): a province without a dossier feed must
 * not forget that a leaked password still opens anyone's record. */
async function dossierBanner() {
  /* GET /me says it; /healthz too, for a session object from before */
  const mode = state.me && state.me.dossier_check ? state.me.dossier_check : ((await health()) || {}).dossier_check;
  $('dossier-banner').hidden = !state.me || mode !== 'format';
}

async function onSignin(ev) {
  ev.preventDefault();
  const username = $('signin-username').value.trim();
  const password = $('signin-password').value;
  if (!username || !password) {
    showError($('signin-error'), t('signin_missing'));
    return;
  }
  const otp = $('signin-otp').value.replace(/\s+/g, '');
  const res = await api('POST', '/session', otp ? { username, password, otp } : { username, password });
  $('signin-otp').value = '';
  $('signin-password').value = '';
  if (res.status !== 200) {
    let msg = errorText(res);
    if (res.status === 401) msg += ' ' + t('signin_otp_hint');
    if (res.status === 429 && res.data && res.data.retry_after) msg += ' (' + fmtWait(res.data.retry_after) + ')';
    showError($('signin-error'), msg);
    return;
  }
  showError($('signin-error'), '');
  adopt(res.data);
  if (state.me.must_change_password) {
    showPassword(true);
    return;
  }
  await home();
}

/* After a reload: the cookie may still hold a session; GET /session gives a new
 * CSRF token for it. A server without the endpoint (405) means signing in again. */
export async function resume() {
  const res = await api('GET', '/session');
  if (res.status !== 200 || !res.data || !res.data.csrf_token) return false;
  adopt(res.data);
  if (state.me.must_change_password) showPassword(true);
  else await home();
  return true;
}

hooks.refreshCsrf = async () => {
  const res = await api('GET', '/session');
  if (res.status !== 200 || !res.data || !res.data.csrf_token) return false;
  state.csrf = res.data.csrf_token;
  return true;
};
hooks.unauthorized = () => signedOut(t('session_ended'));
hooks.passwordRequired = () => {
  state.me.must_change_password = true;
  showPassword(true);
};
hooks.totpRequired = () => {
  state.me.totp_enrolment_required = true;
  if (state.view !== 'totp') open('totp');
};

export async function home() {
  const me = await api('GET', '/me');
  if (me.status === 200) state.me = Object.assign({}, state.me, me.data);
  const b = $('banner');
  b.textContent = '';
  b.hidden = true;
  if (state.me.password_warning) {
    b.append(el('span', { id: 'pw-warning' }, t('pw_warning', { when: fmtDate(state.me.password_expires_at) })),
      el('button', { type: 'button', onclick: () => showPassword(false) }, t('pw_change_now')));
    b.hidden = false;
  }
  if (state.me.totp_enrolment_required) return open('totp');
  return open(tabsFor(state.me.user.role)[0]);
}

/* ---- the password ---- */

const RULES = [
  ['length', (p, u, n) => [...p].length >= n],
  ['upper', (p) => /\p{Lu}/u.test(p)],
  ['lower', (p) => /\p{Ll}/u.test(p)],
  ['digit', (p) => /[0-9]/.test(p)],
  ['special', (p) => /[^\p{L}\p{N}]/u.test(p)],
  ['username', (p, u) => p.length > 0 && !(u && p.toLowerCase().includes(u.toLowerCase()))],
  ['match', (p, u, n, c) => p.length > 0 && p === c]
];

function renderRules() {
  const p = $('pw-new').value, c = $('pw-confirm').value;
  const u = state.me ? state.me.user.username : '';
  const ul = $('pw-rules');
  ul.textContent = '';
  let all = true;
  for (const [name, test] of RULES) {
    const ok = test(p, u, 8, c);
    all = all && ok;
    ul.append(el('li', { class: ok ? 'met' : null, 'data-rule': name, 'data-met': ok ? 'true' : 'false' },
      t('pw_rule_' + name, { n: 8 }), el('span', { class: 'sr-only' }, ' (' + t(ok ? 'pw_met' : 'pw_not_met') + ')')));
  }
  return all;
}

export function showPassword(isForced) {
  forced = isForced;
  $('pw-form').reset();
  showError($('pw-error'), '');
  $('pw-reason').textContent = t(forced ? 'pw_forced' : 'pw_voluntary');
  $('pw-cancel').hidden = forced;
  renderRules();
  show('password');
  $('pw-current').focus();
}

async function onPassword(ev) {
  ev.preventDefault();
  const cur = $('pw-current').value, npw = $('pw-new').value;
  if (!renderRules()) {
    showError($('pw-error'), t('pw_voluntary'));
    $('pw-new').focus();
    return;
  }
  /* The server stays the judge: history, dictionary and the rules above again. */
  const res = await api('POST', '/me/password', { current_password: cur, new_password: npw });
  if (res.status !== 204) {
    const box = $('pw-error');
    box.textContent = '';
    box.append(el('p', {}, errorText(res)));
    if (res.data && Array.isArray(res.data.messages)) {
      box.append(el('ul', {}, ...res.data.messages.map((m, i) =>
        el('li', { 'data-violation': (res.data.violations || [])[i] || '' }, m))));
    }
    box.hidden = false;
    return;
  }
  $('pw-form').reset();
  state.me.must_change_password = false;
  await home();
  $('banner').append(el('span', { id: 'pw-changed' }, t('pw_changed')));
  $('banner').hidden = false;
}

async function onSignout() {
  if (state.csrf) await api('DELETE', '/session');
  signedOut('');
}

/* ---- idle and absolute limits ---- */

function idleTick() {
  if (!state.me) return;
  const s = state.me.session || {};
  const idleMs = (s.idle_seconds || DEFAULT_IDLE) * 1000;
  const warnMs = Math.min(120000, idleMs / 4);
  const idle = Date.now() - state.lastApi;
  const end = s.expires_at ? Date.parse(s.expires_at) : NaN;
  if (idle >= idleMs) {
    /* the server has dropped it already, or will at its next look; say so anyway,
     * so that a reload does not pick up a session the page has given up */
    if (state.csrf) api('DELETE', '/session');
    signedOut(t('idle_expired'));
    return;
  }
  if (!Number.isNaN(end) && Date.now() >= end) {
    signedOut(t('session_ended'));
    return;
  }
  if (idle >= idleMs - warnMs) {
    $('idle-text').textContent = t('idle_warning', { wait: fmtWait((idleMs - idle) / 1000) });
    $('idle-continue').hidden = false;
    $('idle').hidden = false;
  } else if (!Number.isNaN(end) && end - Date.now() < 300000) {
    $('idle-text').textContent = t('absolute_warning', { at: fmtDate(end) });
    $('idle-continue').hidden = true;
    $('idle').hidden = false;
  } else {
    $('idle').hidden = true;
  }
}

function relabel() {
  $('pw-reason').textContent = t(forced ? 'pw_forced' : 'pw_voluntary');
  renderRules();
}

export function initSession() {
  $('signin-form').addEventListener('submit', onSignin);
  $('pw-form').addEventListener('submit', onPassword);
  $('pw-new').addEventListener('input', renderRules);
  $('pw-confirm').addEventListener('input', renderRules);
  $('pw-cancel').addEventListener('click', () => home());
  $('signout').addEventListener('click', onSignout);
  $('idle-continue').addEventListener('click', async () => { await api('GET', '/me'); idleTick(); });
  window.setInterval(idleTick, 5000);
  register('signin', { open: () => {} });
  register('password', { open: () => {}, openVoluntary: () => showPassword(false), relabel });
  renderNav();
}

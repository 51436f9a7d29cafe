/*
 * Accounts (admins; auditors read-only): the list, creation with the one-time
 * password and its printable handover record, disable / enable with a reason
 * (enabling an account the detector suspended resets its password: shown as a new one),
 * unlock, password reset, the second factor's reset and the per-user quotas
 * (PATCH /users/{id}; empty = the configured default).
 */
import { $, api, ask, button, el, errorText, fillTable, fmtDate, role, showError, state, TZ_OFFSET_MS } from './core.js';
import { I18N, t } from './i18n.js';
import { register } from './views.js';

let otp = null; /* {user, otp, at}: in memory only until the panel closes */
let quotaFor = null;

export function canWrite() {
  const r = role();
  return r === 'admin' || r === 'agency_admin';
}

export async function loadAgencies() {
  const r = await api('GET', '/agencies');
  if (r.status === 200) {
    state.agencies = {};
    for (const a of r.data.agencies || []) state.agencies[a.code] = a.name;
  }
}

async function loadUsers() {
  const r = await api('GET', '/users');
  if (r.status !== 200) { showError($('users-error'), errorText(r)); return; }
  showError($('users-error'), '');
  fillTable($('users-table'), r.data.users || [], userRow);
}

function quotaText(u) {
  if (!u.quota_per_minute && !u.quota_per_day) return t('quota_default');
  return t('quota_custom', { m: u.quota_per_minute || t('quota_def_short'), d: u.quota_per_day || t('quota_def_short') });
}

function userRow(u) {
  const actions = el('td');
  const self = u.username === state.me.user.username;
  const r = role();
  if (canWrite() && !self && (r === 'admin' || u.role === 'officer')) {
    const b = (key, fn, cls) => button(t('act_' + key), fn, 'small ' + (cls || 'secondary'),
      { 'data-action': key, 'aria-label': t('act_' + key) + ' ' + u.username });
    if (u.status === 'disabled' || (u.status === 'suspended' && r === 'admin')) {
      actions.append(b('enable', () => withReason('enable', u)));
    } else if (u.status !== 'disabled') {
      actions.append(b('disable', () => withReason('disable', u), 'danger'));
    }
    if (u.status === 'locked' || u.locked_until) actions.append(b('unlock', () => userAction(u, 'unlock')));
    actions.append(b('reset', () => resetPassword(u)));
    actions.append(b('quota', () => openQuota(u)));
    actions.append(b('reset_totp', () => resetTotp(u)));
  }
  return el('tr', { 'data-username': u.username },
    el('td', {}, u.username),
    el('td', {}, u.full_name),
    el('td', {}, u.agency),
    el('td', {}, t('role_' + u.role)),
    el('td', { class: 'status-' + u.status }, t('status_' + u.status) + (u.status_reason ? ' — ' + u.status_reason : '')),
    el('td', { 'data-col': 'quota' }, quotaText(u)),
    el('td', {}, fmtDate(u.last_login_at)),
    actions);
}

function openUserForm() {
  const ag = $('uf-agency');
  ag.textContent = '';
  const me = state.me.user;
  const codes = me.role === 'admin' ? Object.keys(state.agencies) : [me.agency];
  for (const c of codes) ag.append(el('option', { value: c }, c + (state.agencies[c] ? ' — ' + state.agencies[c] : '')));
  const rs = $('uf-role');
  rs.textContent = '';
  const roles = me.role === 'admin' ? ['officer', 'agency_admin', 'auditor', 'admin'] : ['officer'];
  for (const r of roles) rs.append(el('option', { value: r }, t('role_' + r)));
  $('user-form').reset();
  showError($('user-form-error'), '');
  $('user-form').hidden = false;
  $('uf-username').focus();
}

async function onCreateUser(ev) {
  ev.preventDefault();
  const body = {
    username: $('uf-username').value.trim(),
    full_name: $('uf-name').value.trim(),
    agency: $('uf-agency').value,
    role: $('uf-role').value
  };
  const res = await api('POST', '/users', body);
  if (res.status !== 201) {
    const f = res.data && res.data.field ? ' (' + res.data.field + ')' : '';
    showError($('user-form-error'), errorText(res) + f);
    return;
  }
  $('user-form').hidden = true;
  showOtp(res.data.user, res.data.one_time_password);
  await loadUsers();
}

function showOtp(user, password) {
  otp = { user, otp: password, at: Date.now() };
  $('otp-for').textContent = t('otp_for', { username: user.username, name: user.full_name });
  $('otp-value').textContent = password;
  $('otp-panel').hidden = false;
  $('otp-print').focus();
}

function closeOtp() {
  otp = null;
  $('otp-value').textContent = '';
  $('otp-panel').hidden = true;
  $('ho-password').textContent = '';
}

/* The handover record (as src/auth/handover.c writes it), built here, never sent anywhere. */
function openHandover() {
  if (!otp) return;
  const { user, at } = otp;
  const d = new Date(at + TZ_OFFSET_MS);
  const p = (n) => String(n).padStart(2, '0');
  $('ho-when').textContent = p(d.getUTCHours()) + ' giờ ' + p(d.getUTCMinutes()) + ', ngày ' + p(d.getUTCDate()) +
    ' tháng ' + p(d.getUTCMonth() + 1) + ' năm ' + d.getUTCFullYear();
  const an = state.agencies[user.agency];
  $('ho-agency').textContent = (an ? an + ' — ' : '') + user.agency;
  $('ho-name').textContent = user.full_name;
  $('ho-username').textContent = user.username;
  $('ho-role').textContent = I18N.vi['role_' + user.role] || user.role;
  $('ho-password').textContent = otp.otp;
  $('ho-by').textContent = state.me.user.full_name + ' (' + state.me.user.username + ')';
  $('main').hidden = true;
  $('handover').hidden = false;
  $('ho-print').focus();
}

function closeHandover() {
  $('handover').hidden = true;
  $('main').hidden = false;
  $('otp-print').focus();
}

async function withReason(kind, u) {
  const reason = await ask(t(kind + '_title', { username: u.username }), t('reason'));
  if (!reason) return;
  const res = await userAction(u, kind, { reason });
  /* enabling an account the detector suspended resets its password: hand it over */
  if (res && res.data && res.data.one_time_password) showOtp(res.data.user, res.data.one_time_password);
}

async function userAction(u, kind, body) {
  const res = await api('POST', '/users/' + encodeURIComponent(u.id) + '/' + kind, body || {});
  if (res.status !== 200 && res.status !== 204) {
    showError($('users-error'), errorText(res));
    return null;
  }
  showError($('users-error'), '');
  await loadUsers();
  return res;
}

async function resetPassword(u) {
  if (!window.confirm(t('reset_confirm', { username: u.username }))) return;
  const res = await userAction(u, 'reset-password');
  if (res && res.data && res.data.one_time_password) showOtp(res.data.user || u, res.data.one_time_password);
}

async function resetTotp(u) {
  if (!window.confirm(t('reset_totp_confirm', { username: u.username }))) return;
  await userAction(u, 'reset-totp');
}

function openQuota(u) {
  quotaFor = u;
  $('quota-title').textContent = t('quota_title', { username: u.username });
  $('qf-minute').value = u.quota_per_minute || '';
  $('qf-day').value = u.quota_per_day || '';
  showError($('quota-error'), '');
  $('quota-dialog').showModal();
  $('qf-minute').focus();
}

async function onQuota(ev) {
  ev.preventDefault();
  const num = (v) => (v.trim() === '' ? null : Number(v));
  const body = { quota_per_minute: num($('qf-minute').value), quota_per_day: num($('qf-day').value) };
  for (const v of Object.values(body)) {
    if (v !== null && !(Number.isInteger(v) && v > 0)) { showError($('quota-error'), t('quota_invalid')); return; }
  }
  const res = await api('PATCH', '/users/' + encodeURIComponent(quotaFor.id), body);
  if (res.status !== 200) {
    showError($('quota-error'), errorText(res) + (res.data && res.data.field ? ' (' + res.data.field + ')' : ''));
    return;
  }
  $('quota-dialog').close();
  quotaFor = null;
  await loadUsers();
}

async function openUsers() {
  $('user-new').hidden = !canWrite();
  $('user-form').hidden = true;
  if (!otp) $('otp-panel').hidden = true;
  await loadAgencies();
  await loadUsers();
}

export function initUsers() {
  $('user-new').addEventListener('click', openUserForm);
  $('user-form').addEventListener('submit', onCreateUser);
  $('user-form-cancel').addEventListener('click', () => { $('user-form').hidden = true; $('user-new').focus(); });
  $('otp-print').addEventListener('click', openHandover);
  $('otp-close').addEventListener('click', closeOtp);
  $('ho-print').addEventListener('click', () => window.print());
  $('ho-close').addEventListener('click', closeHandover);
  $('quota-form').addEventListener('submit', onQuota);
  $('quota-cancel').addEventListener('click', () => { $('quota-dialog').close(); quotaFor = null; });
  register('users', { open: openUsers, relabel: loadUsers });
}

/*
 * Staff changes (leave, transfer, role change; at once or on a date) and their
 * list: POST/GET /staff-changes. An agency admin files leave for the officers of
 * their agency; transfers and role changes are the province admin's.
 */
import { $, api, el, errorText, fillTable, fmtDate, fmtDay, role, showError, state } from './core.js';
import { t } from './i18n.js';
import { loadAgencies } from './users.js';
import { register } from './views.js';

const KINDS = { admin: ['leave', 'transfer', 'role'], agency_admin: ['leave'] };

function fillKinds() {
  const sel = $('sc-kind');
  const keep = sel.value;
  sel.textContent = '';
  for (const k of KINDS[role()] || []) sel.append(el('option', { value: k }, t('kind_' + k)));
  if (keep) sel.value = keep;
  const ag = $('sc-to-agency');
  const keepAg = ag.value;
  ag.textContent = '';
  for (const [c, n] of Object.entries(state.agencies)) ag.append(el('option', { value: c }, c + ' — ' + n));
  if (keepAg) ag.value = keepAg;
  const rs = $('sc-to-role');
  const keepR = rs.value;
  rs.textContent = '';
  for (const r of ['officer', 'agency_admin', 'auditor', 'admin']) rs.append(el('option', { value: r }, t('role_' + r)));
  if (keepR) rs.value = keepR;
  kindChanged();
}

function kindChanged() {
  const k = $('sc-kind').value;
  $('sc-to-agency-row').hidden = k !== 'transfer';
  $('sc-to-role-row').hidden = k !== 'role';
}

async function loadUsernames() {
  const r = await api('GET', '/users');
  const dl = $('sc-usernames');
  dl.textContent = '';
  if (r.status !== 200) return;
  for (const u of r.data.users || []) {
    if (u.username !== state.me.user.username) dl.append(el('option', { value: u.username }, u.full_name));
  }
}

async function onSubmit(ev) {
  ev.preventDefault();
  const kind = $('sc-kind').value;
  const body = {
    username: $('sc-username').value.trim(),
    kind,
    reference: $('sc-reference').value.trim()
  };
  if ($('sc-effective').value) body.effective = $('sc-effective').value;
  if (kind === 'transfer') body.to_agency = $('sc-to-agency').value;
  if (kind === 'role') body.to_role = $('sc-to-role').value;
  if (!body.username || !body.reference) {
    showError($('sc-error'), t('sc_missing'));
    return;
  }
  const res = await api('POST', '/staff-changes', body);
  if (res.status !== 201) {
    showError($('sc-error'), errorText(res) + (res.data && res.data.field ? ' (' + res.data.field + ')' : ''));
    return;
  }
  showError($('sc-error'), '');
  const c = res.data.staff_change || {};
  $('sc-done').textContent = t(c.status === 'pending' ? 'sc_pending' : 'sc_applied',
    { username: c.username, day: fmtDay(c.effective) });
  $('sc-done').hidden = false;
  $('sc-form').reset();
  kindChanged();
  await loadList();
}

function detail(c) {
  if (c.kind === 'transfer') return t('sc_to_agency', { agency: c.to_agency });
  if (c.kind === 'role') return t('sc_to_role', { role: t('role_' + c.to_role) });
  return '';
}

async function loadList() {
  const res = await api('GET', '/staff-changes');
  if (res.status !== 200) {
    showError($('sc-list-error'), res.status === 404 || res.status === 405 ? t('not_available') : errorText(res));
    fillTable($('sc-table'), [], null);
    return;
  }
  showError($('sc-list-error'), '');
  fillTable($('sc-table'), res.data.staff_changes || [], (c) => el('tr', { 'data-username': c.username },
    el('td', {}, fmtDate(c.requested_at)),
    el('td', {}, c.username),
    el('td', {}, c.agency),
    el('td', {}, t('kind_' + c.kind) + (detail(c) ? ' — ' + detail(c) : '')),
    el('td', {}, fmtDay(c.effective)),
    el('td', {}, c.reference),
    el('td', { class: 'sc-' + c.status }, t('sc_status_' + c.status) + (c.result ? ' (' + c.result + ')' : '')),
    el('td', {}, c.requested_by)));
}

async function openStaff() {
  $('sc-form-card').hidden = !(role() === 'admin' || role() === 'agency_admin');
  $('sc-done').hidden = true;
  await loadAgencies();
  fillKinds();
  await Promise.all([loadUsernames(), loadList()]);
}

export function initStaff() {
  $('sc-form').addEventListener('submit', onSubmit);
  $('sc-kind').addEventListener('change', kindChanged);
  register('staff', { open: openStaff, relabel: () => { fillKinds(); loadList(); } });
}

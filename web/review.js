/*
 * The access review of an agency (GET /agencies/{code}/review?format=json|csv|html)
 * with its CSV export and printable form, and the reminders an agency admin acts
 * on: passwords about to expire and accounts about to be disabled as dormant.
 * The reminders are worked out from GET /users (password_expires_at,
 * last_login_at), so they show even on a server without the review endpoint;
 * the review itself then says it is not available.
 */
import { $, api, download, el, errorText, fillTable, fmtDate, missing, role, showError, state } from './core.js';
import { t } from './i18n.js';
import { loadAgencies } from './users.js';
import { register } from './views.js';

const DAY = 86400000;
const WARN_DAYS = 14;         /* [password] warn_days default */
const DORMANT_DAYS = 45;      /* [accounts] dormant_days default */
const DORMANT_WARN_DAYS = 7;  /* [accounts] dormant_warn_days default */

function agency() {
  return role() === 'admin' || role() === 'auditor' ? $('rv-agency').value : state.me.user.agency;
}

function fillAgencies() {
  const sel = $('rv-agency');
  const keep = sel.value;
  sel.textContent = '';
  const codes = role() === 'admin' ? Object.keys(state.agencies) : [state.me.user.agency];
  for (const c of codes) sel.append(el('option', { value: c }, c + (state.agencies[c] ? ' — ' + state.agencies[c] : '')));
  if (keep && codes.includes(keep)) sel.value = keep;
  $('rv-agency-row').hidden = codes.length < 2;
}

/* The rows of a review answer, whatever the array is called. */
function rowsOf(d) {
  if (Array.isArray(d)) return d;
  for (const k of ['accounts', 'users', 'rows', 'entries']) if (d && Array.isArray(d[k])) return d[k];
  return [];
}

async function loadReview() {
  const code = agency();
  $('rv-meta').textContent = '';
  if (!code) return;
  const res = await api('GET', '/agencies/' + encodeURIComponent(code) + '/review?format=json');
  if (res.status !== 200 || !res.data || typeof res.data !== 'object') {
    showError($('rv-error'), missing(res) ? t('review_not_available') : errorText(res));
    fillTable($('rv-table'), [], null);
    $('rv-csv').disabled = $('rv-print').disabled = missing(res);
    return;
  }
  showError($('rv-error'), '');
  $('rv-csv').disabled = $('rv-print').disabled = false;
  const d = res.data;
  if (d.generated_at) $('rv-meta').textContent = t('review_generated', { at: fmtDate(d.generated_at) });
  fillTable($('rv-table'), rowsOf(d), (u) => el('tr', { 'data-username': u.username },
    el('td', {}, u.username),
    el('td', {}, u.full_name || ''),
    el('td', {}, u.role ? t('role_' + u.role) : ''),
    el('td', { class: u.status ? 'status-' + u.status : null }, u.status ? t('status_' + u.status) : ''),
    el('td', {}, fmtDate(u.last_login_at)),
    el('td', {}, fmtDate(u.password_expires_at)),
    el('td', {}, Array.isArray(u.flags) ? u.flags.join(', ') : (u.flags || u.note || ''))));
}

async function exportCsv() {
  const code = agency();
  const res = await api('GET', '/agencies/' + encodeURIComponent(code) + '/review?format=csv');
  if (res.status !== 200 || typeof res.data !== 'string') {
    showError($('rv-error'), missing(res) ? t('review_not_available') : errorText(res));
    return;
  }
  download('ra-soat-' + code + '.csv', res.data);
}

function printReview() {
  window.open('/api/v1/agencies/' + encodeURIComponent(agency()) + '/review?format=html', '_blank', 'noopener');
}

/* Reminders from the account list. */
async function loadReminders() {
  const res = await api('GET', '/users' + (role() === 'admin' ? '?agency=' + encodeURIComponent(agency()) : ''));
  const ul = $('rv-reminders');
  ul.textContent = '';
  if (res.status !== 200) return;
  const now = Date.now();
  const items = [];
  for (const u of res.data.users || []) {
    if (u.status === 'disabled') continue;
    const exp = Date.parse(u.password_expires_at || '');
    if (!Number.isNaN(exp) && !u.must_change_password) {
      const days = Math.ceil((exp - now) / DAY);
      if (days <= 0) items.push(['expired', u, t('rem_pw_expired', { username: u.username, at: fmtDate(exp) })]);
      else if (days <= WARN_DAYS) items.push(['expiring', u, t('rem_pw_expiring', { username: u.username, n: days })]);
    }
    const seen = Date.parse(u.last_login_at || u.created_at || '');
    if (!Number.isNaN(seen)) {
      const left = DORMANT_DAYS - Math.floor((now - seen) / DAY);
      if (left <= DORMANT_WARN_DAYS) {
        items.push(['dormant', u, t('rem_dormant', { username: u.username, n: Math.max(0, left) })]);
      }
    }
  }
  for (const [kind, u, text] of items) ul.append(el('li', { 'data-reminder': kind, 'data-username': u.username }, text));
  if (!items.length) ul.append(el('li', { class: 'note' }, t('rem_none')));
}

async function openReview() {
  await loadAgencies();
  fillAgencies();
  await Promise.all([loadReview(), loadReminders()]);
}

export function initReview() {
  $('rv-agency').addEventListener('change', () => { loadReview(); loadReminders(); });
  $('rv-csv').addEventListener('click', exportCsv);
  $('rv-print').addEventListener('click', printReview);
  register('review', { open: openReview, relabel: () => { loadReview(); loadReminders(); } });
}

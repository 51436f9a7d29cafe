/*
 * The access review of an agency (GET /agencies/{code}/review?format=json|csv|html)
 * with its CSV export and printable form, and the reminders an agency admin acts
 * on: passwords about to expire and accounts about to be disabled as dormant.
 * The reminders come from GET /users: the server's `attention` list per account,
 * or on an older server worked out here from the dates; the review itself then
 * says it is not available.
 */
import { $, api, download, el, errorText, fillTable, fmtDate, missing, role, showError, state } from './core.js';
import { t, tOr } from './i18n.js';
import { loadAgencies } from './users.js';
import { register } from './views.js';

const DAY = 86400000;
/* Defaults of [password] warn_days and [accounts] dormant_days, dormant_warn_days,
 * used only when the server sends no `attention` of its own (an older server). */
const WARN_DAYS = 14;
const DORMANT_DAYS = 45;
const DORMANT_WARN_DAYS = 7;

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
  const meta = [];
  if (d.generated_at) meta.push(t('review_generated', { at: fmtDate(d.generated_at), by: d.generated_by || '' }));
  const sm = d.summary;
  if (sm) meta.push(t('review_summary', { n: sm.accounts ?? 0, a: sm.active ?? 0, d: sm.disabled ?? 0,
    f: sm.without_second_factor ?? 0, x: sm.attention ?? 0 }));
  $('rv-meta').textContent = meta.join(' ');
  fillTable($('rv-table'), rowsOf(d), (u) => el('tr', { 'data-username': u.username },
    el('td', {}, u.username),
    el('td', {}, u.full_name || ''),
    el('td', {}, u.role ? t('role_' + u.role) : ''),
    el('td', { class: u.status ? 'status-' + u.status : null }, u.status ? t('status_' + u.status) : ''),
    el('td', {}, fmtDate(u.last_sign_in_at || u.last_login_at)),
    el('td', {}, fmtDate(u.password_expires_at) +
      (typeof u.password_expires_in_days === 'number' ? ' (' + t('in_days', { n: u.password_expires_in_days }) + ')' : '')),
    el('td', {}, u.second_factor ? tOr('sf_' + u.second_factor, u.second_factor) : t('none')),
    el('td', { 'data-col': 'attention' }, attentionText(u))));
}

function attentionText(u) {
  const a = Array.isArray(u.attention) ? u.attention : [];
  return a.map((k) => tOr('att_' + k, k)).join('; ');
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

/* Reminders from the account list: the server's `attention` (and its day
 * counts) where it sends them, else worked out here from the dates. */
function remindersOf(u, now) {
  if (Array.isArray(u.attention)) {
    return u.attention.map((k) => [k, tOr('rem_' + k, u.username + ': ' + k, {
      username: u.username, n: k === 'dormant_soon' ? Math.max(0, u.dormant_in_days ?? 0) : u.password_expires_in_days ?? 0,
      at: fmtDate(u.password_expires_at)
    })]);
  }
  const out = [];
  if (u.status === 'disabled' || u.status === 'suspended') return out;
  const exp = Date.parse(u.password_expires_at || '');
  if (u.must_change_password) {
    out.push(['must_change_password', t('rem_must_change_password', { username: u.username })]);
  } else if (!Number.isNaN(exp)) {
    const days = Math.ceil((exp - now) / DAY);
    if (days <= 0) out.push(['password_expired', t('rem_password_expired', { username: u.username, at: fmtDate(exp) })]);
    else if (days <= WARN_DAYS) out.push(['password_expiring', t('rem_password_expiring', { username: u.username, n: days })]);
  }
  const seen = Math.max(...[u.last_login_at, u.created_at, u.password_changed_at].map((x) => Date.parse(x || '') || 0));
  if (seen > 0) {
    const left = DORMANT_DAYS - Math.floor((now - seen) / DAY);
    if (left <= DORMANT_WARN_DAYS) out.push(['dormant_soon', t('rem_dormant_soon', { username: u.username, n: Math.max(0, left) })]);
  }
  return out;
}

async function loadReminders() {
  const q = new URLSearchParams();
  if (role() === 'admin' || role() === 'auditor') q.set('agency', agency());
  const res = await api('GET', '/users?' + q.toString());
  const ul = $('rv-reminders');
  ul.textContent = '';
  if (res.status !== 200) return;
  const now = Date.now();
  let n = 0;
  for (const u of res.data.users || []) {
    for (const [kind, text] of remindersOf(u, now)) {
      ul.append(el('li', { 'data-reminder': kind, 'data-username': u.username }, text));
      n++;
    }
  }
  if (!n) ul.append(el('li', { class: 'note' }, t('rem_none')));
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

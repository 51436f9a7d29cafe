/*
 * The audit screen (auditors, admins; an agency admin sees their agency): the
 * chain's verify status, the lookup log search, the citizen access report, and
 * the search of all audit records (GET /audit?type=&actor=&agency=&from=&to=,
 * paged with before=) where the server has it; where it does not, that part says so and the lookup search
 * above still answers.
 */
import { $, api, el, errorText, fillTable, fmtDate, missing, role, showError } from './core.js';
import { t, tOr } from './i18n.js';
import { register } from './views.js';

let last = null; /* the last lookup search, redrawn on a language switch */

async function verify() {
  const p = $('verify-status');
  if (role() === 'agency_admin') { p.hidden = true; return; }
  p.hidden = false;
  p.textContent = t('verify_checking');
  const v = await api('GET', '/audit/verify');
  if (v.status === 200) {
    const d = v.data;
    p.textContent = d.ok ? t('verify_ok', { records: d.records, cp: d.checkpoint_seq })
      : t('verify_bad', { seq: d.first_bad_seq, reason: d.reason || '' });
    p.className = d.ok ? 'card ok-box' : 'error';
  } else if (v.status === 403) {
    p.hidden = true;
  } else {
    p.textContent = errorText(v);
    p.className = 'error';
  }
}

async function search(ev) {
  if (ev) ev.preventDefault();
  const q = new URLSearchParams();
  const add = (k, v) => { if (v) q.set(k, v); };
  add('username', $('sf-username').value.trim());
  add('citizen_id', $('sf-citizen').value.trim());
  add('agency', $('sf-agency').value.trim());
  add('from', $('sf-from').value); /* local dates YYYY-MM-DD */
  add('to', $('sf-to').value);
  add('limit', $('sf-limit').value);
  const res = await api('GET', '/lookups?' + q.toString());
  last = { res, rows: res.status === 200 ? res.data.lookups || [] : [], kind: 'search' };
  renderLookups();
}

async function citizenReport() {
  const id = $('sf-citizen').value.trim();
  if (!id) { showError($('audit-error'), t('citizen_report_need')); $('sf-citizen').focus(); return; }
  const res = await api('GET', '/citizens/' + encodeURIComponent(id) + '/accesses');
  last = { res, rows: res.status === 200 ? res.data.accesses || [] : [], kind: 'citizen', id };
  renderLookups();
}

function renderLookups() {
  if (!last) return;
  const { res, rows } = last;
  if (res.status !== 200) { showError($('audit-error'), errorText(res)); fillTable($('audit-table'), [], null); return; }
  showError($('audit-error'), '');
  $('audit-results-title').textContent = t('results') + ': ' + (last.kind === 'citizen'
    ? t('results_citizen', { id: last.id, n: rows.length }) : t('results_count', { n: rows.length }));
  fillTable($('audit-table'), rows, (r) => el('tr', {},
    el('td', {}, r.audit_seq), el('td', {}, fmtDate(r.time)), el('td', {}, r.username),
    el('td', {}, r.agency), el('td', {}, r.citizen_id), el('td', {}, r.dossier_code),
    el('td', {}, r.procedure_code), el('td', {}, tOr('outcome_' + r.outcome, r.outcome)), el('td', {}, r.ip)));
}

/* A record as GET /audit answers it ({seq, time, type, actor, agency, ip,
 * payload}); the payload is shown as k=v. */
function eventRow(e) {
  const p = e.payload && typeof e.payload === 'object' ? e.payload : {};
  const rest = Object.entries(p).filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => k + '=' + v).join(', ');
  return el('tr', { 'data-type': e.type || '' },
    el('td', {}, e.seq ?? ''), el('td', {}, fmtDate(e.time)),
    el('td', {}, e.type || ''), el('td', {}, e.actor || ''),
    el('td', {}, e.agency || ''), el('td', {}, e.ip || ''), el('td', { class: 'detail' }, rest));
}

let evBefore = null; /* next_before of the last page, for "more" */
let evCount = 0;

async function searchEvents(ev, more) {
  if (ev) ev.preventDefault();
  const q = new URLSearchParams();
  const add = (k, v) => { if (v) q.set(k, v); };
  add('type', $('ev-type').value.trim());
  add('actor', $('ev-actor').value.trim());
  add('agency', $('ev-agency').value.trim());
  add('from', $('ev-from').value);
  add('to', $('ev-to').value);
  if (more && evBefore) q.set('before', evBefore);
  const res = await api('GET', '/audit?' + q.toString());
  if (res.status !== 200 || !res.data || typeof res.data !== 'object') {
    showError($('ev-error'), missing(res) ? t('events_not_available') : errorText(res));
    if (!more) fillTable($('ev-table'), [], null);
    $('ev-more').hidden = true;
    return;
  }
  showError($('ev-error'), '');
  const rows = res.data.records || res.data.events || [];
  if (more) {
    const tb = $('ev-table').querySelector('tbody');
    for (const r of rows) tb.append(eventRow(r));
    evCount += rows.length;
  } else {
    fillTable($('ev-table'), rows, eventRow);
    evCount = rows.length;
  }
  evBefore = res.data.next_before ?? null;
  $('ev-more').hidden = !evBefore;
  $('ev-results-title').textContent = t('events_results', { n: evCount });
}

export function initAudit() {
  $('search-form').addEventListener('submit', search);
  $('sf-citizen-report').addEventListener('click', citizenReport);
  $('events-form').addEventListener('submit', (ev) => searchEvents(ev, false));
  $('ev-more').addEventListener('click', () => searchEvents(null, true));
  register('audit', {
    open: async () => {
      await Promise.all([verify(), search()]);
    },
    relabel: () => { renderLookups(); verify(); }
  });
}

/*
 * The officer's screen, in the desk's order of work: the open dossiers the
 * officer may work on (GET /dossiers: their agency's and those naming them),
 * searchable by a part of the code or a citizen id; one dossier opened shows its
 * procedure and the persons in it, each with a button that looks that person up
 * under that dossier and procedure. The hand-typed form (citizen id, dossier
 * code, procedure) stays for a dossier not in the list. A result shows only the
 * fields the procedure may see; a refusal shows the server's localised message;
 * the remaining quota for the minute and the day, the quota-exhausted message
 * with when to retry, and the officer's own lookup history (GET /lookups answers
 * an officer their own only).
 */
import { $, api, button, el, errorText, fillTable, fmtDate, fmtDay, fmtLocalDay, fmtWait, missing, showError, state }
  from './core.js';
import { lang, t, tOr } from './i18n.js';
import { register } from './views.js';

const DOSSIER_LIMIT = 100;

function renderQuota(q) {
  const p = $('quota');
  if (!q || !q.minute || !q.day) { p.textContent = ''; return; }
  p.textContent = t('quota_line', {
    m: Math.max(0, q.minute.limit - q.minute.used), ml: q.minute.limit,
    d: Math.max(0, q.day.limit - q.day.used), dl: q.day.limit
  });
}

function procedureName(code) {
  const p = state.procedures.find((x) => x.code === code);
  if (!p) return code;
  return lang() === 'en' && p.name_en ? p.name_en : p.name;
}

function renderProcedures() {
  const sel = $('lk-procedure');
  const keep = sel.value;
  sel.textContent = '';
  for (const p of state.procedures) sel.append(el('option', { value: p.code }, p.code + ' — ' + procedureName(p.code)));
  if (keep) sel.value = keep;
}

/* ---- the dossiers ---- */

let dossiers = [];   /* the list as last answered */
let verified = true; /* the list's "verified": false when the server checks codes' format only */
let current = null;  /* the dossier opened */
let searchSeq = 0;   /* answers of older searches are dropped */

function statusText(s) {
  return tOr('dossier_status_' + s, s);
}

function roleText(r) {
  return tOr('person_role_' + r, r);
}

function renderDossiers() {
  const open = current && current.code;
  /* the code is the button that opens the dossier: first in the row, so it stays
   * in sight when a narrow screen scrolls the table sideways */
  fillTable($('dossier-table'), dossiers, (d) => el('tr', { 'data-code': d.code, 'aria-current': d.code === open ? 'true' : null },
    el('td', {}, button(d.code, () => openDossier(d.code), 'link mono', {
      'data-action': 'open', 'aria-label': t('dossier_open_label', { code: d.code })
    })),
    el('td', {}, procedureName(d.procedure_code), el('br'), el('small', {}, d.procedure_code)),
    el('td', {}, fmtLocalDay(d.received_at)),
    el('td', { 'data-status': d.status }, statusText(d.status))));
  const q = $('ds-q').value.trim();
  let note = dossiers.length >= DOSSIER_LIMIT ? t('dossiers_more', { n: dossiers.length })
    : t(q ? 'dossiers_found' : 'dossiers_count', { n: dossiers.length, q });
  if (!verified) note += ' ' + t('dossiers_unverified');
  $('ds-count').textContent = note;
}

async function loadDossiers() {
  const seq = ++searchSeq;
  const q = $('ds-q').value.trim();
  const res = await api('GET', '/dossiers?status=open&limit=' + DOSSIER_LIMIT + (q ? '&q=' + encodeURIComponent(q) : ''));
  if (seq !== searchSeq) return;
  if (res.status !== 200 || !res.data || !Array.isArray(res.data.dossiers)) {
    dossiers = [];
    $('dossier-table').querySelector('tbody').textContent = '';
    $('ds-count').textContent = '';
    showError($('ds-error'), missing(res) ? t('not_available') : errorText(res));
    return;
  }
  showError($('ds-error'), '');
  dossiers = res.data.dossiers;
  verified = res.data.verified !== false;
  renderDossiers();
}

function renderDossier() {
  const d = current;
  if (!d) return;
  $('dd-title').textContent = t('dossier_title', { code: d.code });
  const dl = $('dd-fields');
  dl.textContent = '';
  const row = (key, value) => dl.append(el('dt', { 'data-field': key }, t(key)), el('dd', { 'data-field': key }, value));
  row('procedure', procedureName(d.procedure_code) + ' (' + d.procedure_code + ')');
  row('agency', d.agency);
  row('received_at', fmtLocalDay(d.received_at));
  row('status', statusText(d.status));
  const persons = Array.isArray(d.persons) ? d.persons : [];
  fillTable($('dd-persons'), persons, (p) => el('tr', { 'data-citizen': p.citizen_id },
    el('td', { class: 'mono' }, p.citizen_id),
    el('td', { 'data-role': p.role }, roleText(p.role)),
    el('td', {}, button(t('lookup_submit'), () => lookupPerson(d, p), 'small', {
      'data-action': 'lookup', 'aria-label': t('lookup_person_label', { id: p.citizen_id })
    }))));
}

async function openDossier(code) {
  showError($('ds-error'), '');
  const res = await api('GET', '/dossiers/' + encodeURIComponent(code));
  if (res.status !== 200 || !res.data || !res.data.code) {
    showError($('ds-error'), res.status === 404 ? t('dossier_gone') : errorText(res));
    return;
  }
  if (!current || current.code !== res.data.code) clearResult();
  current = res.data;
  renderDossier();
  markOpen();
  $('dossier-detail').hidden = false;
  $('dd-title').tabIndex = -1;
  $('dd-title').focus();
}

/* The row of the opened dossier is marked (and styled) as the current one. */
function markOpen() {
  const code = current && current.code;
  for (const tr of document.querySelectorAll('#dossier-table tbody tr[data-code]')) {
    if (tr.dataset.code === code) tr.setAttribute('aria-current', 'true');
    else tr.removeAttribute('aria-current');
  }
}

function closeDossier() {
  const code = current && current.code;
  current = null;
  markOpen();
  $('dossier-detail').hidden = true;
  const back = code && [...document.querySelectorAll('#dossier-table tr[data-code] button')]
    .find((b) => b.closest('tr').dataset.code === code);
  if (back) back.focus();
}

function lookupPerson(d, p) {
  return runLookup({ citizen_id: p.citizen_id, dossier_code: d.code, procedure_code: d.procedure_code });
}

/* ---- the history ---- */

let history = [];

function renderHistory() {
  fillTable($('history-table'), history, (r) => el('tr', {},
    el('td', {}, fmtDate(r.time)), el('td', {}, r.citizen_id), el('td', {}, r.dossier_code),
    el('td', {}, r.procedure_code), el('td', {}, tOr('outcome_' + r.outcome, r.outcome))));
}

/* The record of a lookup reaches the history a few milliseconds after its answer
 * (the audit projection), so a reload after a lookup waits a moment. */
async function loadHistory(delayMs) {
  if (delayMs) await new Promise((ok) => setTimeout(ok, delayMs));
  const r = await api('GET', '/lookups?limit=50');
  history = r.status === 200 ? (r.data.lookups || []) : [];
  renderHistory();
}

/* ---- a lookup ---- */

/* A citizen's answer stays on screen only while it is the matter in hand. */
function clearResult() {
  lastBody = null;
  $('lookup-fields').textContent = '';
  $('lookup-context').textContent = '';
  $('lookup-audit').textContent = '';
  $('lookup-result').hidden = true;
  showError($('lookup-error'), '');
}

/* Signing out leaves nothing of the officer's dossiers or citizens in the page. */
function forget() {
  clearResult();
  dossiers = [];
  current = null;
  history = [];
  clearTimeout(typing);
  searchSeq++;
  $('ds-q').value = '';
  $('ds-count').textContent = '';
  $('dossier-table').querySelector('tbody').textContent = '';
  $('history-table').querySelector('tbody').textContent = '';
  $('dossier-detail').hidden = true;
  $('dd-fields').textContent = '';
  $('dd-persons').querySelector('tbody').textContent = '';
  $('lookup-form').reset();
}

function fieldValue(v) {
  if (v === null || v === undefined || v === '') return t('none');
  if (typeof v === 'object') return Object.values(v).filter((x) => x !== null && x !== '').join(', ');
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return fmtDay(v);
  return String(v);
}

let lastBody = null; /* what the shown result or refusal was about, for the language switch */

function renderContext() {
  const b = lastBody;
  $('lookup-context').textContent = b ? t('lookup_context', {
    id: b.citizen_id, code: b.dossier_code, procedure: procedureName(b.procedure_code)
  }) : '';
}

async function runLookup(body) {
  showError($('lookup-error'), '');
  $('lookup-result').hidden = true;
  lastBody = body;
  const res = await api('POST', '/lookups', body);
  const d = res.data || {};
  if (d.quota) { renderQuota(d.quota); state.me.quota = d.quota; }
  if (d.audit_seq) loadHistory(300);
  if (res.status === 200) {
    const dl = $('lookup-fields');
    dl.textContent = '';
    for (const [k, v] of Object.entries(d.citizen || {})) {
      dl.append(el('dt', { 'data-field': k }, t('f_' + k)), el('dd', { 'data-field': k }, fieldValue(v)));
    }
    renderContext();
    $('lookup-audit').textContent = t('audit_seq', { seq: d.audit_seq });
    $('lookup-result').hidden = false;
    $('lookup-result-title').tabIndex = -1;
    $('lookup-result-title').focus();
    return;
  }
  const box = $('lookup-error');
  box.dataset.error = d.error || '';
  if (res.status === 429 && d.error === 'quota_exceeded') {
    const sec = Number(d.retry_after || res.retryAfter || 0);
    box.textContent = '';
    box.append(el('span', { id: 'quota-exceeded' }, t('quota_exceeded', {
      scope: t('scope_' + d.scope), wait: fmtWait(sec), at: fmtDate(Date.now() + sec * 1000)
    })));
    box.hidden = false;
  } else {
    showError(box, errorText(res) + (d.detail ? ' — ' + d.detail : ''));
  }
  box.scrollIntoView({ block: 'nearest' });
}

function onLookup(ev) {
  ev.preventDefault();
  return runLookup({
    citizen_id: $('lk-citizen').value.trim(),
    dossier_code: $('lk-dossier').value.trim(),
    procedure_code: $('lk-procedure').value
  });
}

/* Search as the officer types, a moment after the last key; Enter at once. */
let typing = null;
function onSearchInput() {
  clearTimeout(typing);
  typing = setTimeout(loadDossiers, 250);
}

async function openLookup() {
  if (!state.procedures.length) {
    const r = await api('GET', '/procedures');
    if (r.status === 200) state.procedures = r.data.procedures || [];
  }
  renderProcedures();
  renderQuota(state.me.quota);
  loadHistory(0);
  await loadDossiers();
}

export function initLookup() {
  $('lookup-form').addEventListener('submit', onLookup);
  $('dossier-search').addEventListener('submit', (ev) => { ev.preventDefault(); clearTimeout(typing); loadDossiers(); });
  $('ds-q').addEventListener('input', onSearchInput);
  $('dd-close').addEventListener('click', closeDossier);
  document.addEventListener('canhgac:signedout', forget);
  register('lookup', {
    open: openLookup,
    relabel: () => {
      renderProcedures(); renderQuota(state.me && state.me.quota); renderHistory(); renderDossiers(); renderDossier();
      renderContext();
    }
  });
}

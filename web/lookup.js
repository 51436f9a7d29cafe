/*
 * The officer's screen: the lookup form (citizen id, dossier code, procedure), a
 * result with only the fields the procedure may see, the remaining quota for the
 * minute and the day, the quota-exhausted message with when to retry, and the
 * officer's own lookup history (GET /lookups answers an officer their own only).
 */
import { $, api, el, errorText, fillTable, fmtDate, fmtDay, fmtWait, showError, state } from './core.js';
import { lang, t, tOr } from './i18n.js';
import { register } from './views.js';

function renderQuota(q) {
  const p = $('quota');
  if (!q || !q.minute || !q.day) { p.textContent = ''; return; }
  p.textContent = t('quota_line', {
    m: Math.max(0, q.minute.limit - q.minute.used), ml: q.minute.limit,
    d: Math.max(0, q.day.limit - q.day.used), dl: q.day.limit
  });
}

function renderProcedures() {
  const sel = $('lk-procedure');
  const keep = sel.value;
  sel.textContent = '';
  for (const p of state.procedures) {
    const name = lang() === 'en' && p.name_en ? p.name_en : p.name;
    sel.append(el('option', { value: p.code }, p.code + ' — ' + name));
  }
  if (keep) sel.value = keep;
}

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

function fieldValue(v) {
  if (v === null || v === undefined || v === '') return t('none');
  if (typeof v === 'object') return Object.values(v).filter((x) => x !== null && x !== '').join(', ');
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return fmtDay(v);
  return String(v);
}

async function onLookup(ev) {
  ev.preventDefault();
  showError($('lookup-error'), '');
  $('lookup-result').hidden = true;
  const body = {
    citizen_id: $('lk-citizen').value.trim(),
    dossier_code: $('lk-dossier').value.trim(),
    procedure_code: $('lk-procedure').value
  };
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
    $('lookup-audit').textContent = t('audit_seq', { seq: d.audit_seq });
    $('lookup-result').hidden = false;
    $('lookup-result-title').tabIndex = -1;
    $('lookup-result-title').focus();
    return;
  }
  if (res.status === 429 && d.error === 'quota_exceeded') {
    const sec = Number(d.retry_after || res.retryAfter || 0);
    const box = $('lookup-error');
    box.textContent = '';
    box.append(el('span', { id: 'quota-exceeded' }, t('quota_exceeded', {
      scope: t('scope_' + d.scope), wait: fmtWait(sec), at: fmtDate(Date.now() + sec * 1000)
    })));
    box.hidden = false;
    return;
  }
  showError($('lookup-error'), errorText(res) + (d.detail ? ' — ' + d.detail : ''));
}

async function openLookup() {
  if (!state.procedures.length) {
    const r = await api('GET', '/procedures');
    if (r.status === 200) state.procedures = r.data.procedures || [];
  }
  renderProcedures();
  renderQuota(state.me.quota);
  loadHistory(0);
}

export function initLookup() {
  $('lookup-form').addEventListener('submit', onLookup);
  register('lookup', {
    open: openLookup,
    relabel: () => { renderProcedures(); renderQuota(state.me && state.me.quota); renderHistory(); }
  });
}

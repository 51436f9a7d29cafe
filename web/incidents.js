/*
 * Incidents: the list with each report deadline counting down (overdue in red),
 * and one incident's detail: its alerts, its notes, the status workflow
 * (new → investigating → contained → reported → closed, each change with a note;
 * admin only) and the reports (the initial one, Mẫu số 03; the closing one once
 * closed), opened in a new tab to print.
 */
import { $, api, el, errorText, fillTable, fmtDate, fmtWait, missing, showError } from './core.js';
import { t } from './i18n.js';
import { register } from './views.js';
import { alertRow, isAdmin, severityCell } from './watch.js';

/* The server's transitions (docs/API.md, PATCH /incidents/{id}). */
export const NEXT = {
  new: ['investigating', 'contained', 'closed'],
  investigating: ['contained', 'reported', 'closed'],
  contained: ['reported', 'closed'],
  reported: ['closed'],
  closed: []
};

let current = null;

/* A deadline cell that the ticker below keeps up to date. */
export function countdown(inc) {
  const span = el('span', { class: 'countdown', 'data-due': inc.report_due_at || '', 'data-status': inc.status });
  tickOne(span);
  return span;
}

function tickOne(span) {
  const due = Date.parse(span.dataset.due);
  const st = span.dataset.status;
  if (Number.isNaN(due)) { span.textContent = t('none'); return; }
  if (st === 'reported' || st === 'closed') {
    span.textContent = t('deadline_done', { at: fmtDate(due) });
    span.className = 'countdown done';
    return;
  }
  const left = (due - Date.now()) / 1000;
  if (left > 0) {
    span.textContent = t('deadline_left', { wait: fmtWait(left), at: fmtDate(due) });
    span.className = 'countdown' + (left < 12 * 3600 ? ' soon' : '');
  } else {
    span.textContent = t('deadline_overdue', { wait: fmtWait(-left), at: fmtDate(due) });
    span.className = 'countdown overdue';
  }
}

export function tickAll() {
  document.querySelectorAll('.countdown').forEach(tickOne);
}

export function incidentRow(inc, onOpen) {
  return el('tr', { 'data-incident': String(inc.id), class: inc.overdue ? 'overdue-row' : null },
    el('td', {}, '#' + inc.id),
    severityCell(inc.severity),
    el('td', {}, inc.title || ''),
    el('td', { class: 'st-' + inc.status }, t('inc_' + inc.status)),
    el('td', {}, fmtDate(inc.detected_at)),
    el('td', {}, countdown(inc)),
    el('td', {}, onOpen ? el('button', {
      type: 'button', class: 'small secondary', 'data-action': 'open',
      'aria-label': t('act_open') + ' #' + inc.id, onclick: () => onOpen(inc.id)
    }, t('act_open')) : ''));
}

async function loadList() {
  const st = $('inc-status').value;
  const res = await api('GET', '/incidents' + (st ? '?status=' + encodeURIComponent(st) : ''));
  if (res.status !== 200) {
    showError($('inc-error'), missing(res) ? t('not_available') : errorText(res));
    fillTable($('inc-table'), [], null);
    return;
  }
  showError($('inc-error'), '');
  fillTable($('inc-table'), res.data.incidents || [], (i) => incidentRow(i, openDetail));
}

function reportUrl(id, kind) {
  return '/api/v1/incidents/' + encodeURIComponent(id) + '/report?format=html' + (kind ? '&kind=' + kind : '');
}

export async function openDetail(id) {
  const res = await api('GET', '/incidents/' + encodeURIComponent(id));
  if (res.status !== 200) { showError($('inc-error'), errorText(res)); return; }
  current = res.data;
  renderDetail();
  $('inc-detail').hidden = false;
  $('inc-detail-title').tabIndex = -1;
  $('inc-detail-title').focus();
}

function renderDetail() {
  const i = current;
  if (!i) return;
  $('inc-detail-title').textContent = t('inc_detail_title', { id: i.id, title: i.title || '' });
  const dl = $('inc-fields');
  dl.textContent = '';
  const add = (k, v) => dl.append(el('dt', {}, t(k)), el('dd', { 'data-field': k }, v));
  add('status', t('inc_' + i.status));
  add('severity', t('sev_' + i.severity));
  add('inc_actor', [i.actor, i.ip, i.agency].filter(Boolean).join(' · ') || t('none'));
  add('inc_detected', fmtDate(i.detected_at));
  add('inc_due', countdown(i));
  add('inc_alert_count', String(i.alert_count ?? (i.alerts || []).length));
  if (i.closed_at) add('inc_closed_at', fmtDate(i.closed_at));

  fillTable($('inc-alerts'), i.alerts || [], (a) => alertRow(a, null));
  const notes = $('inc-notes');
  notes.textContent = '';
  for (const n of i.notes || []) {
    const change = n.from && n.to && n.from !== n.to ? t('inc_' + n.from) + ' → ' + t('inc_' + n.to) : '';
    notes.append(el('li', {}, el('b', {}, fmtDate(n.at) + ' · ' + n.author), change ? ' · ' + change : '',
      n.note ? el('div', {}, n.note) : ''));
  }
  if (!(i.notes || []).length) notes.append(el('li', { class: 'note' }, t('empty')));

  const sel = $('inc-next');
  sel.textContent = '';
  sel.append(el('option', { value: '' }, t('inc_note_only')));
  for (const s of NEXT[i.status] || []) sel.append(el('option', { value: s }, t('inc_' + s)));
  $('inc-form').hidden = !isAdmin();
  $('inc-report').dataset.href = reportUrl(i.id);
  $('inc-report-closing').hidden = i.status !== 'closed';
  $('inc-report-closing').dataset.href = reportUrl(i.id, 'closing');
  showError($('inc-form-error'), '');
}

async function onChange(ev) {
  ev.preventDefault();
  const status = $('inc-next').value;
  const note = $('inc-note').value.trim();
  if (!status && !note) { showError($('inc-form-error'), t('inc_need_change')); return; }
  const body = {};
  if (status) body.status = status;
  if (note) body.note = note;
  const res = await api('PATCH', '/incidents/' + encodeURIComponent(current.id), body);
  if (res.status !== 200) { showError($('inc-form-error'), errorText(res)); return; }
  $('inc-note').value = '';
  await openDetail(current.id);
  await loadList();
}

function openReport(ev) {
  const href = ev.currentTarget.dataset.href;
  if (href) window.open(href, '_blank', 'noopener');
}

export function initIncidents() {
  $('inc-status').addEventListener('change', loadList);
  $('inc-form').addEventListener('submit', onChange);
  $('inc-report').addEventListener('click', openReport);
  $('inc-report-closing').addEventListener('click', openReport);
  $('inc-detail-close').addEventListener('click', () => { $('inc-detail').hidden = true; current = null; });
  window.setInterval(tickAll, 1000);
  register('incidents', {
    open: async () => { $('inc-detail').hidden = true; current = null; await loadList(); },
    relabel: () => { loadList(); renderDetail(); }
  });
}

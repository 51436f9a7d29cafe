/*
 * The watch lists of the IT centre (admin) and the inspectors (auditor, read
 * only): alerts with their acknowledgement, and blocked addresses with adding
 * (time to live, reason) and removing. Shared helpers for the dashboard too.
 */
import { $, api, button, el, errorText, fillTable, fmtDate, fmtWait, missing, role, showError } from './core.js';
import { t, tOr } from './i18n.js';
import { register } from './views.js';

export function isAdmin() {
  return role() === 'admin';
}

export function severityCell(sev) {
  return el('td', { class: 'sev sev-' + sev }, t('sev_' + sev));
}

/* "detail" of an alert: an object of counts and thresholds, shown as k=v. */
export function detailText(d) {
  if (!d) return '';
  if (typeof d !== 'object') return String(d);
  return Object.entries(d).filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => k + '=' + v).join(', ');
}

export function ruleName(r) {
  return tOr('rule_' + String(r).replace(/-/g, '_'), r);
}

/* ---- alerts ---- */

export function alertRow(a, onAck) {
  const actions = el('td');
  if (isAdmin() && a.status === 'new' && onAck) {
    actions.append(button(t('act_ack'), () => onAck(a), 'small secondary',
      { 'data-action': 'ack', 'aria-label': t('act_ack') + ' #' + a.id }));
  }
  return el('tr', { 'data-alert': String(a.id), 'data-rule': a.rule },
    el('td', {}, fmtDate(a.created_at)),
    severityCell(a.severity),
    el('td', {}, ruleName(a.rule)),
    el('td', {}, [a.actor, a.ip].filter(Boolean).join(' · ')),
    el('td', { class: 'detail' }, detailText(a.detail)),
    el('td', {}, t('alert_' + a.status) + (a.acked_by ? ' (' + a.acked_by + ')' : '')),
    actions);
}

async function ack(a) {
  const res = await api('POST', '/alerts/' + encodeURIComponent(a.id) + '/ack');
  if (res.status !== 200) showError($('alerts-error'), errorText(res));
  await loadAlerts();
}

async function loadAlerts() {
  const st = $('al-status').value;
  const res = await api('GET', '/alerts' + (st ? '?status=' + encodeURIComponent(st) : ''));
  if (res.status !== 200) {
    showError($('alerts-error'), missing(res) ? t('not_available') : errorText(res));
    fillTable($('alerts-table'), [], null);
    return;
  }
  showError($('alerts-error'), '');
  fillTable($('alerts-table'), res.data.alerts || [], (a) => alertRow(a, ack));
}

/* ---- blocks ---- */

export function blockRow(b, onRemove) {
  const actions = el('td');
  if (isAdmin() && onRemove) {
    actions.append(button(t('act_unblock'), () => onRemove(b), 'small danger',
      { 'data-action': 'unblock', 'aria-label': t('act_unblock') + ' ' + b.ip }));
  }
  const left = b.expires_at ? (Date.parse(b.expires_at) - Date.now()) / 1000 : null;
  return el('tr', { 'data-ip': b.ip },
    el('td', { class: 'mono' }, b.ip),
    el('td', {}, b.reason),
    el('td', {}, b.created_by),
    el('td', {}, fmtDate(b.created_at)),
    el('td', {}, b.expires_at ? fmtDate(b.expires_at) + (left > 0 ? ' (' + t('left', { wait: fmtWait(left) }) + ')' : '')
      : t('never')),
    actions);
}

async function unblock(b) {
  if (!window.confirm(t('unblock_confirm', { ip: b.ip }))) return;
  const res = await api('DELETE', '/blocks/' + encodeURIComponent(b.ip));
  if (res.status !== 204) showError($('blocks-error'), errorText(res));
  await loadBlocks();
}

async function loadBlocks() {
  const res = await api('GET', '/blocks');
  if (res.status !== 200) {
    showError($('blocks-error'), missing(res) ? t('not_available') : errorText(res));
    fillTable($('blocks-table'), [], null);
    return;
  }
  showError($('blocks-error'), '');
  fillTable($('blocks-table'), res.data.blocks || [], (b) => blockRow(b, unblock));
}

async function onBlock(ev) {
  ev.preventDefault();
  const ip = $('bf-ip').value.trim();
  const ttl = Math.round(Number($('bf-ttl').value) * Number($('bf-unit').value));
  const reason = $('bf-reason').value.trim();
  if (!ip || !reason || !(ttl >= 1 && ttl <= 2592000)) {
    showError($('bf-error'), t('block_invalid'));
    return;
  }
  const res = await api('POST', '/blocks', { ip, ttl_seconds: ttl, reason });
  if (res.status !== 201 && res.status !== 200) {
    showError($('bf-error'), errorText(res) + (res.data && res.data.field ? ' (' + res.data.field + ')' : ''));
    return;
  }
  showError($('bf-error'), '');
  $('block-form').reset();
  await loadBlocks();
}

export function initWatch() {
  $('al-status').addEventListener('change', loadAlerts);
  $('block-form').addEventListener('submit', onBlock);
  register('alerts', { open: loadAlerts, relabel: loadAlerts });
  register('blocks', {
    open: async () => { $('block-form').hidden = !isAdmin(); await loadBlocks(); },
    relabel: loadBlocks
  });
}

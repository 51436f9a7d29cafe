/*
 * What every screen of the console shares: the state of the signed-in session
 * (in memory only: the CSRF token is never written to storage), the API client,
 * DOM helpers and the Vietnamese-form dates. Server text goes in through
 * textContent, never as HTML.
 */
import { lang, t } from './i18n.js';

export const TZ_OFFSET_MS = 7 * 3600 * 1000; /* Asia/Ho_Chi_Minh has no DST */

export const state = {
  csrf: null,
  me: null,
  procedures: [],
  agencies: {},
  lastApi: 0,
  view: null
};

/* Hooks the session module sets: what to do on 401, 403 password/second factor. */
export const hooks = {
  unauthorized: () => {},
  passwordRequired: () => {},
  totpRequired: () => {},
  refreshCsrf: async () => false
};

export const $ = (id) => document.getElementById(id);

/* el('td', {class: 'x'}, 'text', child...) */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/* A small button; `label` is already translated. */
export function button(label, onclick, cls, attrs) {
  return el('button', Object.assign({ type: 'button', class: cls || 'small secondary', onclick }, attrs || {}), label);
}

const pad = (n) => String(n).padStart(2, '0');

/* "2026-11-23T02:15:00Z" -> "23/11/2026 09:15" (Asia/Ho_Chi_Minh). */
export function fmtDate(iso) {
  if (!iso) return t('none');
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(ms)) return String(iso);
  const d = new Date(ms + TZ_OFFSET_MS);
  return pad(d.getUTCDate()) + '/' + pad(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear() + ' ' +
    pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
}

/* A time's local day, Asia/Ho_Chi_Minh: "2026-11-22T18:30:00Z" -> "23/11/2026". */
export function fmtLocalDay(iso) {
  if (!iso) return t('none');
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(ms)) return String(iso);
  const d = new Date(ms + TZ_OFFSET_MS);
  return pad(d.getUTCDate()) + '/' + pad(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear();
}

/* "2026-11-23" -> "23/11/2026" */
export function fmtDay(s) {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return s || t('none');
  const [y, m, d] = s.split('-');
  return d + '/' + m + '/' + y;
}

/* The local hour (0-23) and day key of a time, Asia/Ho_Chi_Minh. */
export function localHour(ms) {
  const d = new Date(ms + TZ_OFFSET_MS);
  return d.getUTCHours();
}

export function fmtWait(sec) {
  sec = Math.max(0, Math.round(sec));
  if (sec < 60) return t('seconds', { n: sec });
  if (sec < 3600) return t('minutes', { n: Math.ceil(sec / 60) });
  if (sec < 172800) return t('hours', { h: Math.floor(sec / 3600), m: Math.floor((sec % 3600) / 60) });
  return t('days', { d: Math.floor(sec / 86400), h: Math.floor((sec % 86400) / 3600) });
}

export function showError(node, text) {
  node.textContent = text || '';
  node.hidden = !text;
}

export function errorText(res) {
  if (res.status === 0) return t('error_network');
  const d = res.data || {};
  return d.message || t('error_generic', { code: d.error || res.status });
}

/* True when an endpoint is not on this server (an older build): the screen then
 * says "not available" instead of failing. */
export function missing(res) {
  return res.status === 404 && (!res.data || res.data.error === 'not_found') ||
    res.status === 405;
}

export function role() {
  return state.me ? state.me.user.role : null;
}

/* ---- the API ---- */

async function send(method, path, body) {
  const headers = { 'Accept': 'application/json', 'Accept-Language': lang() === 'en' ? 'en' : 'vi' };
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch('/api/v1' + path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  } catch (e) {
    return { status: 0, data: null };
  }
  let data = null;
  const type = r.headers.get('Content-Type') || '';
  if (r.status !== 204) {
    try { data = type.startsWith('application/json') ? await r.json() : await r.text(); } catch (e) { data = null; }
  }
  return { status: r.status, data, retryAfter: r.headers.get('Retry-After'), type };
}

/* One call of /api/v1. Answers {status, data, retryAfter}; status 0 when the
 * network failed. A write refused for a stale CSRF token (another tab resumed the
 * session and got a new one) picks the new token up and is sent once more. */
export async function api(method, path, body) {
  let res = await send(method, path, body);
  const err = res.data && typeof res.data === 'object' ? res.data.error : null;
  if (path === '/session') {
    if (res.status > 0) state.lastApi = Date.now();
    return res;
  }
  if (res.status === 403 && err === 'csrf_required' && state.me && await hooks.refreshCsrf()) {
    res = await send(method, path, body);
  }
  const e2 = res.data && typeof res.data === 'object' ? res.data.error : null;
  if (res.status === 401 && state.me && e2 === 'unauthorized') {
    hooks.unauthorized();
  } else if (res.status === 403 && e2 === 'password_change_required' && state.me) {
    hooks.passwordRequired();
  } else if (res.status === 403 && e2 === 'totp_enrolment_required' && state.me) {
    state.lastApi = Date.now();
    hooks.totpRequired();
  } else if (res.status > 0) {
    state.lastApi = Date.now();
  }
  return res;
}

/* GET /healthz (outside /api/v1, no session): its body, or null. */
export async function health() {
  try {
    const r = await fetch('/healthz', { headers: { 'Accept': 'application/json' }, cache: 'no-store' });
    return r.ok ? await r.json() : null;
  } catch (e) {
    return null;
  }
}

/* A table body filled from rows; an empty list says so in one cell. */
export function fillTable(table, rows, make, cols) {
  const tb = table.querySelector('tbody');
  tb.textContent = '';
  if (!rows.length) {
    tb.append(el('tr', {}, el('td', { colspan: String(cols || table.querySelectorAll('thead th').length), class: 'note' },
      t('empty'))));
    return;
  }
  for (const r of rows) tb.append(make(r));
}

/* Asks for a text (a reason, a note) in the shared dialog; resolves it or null. */
let dialogResolve = null;
export function ask(title, label, opts) {
  const o = opts || {};
  $('reason-title').textContent = title;
  $('reason-label').textContent = label || t('reason');
  const input = $('reason-input');
  input.value = '';
  input.required = !o.optional;
  $('reason-dialog').showModal();
  input.focus();
  return new Promise((resolve) => { dialogResolve = resolve; });
}

export function initDialog() {
  $('reason-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = $('reason-input').value.trim();
    if (!v && $('reason-input').required) { $('reason-input').focus(); return; }
    $('reason-dialog').close();
    if (dialogResolve) dialogResolve(v);
    dialogResolve = null;
  });
  const cancel = () => { if (dialogResolve) dialogResolve(null); dialogResolve = null; };
  $('reason-cancel').addEventListener('click', () => { $('reason-dialog').close(); cancel(); });
  $('reason-dialog').addEventListener('cancel', cancel);
}

/* Saves a text (CSV) the server sent as a file, through a blob URL. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type: type || 'text/csv;charset=utf-8' }));
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/*
 * The canhgac console: one page, vanilla JS, no build step. It speaks only to
 * /api/v1 of the server that served it. The CSRF token lives in memory only (a
 * reload means signing in again); nothing secret is ever written to storage.
 * All text from the server goes in through textContent, never as HTML.
 */
'use strict';

(function () {
  const IDLE_MS = 15 * 60 * 1000;      /* [session] idle_seconds default */
  const IDLE_WARN_MS = 13 * 60 * 1000; /* the notice, two minutes before */
  const TZ_OFFSET_MS = 7 * 3600 * 1000; /* Asia/Ho_Chi_Minh has no DST */

  const state = {
    csrf: null,
    me: null,
    procedures: [],
    agencies: {},
    lastApi: 0,
    view: null,
    otp: null,
    forced: false
  };

  const $ = (id) => document.getElementById(id);

  /* el('td', {class: 'x'}, 'text', child...) */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /* "2026-11-23T02:15:00Z" -> "23/11/2026 09:15" (Asia/Ho_Chi_Minh). */
  function fmtDate(iso) {
    if (!iso) return t('none');
    const ms = typeof iso === 'number' ? iso : Date.parse(iso);
    if (Number.isNaN(ms)) return String(iso);
    const d = new Date(ms + TZ_OFFSET_MS);
    const p = (n) => String(n).padStart(2, '0');
    return p(d.getUTCDate()) + '/' + p(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear() + ' ' +
      p(d.getUTCHours()) + ':' + p(d.getUTCMinutes());
  }

  function fmtWait(sec) {
    if (sec < 60) return t('seconds', { n: sec });
    if (sec < 3600) return t('minutes', { n: Math.ceil(sec / 60) });
    return t('hours', { h: Math.floor(sec / 3600), m: Math.floor((sec % 3600) / 60) });
  }

  function showError(node, text) {
    node.textContent = text || '';
    node.hidden = !text;
  }

  function errorText(res) {
    if (res.status === 0) return t('error_network');
    const d = res.data || {};
    return d.message || t('error_generic', { code: d.error || res.status });
  }

  /* ---- the API ---- */

  async function api(method, path, body) {
    const headers = { 'Accept': 'application/json', 'Accept-Language': currentLang === 'en' ? 'en' : 'vi' };
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
    if (r.status !== 204) {
      try { data = await r.json(); } catch (e) { data = null; }
    }
    const res = { status: r.status, data, retryAfter: r.headers.get('Retry-After') };
    if (path !== '/session') {
      if (r.status === 401 && state.me && data && data.error === 'unauthorized') {
        signedOut(t('session_ended'));
      } else if (r.status === 403 && data && data.error === 'password_change_required' && state.me) {
        state.me.must_change_password = true;
        showPassword(true);
      } else if (r.status === 403 && data && data.error === 'totp_enrolment_required') {
        $('banner').textContent = t('totp_needed');
        $('banner').hidden = false;
        state.lastApi = Date.now();
      } else if (r.status > 0) {
        state.lastApi = Date.now();
      }
    } else {
      state.lastApi = Date.now();
    }
    return res;
  }

  /* ---- views and navigation ---- */

  const VIEWS = ['signin', 'password', 'lookup', 'users', 'audit'];

  function show(view) {
    state.view = view;
    for (const v of VIEWS) $('view-' + v).hidden = v !== view;
    $('handover').hidden = true;
    $('main').hidden = false;
    renderNav();
    const h = $('view-' + view).querySelector('h1');
    if (h) document.title = h.textContent + ' — canhgac';
  }

  function tabsFor(role) {
    if (role === 'officer') return ['lookup'];
    if (role === 'agency_admin') return ['users', 'audit'];
    if (role === 'admin') return ['users', 'audit'];
    if (role === 'auditor') return ['audit', 'users'];
    return [];
  }

  function renderNav() {
    const nav = $('nav');
    nav.textContent = '';
    const signedIn = state.me && !state.me.must_change_password && state.view !== 'signin';
    nav.hidden = !signedIn;
    $('signout').hidden = !state.me;
    $('who').hidden = !state.me;
    if (state.me) {
      const u = state.me.user;
      $('who').textContent = t('signed_in_as', { name: u.full_name, role: t('role_' + u.role), agency: u.agency });
    }
    if (!signedIn) return;
    for (const tab of tabsFor(state.me.user.role)) {
      nav.append(el('button', {
        type: 'button', id: 'nav-' + tab, 'aria-current': state.view === tab ? 'page' : null,
        onclick: () => openView(tab)
      }, t('nav_' + tab)));
    }
    nav.append(el('button', { type: 'button', id: 'nav-password', onclick: () => showPassword(false) },
      t('pw_change_now')));
  }

  function openView(tab) {
    if (tab === 'lookup') return openLookup();
    if (tab === 'users') return openUsers();
    if (tab === 'audit') return openAudit();
  }

  function focusMain() {
    const h = $('view-' + state.view).querySelector('h1');
    if (h) { h.tabIndex = -1; h.focus(); }
  }

  /* ---- sign-in, password, sign-out, idle ---- */

  function signedOut(message) {
    state.csrf = null;
    state.me = null;
    state.otp = null;
    $('banner').hidden = true;
    $('idle').hidden = true;
    $('signin-form').reset();
    showError($('signin-error'), message || '');
    show('signin');
    $('signin-username').focus();
  }

  async function onSignin(ev) {
    ev.preventDefault();
    const username = $('signin-username').value.trim();
    const password = $('signin-password').value;
    if (!username || !password) {
      showError($('signin-error'), t('signin_title') + ': ' + t('username') + ', ' + t('password'));
      return;
    }
    const otp = $('signin-otp').value.trim();
    const res = await api('POST', '/session', otp ? { username, password, otp } : { username, password });
    $('signin-otp').value = '';
    $('signin-password').value = '';
    if (res.status !== 200) {
      let msg = errorText(res);
      if (res.status === 429 && res.data && res.data.retry_after) msg += ' (' + fmtWait(res.data.retry_after) + ')';
      showError($('signin-error'), msg);
      return;
    }
    showError($('signin-error'), '');
    state.csrf = res.data.csrf_token;
    state.me = res.data;
    state.lastApi = Date.now();
    if (state.me.must_change_password) {
      showPassword(true);
      return;
    }
    await home();
  }

  async function home() {
    const me = await api('GET', '/me');
    if (me.status === 200) state.me = me.data;
    const u = state.me.user;
    const b = $('banner');
    b.textContent = '';
    if (state.me.password_warning) {
      b.append(el('span', { id: 'pw-warning' }, t('pw_warning', { when: fmtDate(state.me.password_expires_at) })),
        el('button', { type: 'button', onclick: () => showPassword(false) }, t('pw_change_now')));
      b.hidden = false;
    } else {
      b.hidden = true;
    }
    openView(tabsFor(u.role)[0]);
  }

  const RULES = [
    ['length', (p, u, n) => [...p].length >= n],
    ['upper', (p) => /\p{Lu}/u.test(p)],
    ['lower', (p) => /\p{Ll}/u.test(p)],
    ['digit', (p) => /[0-9]/.test(p)],
    ['special', (p) => /[^\p{L}\p{N}]/u.test(p)],
    ['username', (p, u) => p.length > 0 && !(u && p.toLowerCase().includes(u.toLowerCase()))],
    ['match', (p, u, n, c) => p.length > 0 && p === c]
  ];

  function renderRules() {
    const p = $('pw-new').value, c = $('pw-confirm').value;
    const u = state.me ? state.me.user.username : '';
    const ul = $('pw-rules');
    ul.textContent = '';
    let all = true;
    for (const [name, test] of RULES) {
      const ok = test(p, u, 8, c);
      all = all && ok;
      const label = t('pw_rule_' + name, { n: 8 });
      ul.append(el('li', { class: ok ? 'met' : null, 'data-rule': name, 'data-met': ok ? 'true' : 'false' },
        label, el('span', { class: 'sr-only' }, ' (' + t(ok ? 'pw_met' : 'pw_not_met') + ')')));
    }
    return all;
  }

  function showPassword(forced) {
    state.forced = forced;
    $('pw-form').reset();
    showError($('pw-error'), '');
    $('pw-reason').textContent = t(forced ? 'pw_forced' : 'pw_voluntary');
    $('pw-cancel').hidden = forced;
    renderRules();
    show('password');
    $('pw-current').focus();
  }

  async function onPassword(ev) {
    ev.preventDefault();
    const cur = $('pw-current').value, npw = $('pw-new').value;
    if (!renderRules()) {
      showError($('pw-error'), t('pw_voluntary'));
      $('pw-new').focus();
      return;
    }
    /* The server stays the judge: history, dictionary and the rules above again. */
    const res = await api('POST', '/me/password', { current_password: cur, new_password: npw });
    if (res.status !== 204) {
      const box = $('pw-error');
      box.textContent = '';
      box.append(el('p', {}, errorText(res)));
      if (res.data && Array.isArray(res.data.messages)) {
        box.append(el('ul', {}, ...res.data.messages.map((m, i) =>
          el('li', { 'data-violation': (res.data.violations || [])[i] || '' }, m))));
      }
      box.hidden = false;
      return;
    }
    $('pw-form').reset();
    state.me.must_change_password = false;
    await home();
    $('banner').append(el('span', { id: 'pw-changed' }, t('pw_changed')));
    $('banner').hidden = false;
  }

  async function onSignout() {
    if (state.csrf) await api('DELETE', '/session');
    signedOut('');
  }

  function idleTick() {
    if (!state.me) return;
    const idle = Date.now() - state.lastApi;
    if (idle >= IDLE_MS) {
      signedOut(t('idle_expired'));
    } else if (idle >= IDLE_WARN_MS) {
      $('idle-text').textContent = t('idle_warning', { min: Math.max(1, Math.ceil((IDLE_MS - idle) / 60000)) });
      $('idle').hidden = false;
    } else {
      $('idle').hidden = true;
    }
  }

  /* ---- officer: lookups ---- */

  function renderQuota(q) {
    const p = $('quota');
    if (!q || !q.minute || !q.day) { p.textContent = ''; return; }
    p.textContent = t('quota_line', {
      m: Math.max(0, q.minute.limit - q.minute.used), ml: q.minute.limit,
      d: Math.max(0, q.day.limit - q.day.used), dl: q.day.limit
    });
  }

  async function openLookup() {
    show('lookup');
    if (!state.procedures.length) {
      const r = await api('GET', '/procedures');
      if (r.status === 200) state.procedures = r.data.procedures || [];
    }
    renderProcedures();
    renderQuota(state.me.quota);
    focusMain();
  }

  function renderProcedures() {
    const sel = $('lk-procedure');
    const keep = sel.value;
    sel.textContent = '';
    for (const p of state.procedures) {
      const name = currentLang === 'en' && p.name_en ? p.name_en : p.name;
      sel.append(el('option', { value: p.code }, p.code + ' — ' + name));
    }
    if (keep) sel.value = keep;
  }

  function fieldValue(v) {
    if (v === null || v === undefined || v === '') return t('none');
    if (typeof v === 'object') {
      return Object.values(v).filter((x) => x !== null && x !== '').join(', ');
    }
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
      const [y, m, d] = v.split('-');
      return d + '/' + m + '/' + y;
    }
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
    if (d.quota) renderQuota(d.quota);
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

  /* ---- admins: accounts ---- */

  function canWrite() {
    const r = state.me && state.me.user.role;
    return r === 'admin' || r === 'agency_admin';
  }

  async function loadAgencies() {
    const r = await api('GET', '/agencies');
    if (r.status === 200) {
      state.agencies = {};
      for (const a of r.data.agencies || []) state.agencies[a.code] = a.name;
    }
  }

  async function openUsers() {
    show('users');
    $('user-new').hidden = !canWrite();
    $('user-form').hidden = true;
    if (!state.otp) $('otp-panel').hidden = true;
    await loadAgencies();
    await loadUsers();
    focusMain();
  }

  async function loadUsers() {
    const r = await api('GET', '/users');
    const tb = $('users-table').querySelector('tbody');
    tb.textContent = '';
    if (r.status !== 200) { showError($('users-error'), errorText(r)); return; }
    showError($('users-error'), '');
    for (const u of r.data.users || []) tb.append(userRow(u));
  }

  function userRow(u) {
    const actions = el('td');
    const self = u.username === state.me.user.username;
    const role = state.me.user.role;
    if (canWrite() && !self && (role === 'admin' || u.role === 'officer')) {
      const b = (key, fn, cls) => el('button', {
        type: 'button', class: 'small ' + (cls || 'secondary'), 'data-action': key,
        'aria-label': t('act_' + key) + ' ' + u.username, onclick: fn
      }, t('act_' + key));
      if (u.status === 'disabled' || (u.status === 'suspended' && role === 'admin')) {
        actions.append(b('enable', () => withReason('enable', u)));
      } else if (u.status !== 'disabled') {
        actions.append(b('disable', () => withReason('disable', u), 'danger'));
      }
      if (u.status === 'locked' || u.locked_until) actions.append(b('unlock', () => userAction(u, 'unlock')));
      actions.append(b('reset', () => resetPassword(u)));
    }
    return el('tr', { 'data-username': u.username },
      el('td', {}, u.username),
      el('td', {}, u.full_name),
      el('td', {}, u.agency),
      el('td', {}, t('role_' + u.role)),
      el('td', { class: 'status-' + u.status }, t('status_' + u.status) +
        (u.status_reason ? ' — ' + u.status_reason : '')),
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

  /* The one-time password, shown once; kept in memory only until the panel closes. */
  function showOtp(user, otp) {
    state.otp = { user, otp, at: Date.now() };
    $('otp-for').textContent = t('otp_for', { username: user.username, name: user.full_name });
    $('otp-value').textContent = otp;
    $('otp-panel').hidden = false;
    $('otp-print').focus();
  }

  function closeOtp() {
    state.otp = null;
    $('otp-value').textContent = '';
    $('otp-panel').hidden = true;
    $('ho-password').textContent = '';
  }

  /* The handover record (as src/auth/handover.c writes it), built here, never sent anywhere. */
  function openHandover() {
    if (!state.otp) return;
    const { user, otp, at } = state.otp;
    const d = new Date(at + TZ_OFFSET_MS);
    const p = (n) => String(n).padStart(2, '0');
    $('ho-when').textContent = p(d.getUTCHours()) + ' giờ ' + p(d.getUTCMinutes()) + ', ngày ' + p(d.getUTCDate()) +
      ' tháng ' + p(d.getUTCMonth() + 1) + ' năm ' + d.getUTCFullYear();
    const an = state.agencies[user.agency];
    $('ho-agency').textContent = (an ? an + ' — ' : '') + user.agency;
    $('ho-name').textContent = user.full_name;
    $('ho-username').textContent = user.username;
    $('ho-role').textContent = I18N.vi['role_' + user.role] || user.role;
    $('ho-password').textContent = otp;
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

  let reasonFor = null;

  function withReason(kind, u) {
    reasonFor = { kind, u };
    $('reason-title').textContent = t(kind + '_title', { username: u.username });
    $('reason-input').value = '';
    $('reason-dialog').showModal();
    $('reason-input').focus();
  }

  async function onReason(ev) {
    ev.preventDefault();
    const reason = $('reason-input').value.trim();
    if (!reason) { $('reason-input').focus(); return; }
    $('reason-dialog').close();
    if (reasonFor) await userAction(reasonFor.u, reasonFor.kind, { reason });
    reasonFor = null;
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

  /* ---- auditors and admins: the lookup log, the citizen report, the chain ---- */

  async function openAudit() {
    show('audit');
    focusMain();
    $('verify-status').textContent = t('verify_checking');
    const v = await api('GET', '/audit/verify');
    if (v.status === 200) {
      const d = v.data;
      $('verify-status').textContent = d.ok
        ? t('verify_ok', { records: d.records, cp: d.checkpoint_seq })
        : t('verify_bad', { seq: d.first_bad_seq, reason: d.reason || '' });
      $('verify-status').className = 'card ' + (d.ok ? '' : 'error');
    } else if (v.status === 403) {
      $('verify-status').textContent = '';
      $('verify-status').hidden = true;
    } else {
      $('verify-status').textContent = errorText(v);
    }
    await search();
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
    renderLookups(res, res.status === 200 ? res.data.lookups : [], t('results_count', {
      n: res.status === 200 ? (res.data.lookups || []).length : 0
    }));
  }

  async function citizenReport() {
    const id = $('sf-citizen').value.trim();
    if (!id) { showError($('audit-error'), t('citizen_report_need')); $('sf-citizen').focus(); return; }
    const res = await api('GET', '/citizens/' + encodeURIComponent(id) + '/accesses');
    const rows = res.status === 200 ? res.data.accesses || [] : [];
    renderLookups(res, rows, t('results_citizen', { id, n: rows.length }));
  }

  function renderLookups(res, rows, title) {
    const tb = $('audit-table').querySelector('tbody');
    tb.textContent = '';
    if (res.status !== 200) { showError($('audit-error'), errorText(res)); return; }
    showError($('audit-error'), '');
    $('audit-results-title').textContent = t('results') + ': ' + title;
    for (const r of rows) {
      tb.append(el('tr', {},
        el('td', {}, r.audit_seq), el('td', {}, fmtDate(r.time)), el('td', {}, r.username),
        el('td', {}, r.agency), el('td', {}, r.citizen_id), el('td', {}, r.dossier_code),
        el('td', {}, r.procedure_code), el('td', {}, r.outcome), el('td', {}, r.ip)));
    }
  }

  /* ---- start ---- */

  function relabel() {
    applyI18n();
    $('lang-select').value = currentLang;
    renderNav();
    if (state.view === 'password') {
      $('pw-reason').textContent = t(state.forced ? 'pw_forced' : 'pw_voluntary');
      renderRules();
    }
    if (state.view === 'lookup') { renderProcedures(); renderQuota(state.me && state.me.quota); }
    if (state.view === 'users') loadUsers();
  }

  function start() {
    setLang(currentLang);
    relabel();
    $('lang-select').addEventListener('change', (e) => { setLang(e.target.value); relabel(); });
    $('signin-form').addEventListener('submit', onSignin);
    $('pw-form').addEventListener('submit', onPassword);
    $('pw-new').addEventListener('input', renderRules);
    $('pw-confirm').addEventListener('input', renderRules);
    $('pw-cancel').addEventListener('click', () => home());
    $('signout').addEventListener('click', onSignout);
    $('idle-continue').addEventListener('click', async () => { await api('GET', '/me'); idleTick(); });
    $('lookup-form').addEventListener('submit', onLookup);
    $('user-new').addEventListener('click', openUserForm);
    $('user-form').addEventListener('submit', onCreateUser);
    $('user-form-cancel').addEventListener('click', () => { $('user-form').hidden = true; $('user-new').focus(); });
    $('otp-print').addEventListener('click', openHandover);
    $('otp-close').addEventListener('click', closeOtp);
    $('ho-print').addEventListener('click', () => window.print());
    $('ho-close').addEventListener('click', closeHandover);
    $('reason-form').addEventListener('submit', onReason);
    $('reason-cancel').addEventListener('click', () => { $('reason-dialog').close(); reasonFor = null; });
    $('search-form').addEventListener('submit', search);
    $('sf-citizen-report').addEventListener('click', citizenReport);
    window.setInterval(idleTick, 15000);
    signedOut('');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

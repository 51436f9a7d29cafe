/*
 * Screens and the menu. Each screen module registers itself with an id (its
 * section is #view-{id}), an open() and, when it draws text from data, a
 * relabel() for the language switch. The menu shows what the role may use.
 */
import { $, el, state } from './core.js';
import { t } from './i18n.js';

const screens = {};

export function register(id, screen) {
  screens[id] = screen;
}

/* The menu of each role, the first entry its home screen. */
const TABS = {
  officer: ['lookup', 'totp'],
  agency_admin: ['users', 'staff', 'review', 'audit', 'totp'],
  admin: ['dashboard', 'alerts', 'incidents', 'blocks', 'users', 'staff', 'review', 'audit', 'totp'],
  auditor: ['dashboard', 'alerts', 'incidents', 'blocks', 'audit', 'users', 'totp']
};

export function tabsFor(role) {
  return TABS[role] || [];
}

export function show(id) {
  state.view = id;
  for (const s of document.querySelectorAll('main > section.view')) s.hidden = s.id !== 'view-' + id;
  for (const p of document.querySelectorAll('.printable')) p.hidden = true;
  $('main').hidden = false;
  renderNav();
  const h = $('view-' + id).querySelector('h1');
  if (h) document.title = h.textContent + ' — canhgac';
}

export function focusMain() {
  const h = state.view && $('view-' + state.view).querySelector('h1');
  if (h) { h.tabIndex = -1; h.focus(); }
}

export async function open(id) {
  const s = screens[id];
  if (!s) return;
  show(id);
  await s.open();
  focusMain();
}

export function relabelCurrent() {
  renderNav();
  const s = screens[state.view];
  if (s && s.relabel) s.relabel();
  const h = state.view && $('view-' + state.view).querySelector('h1');
  if (h) document.title = h.textContent + ' — canhgac';
}

export function renderNav() {
  const nav = $('nav');
  nav.textContent = '';
  const me = state.me;
  const signedIn = me && !me.must_change_password && state.view !== 'signin';
  nav.hidden = !signedIn;
  $('signout').hidden = !me;
  $('who').hidden = !me;
  if (me) {
    const u = me.user;
    $('who').textContent = t('signed_in_as', { name: u.full_name, role: t('role_' + u.role), agency: u.agency });
  }
  if (!signedIn) return;
  const locked = me.totp_enrolment_required;
  for (const tab of tabsFor(me.user.role)) {
    if (locked && tab !== 'totp') continue;
    nav.append(el('button', {
      type: 'button', id: 'nav-' + tab, 'aria-current': state.view === tab ? 'page' : null,
      onclick: () => open(tab)
    }, t('nav_' + tab)));
  }
  nav.append(el('button', { type: 'button', id: 'nav-password', 'aria-current': state.view === 'password' ? 'page' : null,
    onclick: () => screens.password.openVoluntary() }, t('pw_change_now')));
}

export function screen(id) {
  return screens[id];
}

/*
 * The canhgac console's entry point: one page, ES modules, no build step, no
 * CDN. It speaks only to /api/v1 of the server that served it. Each screen is
 * its own module (session, totp, lookup, users, staff, review, audit, dashboard,
 * watch, incidents); this file wires them up, keeps the language switch, and at
 * load picks up a session the cookie still holds (GET /session).
 */
import { $, initDialog } from './core.js';
import { applyI18n, lang, setLang } from './i18n.js';
import { initAudit } from './audit.js';
import { initDashboard } from './dashboard.js';
import { initIncidents } from './incidents.js';
import { initLookup } from './lookup.js';
import { initReview } from './review.js';
import { initSession, resume, signedOut } from './session.js';
import { initStaff } from './staff.js';
import { initTotp } from './totp.js';
import { initUsers } from './users.js';
import { relabelCurrent } from './views.js';
import { initWatch } from './watch.js';

function relabel() {
  applyI18n();
  $('lang-select').value = lang();
  relabelCurrent();
}

async function start() {
  setLang(lang());
  applyI18n();
  $('lang-select').value = lang();
  $('lang-select').addEventListener('change', (e) => { setLang(e.target.value); relabel(); });
  initDialog();
  initSession();
  initTotp();
  initLookup();
  initUsers();
  initStaff();
  initReview();
  initAudit();
  initWatch();
  initIncidents();
  initDashboard();
  if (!await resume()) signedOut('');
  document.body.dataset.ready = 'true';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();

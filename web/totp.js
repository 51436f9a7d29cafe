/*
 * Enrolment of the second factor (TOTP): POST /me/totp gives a secret, its QR
 * code and the otpauth URI; the QR code (SVG from the server) is shown as an
 * <img> with a data: URL, where scripts in it could never run, and is never put
 * into the page as markup. POST /me/totp/confirm with a first code answers the
 * ten recovery codes, shown once here, with a print button. When the role
 * requires a second factor and none is enrolled (the first sign-in of an officer,
 * after the password change), the screen opens straight on the QR code: the
 * sign-in walks through the enrolment and ends on the person's home screen.
 */
import { $, api, el, errorText, showError, state } from './core.js';
import { t } from './i18n.js';
import { home } from './session.js';
import { register, renderNav } from './views.js';

let codes = null; /* the recovery codes, in memory until the screen is left */
let setupFor = null; /* whose secret the setup shows */

function svgDataUrl(svg) {
  const bytes = new TextEncoder().encode(svg);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return 'data:image/svg+xml;base64,' + btoa(bin);
}

function reset() {
  codes = null;
  setupFor = null;
  $('totp-setup').hidden = true;
  $('totp-done').hidden = true;
  $('totp-codes').textContent = '';
  $('totp-secret').textContent = '';
  $('totp-qr').removeAttribute('src');
  $('totp-start').hidden = false;
  showError($('totp-error'), '');
  relabel();
}

function relabel() {
  const required = state.me && state.me.totp_enrolment_required;
  $('totp-intro').textContent = t(required ? 'totp_required' : 'totp_intro');
}

/* One enrolment at a time: each POST /me/totp replaces the pending secret, so two
 * at once (a double click, the screen opened twice) could show a QR code the
 * server no longer holds. */
let starting = null;
function start() {
  if (!starting) starting = begin().finally(() => { starting = null; });
  return starting;
}

async function begin() {
  showError($('totp-error'), '');
  const res = await api('POST', '/me/totp');
  if (res.status === 409) {
    showError($('totp-error'), t('totp_already'));
    return;
  }
  if (res.status !== 200 || !res.data) {
    showError($('totp-error'), res.status === 404 || res.status === 405 ? t('not_available') : errorText(res));
    return;
  }
  const d = res.data;
  if (typeof d.qr_svg === 'string' && /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(d.qr_svg)) {
    $('totp-qr').src = svgDataUrl(d.qr_svg);
    $('totp-qr').hidden = false;
  } else {
    $('totp-qr').hidden = true;
  }
  /* groups of four, as authenticator apps print them */
  $('totp-secret').textContent = String(d.secret || '').replace(/(.{4})/g, '$1 ').trim();
  $('totp-start').hidden = true;
  $('totp-setup').hidden = false;
  setupFor = state.me.user.username;
  $('totp-code').value = '';
  $('totp-code').focus();
}

async function confirm(ev) {
  ev.preventDefault();
  const code = $('totp-code').value.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) {
    showError($('totp-error'), t('totp_code_format'));
    $('totp-code').focus();
    return;
  }
  const res = await api('POST', '/me/totp/confirm', { code });
  if (res.status !== 200 || !res.data || !Array.isArray(res.data.recovery_codes)) {
    showError($('totp-error'), errorText(res));
    return;
  }
  showError($('totp-error'), '');
  codes = res.data.recovery_codes;
  const ol = $('totp-codes');
  ol.textContent = '';
  for (const c of codes) ol.append(el('li', {}, c));
  $('totp-setup').hidden = true;
  $('totp-qr').removeAttribute('src');
  $('totp-secret').textContent = '';
  $('totp-done').hidden = false;
  $('totp-user').textContent = t('totp_codes_for', { username: state.me.user.username });
  if (state.me.totp_enrolment_required) {
    state.me.totp_enrolment_required = false;
    renderNav();
  }
  $('totp-done-title').tabIndex = -1;
  $('totp-done-title').focus();
}

export function initTotp() {
  $('totp-start').addEventListener('click', start);
  $('totp-form').addEventListener('submit', confirm);
  $('totp-print').addEventListener('click', () => window.print());
  $('totp-finish').addEventListener('click', () => { reset(); home(); });
  /* nothing of a secret or of recovery codes stays in the page after signing out */
  document.addEventListener('canhgac:signedout', reset);
  register('totp', {
    open: async () => {
      const me = state.me && state.me.user.username;
      if (starting || ((codes || setupFor) && setupFor === me)) return;
      reset();
      if (state.me && state.me.totp_enrolment_required) await start();
    },
    relabel
  });
}

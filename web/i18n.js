/*
 * The console's words: Vietnamese first (strings_vi.js), English second
 * (strings_en.js). t(key, {name: value}) fills {name}; a key missing in English
 * falls back to Vietnamese, a key missing in both shows itself (the browser test
 * checks that every key used exists in both).
 */
import vi from './strings_vi.js';
import en from './strings_en.js';

export const I18N = { vi, en };

/* The language: sessionStorage (not secret, gone with the tab), Vietnamese by default. */
let current = (function () {
  try {
    return window.sessionStorage.getItem('canhgac.lang') === 'en' ? 'en' : 'vi';
  } catch (e) {
    return 'vi';
  }
})();

export function lang() {
  return current;
}

export function setLang(l) {
  current = l === 'en' ? 'en' : 'vi';
  try { window.sessionStorage.setItem('canhgac.lang', current); } catch (e) { /* private mode */ }
  document.documentElement.lang = current;
}

export function t(key, vars) {
  let s = I18N[current][key] ?? I18N.vi[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/* Text of the page: every element with data-i18n gets its translation (data-i18n-label
 * its aria-label, data-i18n-alt its alt). */
export function applyI18n(root) {
  (root || document).querySelectorAll('[data-i18n]').forEach((e) => {
    e.textContent = t(e.getAttribute('data-i18n'));
  });
  (root || document).querySelectorAll('[data-i18n-label]').forEach((e) => {
    e.setAttribute('aria-label', t(e.getAttribute('data-i18n-label')));
  });
  (root || document).querySelectorAll('[data-i18n-alt]').forEach((e) => {
    e.setAttribute('alt', t(e.getAttribute('data-i18n-alt')));
  });
}

/* The translation of key, or fallback when there is none (codes from the server). */
export function tOr(key, fallback, vars) {
  return key in I18N[current] || key in I18N.vi ? t(key, vars) : fallback;
}

/*
 * Messages for people, Vietnamese first and English second, keyed by the stable
 * English error codes of the API. A code without a message falls back to a
 * generic sentence rather than to nothing.
 */
#ifndef CANHGAC_CORE_I18N_H
#define CANHGAC_CORE_I18N_H

enum i18n_lang { LANG_VI = 0, LANG_EN = 1 };

/* Picks the language from an Accept-Language header (NULL → Vietnamese): English
 * only when an "en" tag comes before any "vi" tag. */
enum i18n_lang i18n_lang_from_header(const char *accept_language);

/* The message for `code` in `lang` (static storage). */
const char *i18n_message(const char *code, enum i18n_lang lang);

#endif

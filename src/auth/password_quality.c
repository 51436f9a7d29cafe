/*
 * libpwquality, set up explicitly (never from /etc/security/pwquality.conf, so the
 * gateway behaves the same on every host): its dictionary check through cracklib
 * and its similarity, rotation and palindrome checks. Length and the character
 * classes are the policy's own rules (password.c), so libpwquality's credits and
 * class minimums are switched off to avoid reporting them twice.
 *
 * libpwquality stops at the first problem it finds. When that problem is one the
 * policy already reports (same as current, the username), the check runs again
 * without that input so that the dictionary check still gets its say.
 *
 * A missing dictionary fails closed: every password is PW_WEAK until cracklib's
 * dictionary is installed (Debian: cracklib-runtime), and the reason is logged
 * once. cracklib keeps static state, so calls are serialised.
 */
#include "auth/password.h"
#include "auth/password_int.h"

#include <pthread.h>
#include <pwquality.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

#define DICT_PATH_MAX 512

/* Where distributions put cracklib's dictionary (path without ".pwd"). */
static const char *const dict_candidates[] = {
	"/var/cache/cracklib/cracklib_dict",   /* Debian, Ubuntu */
	"/usr/share/cracklib/pw_dict",         /* Fedora, RHEL, Arch */
	"/usr/lib/cracklib_dict",              /* cracklib's historical default */
};

static pthread_mutex_t quality_lock = PTHREAD_MUTEX_INITIALIZER;
static pwquality_settings_t *settings;   /* NULL until first use or after a dict change */
static char dict_path[DICT_PATH_MAX];    /* "" when none was found */
static bool dict_override;
static bool dict_logged;

static bool dict_exists(const char *path)
{
	char pwd[DICT_PATH_MAX + 8];
	int n = snprintf(pwd, sizeof pwd, "%s.pwd", path);
	return n > 0 && (size_t)n < sizeof pwd && access(pwd, R_OK) == 0;
}

static void dict_find(void)
{
	dict_path[0] = '\0';
	for (size_t i = 0; i < sizeof dict_candidates / sizeof dict_candidates[0]; i++) {
		if (dict_exists(dict_candidates[i])) {
			snprintf(dict_path, sizeof dict_path, "%s", dict_candidates[i]);
			return;
		}
	}
}

static void log_dict_missing(const char *why)
{
	if (dict_logged)
		return;
	dict_logged = true;
	log_error("auth", "password dictionary check failed (%s): every new password is refused as "
		  "'weak' until cracklib's dictionary is installed (Debian: apt-get install cracklib-runtime)",
		  why);
}

static int set_int(pwquality_settings_t *pwq, int setting, int value)
{
	return pwquality_set_int_value(pwq, setting, value) == 0 ? 0 : -1;
}

/* Builds the settings; called with quality_lock held. NULL on failure. */
static pwquality_settings_t *settings_make(void)
{
	pwquality_settings_t *pwq = pwquality_default_settings();
	if (!pwq)
		return NULL;
	int rc = 0;
	/* The policy counts length itself (in characters, against min_length); 6 is
	 * libpwquality's floor and lets its other checks run on short passwords too. */
	rc |= set_int(pwq, PWQ_SETTING_MIN_LENGTH, 6);
	/* No credits and no class minimums: the policy's require_* rules own those. */
	rc |= set_int(pwq, PWQ_SETTING_DIG_CREDIT, 0);
	rc |= set_int(pwq, PWQ_SETTING_UP_CREDIT, 0);
	rc |= set_int(pwq, PWQ_SETTING_LOW_CREDIT, 0);
	rc |= set_int(pwq, PWQ_SETTING_OTH_CREDIT, 0);
	rc |= set_int(pwq, PWQ_SETTING_MIN_CLASS, 0);
	/* A new password must differ from the current one in at least 5 places
	 * (edit distance), pam_cracklib's long-standing default: "Abc!2024Q1" →
	 * "Abc!2024Q2" is the change an attacker guesses first. */
	rc |= set_int(pwq, PWQ_SETTING_DIFF_OK, 5);
	rc |= set_int(pwq, PWQ_SETTING_MAX_REPEAT, 0);
	rc |= set_int(pwq, PWQ_SETTING_MAX_CLASS_REPEAT, 0);
	rc |= set_int(pwq, PWQ_SETTING_MAX_SEQUENCE, 0);
	rc |= set_int(pwq, PWQ_SETTING_DICT_CHECK, 1);
	rc |= set_int(pwq, PWQ_SETTING_USER_CHECK, 1);
	rc |= set_int(pwq, PWQ_SETTING_USER_SUBSTR, 0);
	/* GECOS is the system's passwd file, not the gateway's accounts. */
	rc |= set_int(pwq, PWQ_SETTING_GECOS_CHECK, 0);
	if (dict_path[0])
		rc |= pwquality_set_str_value(pwq, PWQ_SETTING_DICT_PATH, dict_path) == 0 ? 0 : -1;
	if (rc != 0) {
		pwquality_free_settings(pwq);
		return NULL;
	}
	return pwq;
}

static bool settings_ready(void)
{
	if (settings)
		return true;
	if (!dict_override)
		dict_find();
	if (!dict_path[0] || !dict_exists(dict_path)) {
		log_dict_missing("no readable cracklib dictionary");
		return false;
	}
	settings = settings_make();
	if (!settings) {
		log_error("auth", "libpwquality settings could not be made; new passwords are refused as 'weak'");
		return false;
	}
	return true;
}

int password_quality_dict_set(const char *path)
{
	int rc = 0;
	pthread_mutex_lock(&quality_lock);
	if (settings) {
		pwquality_free_settings(settings);
		settings = NULL;
	}
	dict_logged = false;
	dict_override = path != NULL;
	if (path) {
		if (snprintf(dict_path, sizeof dict_path, "%s", path) >= (int)sizeof dict_path)
			dict_path[0] = '\0';
		if (!dict_path[0] || !dict_exists(dict_path))
			rc = -1;
	}
	pthread_mutex_unlock(&quality_lock);
	return rc;
}

const char *password_quality_dict_get(void)
{
	const char *p;
	pthread_mutex_lock(&quality_lock);
	if (!dict_override && !settings)
		dict_find();
	p = dict_path[0] ? dict_path : NULL;
	pthread_mutex_unlock(&quality_lock);
	return p;
}

unsigned password_quality_check(const char *password, const char *username, const char *current_password,
				 unsigned already)
{
	unsigned v = 0;
	const char *user = username, *old = current_password;

	pthread_mutex_lock(&quality_lock);
	if (!settings_ready()) {
		v = PW_WEAK;
		goto out;
	}
	/* At most one rerun per input the policy reports itself, then one more. */
	for (int round = 0; round < 3; round++) {
		void *aux = NULL;
		int rc = pwquality_check(settings, password, old, user, &aux);
		if (rc >= 0)
			break;   /* a score: nothing wrong */
		switch (rc) {
		case PWQ_ERROR_EMPTY_PASSWORD:
		case PWQ_ERROR_MIN_LENGTH:
			/* Shorter than 6 bytes: the policy says too_short; the dictionary
			 * cannot judge so short a word anyway. */
			goto out;
		case PWQ_ERROR_SAME_PASSWORD:
			v |= PW_SAME_AS_CURRENT;
			old = NULL;
			continue;
		case PWQ_ERROR_USER_CHECK:
			/* The username, reversed, or within a few edits of it. */
			v |= PW_CONTAINS_USERNAME;
			user = NULL;
			continue;
		case PWQ_ERROR_CRACKLIB_CHECK: {
			const char *msg = aux ? (const char *)aux : "";
			if (strstr(msg, "error loading") || strstr(msg, "dictionary not")) {
				log_dict_missing(msg);
				v |= PW_WEAK;
			} else if (strstr(msg, "short") && (already & PW_TOO_SHORT)) {
				/* cracklib's own length rule: already too_short */
			} else {
				v |= PW_WEAK;
			}
			goto out;
		}
		case PWQ_ERROR_MEM_ALLOC:
		case PWQ_ERROR_FATAL_FAILURE:
			log_error("auth", "libpwquality failed (%d); the password is refused as 'weak'", rc);
			v |= PW_WEAK;
			goto out;
		default:
			/* Too similar to the current password, only case changes, a
			 * rotation of it, a palindrome. */
			v |= PW_WEAK;
			goto out;
		}
	}
out:
	pthread_mutex_unlock(&quality_lock);
	return v & ~already;
}

/*
 * Passwords built on a common root: the words of data/passwords_banned.csv
 * (SecLists' breach-derived 10k most common passwords reduced to their base
 * words, and Vietnamese and Đồng Nai words; scripts/gen-banned-passwords.py
 * makes the file and says where each part comes from). People meet a policy of
 * "upper, lower, digit, special" by decorating a word: capital first, digits and
 * a symbol appended, letters swapped for look-alikes (P@ssw0rd, Admin@123,
 * Matkhau@123, Dongnai@123, Anhyeuem1!), which libpwquality's cracklib check does
 * not always see through. The candidate is reduced the way the list was: folded
 * to plain lower-case ASCII (Vietnamese diacritics removed), leading and trailing
 * digits and symbols dropped, leetspeak undone, what is not a letter removed;
 * the result is looked up exactly (bsearch over the sorted list).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "auth/password_int.h"
#include "core/embed.h"
#include "core/log.h"

#define BANNED_FILE "passwords_banned.csv"

static const char **words;
static size_t n_words;
static char *copy;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int word_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void banned_load(void)
{
	const struct embedded_file *f = NULL;
	for (size_t i = 0; i < data_files_count && !f; i++)
		if (strcmp(data_files[i].name, BANNED_FILE) == 0)
			f = &data_files[i];
	if (!f || !(copy = malloc(f->len + 1))) {
		log_error("auth", "the list of banned password roots (data/%s) is missing", BANNED_FILE);
		return;
	}
	memcpy(copy, f->data, f->len + 1);
	size_t cap = 1;
	for (size_t i = 0; i < f->len; i++)
		cap += copy[i] == '\n';
	words = malloc(cap * sizeof *words);
	if (!words)
		return;
	char *save = NULL;
	bool header = true;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *comma = strchr(line, ',');
		if (comma)
			*comma = '\0';
		if (header) { /* word,source */
			header = false;
			continue;
		}
		if (*line && n_words < cap)
			words[n_words++] = line;
	}
	qsort(words, n_words, sizeof *words, word_cmp);
}

static char unleet(char c)
{
	switch (c) {
	case '@': case '4': return 'a';
	case '0': return 'o';
	case '1': case '!': return 'i';
	case '3': return 'e';
	case '$': case '5': return 's';
	case '7': case '+': return 't';
	case '8': return 'b';
	case '9': return 'g';
	default: return c;
	}
}

static bool is_letter(char c)
{
	return c >= 'a' && c <= 'z';
}

/* The root of a folded password and whether the list has it. With `leet`,
 * leading look-alikes of letters are kept and every look-alike is undone;
 * without, every digit and symbol is dropped. Leading and trailing digits and
 * symbols are the decoration either way. */
static bool root_listed(const char *folded, size_t n, bool leet)
{
	char root[PASSWORD_MAX_LEN + 1];
	size_t start = 0, end = n, r = 0;
	while (start < end && !is_letter(folded[start]) &&
	       !(leet && (folded[start] == '@' || folded[start] == '$')))
		start++;
	while (end > start && !is_letter(folded[end - 1]))
		end--;
	for (size_t i = start; i < end; i++) {
		char c = leet ? unleet(folded[i]) : folded[i];
		if (is_letter(c))
			root[r++] = c;
	}
	root[r] = '\0';
	if (r < 4)
		return false;
	const char *key = root;
	return bsearch(&key, words, n_words, sizeof *words, word_cmp) != NULL;
}

bool password_root_banned(const char *password)
{
	char folded[PASSWORD_MAX_LEN + 1];
	size_t n = 0;
	if (!password || strnlen(password, PASSWORD_MAX_LEN + 1) > PASSWORD_MAX_LEN)
		return false;
	pthread_once(&once, banned_load);
	if (!words || n_words == 0)
		return false;
	/* plain lower-case ASCII; a character the fold does not know is a symbol */
	for (const char *p = password; *p && n < PASSWORD_MAX_LEN;) {
		uint32_t cp;
		int upper = 0;
		p += password_utf8_next(p, &cp);
		int f = password_fold_cp(cp, &upper);
		if (f == PW_FOLD_DROP)
			continue;
		folded[n++] = f > 0 ? (char)f : '#';
	}
	folded[n] = '\0';
	/* two readings of the decoration: look-alikes undone (P@ssw0rd), or the
	 * symbols between the letters dropped (Mật@Khau2026, 2026!Dongnai) */
	return root_listed(folded, n, true) || root_listed(folded, n, false);
}

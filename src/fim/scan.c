/*
 * libyara behind the fim module. The rule files are the .yar files of data/yara that
 * cmake embeds beside the other data/ files; each is added to one compiler, so
 * a broken rule is found when the scanner opens, naming the file and line,
 * never in the middle of a check. Scans run on memory the caller already read
 * (the same bytes it hashed), in fast mode (one match of a rule is enough), with
 * a timeout so that a pathological file cannot stall a check.
 */
#include "fim/scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yara.h>

#include "core/embed.h"

#define SCAN_TIMEOUT_SECONDS 10

struct fim_scanner {
	YR_RULES *rules;
};

struct compile_msg {
	char *why;
	size_t size;
	const char *file;
};

static void compile_error(int level, const char *file, int line, const YR_RULE *rule,
			  const char *message, void *arg)
{
	(void)file;
	(void)rule;
	struct compile_msg *m = arg;
	if (level == YARA_ERROR_LEVEL_ERROR && m->why[0] == 0)
		snprintf(m->why, m->size, "YARA rule file %s, line %d: %s", m->file, line, message);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

int fim_scanner_open(struct fim_scanner **out, char *why, size_t why_size)
{
	YR_COMPILER *c = NULL;
	struct fim_scanner *sc = NULL;
	struct compile_msg m = {.why = why, .size = why_size, .file = ""};
	int rc = FIM_ERULES, inited = 0, added = 0;
	why[0] = 0;
	*out = NULL;
	if (yr_initialize() != ERROR_SUCCESS) {
		snprintf(why, why_size, "libyara could not start");
		goto out;
	}
	inited = 1;
	sc = calloc(1, sizeof *sc);
	if (!sc || yr_compiler_create(&c) != ERROR_SUCCESS) {
		snprintf(why, why_size, "out of memory");
		rc = FIM_ENOMEM;
		goto out;
	}
	yr_compiler_set_callback(c, compile_error, &m);
	for (size_t i = 0; i < data_files_count; i++) {
		if (!data_files[i].name || !ends_with(data_files[i].name, ".yar"))
			continue;
		m.file = data_files[i].name;
		if (yr_compiler_add_string(c, (const char *)data_files[i].data, NULL) != 0) {
			if (!why[0])
				snprintf(why, why_size, "YARA rule file %s does not compile", m.file);
			goto out;
		}
		added++;
	}
	if (!added) {
		snprintf(why, why_size, "no YARA rules are built in (data/yara/*.yar)");
		goto out;
	}
	if (yr_compiler_get_rules(c, &sc->rules) != ERROR_SUCCESS) {
		snprintf(why, why_size, "the YARA rules could not be linked");
		goto out;
	}
	*out = sc;
	sc = NULL;
	rc = FIM_OK;
out:
	if (c)
		yr_compiler_destroy(c);
	free(sc);
	if (rc && inited)
		yr_finalize();
	return rc;
}

void fim_scanner_close(struct fim_scanner *sc)
{
	if (!sc)
		return;
	if (sc->rules)
		yr_rules_destroy(sc->rules);
	free(sc);
	yr_finalize();
}

struct match_acc {
	char *out;
	size_t size, len;
};

static int on_scan(YR_SCAN_CONTEXT *ctx, int message, void *data, void *arg)
{
	(void)ctx;
	if (message != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	struct match_acc *a = arg;
	const char *name = ((YR_RULE *)data)->identifier;
	size_t n = strlen(name), sep = a->len ? 1 : 0;
	if (a->len + sep + n < a->size) {
		if (sep)
			a->out[a->len++] = ',';
		memcpy(a->out + a->len, name, n + 1);
		a->len += n;
	}
	return CALLBACK_CONTINUE;
}

int fim_scanner_scan_mem(struct fim_scanner *sc, const unsigned char *buf, size_t len, char *rules,
			 size_t rules_size)
{
	struct match_acc a = {.out = rules, .size = rules_size};
	if (!rules_size)
		return FIM_EINVAL;
	rules[0] = 0;
	/* NO_TRYCATCH: libyara's try/catch installs SIGBUS/SIGSEGV handlers around
	 * every scan (a dozen sigaction calls, serialised on the process's signal
	 * lock) to survive a truncated mmap'ed file; our buffer is heap memory we
	 * read ourselves, so there is nothing to catch. */
	int r = yr_rules_scan_mem(sc->rules, buf, len, SCAN_FLAGS_FAST_MODE | SCAN_FLAGS_NO_TRYCATCH, on_scan,
				  &a, SCAN_TIMEOUT_SECONDS);
	return r == ERROR_SUCCESS ? FIM_OK : FIM_ERULES;
}

static const char *const script_exts[] = {
	".php", ".phtml", ".php3", ".php4", ".php5", ".php7", ".php8", ".phar",
	".asp", ".aspx", ".ashx", ".asmx", ".jsp", ".jspx",
};

const char *fim_scan_path_rule(const char *path)
{
	int script = 0;
	for (size_t i = 0; i < sizeof script_exts / sizeof script_exts[0]; i++)
		if (ends_with(path, script_exts[i]))
			script = 1;
	if (!script)
		return NULL;
	/* A directory component named upload or uploads, anywhere above the file. */
	const char *last = strrchr(path, '/');
	for (const char *p = path; p && p < last; p = strchr(p + 1, '/')) {
		const char *c = p + 1;
		size_t n = strcspn(c, "/");
		if ((n == 6 && !strncasecmp(c, "upload", 6)) || (n == 7 && !strncasecmp(c, "uploads", 7)))
			return FIM_RULE_UPLOAD_SCRIPT;
	}
	return NULL;
}

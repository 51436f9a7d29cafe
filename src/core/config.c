/*
 * The configuration reader, driven by the key table of config_keys.c (one row per
 * key: section, name, type, place in struct config, range, default). It counts lines itself
 * (libinih's handler has no line number in Debian's build) so every error names
 * its line; cross-key checks run after the whole file is read.
 */
#include "core/config.h"
#include "core/config_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/net.h"

#define N_KEYS cfg_keys_count


struct cfg_parse {
	struct config *cfg;
	struct config_errors *errs;
	int line;
	int key_line[CFG_KEYS_MAX];
	int section_line; /* line of the latest [section] header */
	int bad_section_line; /* header line of the unknown section last reported, plus one */
	const char *text; /* load from string */
	size_t pos;
	FILE *fp;
};

static void cfg_error(struct config_errors *errs, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cfg_error(struct config_errors *errs, int line, const char *fmt, ...)
{
	if (!errs)
		return;
	if (errs->count < CONFIG_MAX_ERRORS) {
		struct config_error *e = &errs->items[errs->count];
		e->line = line;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof e->message, fmt, ap);
		va_end(ap);
	}
	errs->count++;
}

int config_list_each(const char *list, int (*fn)(const char *item, void *arg), void *arg)
{
	char item[CONFIG_STR_MAX];
	const char *p = list;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, ", \t");
		if (n == 0)
			break;
		if (n >= sizeof item)
			n = sizeof item - 1; /* an item this long fails its own check */
		memcpy(item, p, n);
		item[n] = '\0';
		int rc = fn(item, arg);
		if (rc)
			return rc;
		p += strcspn(p, ", \t");
	}
	return 0;
}

static int check_hhmm(const char *v)
{
	return strlen(v) == 5 && v[0] >= '0' && v[0] <= '2' && v[1] >= '0' && v[1] <= '9' &&
			       v[2] == ':' && v[3] >= '0' && v[3] <= '5' && v[4] >= '0' && v[4] <= '9' &&
			       (v[0] - '0') * 10 + (v[1] - '0') < 24
		       ? 0
		       : -1;
}

static int day_index(const char *s, size_t n)
{
	static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	for (int i = 0; i < 7; i++)
		if (n == 3 && strncasecmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

static int check_day_item(const char *item, void *arg)
{
	(void)arg;
	const char *dash = strchr(item, '-');
	if (dash)
		return day_index(item, (size_t)(dash - item)) < 0 || day_index(dash + 1, strlen(dash + 1)) < 0;
	return day_index(item, strlen(item)) < 0;
}

static int check_date_item(const char *item, void *arg)
{
	(void)arg;
	int y, m, d;
	char extra;
	int64_t day;
	if (strlen(item) != 10 || sscanf(item, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
		return 1;
	/* the calendar check rejects 2026-02-30 and 2025-02-29 too */
	return clock_parse_local_date(item, &day) != 0 || y < 2000 || y > 2200;
}

static int check_cidr_item(const char *item, void *arg)
{
	(void)arg;
	struct net_cidr c;
	return net_cidr_parse(item, &c) != 0;
}

static int check_str(const struct cfg_key *k, const char *v, char *why, size_t why_size)
{
	switch (k->check) {
	case C_NONE:
	case C_PATH:
		return 0;
	case C_LISTEN: {
		struct net_addr a;
		if (net_listen_parse(v, &a) == 0)
			return 0;
		snprintf(why, why_size, "expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
		return -1;
	}
	case C_HHMM:
		if (check_hhmm(v) == 0)
			return 0;
		snprintf(why, why_size, "expected a time HH:MM between 00:00 and 23:59");
		return -1;
	case C_DAYS:
		if (*v && config_list_each(v, check_day_item, NULL) == 0)
			return 0;
		snprintf(why, why_size, "expected days like mon-fri or mon,tue,wed");
		return -1;
	case C_DATES:
		if (config_list_each(v, check_date_item, NULL) == 0)
			return 0;
		snprintf(why, why_size, "expected dates YYYY-MM-DD separated by commas");
		return -1;
	case C_JSON_POINTER:
		/* RFC 6901: empty (the whole document) or '/'-separated tokens */
		if (v[0] == '\0' || v[0] == '/')
			return 0;
		snprintf(why, why_size, "expected a JSON pointer such as /data/code (RFC 6901)");
		return -1;
	case C_CIDRS:
		if (config_list_each(v, check_cidr_item, NULL) == 0)
			return 0;
		snprintf(why, why_size, "expected addresses or networks like 10.0.0.0/8 or ::1/128");
		return -1;
	case C_REGEX: {
		regex_t re;
		int rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
		if (rc == 0) {
			regfree(&re);
			return 0;
		}
		char msg[128];
		regerror(rc, &re, msg, sizeof msg);
		snprintf(why, why_size, "not a valid extended regular expression: %s", msg);
		return -1;
	}
	case C_LEVEL:
		if (!strcmp(v, "debug") || !strcmp(v, "info") || !strcmp(v, "warn") || !strcmp(v, "error"))
			return 0;
		snprintf(why, why_size, "expected debug, info, warn or error");
		return -1;
	}
	return -1;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* Sets one key; returns 0 or -1 with a message in `why`. */
static int cfg_set(struct config *cfg, const struct cfg_key *k, const char *v, char *why, size_t why_size)
{
	char *field = (char *)cfg + k->offset;
	switch (k->type) {
	case T_INT: {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno) {
			snprintf(why, why_size, "expected a whole number from %ld to %ld", k->min, k->max);
			return -1;
		}
		if (n < k->min || n > k->max) {
			snprintf(why, why_size, "%ld is out of range: allowed %ld to %ld", n, k->min, k->max);
			return -1;
		}
		*(int *)(void *)field = (int)n;
		return 0;
	}
	case T_BOOL:
		if (parse_bool(v, (bool *)(void *)field) == 0)
			return 0;
		snprintf(why, why_size, "expected true or false");
		return -1;
	case T_STR:
		if (strlen(v) >= k->size) {
			snprintf(why, why_size, "too long: at most %zu characters", k->size - 1);
			return -1;
		}
		if (check_str(k, v, why, why_size))
			return -1;
		memcpy(field, v, strlen(v) + 1);
		return 0;
	}
	return -1;
}

void config_defaults(struct config *cfg)
{
	char why[8];
	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < N_KEYS; i++)
		(void)cfg_set(cfg, &cfg_keys[i], cfg_keys[i].def, why, sizeof why);
}

static int section_known(const char *section)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(cfg_keys[i].section, section) == 0)
			return 1;
	return 0;
}

static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parse *p = user;
	if (!section_known(section)) {
		/* one error per unknown section header (or for keys before any section),
		 * on the header's line; keys before any section have header line 0 */
		if (p->bad_section_line != p->section_line + 1) {
			p->bad_section_line = p->section_line + 1;
			cfg_error(p->errs, *section ? p->section_line : p->line, "unknown section [%s]",
				  *section ? section : "(none)");
		}
		return 1;
	}
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		if (strcmp(k->section, section) || strcmp(k->name, name))
			continue;
		if (p->key_line[i]) {
			cfg_error(p->errs, p->line, "[%s] %s is set twice (first on line %d)", section,
				  name, p->key_line[i]);
			return 1;
		}
		p->key_line[i] = p->line;
		char why[200];
		if (cfg_set(p->cfg, k, value, why, sizeof why))
			cfg_error(p->errs, p->line, "[%s] %s: %s", section, name, why);
		return 1;
	}
	cfg_error(p->errs, p->line, "unknown key '%s' in [%s]", name, section);
	return 1;
}

static char *cfg_read_line(char *str, int num, void *stream)
{
	struct cfg_parse *p = stream;
	char *r;
	if (p->fp) {
		r = fgets(str, num, p->fp);
	} else {
		if (p->text[p->pos] == '\0')
			return NULL;
		size_t n = strcspn(p->text + p->pos, "\n");
		if (p->text[p->pos + n] == '\n')
			n++;
		if (n > (size_t)num - 1)
			n = (size_t)num - 1;
		memcpy(str, p->text + p->pos, n);
		str[n] = '\0';
		p->pos += n;
		r = str;
	}
	if (!r)
		return NULL;
	p->line++;
	size_t len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n') {
		/* Longer than libinih's buffer: it would parse the rest as another line.
		 * Skip the rest and say so, so that line numbers stay right. */
		if (p->fp) {
			int ch;
			while ((ch = fgetc(p->fp)) != EOF && ch != '\n')
				;
		} else {
			p->pos += strcspn(p->text + p->pos, "\n");
			if (p->text[p->pos] == '\n')
				p->pos++;
		}
		cfg_error(p->errs, p->line, "line too long: at most %d characters", num - 3);
		str[0] = '\0';
		return str;
	}
	const char *t = str + strspn(str, " \t");
	if (*t == '[')
		p->section_line = p->line;
	return r;
}

static int key_index(const char *section, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (!strcmp(cfg_keys[i].section, section) && !strcmp(cfg_keys[i].name, name))
			return (int)i;
	return 0;
}

/* The line of key `a`, or of `b` when only `b` is in the file: a cross-key error
 * points at whichever of the pair the operator actually wrote. */
static int pair_line(const int *ln, const char *section, const char *a, const char *b)
{
	int la = ln[key_index(section, a)];
	return la ? la : ln[key_index(section, b)];
}

/* config_list_each callback: non-zero for a name that is not a role. */
static int role_name_bad(const char *item, void *arg)
{
	(void)arg;
	return strcmp(item, "admin") && strcmp(item, "agency_admin") && strcmp(item, "officer") &&
	       strcmp(item, "auditor");
}

/* Non-zero for a name that is not a syslog facility notify_facility_parse knows. */
static int facility_bad(const char *item, void *arg)
{
	(void)arg;
	return strcmp(item, "auth") && strcmp(item, "authpriv") && strcmp(item, "daemon") && strcmp(item, "user") &&
	       !(strncmp(item, "local", 5) == 0 && item[5] >= '0' && item[5] <= '7' && item[6] == '\0');
}

static void cfg_cross_checks(struct cfg_parse *p)
{
	struct config *c = p->cfg;
	int *ln = p->key_line;
	if (c->password.warn_days >= c->password.max_age_days)
		cfg_error(p->errs, pair_line(ln, "password", "warn_days", "max_age_days"),
			  "[password] warn_days (%d) must be less than max_age_days (%d)",
			  c->password.warn_days, c->password.max_age_days);
	if (c->session.idle_seconds > c->session.absolute_seconds)
		cfg_error(p->errs, pair_line(ln, "session", "idle_seconds", "absolute_seconds"),
			  "[session] idle_seconds (%d) must not exceed absolute_seconds (%d)",
			  c->session.idle_seconds, c->session.absolute_seconds);
	if (c->quota.user_per_minute > c->quota.user_per_day)
		cfg_error(p->errs, pair_line(ln, "quota", "user_per_minute", "user_per_day"),
			  "[quota] user_per_minute (%d) must not exceed user_per_day (%d)",
			  c->quota.user_per_minute, c->quota.user_per_day);
	if (strcmp(c->workhours.start, c->workhours.end) >= 0)
		cfg_error(p->errs, pair_line(ln, "workhours", "end", "start"),
			  "[workhours] end (%s) must be after start (%s)", c->workhours.end,
			  c->workhours.start);
	if (strcmp(c->population.backend, "embedded") && strcmp(c->population.backend, "upstream"))
		cfg_error(p->errs, ln[key_index("population", "backend")],
			  "[population] backend: expected embedded or upstream");
	else if (!strcmp(c->population.backend, "upstream") && !c->population.upstream_url[0])
		cfg_error(p->errs, ln[key_index("population", "backend")],
			  "[population] backend = upstream needs upstream_url");
	if ((c->population.upstream_cert[0] == '\0') != (c->population.upstream_key[0] == '\0'))
		cfg_error(p->errs, pair_line(ln, "population", "upstream_cert", "upstream_key"),
			  "[population] upstream_cert and upstream_key must be set together");
	if (config_list_each(c->totp.required_roles, role_name_bad, NULL))
		cfg_error(p->errs, ln[key_index("totp", "required_roles")],
			  "[totp] required_roles: expected roles among admin, agency_admin, officer, auditor");
	if (c->accounts.dormant_warn_days >= c->accounts.dormant_days)
		cfg_error(p->errs, pair_line(ln, "accounts", "dormant_warn_days", "dormant_days"),
			  "[accounts] dormant_warn_days (%d) must be less than dormant_days (%d)",
			  c->accounts.dormant_warn_days, c->accounts.dormant_days);
	if (strcmp(c->dossier.check, "verify") && strcmp(c->dossier.check, "format"))
		cfg_error(p->errs, ln[key_index("dossier", "check")], "[dossier] check: expected verify or format");
	if (strcmp(c->dossier.backend, "embedded") && strcmp(c->dossier.backend, "upstream"))
		cfg_error(p->errs, ln[key_index("dossier", "backend")],
			  "[dossier] backend: expected embedded or upstream");
	else if (!strcmp(c->dossier.backend, "upstream") && !c->dossier.upstream_url[0])
		cfg_error(p->errs, ln[key_index("dossier", "backend")],
			  "[dossier] backend = upstream needs upstream_url");
	if ((c->dossier.upstream_cert[0] == '\0') != (c->dossier.upstream_key[0] == '\0'))
		cfg_error(p->errs, pair_line(ln, "dossier", "upstream_cert", "upstream_key"),
			  "[dossier] upstream_cert and upstream_key must be set together");
	if ((c->server.tls_cert[0] == '\0') != (c->server.tls_key[0] == '\0'))
		cfg_error(p->errs, ln[key_index("server", c->server.tls_cert[0] ? "tls_cert" : "tls_key")],
			  "[server] tls_cert and tls_key must be set together");
	if (c->notify.webhook_url[0] && strncmp(c->notify.webhook_url, "http://", 7) &&
	    strncmp(c->notify.webhook_url, "https://", 8))
		cfg_error(p->errs, ln[key_index("notify", "webhook_url")],
			  "[notify] webhook_url: expected an http:// or https:// URL");
	if (facility_bad(c->notify.syslog_facility, NULL))
		cfg_error(p->errs, ln[key_index("notify", "syslog_facility")],
			  "[notify] syslog_facility: expected auth, authpriv, daemon, user or local0..local7");
}

static int cfg_run(struct cfg_parse *p, struct config_errors *errs)
{
	/* Debian's libinih makes its line buffer a run-time setting; the default of 200
	 * bytes is too short for a list of trusted proxies or holidays. Config is read
	 * before any thread starts, so setting these globals here is safe. */
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_initial_alloc = ini_max_line = CONFIG_LIST_MAX + 256;
	int rc = ini_parse_stream(cfg_read_line, p, cfg_handler, p);
	if (rc > 0) /* libinih reports the first line it could not parse */
		cfg_error(errs, rc, "cannot parse this line: expected [section], key = value, or a ; comment");
	else if (rc < 0)
		cfg_error(errs, 0, "cannot read the configuration (out of memory)");
	cfg_cross_checks(p);
	return errs->count ? -1 : 0;
}

int config_load_string(const char *text, struct config *cfg, struct config_errors *errs)
{
	struct config_errors local;
	if (!errs)
		errs = &local;
	memset(errs, 0, sizeof *errs);
	config_defaults(cfg);
	struct cfg_parse p = {.cfg = cfg, .errs = errs, .text = text};
	return cfg_run(&p, errs);
}

int config_load(const char *path, struct config *cfg, struct config_errors *errs)
{
	struct config_errors local;
	if (!errs)
		errs = &local;
	memset(errs, 0, sizeof *errs);
	config_defaults(cfg);
	FILE *fp = fopen(path, "r");
	if (!fp) {
		cfg_error(errs, 0, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	struct cfg_parse p = {.cfg = cfg, .errs = errs, .fp = fp};
	int rc = cfg_run(&p, errs);
	if (ferror(fp)) { /* a directory, an I/O error: not an empty, valid file */
		cfg_error(errs, 0, "cannot read %s: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(fp);
	return rc;
}

static const struct {
	const char *section, *key, *value;
} init_values[] = {
	{"dossier", "check", "verify"},
	{"totp", "required_roles", "admin,agency_admin,officer"},
};

const char *config_init_value(const char *section, const char *key)
{
	for (size_t i = 0; i < sizeof init_values / sizeof init_values[0]; i++)
		if (!strcmp(init_values[i].section, section) && !strcmp(init_values[i].key, key))
			return init_values[i].value;
	return NULL;
}

bool config_dossier_format_only(const struct config *cfg)
{
	return strcmp(cfg->dossier.check, "verify") != 0;
}

/* The file text with every key at its default, or (for_init) at what init writes. */
static void config_text_build(char *text, size_t size, bool for_init)
{
	size_t off = 0;
	const char *section = "";
	off += (size_t)snprintf(text + off, size - off,
				"; canhgac configuration. Every key is shown with its %s.\n"
				"; See docs/CONFIG.md. Unknown keys are errors: check with\n"
				";   canhgac config check canhgac.conf\n",
				for_init ? "value for a new instance" : "default");
	for (size_t i = 0; i < N_KEYS && off < size; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		if (strcmp(section, k->section)) {
			section = k->section;
			off += (size_t)snprintf(text + off, size - off, "\n[%s]\n", section);
		}
		const char *v = for_init ? config_init_value(k->section, k->name) : NULL;
		if (off < size)
			off += (size_t)snprintf(text + off, size - off, "; %s%s\n%s = %s\n", k->doc,
						v ? " (a missing key means the lenient default; a new instance starts here)" : "",
						k->name, v ? v : k->def);
	}
}

const char *config_default_text(void)
{
	static char text[49152];
	static int built;
	if (!built) {
		config_text_build(text, sizeof text, false);
		built = 1;
	}
	return text;
}

const char *config_init_text(void)
{
	static char text[49152];
	static int built;
	if (!built) {
		config_text_build(text, sizeof text, true);
		built = 1;
	}
	return text;
}

int config_write_default(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	const char *t = config_init_text();
	size_t len = strlen(t), done = 0;
	while (done < len) {
		ssize_t n = write(fd, t + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		return -errno;
	return 0;
}

/*
 * Table-driven configuration. Every key is one row: section, name, type, where it
 * lives in struct config, its range and its default. The reader counts lines itself
 * (libinih's handler has no line number in Debian's build) so every error names
 * its line; cross-key checks run after the whole file is read.
 */
#include "core/config.h"

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

enum cfg_type { T_INT, T_BOOL, T_STR };
enum cfg_check {
	C_NONE, C_LISTEN, C_HHMM, C_DAYS, C_DATES, C_CIDRS, C_REGEX, C_LEVEL, C_PATH
};

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	size_t offset;
	size_t size;          /* T_STR: capacity of the char array */
	long min, max;        /* T_INT */
	enum cfg_check check; /* T_STR */
	const char *def;
	const char *doc;
};

#define OFF(f) offsetof(struct config, f)
#define SZ(f) sizeof(((struct config *)0)->f)
#define INT(sec, key, f, lo, hi, d, doc) {sec, key, T_INT, OFF(f), 0, lo, hi, C_NONE, d, doc}
#define BOOL(sec, key, f, d, doc) {sec, key, T_BOOL, OFF(f), 0, 0, 0, C_NONE, d, doc}
#define STR(sec, key, f, chk, d, doc) {sec, key, T_STR, OFF(f), SZ(f), 0, 0, chk, d, doc}

static const struct cfg_key cfg_keys[] = {
	STR("server", "listen", server.listen, C_LISTEN, "127.0.0.1:8080",
	    "address to listen on, HOST:PORT ([v6]:PORT); plain HTTP only on loopback"),
	STR("server", "tls_cert", server.tls_cert, C_PATH, "", "PEM certificate chain for HTTPS"),
	STR("server", "tls_key", server.tls_key, C_PATH, "", "PEM private key for HTTPS"),
	STR("server", "trusted_proxies", server.trusted_proxies, C_CIDRS, "",
	    "TLS-terminating proxies (CIDRs) whose X-Forwarded-For is believed"),
	INT("server", "threads", server.threads, 0, 256, "0", "HTTP worker threads; 0 = one per core"),
	INT("server", "max_connections_per_ip", server.max_connections_per_ip, 1, 10000, "64",
	    "open connections allowed from one client address"),
	INT("server", "connection_timeout_seconds", server.connection_timeout_seconds, 1, 3600, "30",
	    "idle connection timeout"),
	INT("server", "max_connections", server.max_connections, 16, 100000, "1024",
	    "open connections in all"),
	STR("log", "level", log.level, C_LEVEL, "info", "debug, info, warn or error"),
	INT("password", "min_length", password.min_length, 8, 128, "8",
	    "minimum length (the province orders at least 8)"),
	BOOL("password", "require_upper", password.require_upper, "true", "an upper-case letter"),
	BOOL("password", "require_lower", password.require_lower, "true", "a lower-case letter"),
	BOOL("password", "require_digit", password.require_digit, "true", "a digit"),
	BOOL("password", "require_special", password.require_special, "true", "a special character"),
	INT("password", "history", password.history, 0, 24, "5", "earlier passwords that may not be reused"),
	INT("password", "max_age_days", password.max_age_days, 1, 90, "90",
	    "days before a password must be changed (the province orders at most 3 months)"),
	INT("password", "warn_days", password.warn_days, 0, 60, "14", "days of warning before expiry"),
	INT("password", "hash_memory_mib", password.hash_memory_mib, 19, 4096, "64",
	    "argon2id memory cost in MiB (OWASP's minimum is 19 MiB with 2 passes)"),
	INT("password", "hash_passes", password.hash_passes, 2, 10, "3", "argon2id passes (time cost)"),
	INT("lockout", "max_failures", lockout.max_failures, 1, 100, "5",
	    "failed sign-ins on one account within window_seconds that lock it"),
	INT("lockout", "window_seconds", lockout.window_seconds, 10, 86400, "900", "failure window"),
	INT("lockout", "lock_seconds", lockout.lock_seconds, 10, 86400, "900",
	    "first lock duration; doubles on each repeat"),
	INT("lockout", "ip_max_failures", lockout.ip_max_failures, 1, 100000, "20",
	    "failed sign-ins from one client address within window_seconds before 429"),
	INT("session", "idle_seconds", session.idle_seconds, 60, 86400, "900", "idle timeout"),
	INT("session", "absolute_seconds", session.absolute_seconds, 300, 604800, "28800",
	    "absolute session lifetime"),
	INT("quota", "user_per_minute", quota.user_per_minute, 1, 10000, "10", "lookups per officer per minute"),
	INT("quota", "user_per_day", quota.user_per_day, 1, 1000000, "200", "lookups per officer per local day"),
	INT("quota", "agency_per_day", quota.agency_per_day, 1, 100000000, "5000",
	    "lookups per agency per local day"),
	STR("lookup", "dossier_pattern", lookup.dossier_pattern, C_REGEX,
	    "^[A-Z0-9]+(\\.[A-Z0-9]+)*-[0-9]{6}-[0-9]{4,7}$",
	    "POSIX extended regular expression a dossier code must match"),
	STR("lookup", "procedures_file", lookup.procedures_file, C_PATH, "",
	    "the province's own procedure catalogue, JSON as docs/LOOKUPS.md (empty: the shipped data/procedures.json)"),
	STR("population", "backend", population.backend, C_NONE, "embedded",
	    "where citizen records come from: embedded (the local table) or upstream (HTTP gateway)"),
	STR("population", "upstream_url", population.upstream_url, C_NONE, "",
	    "base URL of the national-database gateway (https; http only on loopback)"),
	INT("population", "upstream_timeout_ms", population.upstream_timeout_ms, 100, 60000, "5000",
	    "whole-request timeout for one upstream call"),
	STR("population", "upstream_cert", population.upstream_cert, C_PATH, "",
	    "PEM client certificate presented to the gateway"),
	STR("population", "upstream_key", population.upstream_key, C_PATH, "",
	    "PEM private key of the client certificate"),
	STR("population", "upstream_ca", population.upstream_ca, C_PATH, "",
	    "PEM CA bundle that signs the gateway's certificate (empty: the system's)"),
	INT("audit", "segment_max_mb", audit.segment_max_mb, 1, 4096, "64",
	    "an audit segment is rotated at this size (and at each local day)"),
	INT("audit", "retention_months", audit.retention_months, 3, 240, "24",
	    "months before a segment is archived (never deleted)"),
	INT("audit", "checkpoint_records", audit.checkpoint_records, 1, 1000, "1000",
	    "a signed checkpoint at least every this many records (and every second)"),
	BOOL("audit", "syslog", audit.syslog, "false", "forward each committed record to syslog"),
	INT("detect", "enumeration_count", detect.enumeration_count, 2, 32, "5",
	    "near-sequential citizen ids that count as enumeration"),
	INT("detect", "enumeration_window_seconds", detect.enumeration_window_seconds, 10, 86400, "600",
	    "window of the enumeration rule"),
	INT("detect", "enumeration_distance", detect.enumeration_distance, 1, 100000, "10",
	    "two ids of the same 6-digit prefix are near-sequential when their last 6 digits differ by at most this"),
	INT("detect", "brute_force_count", detect.brute_force_count, 2, 32, "10",
	    "failed sign-ins on one account within brute_force_window_seconds"),
	INT("detect", "brute_force_window_seconds", detect.brute_force_window_seconds, 10, 86400, "900",
	    "window of the brute-force rule"),
	INT("detect", "spray_accounts", detect.spray_accounts, 2, 32, "10",
	    "distinct accounts failing from one address within spray_window_seconds"),
	INT("detect", "spray_window_seconds", detect.spray_window_seconds, 10, 86400, "900",
	    "window of the password-spraying rule"),
	INT("detect", "dossier_citizens", detect.dossier_citizens, 2, 32, "10",
	    "distinct citizens looked up under one dossier code within dossier_window_seconds"),
	INT("detect", "dossier_window_seconds", detect.dossier_window_seconds, 60, 86400, "3600",
	    "window of the dossier-reuse rule"),
	INT("detect", "concurrent_ip_window_seconds", detect.concurrent_ip_window_seconds, 10, 86400, "300",
	    "one account seen from two addresses within this many seconds"),
	INT("detect", "holiday_factor", detect.holiday_factor, 1, 10, "2",
	    "on public holidays and configured holidays the count thresholds are divided by this"),
	STR("detect", "suspend_rules", detect.suspend_rules, C_NONE, "enumeration",
	    "rules whose alert also suspends the account (see docs/DETECTION.md for the names)"),
	STR("detect", "block_rules", detect.block_rules, C_NONE,
	    "password_spray,weblog_scanner,weblog_injection,weblog_brute_force",
	    "rules whose alert also blocks the client address for block_ttl_seconds"),
	INT("detect", "block_ttl_seconds", detect.block_ttl_seconds, 60, 2592000, "3600",
	    "how long an address blocked by the detector stays blocked"),
	INT("detect", "volume_factor", detect.volume_factor, 2, 100, "4",
	    "an officer's lookups in the last hour above this many times their 30-day mean per working hour"),
	INT("detect", "volume_min_per_hour", detect.volume_min_per_hour, 5, 100000, "40",
	    "the volume rule never fires below this many lookups in an hour (and uses it alone without a baseline)"),
	INT("detect", "dormant_days", detect.dormant_days, 1, 3650, "30",
	    "an account unused for this many days that signs in or looks up raises a dormant alert"),
	STR("workhours", "start", workhours.start, C_HHMM, "07:00", "start of working hours, HH:MM local"),
	STR("workhours", "end", workhours.end, C_HHMM, "17:30", "end of working hours, HH:MM local"),
	STR("workhours", "days", workhours.days, C_DAYS, "mon-fri", "working days, e.g. mon-fri or mon,tue,sat"),
	STR("workhours", "holidays", workhours.holidays, C_DATES, "",
	    "extra non-working dates YYYY-MM-DD (public holidays are built in)"),
	INT("incident", "report_deadline_hours", incident.report_deadline_hours, 1, 72, "72",
	    "hours from detection to the report deadline (the province orders 3 days)"),
	INT("incident", "group_window_hours", incident.group_window_hours, 1, 720, "24",
	    "alerts on the same account or address within this many hours join one incident"),
	STR("incident", "org_name", incident.org_name, C_NONE, "Trung tâm Công nghệ thông tin tỉnh",
	    "reporting organisation, for the incident report (Mẫu 03)"),
	STR("incident", "org_address", incident.org_address, C_NONE, "", "its address"),
	STR("incident", "org_phone", incident.org_phone, C_NONE, "", "its telephone"),
	STR("incident", "org_email", incident.org_email, C_NONE, "", "its e-mail"),
	STR("incident", "contact_name", incident.contact_name, C_NONE, "", "contact person for incidents"),
	STR("incident", "contact_phone", incident.contact_phone, C_NONE, "", "their telephone"),
	STR("incident", "contact_email", incident.contact_email, C_NONE, "", "their e-mail"),
	STR("incident", "system_name", incident.system_name, C_NONE,
	    "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh", "affected system, for the report"),
	STR("incident", "system_domain", incident.system_domain, C_NONE, "", "its domain name"),
	STR("incident", "system_ip", incident.system_ip, C_NONE, "", "its public IP address"),
	INT("incident", "system_level", incident.system_level, 1, 5, "3",
	    "its security level (cấp độ an toàn hệ thống thông tin, 1-5)"),
	STR("totp", "required_roles", totp.required_roles, C_NONE, "admin,agency_admin",
	    "roles that must enrol a second factor (TOTP) before doing anything else; empty: none"),
	INT("accounts", "dormant_days", accounts.dormant_days, 7, 3650, "45",
	    "an account with no sign-in for this many days is disabled (reason dormant)"),
	INT("accounts", "dormant_warn_days", accounts.dormant_warn_days, 1, 60, "7",
	    "days before dormant_days at which a dormant_warning is audited for the agency admin"),
	STR("weblog", "paths", weblog.paths, C_NONE, "",
	    "access logs serve follows, comma separated (read from their end at start; docs/DETECTION.md)"),
	STR("weblog", "allowlist", weblog.allowlist, C_CIDRS, "127.0.0.0/8", "networks never banned"),
	STR("weblog", "log_format", weblog.log_format, C_NONE, "",
	    "nginx log_format of the logs (empty: combined, which also reads common)"),
	STR("weblog", "signatures", weblog.signatures, C_PATH, "",
	    "attack signatures CSV (empty: the shipped data/weblog_signatures.csv)"),
	STR("weblog", "probe_paths", weblog.probe_paths, C_PATH, "",
	    "probe paths CSV (empty: the shipped data/weblog_probe_paths.csv)"),
	STR("weblog", "scan_statuses", weblog.scan_statuses, C_NONE, "403,404",
	    "statuses that count towards a scanner storm"),
	INT("weblog", "scan_404_count", weblog.scan_404_count, 2, 100000, "20",
	    "answers with scan_statuses from one address within scan_window_seconds that make a scanner"),
	INT("weblog", "scan_window_seconds", weblog.scan_window_seconds, 1, 86400, "60",
	    "window of the scanner storm rule"),
	INT("weblog", "probe_count", weblog.probe_count, 1, 1000, "1",
	    "requests for known probe paths within probe_window_seconds that make a scanner"),
	INT("weblog", "probe_window_seconds", weblog.probe_window_seconds, 1, 604800, "3600",
	    "window of the probe path rule"),
	STR("weblog", "login_paths", weblog.login_paths, C_NONE, "/dang-nhap,/login,/wp-login.php",
	    "sign-in endpoints (paths without query) watched for brute force"),
	STR("weblog", "login_fail_statuses", weblog.login_fail_statuses, C_NONE, "401,403",
	    "statuses of a POST to a login path that count as a failure (add 200 if failures answer 200)"),
	INT("weblog", "login_fail_count", weblog.login_fail_count, 2, 100000, "10",
	    "failed sign-ins from one address within login_window_seconds that make brute force"),
	INT("weblog", "login_window_seconds", weblog.login_window_seconds, 1, 86400, "300",
	    "window of the brute-force rule"),
	INT("weblog", "rate_count", weblog.rate_count, 2, 1000000, "600",
	    "requests from one address within rate_window_seconds that are abusive"),
	INT("weblog", "rate_window_seconds", weblog.rate_window_seconds, 1, 86400, "60",
	    "window of the request rate rule"),
	INT("weblog", "ban_seconds", weblog.ban_seconds, 60, 31536000, "3600",
	    "how long a banned address stays banned (nginx deny comment, nftables timeout)"),
	INT("weblog", "max_ips", weblog.max_ips, 1000, 10000000, "100000",
	    "client addresses tracked at once; the least recently seen is dropped beyond it"),
	STR("fim", "roots", fim.roots, C_NONE, "",
	    "web roots: serve watches them (inotify; docs/FIM.md), fim baseline takes them without --root"),
	STR("fim", "exclude", fim.exclude, C_NONE, "", "glob patterns left out of the baseline"),
	INT("fim", "rescan_seconds", fim.rescan_seconds, 60, 86400, "3600",
	    "period of serve's full rescan of the roots (also done at start and after an inotify overflow)"),
	STR("fim", "organisation", fim.organisation, C_NONE, "canhgac security gateway of the province",
	    "the reporting organisation named in the indicators' STIX bundle (identity)"),
	STR("notify", "webhook_url", notify.webhook_url, C_NONE, "",
	    "http(s) URL that gets a JSON POST for each alert and incident change; empty: no webhook"),
	STR("notify", "webhook_secret", notify.webhook_secret, C_NONE, "",
	    "shared secret: each POST carries X-Canhgac-Signature = HMAC-SHA256 of \"<timestamp>.<body>\""),
	INT("notify", "webhook_timeout_ms", notify.webhook_timeout_ms, 100, 60000, "5000",
	    "time allowed for one POST (connect and answer)"),
	INT("notify", "webhook_queue_max", notify.webhook_queue_max, 1, 100000, "1000",
	    "events waiting for the webhook; beyond it the oldest is dropped (counted, logged)"),
	INT("notify", "webhook_retries", notify.webhook_retries, 0, 20, "5",
	    "attempts after a failed one (5xx, 429, no answer), backoff doubling up to 5 minutes"),
	INT("notify", "webhook_backoff_ms", notify.webhook_backoff_ms, 10, 60000, "1000",
	    "wait before the first retry; doubles each retry"),
	BOOL("notify", "syslog", notify.syslog, "false", "one syslog line per alert (rule, severity, actor, ip)"),
	STR("notify", "syslog_facility", notify.syslog_facility, C_NONE, "auth",
	    "syslog facility of alert lines: auth, authpriv, daemon, user, local0..local7"),
};

#define N_KEYS (sizeof cfg_keys / sizeof cfg_keys[0])

struct cfg_parse {
	struct config *cfg;
	struct config_errors *errs;
	int line;
	int key_line[N_KEYS];
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

const char *config_default_text(void)
{
	static char text[32768];
	static int built;
	if (built)
		return text;
	size_t off = 0;
	const char *section = "";
	off += (size_t)snprintf(text + off, sizeof text - off,
				"; canhgac configuration. Every key is shown with its default.\n"
				"; See docs/CONFIG.md. Unknown keys are errors: check with\n"
				";   canhgac config check canhgac.conf\n");
	for (size_t i = 0; i < N_KEYS && off < sizeof text; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		if (strcmp(section, k->section)) {
			section = k->section;
			off += (size_t)snprintf(text + off, sizeof text - off, "\n[%s]\n", section);
		}
		if (off < sizeof text)
			off += (size_t)snprintf(text + off, sizeof text - off, "; %s\n%s = %s\n", k->doc,
						k->name, k->def);
	}
	built = 1;
	return text;
}

int config_write_default(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	const char *t = config_default_text();
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

/*
 * canhgac.conf: INI read through libinih into one struct with a default for every
 * key (the keys and defaults of ../shared/API.md, plus the few operational ones
 * documented in docs/CONFIG.md). Unknown sections and keys, malformed lines,
 * values out of range and contradictory pairs are errors with their line number,
 * never silently ignored: a typo in a security setting must not fall back to a
 * default nobody chose.
 */
#ifndef CANHGAC_CORE_CONFIG_H
#define CANHGAC_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_STR_MAX 256
#define CONFIG_LIST_MAX 2048
#define CONFIG_MAX_ERRORS 64

struct config {
	struct {
		char listen[CONFIG_STR_MAX];
		char tls_cert[CONFIG_STR_MAX];
		char tls_key[CONFIG_STR_MAX];
		char trusted_proxies[CONFIG_LIST_MAX];
		char allowed_origins[CONFIG_LIST_MAX];
		int threads;                /* 0 = one per core */
		int max_connections_per_ip;
		int connection_timeout_seconds;
		int max_connections;
		int request_deadline_seconds;
		int reserved_connections;
	} server;
	struct {
		char level[16];
	} log;
	struct {
		int min_length;
		bool require_upper, require_lower, require_digit, require_special;
		int history;
		int max_age_days;
		int min_age_days;
		int otp_expiry_hours;
		int warn_days;
		int hash_memory_mib;
		int hash_passes;
	} password;
	struct {
		int max_failures;
		int window_seconds;
		int lock_seconds;
		int ip_max_failures;
	} lockout;
	struct {
		int idle_seconds;
		int absolute_seconds;
	} session;
	struct {
		int user_per_minute;
		int user_per_day;
		int agency_per_day;
	} quota;
	struct {
		char dossier_pattern[CONFIG_STR_MAX];
		char procedures_file[CONFIG_STR_MAX]; /* "": the embedded data/procedures.json */
	} lookup;
	struct {
		char backend[16];           /* "embedded" or "upstream" */
		char upstream_url[CONFIG_STR_MAX];
		int upstream_timeout_ms;
		char upstream_cert[CONFIG_STR_MAX];
		char upstream_key[CONFIG_STR_MAX];
		char upstream_ca[CONFIG_STR_MAX];
	} population;
	struct {
		char check[16];             /* "verify" or "format" (a missing key: format) */
		char backend[16];           /* "embedded" or "upstream" */
		int grace_days;
		char upstream_url[CONFIG_STR_MAX];
		int upstream_timeout_ms;
		char upstream_cert[CONFIG_STR_MAX];
		char upstream_key[CONFIG_STR_MAX];
		char upstream_ca[CONFIG_STR_MAX];
		int cache_seconds;
		char map_code[64];
		char map_procedure_code[64];
		char map_agency[64];
		char map_status[64];
		char map_received_at[64];
		char map_closed_at[64];
		char map_persons[64];
		char map_person_citizen_id[64];
		char map_person_role[64];
		char map_officers[64];
	} dossier;
	struct {
		int segment_max_mb;
		int retention_months;
		int checkpoint_records;
		bool syslog;
		int free_warn_mib;
		int free_reserve_mib;
	} audit;
	struct {
		int enumeration_count;
		int enumeration_window_seconds;
		int enumeration_distance;
		int brute_force_count;
		int brute_force_window_seconds;
		int spray_accounts;
		int spray_window_seconds;
		int throttle_flood_count;
		int dossier_citizens;
		int dossier_window_seconds;
		int concurrent_ip_window_seconds;
		int holiday_factor;
		char suspend_rules[CONFIG_STR_MAX];
		char block_rules[CONFIG_STR_MAX];
		int block_ttl_seconds;
		int volume_factor;
		int volume_min_per_hour;
		int dormant_days;
		int dossier_refusals_count;
		int dossier_refusals_window_seconds;
		int new_ip_lookups;
		int new_ip_window_seconds;
	} detect;
	struct {
		char start[8];
		char end[8];
		char days[64];
		char holidays[CONFIG_LIST_MAX];
	} workhours;
	struct {
		int report_deadline_hours;
		int group_window_hours;
		char org_name[CONFIG_STR_MAX];
		char org_address[CONFIG_STR_MAX];
		char org_phone[64];
		char org_email[CONFIG_STR_MAX];
		char contact_name[CONFIG_STR_MAX];
		char contact_phone[64];
		char contact_email[CONFIG_STR_MAX];
		char system_name[CONFIG_STR_MAX];
		char system_domain[CONFIG_STR_MAX];
		char system_ip[64];
		int system_level;
	} incident;
	struct {
		char required_roles[CONFIG_STR_MAX];
	} totp;
	struct {
		int dormant_days;
		int dormant_warn_days;
	} accounts;
	struct {
		char paths[CONFIG_LIST_MAX];
		char allowlist[CONFIG_LIST_MAX];
		char log_format[CONFIG_LIST_MAX];
		char signatures[CONFIG_STR_MAX];
		char probe_paths[CONFIG_STR_MAX];
		char scan_statuses[CONFIG_STR_MAX];
		int scan_404_count;
		int scan_window_seconds;
		int probe_count;
		int probe_window_seconds;
		char login_paths[CONFIG_LIST_MAX];
		char login_fail_statuses[CONFIG_STR_MAX];
		int login_fail_count;
		int login_window_seconds;
		int rate_count;
		int rate_window_seconds;
		int ban_seconds;
		int max_ips;
	} weblog;
	struct {
		char roots[CONFIG_LIST_MAX];
		char exclude[CONFIG_LIST_MAX];
		int rescan_seconds;
		char organisation[CONFIG_STR_MAX];
	} fim;
	struct {
		char webhook_url[CONFIG_STR_MAX];
		char webhook_secret[CONFIG_STR_MAX];
		int webhook_timeout_ms;
		int webhook_queue_max;
		int webhook_retries;
		int webhook_backoff_ms;
		bool syslog;
		char syslog_facility[16];
	} notify;
};

struct config_error {
	int line;        /* 0 when the error is not tied to a line (file unreadable) */
	char message[256];
};

struct config_errors {
	int count;       /* may exceed CONFIG_MAX_ERRORS; only the first are kept */
	struct config_error items[CONFIG_MAX_ERRORS];
};

/* Fills `cfg` with every default. */
void config_defaults(struct config *cfg);

/* Reads `path` over the defaults. Returns 0, or -1 with every error in `errs`
 * (which may be NULL). On error `cfg` holds defaults overlaid with what was valid;
 * callers must not run with it. */
int config_load(const char *path, struct config *cfg, struct config_errors *errs);

/* Same, from a string (tests, fuzzing). */
int config_load_string(const char *text, struct config *cfg, struct config_errors *errs);

/* Writes the configuration file of a new instance, commented, to `path` with
 * mode 0600: every key at its default, except the few where a new instance starts
 * stricter than an upgraded one (config_init_value). Returns 0 or -errno. */
int config_write_default(const char *path);

/* The default configuration text (static storage): every key at its default,
 * which is also what a missing key means. */
const char *config_default_text(void);

/* The text `canhgac init` writes (static storage): config_default_text with the
 * values of config_init_value. */
const char *config_init_text(void);

/* What `init` writes for section/key when that differs from the default (a key
 * whose default must stay lenient so that an upgraded configuration, which lacks
 * it, keeps working): [dossier] check = verify, [totp] required_roles with
 * officers. NULL for every other key. */
const char *config_init_value(const char *section, const char *key);

/* True when the configuration runs lookups without dossier verification
 * ([dossier] check = format): announced by config check, /healthz and the console. */
bool config_dossier_format_only(const struct config *cfg);

/* Splits a list value (items separated by commas and/or whitespace) and calls
 * `fn` on each item; stops and returns fn's value when it is non-zero. */
int config_list_each(const char *list, int (*fn)(const char *item, void *arg), void *arg);

#endif

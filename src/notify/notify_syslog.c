/*
 * The syslog side of notifications: one line per alert with rule, severity,
 * actor, address, agency and incident, at a priority that follows the alert's
 * severity, on the facility of [notify] syslog_facility. Kept apart because
 * <syslog.h> names clash with core/log.h.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "notify/notify.h"

static void emit_syslog(int priority, const char *line)
{
	syslog(priority, "%s", line);
}

void (*notify_syslog_emit)(int priority, const char *line) = emit_syslog;

int notify_facility_parse(const char *name, int *facility)
{
	static const struct {
		const char *name;
		int fac;
	} tab[] = {
		{"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
		{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
		{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},     {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
	};
	for (size_t i = 0; name && i < sizeof tab / sizeof tab[0]; i++)
		if (strcmp(name, tab[i].name) == 0) {
			*facility = tab[i].fac;
			return 0;
		}
	return -1;
}

/* A value safe for a key=value line: no spaces, quotes, '=' or control bytes. */
static void safe(const char *in, char *out, size_t size)
{
	size_t j = 0;
	for (; in && *in && j + 1 < size; in++)
		out[j++] = ((unsigned char)*in <= ' ' || *in == '"' || *in == '\\' || *in == '=' || *in == 0x7f)
				   ? '_'
				   : *in;
	if (j == 0 && size > 1)
		out[j++] = '-';
	out[j] = '\0';
}

int notify_syslog_format(const struct store_alert *a, char *buf, size_t size)
{
	char rule[64], sev[32], actor[160], ip[80], agency[64];
	safe(a->rule, rule, sizeof rule);
	safe(a->severity, sev, sizeof sev);
	safe(a->actor, actor, sizeof actor);
	safe(a->ip, ip, sizeof ip);
	safe(a->agency, agency, sizeof agency);
	snprintf(buf, size, "alert rule=%s severity=%s actor=%s ip=%s agency=%s incident=%lld alert_id=%lld", rule,
		 sev, actor, ip, agency, (long long)a->incident_id, (long long)a->id);
	if (strcmp(a->severity, "critical") == 0)
		return LOG_CRIT;
	if (strcmp(a->severity, "high") == 0)
		return LOG_ERR;
	if (strcmp(a->severity, "medium") == 0)
		return LOG_WARNING;
	return LOG_NOTICE;
}

/* notify.c calls these two (declared there). */
void notify_syslog_open(int facility);
void notify_syslog_alert(int facility, const struct store_alert *a);

void notify_syslog_open(int facility)
{
	openlog("canhgac", LOG_PID | LOG_NDELAY, facility);
}

void notify_syslog_alert(int facility, const struct store_alert *a)
{
	char line[512];
	int level = notify_syslog_format(a, line, sizeof line);
	notify_syslog_emit(facility | level, line);
}

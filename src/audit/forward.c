/*
 * The optional syslog forwarder ([audit] syslog = true): each committed record
 * and its checkpoints' effect leave the machine through syslog(3) (facility
 * authpriv), where a remote collector keeps a copy the local administrator
 * cannot rewrite. Kept apart because <syslog.h> names clash with core/log.h.
 */
#include <stdlib.h>
#include <syslog.h>

#include "audit/audit_int.h"

void audit_forward_open(void)
{
	openlog("canhgac", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void audit_forward_records(json_t *const *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *text = json_dumps(recs[i], AUDIT_JSON_FLAGS);
		if (text)
			syslog(LOG_AUTHPRIV | LOG_INFO, "audit %s", text);
		free(text);
	}
}

void audit_forward_close(void)
{
	closelog();
}

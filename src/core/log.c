/*
 * JSON-lines operator log. Each line is built with jansson (so messages with
 * quotes or control characters stay valid JSON) and written with one fwrite under a
 * mutex, so concurrent threads never interleave their lines.
 */
#include "core/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include "core/clock.h"

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static enum log_level log_min = LOG_INFO;
static FILE *log_out;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

bool log_enabled(enum log_level level)
{
	return level >= log_min;
}

void log_setup(enum log_level min, FILE *out)
{
	pthread_mutex_lock(&log_mu);
	log_min = min;
	log_out = out;
	pthread_mutex_unlock(&log_mu);
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void log_emit(json_t *line)
{
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return;
	pthread_mutex_lock(&log_mu);
	FILE *out = log_out ? log_out : stderr;
	fprintf(out, "%s\n", text);
	fflush(out);
	pthread_mutex_unlock(&log_mu);
	free(text);
}

static json_t *log_line_new(enum log_level level, const char *module, const char *message)
{
	char ts[32];
	clock_format_rfc3339(clock_now(), ts, sizeof ts);
	json_t *line = json_object();
	json_object_set_new(line, "time", json_string(ts));
	json_object_set_new(line, "level", json_string(level_names[level]));
	json_object_set_new(line, "module", json_string(module ? module : "-"));
	/* jansson refuses invalid UTF-8; keep the line rather than lose it. */
	json_t *msg = json_string(message);
	json_object_set_new(line, "message", msg ? msg : json_string("(message not valid UTF-8)"));
	return line;
}

void log_write(enum log_level level, const char *module, const char *fmt, ...)
{
	if (level < log_min)
		return;
	char message[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap); /* truncation is acceptable here */
	va_end(ap);
	json_t *line = log_line_new(level, module, message);
	log_emit(line);
	json_decref(line);
}

void log_write_kv(enum log_level level, const char *module, const char *message,
		  const char *const *kv)
{
	if (level < log_min)
		return;
	json_t *line = log_line_new(level, module, message);
	for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2) {
		json_t *v = json_string(kv[i + 1]);
		if (v)
			json_object_set_new(line, kv[i], v);
	}
	log_emit(line);
	json_decref(line);
}

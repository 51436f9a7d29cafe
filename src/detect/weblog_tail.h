/*
 * Following growing access-log files, as `tail -F` does: hands every new complete
 * line to a callback, and survives what log rotation does to the files. Rename
 * and a new file (logrotate's `create`, nginx's reopen on USR1): the renamed file
 * is read to its end and kept open for WEBLOG_TAIL_DRAIN_MS after the new one
 * appears (a writer may still be finishing its last lines there), the new file is
 * read from its start. Copy and truncate (`copytruncate`): a file shorter than
 * what was read is read again from 0. A file that does not exist yet, or cannot
 * be read, is retried on each pass and read from its start when it appears. A
 * partial last line waits in a bounded buffer for its newline. Wake-ups come from
 * inotify watches on the files' directories, with a timed pass as the backstop
 * (directories that do not exist yet, file systems without inotify).
 * Not thread-safe: one thread polls one tail.
 */
#ifndef CANHGAC_DETECT_WEBLOG_TAIL_H
#define CANHGAC_DETECT_WEBLOG_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEBLOG_TAIL_FILES_MAX 64
#define WEBLOG_TAIL_DRAIN_MS 5000
/* Bytes read from one file in one pass, so one busy file cannot starve the others
 * or a stop request. */
#define WEBLOG_TAIL_PASS_MAX (8u << 20)

enum weblog_tail_err {
	WEBLOG_TAIL_OK = 0,
	WEBLOG_TAIL_EINVAL = -1, /* empty or too long path, too many files */
	WEBLOG_TAIL_ENOMEM = -2,
};

/* One complete line (without its newline; line[len] is writable and '\0').
 * `too_long`: the line was longer than the bound and only its start is given;
 * the rest of it is skipped. The line is valid during the call only. */
typedef void (*weblog_tail_line_fn)(void *arg, const char *path, char *line, size_t len, bool too_long);

struct weblog_tail;

struct weblog_tail_stats {
	uint64_t bytes, lines, too_long;
	uint64_t rotations, truncations;
};

/* A new tail with no files; lines longer than `line_max` bytes are cut (too_long).
 * Returns 0 and *out (free with weblog_tail_free) or an error. */
int weblog_tail_new(size_t line_max, weblog_tail_line_fn fn, void *arg, struct weblog_tail **out);

void weblog_tail_free(struct weblog_tail *t);

/* Follows `path` (copied). `from_end`: a file that exists at the first pass is
 * read from its end (history is not replayed); one that appears later is always
 * read from its start. */
int weblog_tail_add(struct weblog_tail *t, const char *path, bool from_end);

/* One pass over every file: opens what appeared, reads what was appended, handles
 * rotation and truncation, and calls the callback for each complete line.
 * Returns true when a file had more to read than one pass takes (call again
 * without waiting). `now_ms` is a monotonic clock (drain deadlines). */
bool weblog_tail_poll(struct weblog_tail *t, int64_t now_ms);

/* Waits until a watched directory changes, `stop_fd` becomes readable, or
 * `timeout_ms` passes. Returns true when stop_fd is readable. */
bool weblog_tail_wait(struct weblog_tail *t, int stop_fd, int timeout_ms);

void weblog_tail_stats_get(const struct weblog_tail *t, struct weblog_tail_stats *out);

#endif

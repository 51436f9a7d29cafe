/*
 * Time for the whole program. Everything is stored as UTC unix seconds; people see
 * Asia/Ho_Chi_Minh. Vietnam has kept UTC+7 without daylight saving since 1975, so
 * the local day is computed with a fixed +07:00 offset rather than through the
 * process-global TZ machinery of libc (which is not thread-safe to switch).
 * Tests inject a clock with clock_set_fake().
 */
#ifndef CANHGAC_CORE_CLOCK_H
#define CANHGAC_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_VN_OFFSET_SECONDS (7 * 3600)

/* Current UTC unix seconds (or the fake time when one is set). */
int64_t clock_now(void);

/* Current UTC time in milliseconds (monotonic fakes follow the fake seconds). */
int64_t clock_now_ms(void);

/* Milliseconds of CLOCK_MONOTONIC: for timeouts and intervals, which a change of
 * the wall clock must not stretch or cut (never faked). */
int64_t clock_mono_ms(void);

/* Sets a fake time for tests; 0 restores the real clock. Thread-safe. */
void clock_set_fake(int64_t unix_seconds);

/* Local day number in Asia/Ho_Chi_Minh: days since 1970-01-01 local. Quotas and
 * holidays count in these days. */
int64_t clock_local_day(int64_t unix_seconds);

/* UTC unix seconds of the first second of local day `day`. */
int64_t clock_local_day_start(int64_t day);

/* Local calendar date of a time: year, month 1-12, day 1-31, weekday 0=Sunday. */
void clock_local_date(int64_t unix_seconds, int *year, int *month, int *mday, int *wday);

/* Seconds since local midnight (0..86399). */
int clock_local_seconds_of_day(int64_t unix_seconds);

/* Writes "2026-11-23T02:15:00Z". Returns 0, or -1 if `size` is too small (< 21). */
int clock_format_rfc3339(int64_t unix_seconds, char *out, size_t size);

/* Writes the local date "YYYY-MM-DD". Returns 0 or -1 if `size` < 11. */
int clock_format_local_date(int64_t unix_seconds, char *out, size_t size);

/* The local day number of the calendar date y-m-d (m 1..12, d 1..31, valid). */
int64_t clock_days_from_civil(int y, int m, int d);

/* Parses "YYYY-MM-DD" as a local date; returns 0 and its local day number, or -1. */
int clock_parse_local_date(const char *s, int64_t *day);

/* Parses RFC 3339 ("...Z" or with a ±hh:mm offset) into unix seconds; 0 or -1. */
int clock_parse_rfc3339(const char *s, int64_t *out);

#endif

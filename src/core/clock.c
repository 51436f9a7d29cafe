/*
 * UTC clock with a test override, and civil-date arithmetic for the fixed
 * Asia/Ho_Chi_Minh offset. Date conversion uses the days-from-civil algorithm
 * (proleptic Gregorian), which needs neither TZ nor locale.
 */
#include "core/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t clock_fake;

int64_t clock_now(void)
{
	int64_t fake = atomic_load(&clock_fake);
	if (fake)
		return fake;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int64_t clock_now_ms(void)
{
	int64_t fake = atomic_load(&clock_fake);
	if (fake)
		return fake * 1000;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_set_fake(int64_t unix_seconds)
{
	atomic_store(&clock_fake, unix_seconds);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int64_t clock_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t clock_local_day(int64_t t)
{
	return floor_div(t + CLOCK_VN_OFFSET_SECONDS, 86400);
}

int64_t clock_local_day_start(int64_t day)
{
	return day * 86400 - CLOCK_VN_OFFSET_SECONDS;
}

void clock_local_date(int64_t t, int *year, int *month, int *mday, int *wday)
{
	int64_t day = clock_local_day(t);
	civil_from_days(day, year, month, mday);
	if (wday) {
		int64_t w = (day + 4) % 7; /* 1970-01-01 was a Thursday */
		*wday = (int)(w < 0 ? w + 7 : w);
	}
}

int clock_local_seconds_of_day(int64_t t)
{
	int64_t s = (t + CLOCK_VN_OFFSET_SECONDS) % 86400;
	return (int)(s < 0 ? s + 86400 : s);
}

int clock_format_rfc3339(int64_t t, char *out, size_t size)
{
	int y, mo, d;
	int64_t day = floor_div(t, 86400);
	int64_t sec = t - day * 86400;
	civil_from_days(day, &y, &mo, &d);
	int n = snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d,
			 (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int clock_format_local_date(int64_t t, char *out, size_t size)
{
	int y, mo, d;
	clock_local_date(t, &y, &mo, &d, NULL);
	int n = snprintf(out, size, "%04d-%02d-%02d", y, mo, d);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : dm[m - 1];
}

static int parse_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_date(const char *s, int *y, int *m, int *d)
{
	if (parse_digits(s, 4, y) || s[4] != '-' || parse_digits(s + 5, 2, m) || s[7] != '-' ||
	    parse_digits(s + 8, 2, d))
		return -1;
	if (*y < 1900 || *y > 9999 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int clock_parse_local_date(const char *s, int64_t *day)
{
	int y, m, d;
	if (!s || strlen(s) != 10 || parse_date(s, &y, &m, &d))
		return -1;
	*day = clock_days_from_civil(y, m, d);
	return 0;
}

int clock_parse_rfc3339(const char *s, int64_t *out)
{
	int y, mo, d, hh, mm, ss;
	if (!s || strlen(s) < 20 || parse_date(s, &y, &mo, &d))
		return -1;
	if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || parse_digits(s + 11, 2, &hh) ||
	    s[13] != ':' || parse_digits(s + 14, 2, &mm) || s[16] != ':' ||
	    parse_digits(s + 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60)
		return -1;
	const char *p = s + 19;
	if (*p == '.') { /* fractional seconds are accepted and dropped */
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	int64_t offset = 0;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		offset = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh, om;
		if (parse_digits(p + 1, 2, &oh) || parse_digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
	} else {
		return -1;
	}
	*out = clock_days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss - offset;
	return 0;
}

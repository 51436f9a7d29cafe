/*
 * Working hours and Vietnam's public holidays, in local days (Asia/Ho_Chi_Minh).
 * The fixed holidays of the 2019 Labour Code (art. 112): 1 January, 30 April,
 * 1 May, 2 September and the day before or after it (both 1 and 3 September are
 * watched as holidays: the government names one each year, and a stricter watch
 * on the other costs little). The lunar ones: Tết (the last day of the lunar year
 * and the 1st to 4th days of the first month) and Giỗ Tổ Hùng Vương (10th day of
 * the 3rd month), from a table of solar dates computed with Hồ Ngọc Đức's
 * Vietnamese lunar-calendar algorithm at UTC+7 (2030's Tết is 2 February in
 * Vietnam, a day before China's). Beyond 2035, and for compensatory days off,
 * operators list dates in [workhours] holidays.
 */
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/config.h"
#include "detect/detect.h"

struct lunar_year {
	int year;
	int tet_month, tet_day;   /* 1st day of the 1st lunar month */
	int gio_month, gio_day;   /* 10th day of the 3rd lunar month */
};

static const struct lunar_year lunar_table[] = {
	{2024, 2, 10, 4, 18}, {2025, 1, 29, 4, 7},  {2026, 2, 17, 4, 26}, {2027, 2, 6, 4, 16},
	{2028, 1, 26, 4, 4},  {2029, 2, 13, 4, 23}, {2030, 2, 2, 4, 12},  {2031, 1, 23, 4, 1},
	{2032, 2, 11, 4, 19}, {2033, 1, 31, 4, 9},  {2034, 2, 19, 4, 28}, {2035, 2, 8, 4, 17},
};

static int match_date(const char *item, void *arg)
{
	int64_t day;
	return clock_parse_local_date(item, &day) == 0 && day == *(int64_t *)arg;
}

bool detect_is_holiday(const struct config *cfg, int64_t t)
{
	int y, m, d, wd;
	clock_local_date(t, &y, &m, &d, &wd);
	if ((m == 1 && d == 1) || (m == 4 && d == 30) || (m == 5 && d == 1) || (m == 9 && d >= 1 && d <= 3))
		return true;
	int64_t day = clock_local_day(t);
	for (size_t i = 0; i < sizeof lunar_table / sizeof lunar_table[0]; i++) {
		const struct lunar_year *l = &lunar_table[i];
		if (l->year != y && l->year != y + 1)
			continue;
		int64_t tet = clock_days_from_civil(l->year, l->tet_month, l->tet_day);
		if (day >= tet - 1 && day <= tet + 3)
			return true;
		if (l->year == y && day == clock_days_from_civil(y, l->gio_month, l->gio_day))
			return true;
	}
	return cfg && cfg->workhours.holidays[0] && config_list_each(cfg->workhours.holidays, match_date, &day) == 1;
}

static int hhmm_seconds(const char *s)
{
	return ((s[0] - '0') * 10 + (s[1] - '0')) * 3600 + ((s[3] - '0') * 10 + (s[4] - '0')) * 60;
}

static int day_of(const char *s)
{
	static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	for (int i = 0; i < 7; i++)
		if (strncasecmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

/* One item of [workhours] days ("mon-fri" or "sat"): 1 when wday is in it. */
static int match_day(const char *item, void *arg)
{
	int wd = *(int *)arg;
	int a = day_of(item), b = a;
	const char *dash = strchr(item, '-');
	if (dash)
		b = day_of(dash + 1);
	if (a < 0 || b < 0)
		return 0;
	return a <= b ? (wd >= a && wd <= b) : (wd >= a || wd <= b);
}

bool detect_in_workhours(const struct config *cfg, int64_t t)
{
	int y, m, d, wd;
	clock_local_date(t, &y, &m, &d, &wd);
	if (detect_is_holiday(cfg, t))
		return false;
	if (config_list_each(cfg->workhours.days, match_day, &wd) != 1)
		return false;
	int sec = clock_local_seconds_of_day(t);
	return sec >= hhmm_seconds(cfg->workhours.start) && sec < hhmm_seconds(cfg->workhours.end);
}

int detect_workday_seconds(const struct config *cfg)
{
	int s = hhmm_seconds(cfg->workhours.end) - hhmm_seconds(cfg->workhours.start);
	return s > 0 ? s : 3600;
}

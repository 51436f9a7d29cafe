/*
 * Citizen id rules. The province list is read once from the embedded
 * data/provinces.csv (pthread_once), so validation itself touches no file and
 * allocates nothing. The century digit encodes sex in its parity and the century
 * in its half: 0/1 1900s, 2/3 2000s, 4/5 2100s, 6/7 2200s, 8/9 1800s.
 */
#include "lookup/citizen_id.h"

#include <pthread.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "lookup/refdata.h"

#define PROVINCES_MAX 128

struct province {
	char code[4];
	char name[CITIZEN_PROVINCE_NAME_MAX];
};

static struct province provinces[PROVINCES_MAX];
static size_t n_provinces;
static pthread_once_t provinces_once = PTHREAD_ONCE_INIT;

static int province_row(const struct refdata_row *row, void *arg)
{
	(void)arg;
	const char *code = row->field[0];
	if (row->nfields != 2 || strlen(code) != 3 || strspn(code, "0123456789") != 3 ||
	    strlen(row->field[1]) >= CITIZEN_PROVINCE_NAME_MAX || n_provinces == PROVINCES_MAX) {
		log_error("lookup", "data/provinces.csv line %d is malformed; ignored", row->line);
		return 0;
	}
	memcpy(provinces[n_provinces].code, code, 4);
	memcpy(provinces[n_provinces].name, row->field[1], strlen(row->field[1]) + 1);
	n_provinces++;
	return 0;
}

static void provinces_load(void)
{
	if (refdata_csv_each("provinces.csv", province_row, NULL) != 0 || n_provinces == 0)
		log_error("lookup", "data/provinces.csv is missing or unreadable: every citizen id will be refused");
}

static const struct province *province_find(const char *code3)
{
	pthread_once(&provinces_once, provinces_load);
	for (size_t i = 0; i < n_provinces; i++)
		if (memcmp(provinces[i].code, code3, 3) == 0)
			return &provinces[i];
	return NULL;
}

const char *citizen_province_name(const char *code)
{
	if (!code || strlen(code) != 3)
		return NULL;
	const struct province *p = province_find(code);
	return p ? p->name : NULL;
}

size_t citizen_province_count(void)
{
	pthread_once(&provinces_once, provinces_load);
	return n_provinces;
}

int citizen_province_at(size_t i, const char **code, const char **name)
{
	pthread_once(&provinces_once, provinces_load);
	if (i >= n_provinces)
		return -1;
	*code = provinces[i].code;
	*name = provinces[i].name;
	return 0;
}

/* First year of the century of each digit pair (digit / 2). */
static const int century_base[5] = {1900, 2000, 2100, 2200, 1800};

char citizen_id_century_digit(int birth_year, enum citizen_sex sex)
{
	for (int i = 0; i < 5; i++)
		if (birth_year >= century_base[i] && birth_year < century_base[i] + 100)
			return (char)('0' + 2 * i + (sex == CITIZEN_FEMALE));
	return 0;
}

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

int citizen_id_validate(const char *id, int64_t now, struct citizen_id_info *out, const char **why)
{
	if (!id)
		return fail(why, "missing");
	size_t n = strnlen(id, CITIZEN_ID_LEN + 1);
	if (n != CITIZEN_ID_LEN)
		return fail(why, "must be exactly 12 digits");
	for (size_t i = 0; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			return fail(why, "must contain only the digits 0-9");
	const struct province *p = province_find(id);
	if (!p)
		return fail(why, "unknown province code (first three digits)");
	int digit = id[3] - '0';
	int year = century_base[digit / 2] + (id[4] - '0') * 10 + (id[5] - '0');
	int cur_year, month, mday, wday;
	clock_local_date(now, &cur_year, &month, &mday, &wday);
	if (year > cur_year)
		return fail(why, "birth year is in the future");
	if (out) {
		memcpy(out->province_code, p->code, 4);
		memcpy(out->province_name, p->name, sizeof out->province_name);
		out->sex = (digit % 2) ? CITIZEN_FEMALE : CITIZEN_MALE;
		out->birth_year = year;
	}
	if (why)
		*why = NULL;
	return 0;
}

/*
 * The citizen identity number (số định danh cá nhân, printed on the căn cước):
 * 12 digits = the code of the province where the birth was registered (3, from
 * data/provinces.csv), a sex-and-century digit, the last two digits of the birth
 * year, and six random digits (Circular 07/2016/TT-BCA, as amended). This module
 * says whether a string can be such a number; it cannot say whether anyone holds
 * it. Pure functions over the embedded province list; thread-safe.
 */
#ifndef CANHGAC_LOOKUP_CITIZEN_ID_H
#define CANHGAC_LOOKUP_CITIZEN_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CITIZEN_ID_LEN 12
#define CITIZEN_PROVINCE_NAME_MAX 64

enum citizen_sex { CITIZEN_MALE = 0, CITIZEN_FEMALE = 1 };

struct citizen_id_info {
	char province_code[4];                        /* "075" */
	char province_name[CITIZEN_PROVINCE_NAME_MAX]; /* "Đồng Nai" */
	enum citizen_sex sex;
	int birth_year;                               /* 1800..2299 */
};

/* Validates `id` against the rules above, with `now` (UTC unix seconds) deciding
 * the current local year: a birth year after it is invalid. Returns 0 and fills
 * `out` (may be NULL), or -1 with a short English reason in *why (static storage;
 * `why` may be NULL). Never reads more than CITIZEN_ID_LEN + 1 bytes of `id`. */
int citizen_id_validate(const char *id, int64_t now, struct citizen_id_info *out, const char **why);

/* The sex-and-century digit for a birth year and sex: '0'..'9', or 0 when the
 * year is outside 1800..2299. */
char citizen_id_century_digit(int birth_year, enum citizen_sex sex);

/* Name of a 3-digit province code, or NULL when the code is not in the list.
 * Static storage. */
const char *citizen_province_name(const char *code);

/* The province list in file order: code and name of entry i < count, or -1. */
int citizen_province_at(size_t i, const char **code, const char **name);
size_t citizen_province_count(void);

#endif

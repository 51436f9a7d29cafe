/*
 * The citizen fields: the names under which a citizen's data travels inside
 * canhgac and in API answers, whatever the backend calls them. A procedure names
 * a subset of these; nothing else ever leaves the server. docs/LOOKUPS.md lists
 * them with their meaning and value formats.
 */
#ifndef CANHGAC_LOOKUP_CITIZEN_FIELDS_H
#define CANHGAC_LOOKUP_CITIZEN_FIELDS_H

enum citizen_field {
	CF_CITIZEN_ID = 0,
	CF_FULL_NAME,
	CF_DATE_OF_BIRTH,
	CF_SEX,
	CF_NATIONALITY,
	CF_ETHNICITY,
	CF_RELIGION,
	CF_PLACE_OF_ORIGIN,
	CF_PLACE_OF_BIRTH,
	CF_PERMANENT_ADDRESS,
	CF_CURRENT_ADDRESS,
	CF_HOUSEHOLD_ID,
	CF_HOUSEHOLD_HEAD,
	CF_RELATION_TO_HEAD,
	CF_MARITAL_STATUS,
	CF_COUNT
};

/* The longest value of any field, in bytes (addresses); longer values are refused. */
#define CITIZEN_FIELD_VALUE_MAX 512

/* "citizen_id", "full_name", ...; NULL when f is out of range. Static storage. */
const char *citizen_field_name(enum citizen_field f);

/* The field called `name`, or -1 when there is none. */
int citizen_field_find(const char *name);

#endif

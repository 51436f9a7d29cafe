/*
 * Names of the citizen fields, in enum order.
 */
#include "lookup/citizen_fields.h"

#include <string.h>

static const char *const field_names[CF_COUNT] = {
	[CF_CITIZEN_ID] = "citizen_id",
	[CF_FULL_NAME] = "full_name",
	[CF_DATE_OF_BIRTH] = "date_of_birth",
	[CF_SEX] = "sex",
	[CF_NATIONALITY] = "nationality",
	[CF_ETHNICITY] = "ethnicity",
	[CF_RELIGION] = "religion",
	[CF_PLACE_OF_ORIGIN] = "place_of_origin",
	[CF_PLACE_OF_BIRTH] = "place_of_birth",
	[CF_PERMANENT_ADDRESS] = "permanent_address",
	[CF_CURRENT_ADDRESS] = "current_address",
	[CF_HOUSEHOLD_ID] = "household_id",
	[CF_HOUSEHOLD_HEAD] = "household_head",
	[CF_RELATION_TO_HEAD] = "relation_to_head",
	[CF_MARITAL_STATUS] = "marital_status",
};

const char *citizen_field_name(enum citizen_field f)
{
	return ((int)f >= 0 && f < CF_COUNT) ? field_names[f] : NULL;
}

int citizen_field_find(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < CF_COUNT; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}

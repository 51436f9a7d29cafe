/*
 * Generating the synthetic population, household by household: a head, perhaps
 * a spouse, children and a parent of the head, sharing an address in a ward or
 * commune of Đồng Nai, a household id, an ethnic group and usually a religion.
 * Children carry their father's family name and home town; a spouse keeps their
 * own family name (as Vietnamese custom has it). Most people were born in Đồng
 * Nai (province code 075); some heads and spouses came from other provinces and
 * their ids carry that province. Each id is redrawn until unique (an open-
 * addressing set of the 12-digit numbers). Rows go to the store in batches of
 * POPULATION_BATCH, one transaction each. Every random choice comes from one
 * seeded stream in a fixed order, so a seed means one population.
 */
#include "lookup/population_generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup/citizen_id.h"
#include "lookup/population_gen_int.h"
#include "store/store.h"

#define HOME_PROVINCE "075"
#define HOME_PROVINCE_NAME "Tỉnh Đồng Nai"
#define BIRTH_YEAR_MIN 1910
#define BIRTH_YEAR_MAX 2024

enum { L_FAMILY, L_MID_M_OLD, L_MID_M_NEW, L_MID_F_OLD, L_MID_F_NEW, L_GIVEN_M, L_GIVEN_F,
       L_ETHNIC, L_RELIGION, L_PLACE, L_COUNT };

struct gen {
	struct gen_rng rng;
	struct gen_list lists[L_COUNT];
	uint64_t *ids;          /* the set of ids drawn so far; 0 = empty slot */
	size_t ids_mask;
	struct store_citizen *batch;
	size_t in_batch;
	int64_t wanted, made, households;
	struct store_population_build *build;
};

/* One person before they become a row. */
struct person {
	enum citizen_sex sex;
	int year;
	char province[4];       /* of birth registration */
	char family[GEN_ITEM_MAX];
	char origin[STORE_CITIZEN_PLACE_MAX];
	const char *relation;
	const char *marital;
};

/* Text fields shared by the members of a household. */
struct household {
	char id[32];
	char head_name[STORE_CITIZEN_NAME_MAX];
	char address[STORE_CITIZEN_PLACE_MAX];
	char district[GEN_ITEM_MAX];
	const char *ethnicity, *religion;
};

static int ids_insert(struct gen *g, uint64_t id)
{
	size_t i = (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 20) & g->ids_mask;
	while (g->ids[i]) {
		if (g->ids[i] == id)
			return -1;
		i = (i + 1) & g->ids_mask;
	}
	g->ids[i] = id;
	return 0;
}

static const char *province_prefixed(const char *name, char *buf, size_t size)
{
	static const char *const cities[] = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ"};
	if (strncmp(name, "TP ", 3) == 0) {
		snprintf(buf, size, "Thành phố %s", name + 3);
		return buf;
	}
	for (size_t i = 0; i < sizeof cities / sizeof cities[0]; i++)
		if (strcmp(name, cities[i]) == 0) {
			snprintf(buf, size, "Thành phố %s", name);
			return buf;
		}
	snprintf(buf, size, "Tỉnh %s", name);
	return buf;
}

/* A province other than Đồng Nai, uniformly. */
static void pick_other_province(struct gen *g, char code[4])
{
	size_t n = citizen_province_count();
	const char *c, *name;
	do {
		citizen_province_at((size_t)gen_rng_below(&g->rng, n), &c, &name);
	} while (strcmp(c, HOME_PROVINCE) == 0);
	memcpy(code, c, 4);
}

/* Home town (quê quán): a commune of Đồng Nai or, for families from elsewhere, their province. */
static void pick_origin(struct gen *g, const char *province, char *out, size_t size)
{
	char buf[128];
	if (strcmp(province, HOME_PROVINCE) == 0 && gen_rng_chance(&g->rng, 60)) {
		const struct gen_item *pl = gen_list_pick(&g->lists[L_PLACE], &g->rng);
		snprintf(out, size, "%s, %s, %s", pl->name, pl->extra, HOME_PROVINCE_NAME);
		return;
	}
	char code[4];
	if (strcmp(province, HOME_PROVINCE) == 0)
		pick_other_province(g, code);
	else
		memcpy(code, province, 4);
	snprintf(out, size, "%s", province_prefixed(citizen_province_name(code), buf, sizeof buf));
}

static void make_address(struct gen *g, char *out, size_t size, char *district, size_t dsize)
{
	const struct gen_item *pl = gen_list_pick(&g->lists[L_PLACE], &g->rng);
	int number = gen_rng_range(&g->rng, 1, 350);
	if (strncmp(pl->name, "Xã ", strlen("Xã ")) == 0)
		snprintf(out, size, "Số %d, Ấp %d, %s, %s, %s", number, gen_rng_range(&g->rng, 1, 12), pl->name,
			 pl->extra, HOME_PROVINCE_NAME);
	else
		snprintf(out, size, "Số %d, Tổ %d, Khu phố %d, %s, %s, %s", number, gen_rng_range(&g->rng, 1, 40),
			 gen_rng_range(&g->rng, 1, 12), pl->name, pl->extra, HOME_PROVINCE_NAME);
	if (district)
		snprintf(district, dsize, "%s", pl->extra);
}

static int days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

static void full_name(struct gen *g, const struct person *p, char *out, size_t size)
{
	int young = p->year >= 1980;
	int mid = p->sex == CITIZEN_MALE ? (young ? L_MID_M_NEW : L_MID_M_OLD) : (young ? L_MID_F_NEW : L_MID_F_OLD);
	const char *m = gen_list_pick(&g->lists[mid], &g->rng)->name;
	const char *given = gen_list_pick(&g->lists[p->sex == CITIZEN_MALE ? L_GIVEN_M : L_GIVEN_F], &g->rng)->name;
	snprintf(out, size, "%s %s %s", p->family, m, given);
}

static int flush_batch(struct gen *g, char *why, size_t why_size)
{
	if (g->in_batch == 0)
		return 0;
	int rc = store_population_add(g->build, g->batch, g->in_batch);
	if (rc) {
		snprintf(why, why_size, "writing synthetic citizens failed: %s%s", store_strerror(rc),
			 rc == STORE_ECONFLICT ? " (an id is already used by a non-synthetic citizen)" : "");
		return -1;
	}
	g->in_batch = 0;
	return 0;
}

/* Turns a person into a row of the batch (flushing a full batch first). */
static int emit(struct gen *g, const struct person *p, const struct household *h, char *name_out,
		char *why, size_t why_size)
{
	if (g->in_batch == POPULATION_BATCH && flush_batch(g, why, why_size))
		return -1;
	struct store_citizen *c = &g->batch[g->in_batch];
	memset(c, 0, sizeof *c);
	uint64_t number;
	do {
		snprintf(c->citizen_id, sizeof c->citizen_id, "%s%c%02d%06d", p->province,
			 citizen_id_century_digit(p->year, p->sex), p->year % 100,
			 (int)gen_rng_below(&g->rng, 1000000));
		number = strtoull(c->citizen_id, NULL, 10);
	} while (ids_insert(g, number + 1) != 0); /* +1: the id 000... must not look like an empty slot */
	full_name(g, p, c->full_name, sizeof c->full_name);
	if (name_out)
		memcpy(name_out, c->full_name, sizeof c->full_name);
	int month = gen_rng_range(&g->rng, 1, 12);
	snprintf(c->date_of_birth, sizeof c->date_of_birth, "%04d-%02d-%02d", p->year, month,
		 gen_rng_range(&g->rng, 1, days_in(p->year, month)));
	snprintf(c->sex, sizeof c->sex, "%s", p->sex == CITIZEN_MALE ? "male" : "female");
	snprintf(c->nationality, sizeof c->nationality, "Việt Nam");
	snprintf(c->ethnicity, sizeof c->ethnicity, "%s", h->ethnicity);
	snprintf(c->religion, sizeof c->religion, "%s",
		 gen_rng_chance(&g->rng, 85) ? h->religion : gen_list_pick(&g->lists[L_RELIGION], &g->rng)->name);
	snprintf(c->place_of_origin, sizeof c->place_of_origin, "%s", p->origin);
	char buf[128];
	if (strcmp(p->province, HOME_PROVINCE) == 0)
		snprintf(c->place_of_birth, sizeof c->place_of_birth, "%s, %s", h->district, HOME_PROVINCE_NAME);
	else
		snprintf(c->place_of_birth, sizeof c->place_of_birth, "%s",
			 province_prefixed(citizen_province_name(p->province), buf, sizeof buf));
	snprintf(c->permanent_address, sizeof c->permanent_address, "%s", h->address);
	if (gen_rng_chance(&g->rng, 8)) /* living elsewhere in the province (tạm trú) */
		make_address(g, c->current_address, sizeof c->current_address, NULL, 0);
	else
		snprintf(c->current_address, sizeof c->current_address, "%s", h->address);
	snprintf(c->household_id, sizeof c->household_id, "%s", h->id);
	snprintf(c->household_head, sizeof c->household_head, "%s", name_out ? c->full_name : h->head_name);
	snprintf(c->relation_to_head, sizeof c->relation_to_head, "%s", p->relation);
	snprintf(c->marital_status, sizeof c->marital_status, "%s", p->marital);
	c->synthetic = true;
	g->in_batch++;
	g->made++;
	return 0;
}

static void adult(struct gen *g, struct person *p, enum citizen_sex sex, int year, int migrant_pct)
{
	memset(p, 0, sizeof *p);
	p->sex = sex;
	p->year = year < BIRTH_YEAR_MIN ? BIRTH_YEAR_MIN : year > BIRTH_YEAR_MAX ? BIRTH_YEAR_MAX : year;
	if (gen_rng_chance(&g->rng, migrant_pct))
		pick_other_province(g, p->province);
	else
		memcpy(p->province, HOME_PROVINCE, 4);
	snprintf(p->family, sizeof p->family, "%s", gen_list_pick(&g->lists[L_FAMILY], &g->rng)->name);
	pick_origin(g, p->province, p->origin, sizeof p->origin);
}

static int household(struct gen *g, char *why, size_t why_size)
{
	static const int size_pct[] = {10, 18, 24, 26, 14, 8}; /* 1..6 members */
	struct household h = {0};
	struct person head, spouse, father, kid;
	int size = 1, roll = gen_rng_range(&g->rng, 0, 99);
	for (int acc = size_pct[0]; roll >= acc && size < 6; acc += size_pct[size], size++)
		;
	g->households++;
	snprintf(h.id, sizeof h.id, "HGD-%08lld", (long long)g->households);
	make_address(g, h.address, sizeof h.address, h.district, sizeof h.district);
	h.ethnicity = gen_list_pick(&g->lists[L_ETHNIC], &g->rng)->name;
	h.religion = gen_list_pick(&g->lists[L_RELIGION], &g->rng)->name;

	enum citizen_sex hsex = gen_rng_chance(&g->rng, 70) ? CITIZEN_MALE : CITIZEN_FEMALE;
	adult(g, &head, hsex, gen_rng_range(&g->rng, 1945, 2000), 25);
	head.relation = "Chủ hộ";
	int married = size >= 2 && gen_rng_chance(&g->rng, 85);
	static const char *const alone[] = {"Chưa kết hôn", "Ly hôn", "Góa"};
	head.marital = married ? "Đã kết hôn" : alone[gen_rng_below(&g->rng, 3)];
	if (emit(g, &head, &h, h.head_name, why, why_size))
		return -1;
	int members = 1;
	father = head;
	if (married && g->made < g->wanted) {
		adult(g, &spouse, hsex == CITIZEN_MALE ? CITIZEN_FEMALE : CITIZEN_MALE,
		      head.year + gen_rng_range(&g->rng, -6, 6), 20);
		spouse.relation = hsex == CITIZEN_MALE ? "Vợ" : "Chồng";
		spouse.marital = "Đã kết hôn";
		if (emit(g, &spouse, &h, NULL, why, why_size))
			return -1;
		members++;
		if (spouse.sex == CITIZEN_MALE)
			father = spouse;
	}
	int elder = size >= 5 && head.year - 25 >= BIRTH_YEAR_MIN + 5 && gen_rng_chance(&g->rng, 40);
	for (; members < size - elder && g->made < g->wanted; members++) {
		memset(&kid, 0, sizeof kid);
		kid.sex = gen_rng_chance(&g->rng, 51) ? CITIZEN_MALE : CITIZEN_FEMALE;
		kid.year = head.year + gen_rng_range(&g->rng, 20, 40);
		if (kid.year > BIRTH_YEAR_MAX)
			kid.year = BIRTH_YEAR_MAX - (int)gen_rng_below(&g->rng, 5);
		memcpy(kid.province, gen_rng_chance(&g->rng, 92) ? HOME_PROVINCE : head.province, 4);
		memcpy(kid.family, father.family, sizeof kid.family);
		memcpy(kid.origin, father.origin, sizeof kid.origin);
		kid.relation = "Con";
		/* grown children often stay in their parents' household, some married */
		kid.marital = BIRTH_YEAR_MAX - kid.year >= 25 && gen_rng_chance(&g->rng, 40) ? "Đã kết hôn"
											  : "Chưa kết hôn";
		if (emit(g, &kid, &h, NULL, why, why_size))
			return -1;
	}
	if (elder && g->made < g->wanted) {
		struct person parent;
		adult(g, &parent, gen_rng_chance(&g->rng, 65) ? CITIZEN_FEMALE : CITIZEN_MALE,
		      head.year - gen_rng_range(&g->rng, 20, 35), 0);
		memcpy(parent.province, head.province, 4);
		if (parent.sex == CITIZEN_MALE || hsex == CITIZEN_MALE)
			memcpy(parent.origin, head.origin, sizeof parent.origin);
		if (parent.sex == CITIZEN_MALE && hsex == CITIZEN_MALE)
			memcpy(parent.family, head.family, sizeof parent.family);
		parent.relation = parent.sex == CITIZEN_MALE ? "Cha" : "Mẹ";
		parent.marital = gen_rng_chance(&g->rng, 60) ? "Góa" : "Đã kết hôn";
		if (emit(g, &parent, &h, NULL, why, why_size))
			return -1;
	}
	return 0;
}

static int load_lists(struct gen *g)
{
	return gen_list_load(&g->lists[L_FAMILY], "names_family.csv", 1, 0, -1) ||
	       gen_list_load(&g->lists[L_MID_M_OLD], "names_middle.csv", 2, 'M', -1) ||
	       gen_list_load(&g->lists[L_MID_M_NEW], "names_middle.csv", 3, 'M', -1) ||
	       gen_list_load(&g->lists[L_MID_F_OLD], "names_middle.csv", 2, 'F', -1) ||
	       gen_list_load(&g->lists[L_MID_F_NEW], "names_middle.csv", 3, 'F', -1) ||
	       gen_list_load(&g->lists[L_GIVEN_M], "names_given.csv", 2, 'M', -1) ||
	       gen_list_load(&g->lists[L_GIVEN_F], "names_given.csv", 2, 'F', -1) ||
	       gen_list_load(&g->lists[L_ETHNIC], "ethnicities.csv", 1, 0, -1) ||
	       gen_list_load(&g->lists[L_RELIGION], "religions.csv", 1, 0, -1) ||
	       gen_list_load(&g->lists[L_PLACE], "dongnai_places.csv", 2, 0, 1) ||
	       citizen_province_count() < 2 || !citizen_province_name(HOME_PROVINCE);
}

int population_generate(struct store *st, int64_t count, uint64_t seed,
			struct population_generate_stats *stats, char *why, size_t why_size)
{
	int rc = -1;
	struct gen *g = NULL;
	if (stats)
		memset(stats, 0, sizeof *stats);
	if (!st || count < 1 || count > POPULATION_GENERATE_MAX) {
		snprintf(why, why_size, "the count must be from 1 to %d", POPULATION_GENERATE_MAX);
		return -1;
	}
	size_t cap = 1024;
	while (cap < (size_t)count * 2) /* the id set stays under half full */
		cap *= 2;
	g = calloc(1, sizeof *g);
	if (g) {
		g->ids = calloc(cap, sizeof *g->ids);
		g->ids_mask = cap - 1;
		g->batch = malloc(POPULATION_BATCH * sizeof *g->batch);
	}
	if (!g || !g->ids || !g->batch) {
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	if (load_lists(g)) {
		snprintf(why, why_size, "the name, place or province lists in data/ are missing or malformed");
		goto out;
	}
	g->wanted = count;
	gen_rng_seed(&g->rng, seed);
	int64_t deleted = 0;
	int src = store_population_begin(st, STORE_POP_KEEP_REAL, &g->build);
	if (src) {
		snprintf(why, why_size, "%s",
			 src == STORE_EBUSY ? "another 'population generate' is writing the population; wait for it"
					    : "cannot start a new population file (see the log)");
		goto out;
	}
	while (g->made < g->wanted)
		if (household(g, why, why_size))
			goto out;
	if (flush_batch(g, why, why_size))
		goto out;
	src = store_population_commit(g->build, &deleted);
	g->build = NULL;
	if (src) {
		snprintf(why, why_size, "cannot put the new population file in place durably (see the log)");
		goto out;
	}
	if (stats) {
		stats->deleted = deleted;
		stats->inserted = g->made;
		stats->households = g->households;
	}
	rc = 0;
out:
	if (g) {
		store_population_abort(g->build);
		for (int i = 0; i < L_COUNT; i++)
			gen_list_free(&g->lists[i]);
		free(g->ids);
		free(g->batch);
		free(g);
	}
	return rc;
}

/*
 * The generator's building blocks: xoshiro256** with splitmix64 seeding, and
 * weighted lists loaded from the embedded CSV files of data/. Weights are kept
 * as integer hundredths so that a pick is the same on every platform (no
 * floating-point rounding in the choice).
 */
#include <stdlib.h>
#include <string.h>

#include "lookup/population_gen_int.h"
#include "lookup/refdata.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t gen_rng_below(struct gen_rng *r, uint64_t n)
{
	/* reject the top sliver that would make low values more likely */
	uint64_t threshold = (0 - n) % n;
	for (;;) {
		uint64_t x = gen_rng_next(r);
		if (x >= threshold)
			return x % n;
	}
}

int gen_rng_range(struct gen_rng *r, int lo, int hi)
{
	return lo + (int)gen_rng_below(r, (uint64_t)(hi - lo + 1));
}

int gen_rng_chance(struct gen_rng *r, int percent)
{
	return (int)gen_rng_below(r, 100) < percent;
}

struct load_ctx {
	struct gen_list *l;
	int weight_col, extra_col;
	char sex;
	int bad;
};

/* "38.5" → 3850; -1 when not a non-negative decimal with at most two places. */
static long parse_hundredths(const char *s)
{
	long whole = 0, frac = 0;
	int places = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((whole = whole * 10 + (*p - '0')) > 100000000)
			return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && places < 2; p++, places++)
			frac = frac * 10 + (*p - '0');
	if (*p)
		return -1;
	while (places++ < 2)
		frac *= 10;
	return whole * 100 + frac;
}

static int load_row(const struct refdata_row *row, void *arg)
{
	struct load_ctx *c = arg;
	struct gen_list *l = c->l;
	if (row->nfields <= c->weight_col || row->nfields <= c->extra_col) {
		c->bad = 1;
		return -1;
	}
	if (c->sex && !(row->field[1][0] == c->sex && row->field[1][1] == '\0'))
		return 0;
	long w = parse_hundredths(row->field[c->weight_col]);
	if (w < 0 || strlen(row->field[0]) >= GEN_ITEM_MAX ||
	    (c->extra_col >= 0 && strlen(row->field[c->extra_col]) >= GEN_ITEM_MAX)) {
		c->bad = 1;
		return -1;
	}
	if (w == 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct gen_item *grown = realloc(l->items, cap * sizeof *grown);
		if (!grown) {
			c->bad = 1;
			return -1;
		}
		l->items = grown;
		l->cap = cap;
	}
	struct gen_item *it = &l->items[l->n];
	memset(it, 0, sizeof *it);
	memcpy(it->name, row->field[0], strlen(row->field[0]) + 1);
	if (c->extra_col >= 0)
		memcpy(it->extra, row->field[c->extra_col], strlen(row->field[c->extra_col]) + 1);
	it->cum = (l->n ? l->items[l->n - 1].cum : 0) + (uint64_t)w;
	l->n++;
	return 0;
}

int gen_list_load(struct gen_list *l, const char *file, int weight_col, char sex, int extra_col)
{
	memset(l, 0, sizeof *l);
	struct load_ctx c = {.l = l, .weight_col = weight_col, .extra_col = extra_col, .sex = sex};
	if (refdata_csv_each(file, load_row, &c) != 0 || c.bad || l->n == 0) {
		gen_list_free(l);
		return -1;
	}
	return 0;
}

void gen_list_free(struct gen_list *l)
{
	free(l->items);
	memset(l, 0, sizeof *l);
}

const struct gen_item *gen_list_pick(const struct gen_list *l, struct gen_rng *r)
{
	uint64_t x = gen_rng_below(r, l->items[l->n - 1].cum);
	size_t lo = 0, hi = l->n - 1;
	while (lo < hi) { /* first item whose cumulative weight exceeds x */
		size_t mid = (lo + hi) / 2;
		if (l->items[mid].cum > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return &l->items[lo];
}

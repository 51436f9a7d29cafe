/*
 * SQLite side of the embedded population. Reads are one indexed row by citizen
 * id; the bulk insert reuses one prepared statement inside one transaction, which
 * is what lets `population generate` write a million rows in seconds.
 */
#include <stddef.h>
#include <string.h>

#include "store/store_int.h"

#define CITIZEN_COLS                                                                           \
	"citizen_id, full_name, date_of_birth, sex, nationality, ethnicity, religion, "        \
	"place_of_origin, place_of_birth, permanent_address, current_address, household_id, " \
	"household_head, relation_to_head, marital_status, synthetic"

/* Column i of CITIZEN_COLS (but the last) is the char array at offset[i]. */
#define CF(f) {offsetof(struct store_citizen, f), sizeof(((struct store_citizen *)0)->f)}
static const struct {
	size_t offset, size;
} citizen_text_cols[] = {
	CF(citizen_id), CF(full_name), CF(date_of_birth), CF(sex), CF(nationality), CF(ethnicity),
	CF(religion), CF(place_of_origin), CF(place_of_birth), CF(permanent_address),
	CF(current_address), CF(household_id), CF(household_head), CF(relation_to_head),
	CF(marital_status),
};
#define N_TEXT_COLS (sizeof citizen_text_cols / sizeof citizen_text_cols[0])

int store_citizen_get(struct store *st, const char *citizen_id, struct store_citizen *out)
{
	sqlite3_stmt *s = NULL;
	struct store_rd rd;
	store_read_begin(st, &rd);
	int rc = store_rd_prepare(&rd, SC_CITIZEN_GET, "SELECT " CITIZEN_COLS " FROM population WHERE citizen_id = ?1", &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, citizen_id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		for (size_t i = 0; i < N_TEXT_COLS; i++) {
			char *dst = (char *)out + citizen_text_cols[i].offset;
			if (store_column_copy(s, (int)i, dst, citizen_text_cols[i].size)) {
				rc = STORE_ECORRUPT; /* a value longer than the schema allows */
				goto out;
			}
		}
		out->synthetic = sqlite3_column_int(s, (int)N_TEXT_COLS) != 0;
		rc = STORE_OK;
	} else {
		rc = step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(NULL, step, "citizen get");
	}
out:
	store_release(s);
	store_read_end(&rd);
	return rc;
}

int store_citizen_insert_many(struct store *st, const struct store_citizen *rows, size_t n)
{
	sqlite3_stmt *s = NULL;
	int began = 0;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "INSERT INTO population(" CITIZEN_COLS ") VALUES "
			       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
			       &s);
	if (rc)
		goto out;
	rc = store_exec(st, "BEGIN IMMEDIATE", "population begin");
	if (rc)
		goto out;
	began = 1;
	for (size_t r = 0; r < n; r++) {
		const struct store_citizen *c = &rows[r];
		for (size_t i = 0; i < N_TEXT_COLS; i++)
			sqlite3_bind_text(s, (int)i + 1, (const char *)c + citizen_text_cols[i].offset, -1,
					  SQLITE_STATIC);
		sqlite3_bind_int(s, (int)N_TEXT_COLS + 1, c->synthetic);
		int step = sqlite3_step(s);
		if (step != SQLITE_DONE) {
			rc = store_rc(st, step, "population insert");
			goto out;
		}
		sqlite3_reset(s);
	}
	rc = store_exec(st, "COMMIT", "population commit");
	began = rc != STORE_OK;
out:
	if (began)
		store_exec(st, "ROLLBACK", "population rollback");
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_citizen_delete_synthetic(struct store *st, int64_t *deleted)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "DELETE FROM population WHERE synthetic = 1", &s);
	if (rc)
		goto out;
	int step = sqlite3_step(s);
	rc = store_rc(st, step, "population delete");
	if (rc == STORE_OK && deleted)
		*deleted = sqlite3_changes64(st->db);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_citizen_count(struct store *st, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT count(*) FROM population", &s);
	if (rc)
		goto out;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	rc = step == SQLITE_ROW ? STORE_OK : store_rc(st, step, "population count");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_citizen_sample(struct store *st, int count, int (*fn)(const char *citizen_id, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	char id[16];
	if (count < 0)
		return STORE_EINVAL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT citizen_id FROM population ORDER BY random() LIMIT ?1", &s);
	if (rc)
		goto out;
	sqlite3_bind_int(s, 1, count);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (store_column_copy(s, 0, id, sizeof id))
			continue;
		if (fn(id, arg))
			break;
	}
	rc = store_rc(st, step, "population sample");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

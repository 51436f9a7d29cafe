/*
 * The upstream population backend: the national population database's gateway
 * over HTTP, asked through src/core/http_client.c. One GET {base}/citizens/{id}
 * per lookup, with a whole-request timeout, a client certificate, a pinned CA
 * file and a 256 KiB cap on the answer. The answer's keys are mapped to citizen
 * fields by the table below (docs/LOOKUPS.md); unknown keys are dropped. Nothing
 * the upstream says in an error (status text, body) reaches the caller or the
 * log: failures are logged as one short line of our own words and numbers.
 * Connections, DNS answers and TLS sessions are shared between threads by the
 * client, so a busy gateway does not pay a TLS handshake per lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/http_client.h"
#include "core/log.h"
#include "lookup/citizen_fields.h"
#include "lookup/population_int.h"

#define UPSTREAM_BODY_MAX (256 * 1024)

enum value_kind { V_TEXT, V_DATE, V_SEX };

/* Upstream key → citizen field. The gateway speaks Vietnamese camelCase. */
static const struct {
	const char *key;
	enum citizen_field field;
	enum value_kind kind;
} upstream_map[] = {
	{"soDinhDanh", CF_CITIZEN_ID, V_TEXT},
	{"hoVaTen", CF_FULL_NAME, V_TEXT},
	{"ngaySinh", CF_DATE_OF_BIRTH, V_DATE},
	{"gioiTinh", CF_SEX, V_SEX},
	{"quocTich", CF_NATIONALITY, V_TEXT},
	{"danToc", CF_ETHNICITY, V_TEXT},
	{"tonGiao", CF_RELIGION, V_TEXT},
	{"queQuan", CF_PLACE_OF_ORIGIN, V_TEXT},
	{"noiDangKyKhaiSinh", CF_PLACE_OF_BIRTH, V_TEXT},
	{"noiThuongTru", CF_PERMANENT_ADDRESS, V_TEXT},
	{"noiOHienTai", CF_CURRENT_ADDRESS, V_TEXT},
	{"soHoKhau", CF_HOUSEHOLD_ID, V_TEXT},
	{"hoTenChuHo", CF_HOUSEHOLD_HEAD, V_TEXT},
	{"quanHeVoiChuHo", CF_RELATION_TO_HEAD, V_TEXT},
	{"tinhTrangHonNhan", CF_MARITAL_STATUS, V_TEXT},
};
#define N_MAP (sizeof upstream_map / sizeof upstream_map[0])
_Static_assert(N_MAP == CF_COUNT, "every citizen field has an upstream key");

/* "dd/mm/yyyy" or "yyyy-mm-dd" → "yyyy-mm-dd" in out[11]; -1 when neither or not a date. */
static int normalise_date(const char *s, char out[11])
{
	if (strlen(s) == 10 && s[2] == '/' && s[5] == '/')
		snprintf(out, 11, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
	else if (strlen(s) == 10)
		memcpy(out, s, 11);
	else
		return -1;
	int64_t day;
	return clock_parse_local_date(out, &day);
}

static const char *normalise_sex(json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) == 1 ? "male" : json_integer_value(v) == 2 ? "female" : NULL;
	const char *s = json_string_value(v);
	if (!s)
		return NULL;
	if (!strcmp(s, "Nam") || !strcmp(s, "1") || !strcmp(s, "male"))
		return "male";
	if (!strcmp(s, "Nữ") || !strcmp(s, "2") || !strcmp(s, "female"))
		return "female";
	return NULL;
}

/* Maps the upstream object to a record; NULL when a value is malformed. `why`
 * gets our own words for the log line (never the upstream's). */
static json_t *map_record(json_t *in, const char *citizen_id, const char **why)
{
	json_t *out = json_object();
	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	for (size_t i = 0; i < N_MAP; i++) {
		json_t *v = json_object_get(in, upstream_map[i].key);
		if (!v || json_is_null(v))
			continue;
		const char *val = NULL;
		char date[11];
		if (upstream_map[i].kind == V_SEX) {
			val = normalise_sex(v);
		} else if (json_is_string(v) && json_string_length(v) <= CITIZEN_FIELD_VALUE_MAX) {
			val = json_string_value(v);
			if (upstream_map[i].kind == V_DATE)
				val = normalise_date(val, date) == 0 ? date : NULL;
		}
		if (!val) {
			*why = "a field has a value of the wrong type, length or format";
			goto bad;
		}
		if (json_object_set_new(out, citizen_field_name(upstream_map[i].field), json_string(val))) {
			*why = "out of memory";
			goto bad;
		}
	}
	const char *got = json_string_value(json_object_get(out, "citizen_id"));
	if (got && strcmp(got, citizen_id) != 0) {
		*why = "the answer is about another citizen id";
		goto bad;
	}
	if (!got && json_object_set_new(out, "citizen_id", json_string(citizen_id))) {
		*why = "out of memory";
		goto bad;
	}
	return out;
bad:
	json_decref(out);
	return NULL;
}

static void log_failure(const char *what, long detail)
{
	/* Our words and a number only: upstream text may carry anyone's data. */
	log_warn("population", "upstream: %s (%ld)", what, detail);
}

static int upstream_get(struct population *p, const char *citizen_id, uint32_t fields, json_t **record)
{
	(void)fields; /* the gateway answers whole records; the caller filters */
	struct http_client_answer ans;
	json_t *root = NULL;
	int rc = POP_EUPSTREAM;
	switch (http_client_get(p->impl, "/citizens/", citizen_id, &ans)) {
	case HTTP_CLIENT_OK:
		break;
	case HTTP_CLIENT_ETIMEOUT:
		log_failure("no answer within the timeout, ms", ans.detail);
		return POP_ETIMEOUT;
	case HTTP_CLIENT_ETOOLARGE:
		log_failure("answer larger than the cap, bytes", ans.detail);
		return POP_EUPSTREAM;
	case HTTP_CLIENT_EFAILED:
		log_failure("transfer failed, curl code", ans.detail);
		return POP_EUPSTREAM;
	default:
		return POP_EINTERNAL; /* out of memory */
	}
	if (ans.status == 404) {
		rc = POP_ENOTFOUND;
		goto out;
	}
	if (ans.status != 200) {
		log_failure("unexpected HTTP status", ans.status);
		goto out;
	}
	root = ans.body ? json_loadb(ans.body, ans.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *obj = root;
	if (json_is_object(json_object_get(root, "data")))
		obj = json_object_get(root, "data");
	if (!json_is_object(obj)) {
		log_failure("answer is not a JSON object, bytes", (long)ans.len);
		goto out;
	}
	const char *why = NULL;
	*record = map_record(obj, citizen_id, &why);
	if (!*record) {
		log_warn("population", "upstream: unusable answer: %s", why);
		goto out;
	}
	rc = POP_OK;
out:
	json_decref(root);
	free(ans.body);
	return rc;
}

static void upstream_close(struct population *p)
{
	http_client_close(p->impl);
	p->impl = NULL;
}

static const struct population_ops upstream_ops = {
	.name = "upstream",
	.get = upstream_get,
	.close = upstream_close,
};

int population_upstream_open(const struct config *cfg, struct population *p, char *why, size_t why_size)
{
	const struct http_client_config hc = {
		.section = "[population]",
		.url = cfg->population.upstream_url,
		.timeout_ms = cfg->population.upstream_timeout_ms > 0 ? cfg->population.upstream_timeout_ms : 5000,
		.cert = cfg->population.upstream_cert,
		.key = cfg->population.upstream_key,
		.ca = cfg->population.upstream_ca,
		.body_max = UPSTREAM_BODY_MAX,
	};
	struct http_client *c;
	if (http_client_open(&hc, &c, why, why_size))
		return -1;
	p->ops = &upstream_ops;
	p->impl = c;
	return 0;
}

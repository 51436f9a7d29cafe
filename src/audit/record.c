/*
 * One line of a segment. A record line is the canonical JSON of the record without
 * its hash (sorted keys, no whitespace) with `,"hash":"<hex>"}` put in place of the
 * closing brace, so the hashed bytes are exactly the line minus that suffix plus
 * "}" and no re-serialisation can blur what was signed. Parsing checks the
 * structure, the canonical form (so an edit that keeps the meaning but changes a
 * byte is still an edit) and the record's own hash; links between records are
 * the caller's business (verify.c, recover.c).
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"
#include "core/clock.h"

/* `,"hash":"` + 64 hex + `"}` */
#define HASH_SUFFIX_PREFIX ",\"hash\":\""
#define HASH_SUFFIX_LEN (sizeof HASH_SUFFIX_PREFIX - 1 + 2 * AUDIT_HASH_BYTES + 2)

void audit_record_hash(const unsigned char prev[AUDIT_HASH_BYTES], const char *body, size_t len,
		       unsigned char out[AUDIT_HASH_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, AUDIT_HASH_BYTES);
	crypto_generichash_update(&st, prev, AUDIT_HASH_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)body, len);
	crypto_generichash_final(&st, out, AUDIT_HASH_BYTES);
}

int audit_buf_add(struct audit_buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64 * 1024;
		while (cap < b->len + n)
			cap *= 2;
		char *nb = realloc(b->data, cap);
		if (!nb)
			return -1;
		b->data = nb;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

static int buf_sink(const char *s, size_t n, void *arg)
{
	return audit_buf_add(arg, s, n);
}

size_t audit_record_append(struct audit_buf *b, const json_t *rec, const unsigned char prev[AUDIT_HASH_BYTES],
			   unsigned char hash[AUDIT_HASH_BYTES], size_t max)
{
	size_t start = b->len;
	if (json_dump_callback(rec, buf_sink, b, AUDIT_JSON_FLAGS) != 0)
		goto fail;
	size_t n = b->len - start;
	if (n < 2 || b->data[b->len - 1] != '}' || n - 1 + HASH_SUFFIX_LEN + 1 > max)
		goto fail;
	audit_record_hash(prev, b->data + start, n, hash);
	char suffix[HASH_SUFFIX_LEN + 2];
	size_t at = sizeof HASH_SUFFIX_PREFIX - 1;
	memcpy(suffix, HASH_SUFFIX_PREFIX, at);
	sodium_bin2hex(suffix + at, 2 * AUDIT_HASH_BYTES + 1, hash, AUDIT_HASH_BYTES);
	at += 2 * AUDIT_HASH_BYTES;
	memcpy(suffix + at, "\"}\n", 3);
	at += 3;
	b->len--; /* the closing brace gives way to the hash */
	if (audit_buf_add(b, suffix, at) != 0)
		goto fail;
	return b->len - start;
fail:
	b->len = start;
	return 0;
}

char *audit_record_line(const json_t *rec, const unsigned char prev[AUDIT_HASH_BYTES],
			unsigned char hash[AUDIT_HASH_BYTES], size_t *len)
{
	struct audit_buf b = {0};
	size_t n = audit_record_append(&b, rec, prev, hash, SIZE_MAX);
	if (!n || audit_buf_add(&b, "", 1) != 0) {
		free(b.data);
		return NULL;
	}
	*len = n;
	return b.data;
}

int audit_hex_decode(const char *hex, unsigned char *out, size_t n)
{
	size_t got = 0;
	if (!hex || strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < 2 * n; i++) /* lower-case hex only: one spelling per value */
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return -1;
	if (sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, NULL) != 0 || got != n)
		return -1;
	return 0;
}

void audit_parsed_free(struct audit_parsed *p)
{
	if (p && p->json) {
		json_decref(p->json);
		p->json = NULL;
	}
}

static int get_time(json_t *obj, int64_t *out)
{
	const char *t = json_string_value(json_object_get(obj, "time"));
	return t && clock_parse_rfc3339(t, out) == 0 ? 0 : -1;
}

static int get_seq(json_t *obj, uint64_t *out)
{
	json_t *v = json_object_get(obj, "seq");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static bool string_or_null(json_t *v)
{
	return v && (json_is_string(v) || json_is_null(v));
}

static int parse_checkpoint(json_t *root, const char *line, size_t len, struct audit_parsed *out,
			    char *why, size_t why_size)
{
	json_t *cp = json_object_get(root, "checkpoint");
	char *canon = NULL;
	int rc = -1;
	if (json_object_size(root) != 1 || !json_is_object(cp) || json_object_size(cp) != 4 ||
	    get_seq(cp, &out->seq) || get_time(cp, &out->time) ||
	    audit_hex_decode(json_string_value(json_object_get(cp, "hash")), out->hash,
			     AUDIT_HASH_BYTES) ||
	    audit_hex_decode(json_string_value(json_object_get(cp, "sig")), out->sig,
			     AUDIT_SIGN_BYTES)) {
		snprintf(why, why_size, "malformed checkpoint line");
		goto out;
	}
	canon = json_dumps(root, AUDIT_JSON_FLAGS);
	if (!canon || strlen(canon) != len || memcmp(canon, line, len) != 0) {
		snprintf(why, why_size, "checkpoint line is not in canonical form (edited)");
		goto out;
	}
	out->kind = AUDIT_LINE_CHECKPOINT;
	out->json = json_incref(cp);
	rc = 0;
out:
	free(canon);
	return rc;
}

static int parse_record(json_t *root, const char *line, size_t len, struct audit_parsed *out,
			char *why, size_t why_size)
{
	static const char *const keys[] = {"actor", "agency", "hash", "ip",   "payload",
					   "prev",  "seq",    "time", "type"};
	char *canon = NULL;
	int rc = -1;
	if (json_object_size(root) != sizeof keys / sizeof keys[0]) {
		snprintf(why, why_size, "record has unexpected or missing fields");
		goto out;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!json_object_get(root, keys[i])) {
			snprintf(why, why_size, "record lacks field '%s'", keys[i]);
			goto out;
		}
	if (get_seq(root, &out->seq) || get_time(root, &out->time) ||
	    !json_is_string(json_object_get(root, "type")) ||
	    !json_is_string(json_object_get(root, "actor")) ||
	    !string_or_null(json_object_get(root, "agency")) ||
	    !string_or_null(json_object_get(root, "ip")) ||
	    !json_is_object(json_object_get(root, "payload")) ||
	    audit_hex_decode(json_string_value(json_object_get(root, "prev")), out->prev,
			     AUDIT_HASH_BYTES) ||
	    audit_hex_decode(json_string_value(json_object_get(root, "hash")), out->hash,
			     AUDIT_HASH_BYTES)) {
		snprintf(why, why_size, "record has a field of the wrong type or form");
		goto out;
	}
	/* The hash must be the last member, exactly as the writer puts it. */
	if (len < HASH_SUFFIX_LEN + 2 ||
	    memcmp(line + len - HASH_SUFFIX_LEN, HASH_SUFFIX_PREFIX, sizeof HASH_SUFFIX_PREFIX - 1) != 0) {
		snprintf(why, why_size, "record line does not end with its hash (edited)");
		goto out;
	}
	size_t body_len = len - HASH_SUFFIX_LEN + 1;
	json_t *copy = json_copy(root);
	if (!copy)
		goto out;
	json_object_del(copy, "hash");
	canon = json_dumps(copy, AUDIT_JSON_FLAGS);
	json_decref(copy);
	if (!canon || strlen(canon) != body_len || memcmp(canon, line, body_len - 1) != 0) {
		snprintf(why, why_size, "record is not in canonical form (edited)");
		goto out;
	}
	unsigned char h[AUDIT_HASH_BYTES];
	audit_record_hash(out->prev, canon, body_len, h);
	if (sodium_memcmp(h, out->hash, AUDIT_HASH_BYTES) != 0) {
		snprintf(why, why_size, "hash does not match the record's content (edited)");
		goto out;
	}
	out->kind = AUDIT_LINE_RECORD;
	out->json = json_incref(root);
	rc = 0;
out:
	free(canon);
	return rc;
}

int audit_line_parse(const char *line, size_t len, struct audit_parsed *out, char *why,
		     size_t why_size)
{
	json_error_t err;
	memset(out, 0, sizeof *out);
	if (len == 0 || len > AUDIT_LINE_MAX) {
		snprintf(why, why_size, len ? "line too long" : "empty line");
		return -1;
	}
	json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(root)) {
		snprintf(why, why_size, "not a JSON object (%s)", root ? "wrong type" : err.text);
		json_decref(root);
		return -1;
	}
	int rc = json_object_get(root, "checkpoint")
			 ? parse_checkpoint(root, line, len, out, why, why_size)
			 : parse_record(root, line, len, out, why, why_size);
	json_decref(root);
	return rc;
}

/*
 * The second factor of an account: enrolment, confirmation, the check at
 * sign-in, recovery codes and an admin's reset. The TOTP secret must be usable
 * by the server, so it cannot be hashed: it is kept sealed with crypto_secretbox
 * under a key in DATA/keys/totp.key (created on first use, 0600). Recovery codes
 * are random (50 bits), so a fast keyed hash suffices: BLAKE2b-256 keyed with a
 * subkey of the same file; a copy of the database alone cannot test guesses.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/staff.h"
#include "auth/totp.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/datadir.h"
#include "core/log.h"

enum { SUBKEY_SECRETBOX = 1, SUBKEY_RECOVERY = 2 };
#define KDF_CONTEXT "canhtotp"

static pthread_mutex_t key_mu = PTHREAD_MUTEX_INITIALIZER;

/* Reads DATA/keys/totp.key, creating it on first use; derives subkey `id`. */
static int key_subkey(struct auth_service *svc, uint64_t id, unsigned char sub[32])
{
	unsigned char master[crypto_kdf_KEYBYTES];
	char dir[4096], path[4200];
	int rc = AUTH_ESTORE, fd = -1;
	if (!svc->data_dir)
		return AUTH_ESTORE;
	snprintf(dir, sizeof dir, "%s/keys", svc->data_dir);
	snprintf(path, sizeof path, "%s/totp.key", dir);
	pthread_mutex_lock(&key_mu);
	/* like the audit key: never through a symbolic link, never group- or
	 * world-readable, and the directory synced after it is created */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077))) {
		log_error("auth", "%s is not a private file (mode %o): refusing it; make it 0600 and owned by the "
				  "server's user", path, (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	if (fd < 0 && errno == ENOENT) {
		if (mkdir(dir, 0700) && errno != EEXIST)
			goto out;
		crypto_kdf_keygen(master);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || write(fd, master, sizeof master) != (ssize_t)sizeof master || fsync(fd) ||
		    datadir_fsync(dir)) {
			log_error("auth", "cannot create %s: %s", path, strerror(errno));
			if (fd >= 0)
				unlink(path);
			goto out;
		}
		log_info("auth", "created the second-factor key %s", path);
	} else if (fd < 0 || read(fd, master, sizeof master) != (ssize_t)sizeof master) {
		log_error("auth", "cannot read %s: restore it from the backup of keys/", path);
		goto out;
	}
	rc = crypto_kdf_derive_from_key(sub, 32, id, KDF_CONTEXT, master) ? AUTH_ESTORE : AUTH_OK;
out:
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&key_mu);
	sodium_memzero(master, sizeof master);
	return rc;
}

static int secret_seal(struct auth_service *svc, const unsigned char *secret, unsigned char *box, size_t *len)
{
	unsigned char k[32];
	int rc = key_subkey(svc, SUBKEY_SECRETBOX, k);
	if (rc)
		return rc;
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, secret, TOTP_SECRET_BYTES, box, k);
	*len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOTP_SECRET_BYTES;
	sodium_memzero(k, sizeof k);
	return AUTH_OK;
}

static int secret_open(struct auth_service *svc, const struct store_totp *t, unsigned char secret[TOTP_SECRET_BYTES])
{
	unsigned char k[32];
	if (t->box_len != crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOTP_SECRET_BYTES)
		return AUTH_ESTORE;
	int rc = key_subkey(svc, SUBKEY_SECRETBOX, k);
	if (rc)
		return rc;
	if (crypto_secretbox_open_easy(secret, t->box + crypto_secretbox_NONCEBYTES,
				       t->box_len - crypto_secretbox_NONCEBYTES, t->box, k)) {
		log_error("auth", "the second-factor secret of user %lld does not open with keys/totp.key",
			  (long long)t->user_id);
		rc = AUTH_ESTORE;
	}
	sodium_memzero(k, sizeof k);
	return rc;
}

/* Lower-case letters and digits of a recovery code, without '-' or spaces; 0 or -1. */
static int recovery_normalise(const char *in, char out[11])
{
	size_t n = 0;
	for (; in && *in; in++) {
		char ch = *in;
		if (ch == '-' || ch == ' ')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '2' && ch <= '7')) || n >= 10)
			return -1;
		out[n++] = ch;
	}
	out[n] = '\0';
	return n == 10 ? 0 : -1;
}

static void recovery_hash(const unsigned char k[32], const char norm[11], unsigned char out[STORE_RECOVERY_HASH_BYTES])
{
	crypto_generichash(out, STORE_RECOVERY_HASH_BYTES, (const unsigned char *)norm, 10, k, 32);
}

int auth_totp_enrol(struct auth_service *svc, const struct auth_caller *c, struct auth_totp_enrolment *out)
{
	unsigned char secret[TOTP_SECRET_BYTES], box[STORE_TOTP_BOX_MAX];
	size_t len = 0;
	memset(out, 0, sizeof *out);
	randombytes_buf(secret, sizeof secret);
	int rc = secret_seal(svc, secret, box, &len);
	if (rc)
		goto out;
	int src = store_totp_put_pending(svc->st, c->user.id, box, len, clock_now());
	if (src) {
		rc = src == STORE_ECONFLICT ? AUTH_ECONFLICT : AUTH_ESTORE;
		goto out;
	}
	if (totp_base32_encode(secret, sizeof secret, out->secret, sizeof out->secret) ||
	    totp_uri(out->secret, c->user.username, out->uri, sizeof out->uri) || !(out->qr_svg = totp_qr_svg(out->uri))) {
		rc = AUTH_ESTORE;
		goto out;
	}
	const char *kv[] = {"username", c->user.username, NULL};
	rc = auth_audit(svc, "totp_enrol_start", c->user.username, c->user.agency, c->ip, kv);
out:
	if (rc)
		auth_totp_enrolment_wipe(out);
	sodium_memzero(secret, sizeof secret);
	return rc;
}

void auth_totp_enrolment_wipe(struct auth_totp_enrolment *e)
{
	if (e->qr_svg) {
		sodium_memzero(e->qr_svg, strlen(e->qr_svg));
		free(e->qr_svg);
	}
	sodium_memzero(e, sizeof *e);
}

int auth_totp_confirm(struct auth_service *svc, const struct auth_caller *c, const char *code,
		      char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_LEN])
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char secret[TOTP_SECRET_BYTES], k[32], hashes[AUTH_RECOVERY_CODES][STORE_RECOVERY_HASH_BYTES];
	struct store_totp t;
	int64_t step = 0, now = clock_now();
	int rc = store_totp_get(svc->st, c->user.id, &t);
	if (rc || t.confirmed_at)
		return rc == STORE_OK || rc == STORE_ENOTFOUND ? AUTH_ENOTFOUND : AUTH_ESTORE;
	if ((rc = secret_open(svc, &t, secret)))
		goto out;
	if (totp_verify(secret, sizeof secret, code, now, &step)) {
		rc = AUTH_ECREDENTIALS;
		goto out;
	}
	if ((rc = key_subkey(svc, SUBKEY_RECOVERY, k)))
		goto out;
	for (int i = 0; i < AUTH_RECOVERY_CODES; i++) {
		char norm[11];
		for (int j = 0; j < 10; j++)
			norm[j] = alpha[randombytes_uniform(32)];
		norm[10] = '\0';
		snprintf(codes[i], AUTH_RECOVERY_CODE_LEN, "%.5s-%.5s", norm, norm + 5);
		recovery_hash(k, norm, hashes[i]);
		sodium_memzero(norm, sizeof norm);
	}
	int src = store_totp_confirm(svc->st, c->user.id, t.box, t.box_len, step, now,
				     (const unsigned char (*)[32])hashes, AUTH_RECOVERY_CODES);
	if (src) {
		rc = src == STORE_ENOTFOUND ? AUTH_ENOTFOUND : src == STORE_ECONFLICT ? AUTH_ECONFLICT : AUTH_ESTORE;
		goto out;
	}
	const char *kv[] = {"username", c->user.username, NULL};
	rc = auth_audit(svc, "totp_enrolled", c->user.username, c->user.agency, c->ip, kv);
out:
	if (rc)
		sodium_memzero(codes, sizeof(char[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_LEN]));
	sodium_memzero(secret, sizeof secret);
	sodium_memzero(k, sizeof k);
	sodium_memzero(&t, sizeof t);
	return rc;
}

struct recovery_find {
	const unsigned char *want;
	bool found;
};

static int recovery_cmp(const unsigned char *hash, void *arg)
{
	struct recovery_find *f = arg;
	f->found |= sodium_memcmp(hash, f->want, STORE_RECOVERY_HASH_BYTES) == 0; /* no early exit */
	return 0;
}

static int check_recovery(struct auth_service *svc, const struct store_user *u, const char *norm, int64_t now)
{
	unsigned char k[32], h[STORE_RECOVERY_HASH_BYTES];
	int rc = key_subkey(svc, SUBKEY_RECOVERY, k);
	if (rc)
		return rc;
	recovery_hash(k, norm, h);
	sodium_memzero(k, sizeof k);
	struct recovery_find f = {h, false};
	if (store_totp_recovery_each(svc->st, u->id, recovery_cmp, &f))
		return AUTH_ESTORE;
	if (!f.found || store_totp_recovery_use(svc->st, u->id, h, now))
		return AUTH_ECREDENTIALS;
	int left = 0;
	char buf[16];
	store_totp_recovery_left(svc->st, u->id, &left);
	snprintf(buf, sizeof buf, "%d", left);
	const char *kv[] = {"username", u->username, "recovery_codes_left", buf, NULL};
	auth_audit(svc, "recovery_code_used", u->username, u->agency, NULL, kv);
	return AUTH_OK;
}

int auth_totp_check(struct auth_service *svc, const struct store_user *u, const char *otp, int64_t now,
		    const char **reason)
{
	struct store_totp t;
	unsigned char secret[TOTP_SECRET_BYTES];
	char norm[11];
	int64_t step = 0;
	const char *why = "store";
	int rc = store_totp_get(svc->st, u->id, &t);
	if (rc == STORE_ENOTFOUND || (rc == STORE_OK && t.confirmed_at == 0))
		return AUTH_OK; /* no second factor (yet) */
	if (rc) {
		*reason = why;
		return AUTH_ESTORE;
	}
	why = "otp_missing";
	if (!otp || !*otp) {
		rc = AUTH_ECREDENTIALS;
		goto out;
	}
	why = "wrong_otp";
	if (strlen(otp) == TOTP_DIGITS) {
		if ((rc = secret_open(svc, &t, secret)))
			goto out;
		rc = AUTH_ECREDENTIALS;
		if (totp_verify(secret, sizeof secret, otp, now, &step))
			goto out;
		if (step <= t.last_step || store_totp_use_step(svc->st, u->id, step)) {
			why = "otp_replayed";
			goto out;
		}
		rc = AUTH_OK;
	} else if (recovery_normalise(otp, norm) == 0) {
		rc = check_recovery(svc, u, norm, now);
	} else {
		rc = AUTH_ECREDENTIALS;
	}
out:
	if (rc)
		*reason = why;
	sodium_memzero(secret, sizeof secret);
	sodium_memzero(norm, sizeof norm);
	sodium_memzero(&t, sizeof t);
	return rc;
}

int auth_totp_reset(struct auth_service *svc, const struct auth_caller *actor, int64_t id)
{
	struct store_user u;
	int rc = store_user_get_by_id(svc->st, id, &u);
	if (rc)
		return rc == STORE_ENOTFOUND ? AUTH_ENOTFOUND : AUTH_ESTORE;
	if (actor && !auth_may_manage(actor, u.agency))
		return AUTH_ENOTFOUND; /* another agency's account: no leak */
	if (!auth_staff_may_act(actor, &u))
		return AUTH_EFORBIDDEN;
	if (store_totp_delete(svc->st, id))
		return AUTH_ESTORE;
	const char *kv[] = {"username", u.username, NULL};
	return auth_audit(svc, "totp_reset", actor ? actor->user.username : "cli", u.agency,
			  actor ? actor->ip : "local", kv);
}

static int role_in_list(const char *item, void *arg)
{
	return strcmp(item, (const char *)arg) == 0;
}

bool auth_totp_enrolment_required(struct auth_service *svc, const struct store_user *u)
{
	struct store_totp t;
	if (!config_list_each(svc->cfg->totp.required_roles, role_in_list, (void *)u->role))
		return false;
	int rc = store_totp_get(svc->st, u->id, &t);
	bool required = rc != STORE_OK || t.confirmed_at == 0;
	sodium_memzero(&t, sizeof t);
	return required;
}

const char *auth_totp_state(struct auth_service *svc, int64_t user_id, int *recovery_left)
{
	struct store_totp t;
	*recovery_left = 0;
	int rc = store_totp_get(svc->st, user_id, &t);
	sodium_memzero(t.box, sizeof t.box);
	if (rc)
		return "none";
	if (!t.confirmed_at)
		return "pending";
	store_totp_recovery_left(svc->st, user_id, recovery_left);
	return "enabled";
}

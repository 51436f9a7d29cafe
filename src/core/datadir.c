/*
 * Data directory layout and creation. Permissions are set explicitly rather than
 * trusted to the umask, since the directory holds the signing key and the store.
 */
#include "core/datadir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

int datadir_path(const char *dir, const char *name, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

bool datadir_is_initialised(const char *dir)
{
	char p[DATADIR_PATH_MAX];
	struct stat sb;
	if (datadir_path(dir, "canhgac.db", p, sizeof p) == 0 && stat(p, &sb) == 0)
		return true;
	if (datadir_path(dir, "canhgac.conf", p, sizeof p) == 0 && stat(p, &sb) == 0)
		return true;
	return false;
}

static int dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

static int make_private_dir(const char *path, char *why, size_t why_size)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		int e = errno;
		snprintf(why, why_size, "cannot create %s: %s", path, strerror(e));
		return -e;
	}
	if (chmod(path, 0700) != 0) {
		int e = errno;
		snprintf(why, why_size, "cannot set permissions of %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int datadir_create(const char *dir, char *why, size_t why_size)
{
	char p[DATADIR_PATH_MAX];
	struct stat sb;
	if (strlen(dir) > DATADIR_PATH_MAX - 64) {
		snprintf(why, why_size, "data directory path is too long");
		return -ENAMETOOLONG;
	}
	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(why, why_size, "%s exists and is not a directory", dir);
			return -ENOTDIR;
		}
		if (dir_is_empty(dir) != 1) {
			snprintf(why, why_size, "%s exists and is not empty: choose a new directory", dir);
			return -EEXIST;
		}
	}
	int rc = make_private_dir(dir, why, why_size);
	if (rc)
		return rc;
	const char *subs[] = {"audit", "keys"};
	for (size_t i = 0; i < 2; i++) {
		datadir_path(dir, subs[i], p, sizeof p);
		rc = make_private_dir(p, why, why_size);
		if (rc)
			return rc;
	}
	return 0;
}

int datadir_fsync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int err = errno;
	close(fd);
	errno = err;
	return rc;
}

int datadir_free_mib(const char *dir, long long *mib)
{
	struct statvfs sv;
	if (statvfs(dir, &sv) != 0)
		return -1;
	*mib = (long long)((unsigned long long)sv.f_bavail * sv.f_frsize / (1024 * 1024));
	return 0;
}

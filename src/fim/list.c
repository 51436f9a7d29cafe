/*
 * The list of hashed files a walk produces, and the module's error texts.
 */
#include <stdlib.h>
#include <string.h>

#include "fim/fim.h"

int fim_list_add(struct fim_list *l, const struct store_fim_file *f)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		if (cap > SIZE_MAX / sizeof *l->v)
			return FIM_ENOMEM;
		struct store_fim_file *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return FIM_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	char *path = strdup(f->path);
	if (!path)
		return FIM_ENOMEM;
	l->v[l->n] = *f;
	l->v[l->n].path = path;
	l->n++;
	return FIM_OK;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct store_fim_file *)a)->path, ((const struct store_fim_file *)b)->path);
}

void fim_list_sort(struct fim_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, by_path);
}

void fim_list_free(struct fim_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof *l);
}

const char *fim_strerror(int err)
{
	switch (err) {
	case FIM_OK: return "ok";
	case FIM_EIO: return "input/output or database error";
	case FIM_EUNREADABLE: return "file cannot be read";
	case FIM_ENOTREG: return "not a regular file";
	case FIM_EUNSTABLE: return "file changed while it was read";
	case FIM_ENOMEM: return "out of memory";
	case FIM_ERULES: return "YARA rules failed";
	case FIM_EINVAL: return "invalid argument";
	case FIM_ECANCELLED: return "cancelled";
	default: return "unknown error";
	}
}

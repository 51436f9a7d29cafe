/*
 * libFuzzer target: a configuration file's text through config_load_string
 * (libinih, then every key's type, range and list check: CIDRs, times, dates,
 * paths), then the list walker the modules use on the loaded lists.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_item(const char *item, void *arg)
{
	*(size_t *)arg += strlen(item);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static struct config_errors errs;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_load_string(text, &cfg, &errs) == 0) {
		size_t total = 0;
		config_list_each(cfg.weblog.paths, count_item, &total);
		config_list_each(cfg.weblog.allowlist, count_item, &total);
		config_list_each(cfg.detect.block_rules, count_item, &total);
		config_list_each(cfg.fim.roots, count_item, &total);
	}
	free(text);
	return 0;
}

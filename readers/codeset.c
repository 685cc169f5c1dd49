/*
 * codeset.c - the distinct code objects one sample refers to (see codeset.h).
 */
#include "codeset.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

void codeset_init(struct code_set *set)
{
	memset(set, 0, sizeof(*set));
	index_init(&set->by_addr);
}

void codeset_release(struct code_set *set)
{
	free(set->addrs);
	free(set->infos);
	index_release(&set->by_addr);
	memset(set, 0, sizeof(*set));
}

void codeset_clear(struct code_set *set)
{
	index_clear(&set->by_addr);
	set->count = 0;
}

size_t codeset_add(struct code_set *set, uint64_t addr)
{
	bool added;
	uint32_t *at = index_put(&set->by_addr, addr, &added);

	if (!added)
		return *at;
	if (set->count + 1 > set->cap) {
		XGROW(set->addrs, set->cap, set->count + 1);
		set->infos = xreallocarray(set->infos, set->cap, sizeof(*set->infos));
	}
	set->addrs[set->count] = addr;
	set->infos[set->count] = NULL;
	*at = (uint32_t)set->count;
	return set->count++;
}

/*
 * codeset.h - the distinct code objects one sample refers to.
 *
 * A sample's frames name the same code objects many times; the set gives
 * each address one position, so that the code cache resolves each once and
 * frames find their code_info by position.  Knows nothing of what a code
 * object holds; must not read the target.
 */
#ifndef PEEKPY_CODESET_H
#define PEEKPY_CODESET_H

#include <stddef.h>
#include <stdint.h>

#include "../base/index.h"

struct code_info;

struct code_set {
	uint64_t *addrs;                  /* by position, in the order first seen */
	const struct code_info **infos;   /* filled in by the caller, by position */
	size_t count, cap;
	struct index by_addr;
};

void codeset_init(struct code_set *set);
void codeset_release(struct code_set *set);

/* Forget every address (at the start of a sample). */
void codeset_clear(struct code_set *set);

/* The position of addr, added (with a NULL info) when it is new. */
size_t codeset_add(struct code_set *set, uint64_t addr);

#endif

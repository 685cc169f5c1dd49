/*
 * landmarks.c - returns, yields, calls, sends and iterations in bytecode
 * (see landmarks.h).
 */
#include "landmarks.h"

#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

static void add_opcode(uint8_t set[32], uint32_t op)
{
	if (op < 256)
		set[op / 8] |= (uint8_t)(1u << (op % 8));
}

void landmarks_opcodes(const struct py_layout *L, struct opcode_sets *sets)
{
	const uint32_t leave[] = {
		L->op_return_value, L->op_yield_value,
		L->op_return_generator, L->op_return_const,
		L->op_instrumented_return_value,
		L->op_instrumented_return_const,
		L->op_instrumented_yield_value,
	};
	const uint32_t call[] = {
		L->op_call_function, L->op_call_function_kw,
		L->op_call_function_ex, L->op_call_method,
		L->op_call_function_var, L->op_call_function_var_kw,
	};
	size_t i;

	memset(sets, 0, sizeof(*sets));
	for (i = 0; i < sizeof(leave) / sizeof(leave[0]); i++)
		add_opcode(sets->leave, leave[i]);
	for (i = 0; i < sizeof(call) / sizeof(call[0]); i++)
		add_opcode(sets->call, call[i]);
}

static bool in_set(const uint8_t set[32], uint8_t op)
{
	return set[op / 8] & (1u << (op % 8));
}

/* An ascending list of byte offsets being built (into a struct landmarks). */
struct offsets {
	uint32_t **items;
	uint32_t *n;
	size_t cap;
};

static void append_offset(struct offsets *list, size_t at)
{
	if (*list->n == list->cap)
		XGROW(*list->items, list->cap, (size_t)*list->n + 1);
	(*list->items)[(*list->n)++] = (uint32_t)at;
}

/*
 * 3.11+: note the positions of an instruction that can push a frame on
 * top of its own, from its offset through its last inline cache entry
 * (3.11 and 3.12 leave a waiting caller's position on that last entry),
 * or (at_opcode: 3.13+, which leave it on the opcode) its offset alone, if
 * caches (the layout's table of such opcodes) lists it.  Every code unit is
 * looked at, caches too, so a cache may pass for such an instruction: at
 * its own offset that is harmless (no position is ever at a cache entry),
 * but its range could cover the real instructions after it, and before
 * 3.13 it still may.
 */
static void note_inline_call(const uint8_t caches[256], bool at_opcode, uint8_t op, size_t at,
			     struct offsets *list)
{
	size_t last, pos = at;

	if (!caches[op])
		return;
	last = at_opcode ? at : at + 2 * ((size_t)caches[op] - 1);
	/* Ranges may overlap (a cache taken for an opcode): keep offsets
	 * ascending and distinct. */
	if (*list->n && (*list->items)[*list->n - 1] >= pos)
		pos = (*list->items)[*list->n - 1] + 2;
	for (; pos <= last; pos += 2)
		append_offset(list, pos);
}

/*
 * 3.10, 3.11: a loop's jump back that CPython gives no line of its own
 * takes the line of the loop it closes (its target's), as 3.12+ do.
 */
static void note_back_edge(const struct py_layout *L, struct linetable *lines, uint8_t op,
			   size_t at, uint32_t oparg)
{
	int64_t target;
	int32_t line;

	if (op == L->op_jump_absolute)
		target = 2 * (int64_t)oparg;
	else if (op == L->op_jump_backward || op == L->op_jump_backward_quick ||
		 op == L->op_jump_backward_no_interrupt)
		target = (int64_t)at + 2 - 2 * (int64_t)oparg;
	else
		return;
	if (target < 0 || target >= (int64_t)at || linetable_line(lines, (int64_t)at) != LINE_NONE)
		return;
	line = linetable_line(lines, target);
	if (line != LINE_NONE)
		linetable_set(lines, (uint32_t)at, (uint32_t)at + 2, line);
}

static bool is_extended_arg(const struct py_layout *L, uint8_t op)
{
	return op == L->op_extended_arg || op == L->op_extended_arg_quick;
}

/*
 * Specialization rewrites opcodes in place, but never a return, and a call
 * stays in its family; instrumentation turns them into their INSTRUMENTED_
 * forms, which count too.
 */
void landmarks_scan(const struct py_layout *L, const struct opcode_sets *sets,
		    const uint8_t *code, size_t len, struct linetable *lines,
		    struct landmarks *marks)
{
	size_t at, step = L->rule_strings == STRINGS_BYTES ? 1 : 2;
	struct offsets leaves = { &marks->leaves, &marks->n_leaves, 0 };
	struct offsets calls = { &marks->calls, &marks->n_calls, 0 };
	struct offsets sends = { &marks->sends, &marks->n_sends, 0 };
	struct offsets iterates = { &marks->iterates, &marks->n_iterates, 0 };
	uint32_t extended = 0;         /* EXTENDED_ARG bits for the next argument */

	landmarks_release(marks);
	/* 2.7 instructions have 1 or 3 bytes: an argument byte may look like
	 * one of these, but positions only ever point at opcodes. */
	for (at = 0; at + step <= len; at += step) {
		if (step == 2) {
			uint32_t oparg = extended << 8 | code[at + 1];

			note_back_edge(L, lines, code[at], at, oparg);
			extended = is_extended_arg(L, code[at]) ? oparg : 0;
		}
		if (in_set(sets->leave, code[at]))
			append_offset(&leaves, at);
		if (in_set(sets->call, code[at])) {
			append_offset(&calls, at);
		} else if (L->rule_inline_calls) {
			bool at_opcode = L->rule_call_at_opcode;

			note_inline_call(L->inline_call_caches, at_opcode, code[at], at, &calls);
			note_inline_call(L->inline_send_caches, at_opcode, code[at], at, &sends);
			note_inline_call(L->inline_iterate_caches, at_opcode, code[at], at, &iterates);
		}
	}
	marks->scanned = true;
}

void landmarks_release(struct landmarks *marks)
{
	free(marks->leaves);
	free(marks->calls);
	free(marks->sends);
	free(marks->iterates);
	memset(marks, 0, sizeof(*marks));
}

static bool has_offset(const uint32_t *offsets, uint32_t n, int64_t offset)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if ((int64_t)offsets[mid] == offset)
			return true;
		if ((int64_t)offsets[mid] < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool landmarks_leaves(const struct landmarks *marks, int64_t offset)
{
	return has_offset(marks->leaves, marks->n_leaves, offset);
}

bool landmarks_calls(const struct landmarks *marks, int64_t offset)
{
	return !marks->scanned || has_offset(marks->calls, marks->n_calls, offset);
}

bool landmarks_sends(const struct landmarks *marks, int64_t offset)
{
	return !marks->scanned || has_offset(marks->sends, marks->n_sends, offset);
}

bool landmarks_iterates(const struct landmarks *marks, int64_t offset)
{
	return !marks->scanned || has_offset(marks->iterates, marks->n_iterates, offset);
}

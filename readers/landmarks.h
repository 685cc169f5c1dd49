/*
 * landmarks.h - what a code object's instructions say about a frame
 * stopped at one of them: that it is leaving (a return, a yield), or may be
 * waiting for a frame it called, resumed by SEND or by FOR_ITER.  Read once
 * per code object from its bytecode; settling a walk asks them of every
 * frame.  The same pass gives a loop's jump back that has no line of its
 * own the line of its loop (3.10, 3.11).
 * Must not read the target: it is handed the bytecode.
 */
#ifndef PEEKPY_LANDMARKS_H
#define PEEKPY_LANDMARKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "linetable.h"

/* The opcodes that leave a frame, and (<= 3.10) the calls, as bit sets. */
struct opcode_sets {
	uint8_t leave[32];
	uint8_t call[32];
};

/*
 * Byte offsets, each list ascending.  leaves: returns and yields, where a
 * frame has (all but) returned.  calls: where a frame may be waiting for a
 * function it called; <= 3.10 its call instructions, 3.11+ the
 * instructions that can push a function's frame on top of their own (with
 * their inline caches, where 3.11 and 3.12 leave the position).  sends and
 * iterates (3.12+): those that can resume a generator's or a coroutine's
 * frame on top of their own, and a generator's only.
 */
struct landmarks {
	uint32_t *leaves, *calls, *sends, *iterates;
	uint32_t n_leaves, n_calls, n_sends, n_iterates;
	bool scanned;        /* false: the bytecode was not looked at */
};

void landmarks_opcodes(const struct py_layout *L, struct opcode_sets *sets);

/* Scan code[0..len) into marks (released first); lines gains the lines of
 * loops' jumps back. */
void landmarks_scan(const struct py_layout *L, const struct opcode_sets *sets,
		    const uint8_t *code, size_t len, struct linetable *lines,
		    struct landmarks *marks);
void landmarks_release(struct landmarks *marks);

/* Whether the instruction at a byte offset leaves its frame. */
bool landmarks_leaves(const struct landmarks *marks, int64_t offset);

/* Whether a frame there may be waiting for a function it called, for a
 * generator or coroutine it resumed by SEND, for a generator it resumed by
 * FOR_ITER: true when the bytecode was not scanned. */
bool landmarks_calls(const struct landmarks *marks, int64_t offset);
bool landmarks_sends(const struct landmarks *marks, int64_t offset);
bool landmarks_iterates(const struct landmarks *marks, int64_t offset);

#endif

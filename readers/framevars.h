/*
 * framevars.h - a frame's arguments and local variables, as short reprs.
 *
 * Names come from the frame's code object (co_varnames, co_cellvars and
 * co_freevars up to 3.10; co_localsplusnames and their kinds from 3.11),
 * values from the frame's fast-locals slots; cells are followed to what
 * they hold, unbound variables and the compiler's hidden ones are left
 * out.  The frame keeps running while it is read: when its code is no
 * longer the one named, the result is PP_ETORN.  For `dump --locals` only:
 * never called while sampling.  Must not print.
 */
#ifndef PEEKPY_FRAMEVARS_H
#define PEEKPY_FRAMEVARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyobj.h"

#define FRAMEVAR_NAME_CHARS 64

struct frame_var {
	char name[4 * FRAMEVAR_NAME_CHARS + 1];
	char repr[320];
	bool is_arg;           /* a parameter of the function */
};

struct frame_vars {
	struct frame_var *items;
	size_t count, cap;
};

void frame_vars_release(struct frame_vars *vars);

/* The variables of the frame at frame_addr (a frame object up to 3.10, an
 * interpreter frame from 3.11) running the code object at code_addr,
 * replacing what vars held. */
int framevars_read(struct pyobj_reader *reader, uint64_t frame_addr, uint64_t code_addr,
		   struct frame_vars *vars);

#endif

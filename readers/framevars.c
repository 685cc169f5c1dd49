/*
 * framevars.c - a frame's arguments and local variables (see framevars.h).
 */
#include "framevars.h"

#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "fields.h"
#include "mem.h"
#include "pyrepr.h"

/* More slots than any real function has: the mark of garbage. */
#define MAX_SLOTS 65536

void frame_vars_release(struct frame_vars *vars)
{
	free(vars->items);
	memset(vars, 0, sizeof(*vars));
}

/* What a code object says of its variables. */
struct code_vars {
	uint64_t names[3];     /* name tuples, in slot order */
	uint64_t kinds;        /* bytes of CO_FAST_* kinds (3.11+), or 0 */
	uint64_t n_args;       /* leading names that are parameters */
};

static int read_code_vars(struct pyobj_reader *r, uint64_t code, struct code_vars *vars)
{
	const struct py_layout *L = r->layout;
	uint8_t head[512];
	uint32_t flags;
	int err;

	if (L->code_size > sizeof(head))
		return PP_EBADDATA;
	err = mem_read(r->pid, code, head, L->code_size);
	if (err)
		return err;
	memset(vars, 0, sizeof(*vars));
	flags = load_u32(head, L->code_flags);
	vars->n_args = load_u32(head, L->code_argcount);
	if (L->code_kwonlyargcount != LAYOUT_ABSENT)
		vars->n_args += load_u32(head, L->code_kwonlyargcount);
	vars->n_args += !!(flags & L->codeflag_varargs) + !!(flags & L->codeflag_varkeywords);
	if (L->code_localsplusnames != LAYOUT_ABSENT) {
		vars->names[0] = load_u64(head, L->code_localsplusnames);
		vars->kinds = load_u64(head, L->code_localspluskinds);
	} else {
		vars->names[0] = load_u64(head, L->code_varnames);
		vars->names[1] = load_u64(head, L->code_cellvars);
		vars->names[2] = load_u64(head, L->code_freevars);
	}
	return 0;
}

/* The item pointers of a tuple, appended to items[*n..]. */
static int tuple_items(struct pyobj_reader *r, uint64_t tuple, uint64_t **items, size_t *n,
		       size_t *cap)
{
	const struct py_layout *L = r->layout;
	enum pyobj_kind kind;
	uint64_t type, length;
	int err;

	if (!tuple)
		return 0;
	err = pyobj_kind(r, tuple, &kind, &type);
	if (!err && kind != PYOBJ_TUPLE)
		err = PP_EBADDATA;
	if (!err)
		err = mem_read_u64(r->pid, tuple + L->obj_size, &length);
	if (err)
		return err;
	if (length > MAX_SLOTS || *n + length > MAX_SLOTS)
		return PP_EBADDATA;
	XGROW(*items, *cap, *n + length + 1);
	err = length ? mem_read(r->pid, tuple + L->tuple_item, *items + *n, length * 8) : 0;
	if (!err)
		*n += length;
	return err;
}

/* The frame's code, read again: the frame still runs it, or has moved on. */
static int same_code(struct pyobj_reader *r, uint64_t frame, uint64_t code)
{
	const struct py_layout *L = r->layout;
	uint32_t at = L->iframe_code != LAYOUT_ABSENT ? L->iframe_code : L->frame_code;
	uint64_t now;
	int err = mem_read_u64(r->pid, frame + at, &now);

	if (err)
		return err;
	return (now & ~layout_stackref_mask(L)) == code ? 0 : PP_ETORN;
}

static bool seen(const struct frame_vars *vars, const char *name)
{
	for (size_t i = 0; i < vars->count; i++)
		if (!strcmp(vars->items[i].name, name))
			return true;
	return false;
}

/* The value a slot holds: a cell's content for cell and free variables. */
static uint64_t slot_value(struct pyobj_reader *r, uint64_t value)
{
	enum pyobj_kind kind;
	uint64_t type, content;

	if (!value || pyobj_kind(r, value, &kind, &type) || kind != PYOBJ_CELL)
		return value;
	return mem_read_u64(r->pid, value + r->layout->cell_ref, &content) ? 0 : content;
}

static void add_var(struct pyobj_reader *r, struct frame_vars *vars, uint64_t name,
		    uint64_t value, bool is_arg)
{
	struct frame_var *var;
	char text[sizeof(var->name)];

	if (pyobj_str_text(r, name, FRAMEVAR_NAME_CHARS, text) || seen(vars, text))
		return;
	XGROW(vars->items, vars->cap, vars->count + 1);
	var = &vars->items[vars->count++];
	memcpy(var->name, text, sizeof(text));
	var->is_arg = is_arg;
	pyrepr_format(r, value, var->repr, sizeof(var->repr));
}

int framevars_read(struct pyobj_reader *r, uint64_t frame, uint64_t code,
		   struct frame_vars *vars)
{
	const struct py_layout *L = r->layout;
	uint32_t slots_at = L->iframe_localsplus != LAYOUT_ABSENT ? L->iframe_localsplus
								  : L->frame_localsplus;
	uint64_t mask = layout_stackref_mask(L);
	uint64_t *names = NULL, *slots = NULL;
	uint8_t *kinds = NULL;
	size_t n_names = 0, cap_names = 0;
	struct code_vars cv;
	int err;

	vars->count = 0;
	err = read_code_vars(r, code, &cv);
	for (int i = 0; i < 3 && !err; i++)
		err = tuple_items(r, cv.names[i], &names, &n_names, &cap_names);
	if (!err && n_names) {
		slots = xmalloc(n_names * 8);
		err = mem_read(r->pid, frame + slots_at, slots, n_names * 8);
	}
	if (!err && cv.kinds && n_names) {
		uint64_t length;

		kinds = xmalloc(n_names);
		err = mem_read_u64(r->pid, cv.kinds + L->obj_size, &length);
		if (!err && length != n_names)
			err = PP_EBADDATA;
		if (!err)
			err = mem_read(r->pid, cv.kinds + L->bytes_sval, kinds, n_names);
	}
	for (size_t i = 0; i < n_names && !err; i++) {
		uint64_t value;

		if (kinds && L->fast_hidden != LAYOUT_ABSENT && (kinds[i] & L->fast_hidden))
			continue;
		value = slot_value(r, slots[i] & ~mask);
		if (value)
			add_var(r, vars, names[i], value, i < cv.n_args);
	}
	if (!err)
		err = same_code(r, frame, code);
	free(names);
	free(slots);
	free(kinds);
	return err;
}

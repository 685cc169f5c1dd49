/*
 * asynctasks.c - asyncio's tasks, from the _asyncio module's own offsets
 * (see asynctasks.h).
 */
#include "asynctasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "elffile.h"
#include "fields.h"
#include "maps.h"
#include "mem.h"
#include "pystr.h"

/* Awaiters followed up from a task, and coroutines down from one. */
#define MAX_TASK_DEPTH 64
#define MAX_CORO_DEPTH 256
/* Slots of an awaiters' set looked at for the first task. */
#define MAX_SET_SLOTS 64
/* Looking for asyncio: soon after the first look, then less and less
 * often, up to once a second.  A command peekpy launched imports it in its
 * first moments, and a task's first second is worth seeing. */
#define FIRST_SEARCH_WAIT_NS 10000000u
#define LAST_SEARCH_WAIT_NS 1000000000u

int async_debug_parse(const uint8_t *block, size_t len, struct async_debug *out)
{
	uint64_t v[ASYNC_DEBUG_BYTES / 8];

	if (len < ASYNC_DEBUG_BYTES)
		return PP_EBADDATA;
	memcpy(v, block, sizeof(v));
	*out = (struct async_debug){
		.task_size = v[0], .task_name = v[1], .task_awaited_by = v[2], .task_is_task = v[3],
		.task_awaited_by_is_set = v[4], .task_coro = v[5], .task_node = v[6],
		.interp_size = v[7], .interp_tasks_head = v[8],
		.ts_size = v[9], .ts_running_loop = v[10], .ts_running_task = v[11],
		.ts_tasks_head = v[12],
	};
	/* Members inside their structures, or this is not the block. */
	if (!out->task_size || out->task_size > 4096 || out->task_name >= out->task_size ||
	    out->task_awaited_by >= out->task_size || out->task_is_task >= out->task_size ||
	    out->task_awaited_by_is_set >= out->task_size || out->task_coro >= out->task_size ||
	    out->task_node >= out->task_size || !out->ts_size || out->ts_size > 65536 ||
	    out->ts_running_task >= out->ts_size || out->ts_tasks_head >= out->ts_size ||
	    out->interp_tasks_head >= out->interp_size)
		return PP_EBADDATA;
	return 0;
}

void asynctasks_init(struct async_tasks *at, pid_t pid, const struct py_layout *layout,
		     const struct py_binary *bin, struct strtab *strings)
{
	memset(at, 0, sizeof(*at));
	at->pid = pid;
	at->layout = layout;
	at->bin = bin;
	at->strings = strings;
	index_init(&at->names);
	asyncobjs_init(&at->objects, pid, layout);
}

void asynctasks_release(struct async_tasks *at)
{
	index_release(&at->names);
	free(at->name_objects);
	free(at->name_ids);
	free(at->items);
	free(at->scratch);
	memset(at, 0, sizeof(*at));
}

static bool section_in(const struct async_tasks *at, const struct map_entry *entry,
		       struct async_debug *out)
{
	uint8_t block[ASYNC_DEBUG_BYTES];
	uint64_t addr, size, offset;
	struct elf_file ef;
	bool found;

	if (binary_open_mapped(at->pid, entry, &ef) != 0)
		return false;
	found = elf_file_section(&ef, ".AsyncioDebug", &addr, &size, &offset) &&
		size >= sizeof(block) && elf_file_read_vaddr(&ef, addr, block, sizeof(block)) == 0 &&
		async_debug_parse(block, sizeof(block), out) == 0;
	elf_file_close(&ef);
	return found;
}

/* The interpreter's own file, or an _asyncio extension module. */
static bool may_hold_module(const struct async_tasks *at, const struct map_entry *entry)
{
	const char *base = maps_basename(entry);

	return entry->offset == 0 && entry->path[0] == '/' &&
	       (strcmp(entry->path, at->bin->path) == 0 || strncmp(base, "_asyncio.", 9) == 0);
}

bool asynctasks_readable(const struct py_layout *layout)
{
	return layout->iframe_stackpointer != LAYOUT_ABSENT || asyncobjs_known(layout);
}

bool asynctasks_ready(struct async_tasks *at, uint64_t interp, uint64_t now_ns)
{
	struct maps maps;

	if (at->found || now_ns < at->next_search_ns || !asynctasks_readable(at->layout))
		return at->found;
	at->search_wait_ns = at->search_wait_ns ? at->search_wait_ns * 2 : FIRST_SEARCH_WAIT_NS;
	if (at->search_wait_ns > LAST_SEARCH_WAIT_NS)
		at->search_wait_ns = LAST_SEARCH_WAIT_NS;
	at->next_search_ns = now_ns + at->search_wait_ns;
	if (at->layout->iframe_stackpointer == LAYOUT_ABSENT) {
		at->found = at->from_objects = asyncobjs_find(&at->objects, interp);
		at->debug.task_coro = at->layout->task_coro;
		at->debug.task_name = at->layout->task_name;
		return at->found;
	}
	if (maps_load(&maps, at->pid) != 0)
		return false;
	for (size_t i = 0; i < maps.count && !at->found; i++)
		if (may_hold_module(at, &maps.entries[i]))
			at->found = section_in(at, &maps.entries[i], &at->debug);
	maps_release(&maps);
	return at->found;
}

void asynctasks_new_sample(struct async_tasks *at, uint64_t now_ns)
{
	at->n_items = 0;
	at->now_ns = now_ns;
	asyncobjs_new_sample(&at->objects);
}

static int read_u64_at(struct snapshot *snap, uint64_t addr, uint64_t *value)
{
	const uint8_t *copy;
	int err = snapshot_read(snap, addr, 8, SNAP_RECUR, &copy);

	if (err)
		return pp_torn_unless_final(err);
	*value = load_u64(copy, 0);
	return 0;
}

static int read_u8_at(struct snapshot *snap, uint64_t addr, uint8_t *value)
{
	const uint8_t *copy;
	int err = snapshot_read(snap, addr, 1, SNAP_RECUR, &copy);

	if (err)
		return pp_torn_unless_final(err);
	*value = copy[0];
	return 0;
}

int asynctasks_running(struct async_tasks *at, struct snapshot *snap, uint64_t tstate,
		       uint64_t ident, uint64_t *task)
{
	*task = 0;
	if (!at->found)
		return 0;
	if (at->from_objects)
		return asyncobjs_running(&at->objects, ident, at->now_ns, task);
	return read_u64_at(snap, tstate + at->debug.ts_running_task, task);
}

/* Where a coroutine's frame is: inside it (3.11+), or a frame object it
 * points to (0 once it has finished). */
static uint64_t coroutine_frame(const struct async_tasks *at, struct snapshot *snap,
				uint64_t coro)
{
	uint64_t frame = 0;

	if (at->layout->gen_iframe != LAYOUT_ABSENT)
		return coro + at->layout->gen_iframe;
	if (read_u64_at(snap, coro + at->layout->gen_frame, &frame) != 0)
		return 0;
	return frame;
}

uint64_t asynctasks_coro_frame(const struct async_tasks *at, struct snapshot *snap,
			       uint64_t task)
{
	uint64_t coro = 0;

	if (!at->found || read_u64_at(snap, task + at->debug.task_coro, &coro) != 0 || !coro)
		return 0;
	return coroutine_frame(at, snap, coro);
}

/* A task without a name of its own holds its number: "Task-N". */
static int number_name(struct async_tasks *at, uint64_t object, char *out, size_t size)
{
	const struct py_layout *L = at->layout;
	uint8_t copy[64];
	uint64_t tag;
	uint32_t digit;

	if (L->long_tag == LAYOUT_ABSENT || L->long_digits + 4 > sizeof(copy))
		return PP_EBADDATA;
	if (mem_read(at->pid, object, copy, sizeof(copy)) != 0)
		return PP_EBADDATA;
	tag = load_u64(copy, L->long_tag);
	digit = load_u32(copy, L->long_digits);
	if ((tag >> L->long_non_size_bits) > 1)
		return PP_EBADDATA;   /* more than a digit: no task counter gets there */
	snprintf(out, size, "Task-%u", (tag >> L->long_non_size_bits) ? digit : 0);
	return 0;
}

/* 3.7's tasks have no names: the name of the function of their coroutine
 * (a str), from the code of its frame; 0 once it has finished. */
static uint64_t coroutine_name(struct async_tasks *at, struct snapshot *snap, uint64_t task)
{
	const struct py_layout *L = at->layout;
	uint64_t coro = 0, frame, code = 0, name = 0;

	if (read_u64_at(snap, task + at->debug.task_coro, &coro) != 0 || !coro)
		return 0;
	frame = coroutine_frame(at, snap, coro);
	if (!frame || read_u64_at(snap, frame + L->frame_code, &code) != 0 || !code ||
	    read_u64_at(snap, code + L->code_name, &name) != 0)
		return 0;
	return name;
}

/* The strtab id of 'task "NAME"', read again only when the task's name
 * object changes (set_name). */
static uint32_t task_mark(struct async_tasks *at, struct snapshot *snap, uint64_t task)
{
	uint64_t object = 0;
	uint32_t *slot, name = 0;
	bool added;
	char text[300], number[32];
	int len;

	if (at->debug.task_name == LAYOUT_ABSENT)
		object = coroutine_name(at, snap, task);
	else if (read_u64_at(snap, task + at->debug.task_name, &object) != 0)
		object = 0;
	slot = index_put(&at->names, task, &added);
	if (added) {
		*slot = at->n_names++;
		XGROW(at->name_objects, at->cap_name_objects, at->n_names);
		XGROW(at->name_ids, at->cap_name_ids, at->n_names);
	} else if (object && at->name_objects[*slot] == object && at->name_ids[*slot]) {
		return at->name_ids[*slot];
	}
	at->name_objects[*slot] = object;
	if (object && pystr_read(at->pid, at->layout, at->bin->unicode_type, object, at->strings,
				 &name) == 0)
		len = snprintf(text, sizeof(text), "task \"%.256s\"", strtab_str(at->strings, name));
	else if (object && number_name(at, object, number, sizeof(number)) == 0)
		len = snprintf(text, sizeof(text), "task \"%s\"", number);
	else {
		/* Unreadable now (a task being made): read again next time. */
		len = snprintf(text, sizeof(text), "task 0x%llx", (unsigned long long)task);
		at->name_objects[*slot] = 0;
	}
	at->name_ids[*slot] = strtab_intern(at->strings, text, (size_t)len);
	return at->name_ids[*slot];
}

static void push_item(struct async_tasks *at, const struct async_item *item)
{
	XGROW(at->items, at->cap_items, at->n_items + 1);
	at->items[at->n_items++] = *item;
}

/* Whether a coroutine's state says it waits in "await" (3.11+). */
static bool waits_in_await(const struct py_layout *L, uint8_t state)
{
	/* FRAME_SUSPENDED_YIELD_FROM (3.13+) is -1: as a member it reads as
	 * LAYOUT_ABSENT, so the version says whether it exists. */
	if (L->major > 3 || L->minor >= 13)
		return (int8_t)state == (int8_t)L->gen_suspended_yield_from;
	return (int8_t)state == (int8_t)L->gen_suspended;
}

/* The interpreter frame inside a suspended coroutine (3.11+), as the
 * walker gives frames, and the object on top of its stack when it waits
 * in "await": what it awaits. */
static int interp_frame_waiting(struct async_tasks *at, struct snapshot *snap, uint64_t coro,
				struct raw_frame *raw, uint64_t *awaited)
{
	const struct py_layout *L = at->layout;
	uint64_t addr = coro + L->gen_iframe, top = 0;
	size_t span = layout_frame_span(L);
	const uint8_t *copy;
	uint8_t state = 0;
	int err;

	if (L->iframe_stackpointer != LAYOUT_ABSENT && L->iframe_stackpointer + 8 > span)
		span = L->iframe_stackpointer + 8;
	err = snapshot_read(snap, addr, span, SNAP_RECUR, &copy);
	if (err)
		return pp_torn_unless_final(err);
	memset(raw, 0, sizeof(*raw));
	raw->addr = addr;
	raw->code = load_u64(copy, L->iframe_code) & ~layout_stackref_mask(L);
	raw->position = (int64_t)load_u64(copy, L->iframe_instr);
	if (L->iframe_tlbc_index != LAYOUT_ABSENT)
		raw->tlbc_index = load_i32(copy, L->iframe_tlbc_index);
	if (!raw->code)
		return PP_EBADDATA;
	err = read_u8_at(snap, coro + L->gen_frame_state, &state);
	if (err || !waits_in_await(L, state))
		return err;
	if (L->iframe_stackpointer != LAYOUT_ABSENT) {
		/* 3.14 keeps it on top; 3.15 below an empty slot for the value
		 * to send. */
		top = load_u64(copy, L->iframe_stackpointer);
		if (!top)
			return 0;
		err = read_u64_at(snap, top - 8, awaited);
		*awaited &= ~layout_stackref_mask(L);
		if (!err && !*awaited)
			err = read_u64_at(snap, top - 16, awaited);
	} else {
		/* 3.11 - 3.13: an index into the frame's locals and stack. */
		int32_t depth = load_i32(copy, L->iframe_stacktop);

		if (depth > 0)
			err = read_u64_at(snap, addr + L->iframe_localsplus + (uint64_t)(depth - 1) * 8,
					  awaited);
	}
	*awaited &= ~layout_stackref_mask(L);
	return err;
}

/* The frame object of a suspended coroutine (<= 3.10) and the object on
 * top of its stack: what it awaits.  A coroutine only suspends in await. */
static int frame_object_waiting(struct async_tasks *at, struct snapshot *snap, uint64_t coro,
				struct raw_frame *raw, uint64_t *awaited)
{
	const struct py_layout *L = at->layout;
	uint64_t addr = coroutine_frame(at, snap, coro), top = 0;
	const uint8_t *copy;
	int err;

	if (!addr)
		return PP_EBADDATA;   /* it has finished */
	err = snapshot_read(snap, addr, layout_frame_span(L), SNAP_RECUR, &copy);
	if (err)
		return pp_torn_unless_final(err);
	stackwalk_frame_object(L, addr, copy, raw);
	raw->flags = 0;
	if (!raw->code)
		return PP_EBADDATA;
	if (L->frame_stacktop != LAYOUT_ABSENT) {
		top = load_u64(copy, L->frame_stacktop);   /* past the top; NULL while it runs */
		if (top)
			top -= 8;
	} else if (L->frame_stackdepth != LAYOUT_ABSENT) {
		int32_t depth = load_i32(copy, L->frame_stackdepth);

		if (depth > 0)
			top = load_u64(copy, L->frame_valuestack) + (uint64_t)(depth - 1) * 8;
	}
	return top ? read_u64_at(snap, top, awaited) : 0;
}

/* The frames of task's coroutine and of the coroutines it awaits in turn,
 * innermost first: where the task waits. */
static int coroutine_frames(struct async_tasks *at, struct snapshot *snap, uint64_t task)
{
	const struct py_layout *L = at->layout;
	uint64_t coro = 0, coro_type = 0;
	size_t n = 0, first = at->n_items;
	int err = read_u64_at(snap, task + at->debug.task_coro, &coro);

	if (!err && coro)
		err = read_u64_at(snap, coro + L->obj_type, &coro_type);
	while (!err && coro && n < MAX_CORO_DEPTH) {
		struct async_item item = { 0 };
		uint64_t awaited = 0, awaited_type = 0;

		err = L->gen_iframe != LAYOUT_ABSENT
			? interp_frame_waiting(at, snap, coro, &item.frame, &awaited)
			: frame_object_waiting(at, snap, coro, &item.frame, &awaited);
		if (err)
			break;
		push_item(at, &item);
		n++;
		if (awaited)
			err = read_u64_at(snap, awaited + L->obj_type, &awaited_type);
		/* Another coroutine goes on the chain; a future or a task ends it
		 * (a task's awaiters say the rest). */
		if (err || !awaited || awaited_type != coro_type)
			break;
		coro = awaited;
	}
	/* Read outermost first; a chain is innermost first. */
	for (size_t i = 0; i < n / 2; i++) {
		struct async_item swap = at->items[first + i];

		at->items[first + i] = at->items[first + n - 1 - i];
		at->items[first + n - 1 - i] = swap;
	}
	return err == PP_EBADDATA ? 0 : err;
}

/* The task awaiting task (the first of a set of them), or 0. */
static int awaiter_of(struct async_tasks *at, struct snapshot *snap, uint64_t task,
		      uint64_t *awaiter)
{
	const struct py_layout *L = at->layout;
	uint64_t held = 0, mask = 0, table = 0;
	uint8_t is_set = 0, is_task = 0;
	const uint8_t *slots;
	int err;

	*awaiter = 0;
	if (at->from_objects)
		return asyncobjs_awaiter(&at->objects, task, awaiter);
	err = read_u64_at(snap, task + at->debug.task_awaited_by, &held);
	if (!err && held)
		err = read_u8_at(snap, task + at->debug.task_awaited_by_is_set, &is_set);
	if (err || !held)
		return err;
	if (is_set) {
		err = read_u64_at(snap, held + L->set_mask, &mask);
		if (!err)
			err = read_u64_at(snap, held + L->set_table, &table);
		if (err || !table)
			return err;
		if (mask + 1 > MAX_SET_SLOTS)
			mask = MAX_SET_SLOTS - 1;
		err = snapshot_read(snap, table, (mask + 1) * L->setentry_size, SNAP_RECUR, &slots);
		if (err)
			return pp_torn_unless_final(err);
		held = 0;
		/* A slot holds a key and its hash; a removed key's dummy has
		 * hash -1. */
		for (uint64_t i = 0; i <= mask && !held; i++)
			if (load_u64(slots, (uint32_t)(i * L->setentry_size)) &&
			    (int64_t)load_u64(slots, (uint32_t)(i * L->setentry_size + 8)) != -1)
				held = load_u64(slots, (uint32_t)(i * L->setentry_size));
		if (!held)
			return 0;
	}
	err = read_u8_at(snap, held + at->debug.task_is_task, &is_task);
	if (!err && is_task)
		*awaiter = held;
	return err;
}

int asynctasks_chain(struct async_tasks *at, struct snapshot *snap, uint64_t task, bool own)
{
	for (int depth = 0; task && depth < MAX_TASK_DEPTH; depth++) {
		struct async_item mark = { .is_task = true, .task = task };
		int err = 0;

		if (own || depth > 0)
			err = coroutine_frames(at, snap, task);
		if (err)
			return err;
		mark.task_name = task_mark(at, snap, task);
		push_item(at, &mark);
		err = awaiter_of(at, snap, task, &task);
		if (err)
			return err == PP_EBADDATA ? 0 : err;
	}
	return 0;
}

size_t asynctasks_list(struct async_tasks *at, struct snapshot *snap, uint64_t tstate,
		       uint64_t ident, uint64_t interp, uint64_t **tasks, size_t *cap, size_t max)
{
	uint64_t heads[2] = { tstate ? tstate + at->debug.ts_tasks_head : 0,
			      interp ? interp + at->debug.interp_tasks_head : 0 };
	size_t n = 0;

	if (!at->found)
		return 0;
	if (at->from_objects)
		return asyncobjs_tasks(&at->objects, ident, interp != 0, at->now_ns, tasks, cap, max);
	for (size_t h = 0; h < 2; h++) {
		uint64_t node = 0;

		if (!heads[h] || read_u64_at(snap, heads[h], &node) != 0)
			continue;
		/* A circular list through each task's node; the head is no task. */
		while (node && node != heads[h] && n < max) {
			XGROW(*tasks, *cap, n + 1);
			(*tasks)[n++] = node - at->debug.task_node;
			if (read_u64_at(snap, node, &node) != 0)
				break;
		}
	}
	return n;
}

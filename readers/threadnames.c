/*
 * threadnames.c - the names Python's threading module gives threads (see
 * threadnames.h).
 */
#include "threadnames.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "mem.h"

/* A thread with no name is looked for again after this long. */
#define NAMELESS_RETRY_NS 1000000000ull
/* A named thread's name is read again after this long (renames). */
#define NAMED_REREAD_NS 5000000000ull
/* At most one read of _active in this time, however many threads ask. */
#define REFRESH_GAP_NS 20000000ull
/* Entries of threads not asked for in this time are dropped on a rebuild. */
#define FORGET_NS 60000000000ull
#define NAME_MAX_CHARS 128
/* Entries are first tidied when there are this many. */
#define TIDY_FIRST 32

void threadnames_init(struct threadnames *names, pid_t pid, const struct py_layout *layout,
		      struct strtab *strings)
{
	memset(names, 0, sizeof(*names));
	pyobj_init(&names->objects, pid, layout);
	names->strings = strings;
	index_init(&names->by_ident);
	names->tidy_at = TIDY_FIRST;
}

void threadnames_release(struct threadnames *names)
{
	free(names->entries);
	names->entries = NULL;
	names->count = names->cap = 0;
	index_release(&names->by_ident);
}

static struct threadname_entry *find(struct threadnames *names, uint64_t ident)
{
	uint32_t at;

	return index_get(&names->by_ident, ident, &at) ? &names->entries[at] : NULL;
}

/* Drop the entries of threads long unasked for (threads come and go). */
static void tidy(struct threadnames *names, uint64_t now)
{
	size_t kept = 0, i;
	bool added;

	index_clear(&names->by_ident);
	for (i = 0; i < names->count; i++) {
		if (now - names->entries[i].wanted_ns >= FORGET_NS)
			continue;
		names->entries[kept] = names->entries[i];
		*index_put(&names->by_ident, names->entries[kept].ident, &added) = (uint32_t)kept;
		kept++;
	}
	names->count = kept;
	names->tidy_at = kept * 2 > TIDY_FIRST ? kept * 2 : TIDY_FIRST;
}

static struct threadname_entry *find_or_add(struct threadnames *names, uint64_t ident,
					    uint64_t now)
{
	struct threadname_entry *e = find(names, ident);
	bool added;

	if (e)
		return e;
	if (names->count >= names->tidy_at)
		tidy(names, now);
	XGROW(names->entries, names->cap, names->count + 1);
	e = &names->entries[names->count];
	*e = (struct threadname_entry){ .ident = ident, .wanted_ns = now };
	*index_put(&names->by_ident, ident, &added) = (uint32_t)names->count++;
	return e;
}

static bool due(const struct threadname_entry *e, uint64_t now)
{
	if (!e)
		return true;
	return now - e->checked_ns >= (e->name ? NAMED_REREAD_NS : NAMELESS_RETRY_NS);
}

/* threading._active of the interpreter: sys.modules["threading"].__dict__["_active"]. */
static int find_active(struct threadnames *names, uint64_t interp, uint64_t *active)
{
	struct pyobj_reader *r = &names->objects;
	const struct py_layout *L = r->layout;
	uint64_t modules, module, globals;
	int err;

	err = mem_read_u64(r->pid, interp + L->interp_modules, &modules);
	if (!err)
		err = pyobj_dict_get(r, modules, "threading", &module);
	if (!err)
		err = mem_read_u64(r->pid, module + L->module_dict, &globals);
	if (!err)
		err = pyobj_dict_get(r, globals, "_active", active);
	return err;
}

struct refresh {
	struct threadnames *names;
	uint64_t now;
};

static int note_thread(void *ctx, uint64_t key, uint64_t thread_obj)
{
	struct refresh *refresh = ctx;
	struct threadnames *names = refresh->names;
	struct pyobj_reader *r = &names->objects;
	const char *attr = r->layout->major == 2 ? "_Thread__name" : "_name";
	struct threadname_entry *e;
	char text[4 * NAME_MAX_CHARS + 1];
	uint64_t name_obj;
	int64_t ident;

	if (pyobj_int(r, key, &ident) || ident == 0)
		return 0;
	e = find_or_add(names, (uint64_t)ident, refresh->now);
	if (e->thread_obj == thread_obj && e->name && !due(e, refresh->now))
		return 0;
	e->checked_ns = refresh->now;
	e->thread_obj = thread_obj;
	if (pyobj_attr(r, thread_obj, attr, &name_obj) ||
	    pyobj_str_text(r, name_obj, NAME_MAX_CHARS, text))
		return 0;
	e->name = strtab_intern(names->strings, text, strlen(text));
	return 0;
}

static void refresh(struct threadnames *names, uint64_t interp, const uint64_t *idents,
		    size_t n, uint64_t now)
{
	struct refresh ctx = { names, now };
	enum pyobj_kind kind;
	uint64_t type;

	names->refreshed_ns = now;
	names->reads++;
	/* Asked for and not found below: nameless until the next try. */
	for (size_t i = 0; i < n; i++) {
		struct threadname_entry *e;

		if (!idents[i])
			continue;
		e = find_or_add(names, idents[i], now);
		if (due(e, now) && !e->name)
			e->checked_ns = now;
	}
	if (interp != names->interp || !names->active ||
	    pyobj_kind(&names->objects, names->active, &kind, &type) || kind != PYOBJ_DICT) {
		names->active = 0;
		names->interp = interp;
		if (find_active(names, interp, &names->active))
			return;
	}
	pyobj_dict_each(&names->objects, names->active, SIZE_MAX, note_thread, &ctx);
}

void threadnames_lookup(struct threadnames *names, uint64_t interp, const uint64_t *idents,
			size_t n, uint64_t now, uint32_t *names_out)
{
	bool stale = false;

	for (size_t i = 0; i < n && !stale; i++)
		stale = idents[i] && due(find(names, idents[i]), now);
	if (stale && now - names->refreshed_ns >= REFRESH_GAP_NS)
		refresh(names, interp, idents, n, now);
	for (size_t i = 0; i < n; i++) {
		struct threadname_entry *e = idents[i] ? find(names, idents[i]) : NULL;

		names_out[i] = e ? e->name : 0;
		if (e)
			e->wanted_ns = now;
	}
}

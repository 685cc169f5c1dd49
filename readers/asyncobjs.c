/*
 * asyncobjs.c - asyncio's tasks before 3.14, from asyncio's own objects
 * (see asyncobjs.h).
 */
#include "asyncobjs.h"

#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "fields.h"
#include "mem.h"

/* Futures followed from a task to the task its completion wakes. */
#define MAX_HOPS 8
/* Callbacks of one future, and closure cells or arguments of one, looked at. */
#define MAX_CALLBACKS 64
#define MAX_HELD 16
#define MAX_BASES 16
#define SET_CHUNK 256
#define LOOP_REREAD_NS 1000000000u

enum held_kind {
	HELD_OTHER = 0,
	HELD_TASK,
	HELD_FUTURE,     /* a future that is not a task */
	HELD_WAKEUP,     /* a task's wake-up callback (3.7 - 3.9) */
	HELD_CFUNC,      /* a built-in method: a task's wake-up callback (3.10+) */
	HELD_METHOD,     /* a method bound to an object (TaskGroup's) */
	HELD_FUNCTION,   /* a function with a closure (gather's) */
	HELD_PARTIAL,    /* functools.partial (wait_for's) */
};

void asyncobjs_init(struct async_objs *ao, pid_t pid, const struct py_layout *layout)
{
	memset(ao, 0, sizeof(*ao));
	ao->sample = 1;   /* a block of sample 0 was never read */
	ao->layout = layout;
	pyobj_init(&ao->objects, pid, layout);
}

bool asyncobjs_known(const struct py_layout *L)
{
	return L->fut_callback0 != LAYOUT_ABSENT && L->task_coro != LAYOUT_ABSENT &&
	       L->fut_state != LAYOUT_ABSENT &&
	       L->fut_loop != LAYOUT_ABSENT && L->wakeup_task != LAYOUT_ABSENT;
}

/* The sample's block at base, or the slot to read it into: two slots per
 * base (objects a sample touches are few, but some pairs collide), the
 * one holding an older sample's block chosen first. */
static struct async_block *block_slot(struct async_objs *ao, uint64_t base)
{
	/* Mixed: objects a multiple of the table's span apart must not
	 * share slots. */
	uint64_t set = (base / ASYNCOBJS_BLOCK_BYTES * 0x9e3779b97f4a7c15ull) >> 56;
	struct async_block *first = &ao->blocks[(set * 2) % ASYNCOBJS_BLOCKS];
	struct async_block *second = first + 1;

	if (first->sample == ao->sample && first->base == base)
		return first;
	if (second->sample == ao->sample && second->base == base)
		return second;
	return first->sample != ao->sample ? first : second;
}

/*
 * Read len bytes at addr through the sample's blocks: the members of one
 * task or future (state, callbacks, coroutine, name) are read in one call
 * instead of one call each.  A block is aligned to its size, which divides
 * a page's, so it is mapped whenever addr is.  Reads that cross a block go
 * to the process.
 */
static int read_block(struct async_objs *ao, uint64_t addr, void *out, size_t len)
{
	uint64_t base = addr & ~(uint64_t)(ASYNCOBJS_BLOCK_BYTES - 1);
	struct async_block *block;

	if (addr + len > base + ASYNCOBJS_BLOCK_BYTES)
		return mem_read(ao->objects.pid, addr, out, len);
	block = block_slot(ao, base);
	if (block->sample != ao->sample || block->base != base) {
		int err = mem_read(ao->objects.pid, base, block->bytes, sizeof(block->bytes));

		if (err) {
			block->sample = 0;
			return err;
		}
		block->base = base;
		block->sample = ao->sample;
	}
	memcpy(out, block->bytes + (addr - base), len);
	return 0;
}

static int read_ptr(struct async_objs *ao, uint64_t addr, uint64_t *value)
{
	*value = 0;
	if (!addr || (addr & 7))
		return PP_EBADDATA;
	return read_block(ao, addr, value, 8);
}

/* A module's globals, by its name in sys.modules. */
static int module_globals(struct async_objs *ao, uint64_t modules, const char *name,
			  uint64_t *globals)
{
	uint64_t module;
	int err = pyobj_dict_get(&ao->objects, modules, name, &module);

	return err ? err : read_ptr(ao, module + ao->layout->module_dict, globals);
}

/* The set behind a global holding every task: a WeakSet's data, or a set. */
static void find_task_set(struct async_objs *ao, uint64_t globals, const char *name, bool weak,
			  size_t slot)
{
	uint64_t holder;

	if (pyobj_dict_get(&ao->objects, globals, name, &holder) != 0)
		return;
	if (weak && pyobj_attr(&ao->objects, holder, "data", &holder) != 0)
		return;
	ao->task_sets[slot] = holder;
	ao->task_set_weak[slot] = weak;
}

bool asyncobjs_find(struct async_objs *ao, uint64_t interp)
{
	uint64_t modules, globals, native;

	if (ao->globals)
		return true;
	if (!asyncobjs_known(ao->layout) ||
	    read_ptr(ao, interp + ao->layout->interp_modules, &modules) != 0 ||
	    module_globals(ao, modules, "asyncio.tasks", &globals) != 0 ||
	    module_globals(ao, modules, "_asyncio", &native) != 0 ||
	    pyobj_dict_get(&ao->objects, globals, "_current_tasks", &ao->current_tasks) != 0 ||
	    pyobj_dict_get(&ao->objects, native, "Task", &ao->task_type) != 0 ||
	    pyobj_dict_get(&ao->objects, native, "Future", &ao->future_type) != 0)
		return false;
	/* 3.7 - 3.11 keep every task in one WeakSet; 3.12 split off the
	 * eager ones (which run at once, before they could be scheduled). */
	find_task_set(ao, globals, "_all_tasks", true, 0);
	if (!ao->task_sets[0])
		find_task_set(ao, globals, "_scheduled_tasks", true, 0);
	find_task_set(ao, globals, "_eager_tasks", false, 1);
	ao->globals = globals;
	return true;
}

void asyncobjs_new_sample(struct async_objs *ao)
{
	ao->running_read = false;
	ao->n_running = 0;
	/* 0 marks a block never read. */
	if (++ao->sample == 0)
		ao->sample = 1;
}

/* What kind of object a type makes, from the cache or its name and bases. */
static enum held_kind type_kind(struct async_objs *ao, uint64_t type)
{
	static const struct { const char *name; enum held_kind kind; } names[] = {
		{ "TaskWakeupMethWrapper", HELD_WAKEUP },
		{ "builtin_function_or_method", HELD_CFUNC },
		{ "method", HELD_METHOD },
		{ "function", HELD_FUNCTION },
		{ "functools.partial", HELD_PARTIAL },
	};
	enum held_kind kind = HELD_OTHER;
	char name[PYOBJ_TYPE_NAME_MAX];
	uint64_t base = type;

	for (size_t i = 0; i < ao->n_types; i++)
		if (ao->types[i].type == type)
			return ao->types[i].kind;
	for (int depth = 0; base && depth < MAX_BASES && kind == HELD_OTHER; depth++) {
		if (base == ao->task_type)
			kind = HELD_TASK;
		else if (base == ao->future_type)
			kind = HELD_FUTURE;
		else if (read_ptr(ao, base + ao->layout->type_base, &base) != 0)
			return HELD_OTHER;   /* not cached: may read later */
	}
	if (kind == HELD_OTHER && pyobj_type_name(&ao->objects, type, name, sizeof(name)) == 0)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(name, names[i].name))
				kind = names[i].kind;
	if (ao->n_types < ASYNCOBJS_TYPES)
		ao->types[ao->n_types++] = (struct async_type){ type, (uint8_t)kind };
	return kind;
}

static enum held_kind kind_of(struct async_objs *ao, uint64_t addr)
{
	uint64_t type;

	if (read_ptr(ao, addr + ao->layout->obj_type, &type) != 0 || !type)
		return HELD_OTHER;
	return type_kind(ao, type);
}

bool asyncobjs_is_task(struct async_objs *ao, uint64_t addr)
{
	return ao->globals && kind_of(ao, addr) == HELD_TASK;
}

/* The thread an event loop runs in: its _thread_id, None (0) when it is
 * not running; read again each second (a loop can be run again elsewhere). */
static uint64_t loop_ident(struct async_objs *ao, uint64_t loop, uint64_t now_ns)
{
	struct async_loop *entry = NULL;
	uint64_t value;
	int64_t ident;

	for (size_t i = 0; i < ao->n_loops && !entry; i++)
		if (ao->loops[i].loop == loop)
			entry = &ao->loops[i];
	if (entry && now_ns < entry->read_ns + LOOP_REREAD_NS)
		return entry->ident;
	if (!entry) {
		/* Loops are few; a program making many reuses the oldest slot. */
		entry = &ao->loops[ao->n_loops < ASYNCOBJS_LOOPS ? ao->n_loops++
								  : loop % ASYNCOBJS_LOOPS];
		entry->loop = loop;
	}
	entry->read_ns = now_ns;
	entry->ident = 0;
	if (pyobj_attr(&ao->objects, loop, "_thread_id", &value) == 0 &&
	    pyobj_int(&ao->objects, value, &ident) == 0)
		entry->ident = (uint64_t)ident;
	return entry->ident;
}

struct running_ctx {
	struct async_objs *ao;
	uint64_t now_ns;
};

static int note_running(void *opaque, uint64_t loop, uint64_t task)
{
	struct running_ctx *ctx = opaque;
	struct async_objs *ao = ctx->ao;

	if (ao->n_running < ASYNCOBJS_RUNNING)
		ao->running[ao->n_running++] = (struct async_running){
			loop_ident(ao, loop, ctx->now_ns), task
		};
	return 0;
}

int asyncobjs_running(struct async_objs *ao, uint64_t ident, uint64_t now_ns, uint64_t *task)
{
	*task = 0;
	if (!ao->globals)
		return 0;
	if (!ao->running_read) {
		struct running_ctx ctx = { ao, now_ns };

		ao->running_read = true;
		pyobj_dict_each(&ao->objects, ao->current_tasks, ASYNCOBJS_RUNNING, note_running,
				&ctx);
	}
	for (size_t i = 0; i < ao->n_running; i++)
		if (ao->running[i].ident == ident && ident) {
			*task = ao->running[i].task;
			return 0;
		}
	return 0;
}

/* The items of the tuple or list at addr (at most max), into items. */
static size_t sequence_items(struct async_objs *ao, uint64_t addr, bool list, uint64_t *items,
			     size_t max)
{
	const struct py_layout *L = ao->layout;
	uint64_t size, at;

	if (read_ptr(ao, addr + L->obj_size, &size) != 0 || (int64_t)size <= 0)
		return 0;
	if (size > max)
		size = max;
	if (list) {
		if (read_ptr(ao, addr + L->list_item, &at) != 0)
			return 0;
	} else {
		at = addr + L->tuple_item;
	}
	if (mem_read(ao->objects.pid, at, items, size * 8) != 0)
		return 0;
	return size;
}

/* A future's done-callbacks: the first, then the (callback, context)
 * pairs of its list. */
static size_t callbacks_of(struct async_objs *ao, uint64_t future, uint64_t *out)
{
	const struct py_layout *L = ao->layout;
	uint64_t first = 0, list = 0, pairs[MAX_CALLBACKS];
	size_t n = 0, n_pairs;

	if (read_ptr(ao, future + L->fut_callback0, &first) == 0 && first)
		out[n++] = first;
	if (read_ptr(ao, future + L->fut_callbacks, &list) != 0 || !list)
		return n;
	n_pairs = sequence_items(ao, list, true, pairs, MAX_CALLBACKS - n);
	for (size_t i = 0; i < n_pairs; i++)
		if (sequence_items(ao, pairs[i], false, &out[n], 1) == 1)
			n++;
	return n;
}

static int woken_by(struct async_objs *ao, uint64_t future, int hops, uint64_t *awaiter);
static bool future_pending(struct async_objs *ao, uint64_t future, bool now);

/* Futures among held[0..n) (a closure's cells, a partial's arguments):
 * the task one of them wakes. */
static int through_held(struct async_objs *ao, uint64_t future, const uint64_t *held, size_t n,
			bool cells, int hops, uint64_t *awaiter)
{
	for (size_t i = 0; i < n && !*awaiter; i++) {
		uint64_t value = held[i];

		if (cells && read_ptr(ao, value + ao->layout->cell_ref, &value) != 0)
			continue;
		if (value && value != future && kind_of(ao, value) == HELD_FUTURE)
			woken_by(ao, value, hops + 1, awaiter);
	}
	return 0;
}

/* The task one callback wakes, if it is a kind that says. */
static void callback_wakes(struct async_objs *ao, uint64_t future, uint64_t callback, int hops,
			   uint64_t *awaiter)
{
	const struct py_layout *L = ao->layout;
	uint64_t held[MAX_HELD], value = 0;
	size_t n;

	switch (kind_of(ao, callback)) {
	case HELD_WAKEUP:
		read_ptr(ao, callback + L->wakeup_task, &value);
		break;
	case HELD_CFUNC:
		read_ptr(ao, callback + L->cfunc_self, &value);
		break;
	case HELD_METHOD:
		if (read_ptr(ao, callback + L->method_self, &value) == 0 && value &&
		    pyobj_attr(&ao->objects, value, "_parent_task", &value) != 0)
			value = 0;
		break;
	case HELD_FUNCTION:
		if (read_ptr(ao, callback + L->func_closure, &value) == 0 && value) {
			n = sequence_items(ao, value, false, held, MAX_HELD);
			through_held(ao, future, held, n, true, hops, awaiter);
		}
		return;
	case HELD_PARTIAL:
		if (read_ptr(ao, callback + L->partial_args, &value) == 0 && value) {
			n = sequence_items(ao, value, false, held, MAX_HELD);
			through_held(ao, future, held, n, false, hops, awaiter);
		}
		return;
	default:
		return;
	}
	if (value && kind_of(ao, value) == HELD_TASK)
		*awaiter = value;
}

static int woken_by(struct async_objs *ao, uint64_t future, int hops, uint64_t *awaiter)
{
	uint64_t callbacks[MAX_CALLBACKS];
	size_t n;

	if (hops > MAX_HOPS)
		return 0;
	n = callbacks_of(ao, future, callbacks);
	for (size_t i = 0; i < n && !*awaiter; i++)
		callback_wakes(ao, future, callbacks[i], hops, awaiter);
	return 0;
}

int asyncobjs_awaiter(struct async_objs *ao, uint64_t task, uint64_t *awaiter)
{
	*awaiter = 0;
	if (!ao->globals)
		return 0;
	woken_by(ao, task, 0, awaiter);
	/* A task finishing sets its state, then clears its callbacks: one
	 * whose callbacks were read after that has no awaiter left.  It is
	 * torn, not a task awaited by none (its state read now, after its
	 * callbacks, not from the sample's blocks). */
	if (!*awaiter && !future_pending(ao, task, true))
		return PP_ETORN;
	return 0;
}

/* Whether a future (or task) has neither finished nor been cancelled:
 * as this sample's blocks have it, or (now) as the process has it now. */
static bool future_pending(struct async_objs *ao, uint64_t future, bool now)
{
	uint64_t at = future + ao->layout->fut_state;
	uint32_t state;
	int err = now ? mem_read(ao->objects.pid, at, &state, sizeof(state))
		      : read_block(ao, at, &state, sizeof(state));

	return err == 0 && state == 0;
}


/* Append the tasks of one set whose loop's thread is wanted. */
static size_t tasks_of_set(struct async_objs *ao, size_t slot, uint64_t ident, bool homeless,
			   uint64_t now_ns, uint64_t **tasks, size_t *cap, size_t n, size_t max)
{
	const struct py_layout *L = ao->layout;
	uint64_t set = ao->task_sets[slot], mask, table;
	uint8_t chunk[SET_CHUNK * 16];
	size_t entry = L->setentry_size;

	if (!set || entry > 16 || read_ptr(ao, set + L->set_mask, &mask) != 0 ||
	    read_ptr(ao, set + L->set_table, &table) != 0 || mask >= (1u << 20))
		return n;
	for (uint64_t first = 0; first <= mask && n < max; first += SET_CHUNK) {
		uint64_t count = mask + 1 - first < SET_CHUNK ? mask + 1 - first : SET_CHUNK;

		if (mem_read(ao->objects.pid, table + first * entry, chunk, count * entry) != 0)
			return n;
		for (uint64_t i = 0; i < count && n < max; i++) {
			uint64_t key = load_u64(chunk, (uint32_t)(i * entry)), task = key, loop, home;

			/* An empty slot, or a removed key's dummy (hash -1). */
			if (!key || (int64_t)load_u64(chunk, (uint32_t)(i * entry + 8)) == -1)
				continue;
			if (ao->task_set_weak[slot] &&
			    read_ptr(ao, key + L->weakref_object, &task) != 0)
				continue;
			/* A finished task stays in the set until it is freed. */
			if (kind_of(ao, task) != HELD_TASK || !future_pending(ao, task, false) ||
			    read_ptr(ao, task + L->fut_loop, &loop) != 0)
				continue;
			home = loop ? loop_ident(ao, loop, now_ns) : 0;
			if (home ? home != ident : !homeless)
				continue;
			XGROW(*tasks, *cap, n + 1);
			(*tasks)[n++] = task;
		}
	}
	return n;
}

size_t asyncobjs_tasks(struct async_objs *ao, uint64_t ident, bool homeless, uint64_t now_ns,
		       uint64_t **tasks, size_t *cap, size_t max)
{
	size_t n = 0;

	if (!ao->globals)
		return 0;
	for (size_t slot = 0; slot < 2; slot++)
		n = tasks_of_set(ao, slot, ident, homeless, now_ns, tasks, cap, n, max);
	return n;
}

/*
 * codecache.c - cache of decoded code objects (see codecache.h).
 */
#include "codecache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "fields.h"
#include "landmarks.h"
#include "mem.h"
#include "pathname.h"
#include "pystr.h"

#define LINETABLE_MAX (1u << 20)
/* Bytecode longer than this is not scanned for returns (none is). */
#define BYTECODE_MAX (4u << 20)
#define CACHE_MAX_ENTRIES (1u << 18)

void codecache_init(struct code_cache *cc, pid_t pid, const struct py_layout *layout,
		    uint64_t code_type, uint64_t str_type, uint64_t bytes_type,
		    struct strtab *strings)
{
	memset(cc, 0, sizeof(*cc));
	cc->pid = pid;
	cc->layout = layout;
	cc->code_type = code_type;
	cc->str_type = str_type;
	cc->bytes_type = bytes_type;
	cc->strings = strings;
	cc->span = layout_code_span(layout);
	index_init(&cc->by_addr);
	cc->generation = 1;
	landmarks_opcodes(layout, &cc->opcodes);
}

static void release_info(struct code_info *info)
{
	linetable_release(&info->lines);
	landmarks_release(&info->marks);
}

static void free_entries(struct code_cache *cc)
{
	size_t i;

	for (i = 0; i < cc->used; i++) {
		release_info(cc->entries[i]);
		free(cc->entries[i]);
	}
	cc->used = 0;
	index_clear(&cc->by_addr);
}

void codecache_release(struct code_cache *cc)
{
	free_entries(cc);
	free(cc->entries);
	index_release(&cc->by_addr);
	free(cc->reqs);
	free(cc->req_of);
	free(cc->short_of);
	memset(cc, 0, sizeof(*cc));
}

void codecache_new_sample(struct code_cache *cc)
{
	cc->generation++;
}

static struct code_info *find_entry(const struct code_cache *cc, uint64_t addr)
{
	uint32_t at;

	return index_get(&cc->by_addr, addr, &at) ? cc->entries[at] : NULL;
}

static struct code_info *add_entry(struct code_cache *cc, uint64_t addr)
{
	struct code_info *info = xcalloc(1, sizeof(*info));
	bool added;

	info->addr = addr;
	XGROW(cc->entries, cc->cap_entries, cc->used + 1);
	*index_put(&cc->by_addr, addr, &added) = (uint32_t)cc->used;
	cc->entries[cc->used++] = info;
	return info;
}

/* The fields that identify a code object, from its first span bytes. */
static void take_fingerprint(const struct py_layout *L, const uint8_t *obj, uint64_t fp[6])
{
	fp[0] = load_u64(obj, L->obj_type);
	fp[1] = load_u64(obj, L->code_name);
	fp[2] = load_u64(obj, L->code_filename);
	fp[3] = load_u64(obj, L->code_linetable);
	fp[4] = (uint64_t)(uint32_t)load_i32(obj, L->code_firstlineno);
	/* Bytecode: its length (3.11+, inline) or the co_code object (<= 3.10). */
	fp[5] = L->code_code != LAYOUT_ABSENT ? load_u64(obj, L->code_code)
					       : load_u64(obj, L->obj_size);
}

static uint32_t short_file_of(struct code_cache *cc, uint32_t file)
{
	char shortened[4096];
	size_t old_cap = cc->short_cap;

	if (file < cc->short_cap && cc->short_of[file])
		return cc->short_of[file];
	if (file >= cc->short_cap) {
		XGROW(cc->short_of, cc->short_cap, (size_t)file + 1);
		memset(cc->short_of + old_cap, 0, (cc->short_cap - old_cap) * sizeof(*cc->short_of));
	}
	pathname_shorten(strtab_str(cc->strings, file), shortened, sizeof(shortened),
			 pathname_process_has_init, &cc->pid);
	cc->short_of[file] = strtab_intern_cstr(cc->strings, shortened);
	return cc->short_of[file];
}

/* Read a bytes object (2.7 str) of at most max bytes into a malloc'd buffer. */
static int read_bytes_object(struct code_cache *cc, uint64_t addr, size_t max, uint8_t **data,
			     size_t *len)
{
	const struct py_layout *L = cc->layout;
	uint32_t sval = L->rule_strings == STRINGS_BYTES ? L->bytes27_sval : L->bytes_sval;
	uint8_t head[64];
	uint64_t size;
	int err;

	if (sval == LAYOUT_ABSENT || sval > sizeof(head))
		return PP_EBADDATA;
	err = mem_read(cc->pid, addr, head, sval);
	if (err)
		return err;
	if (cc->bytes_type && load_u64(head, L->obj_type) != cc->bytes_type)
		return PP_EBADDATA;
	size = load_u64(head, L->obj_size);
	if (size > max)
		return PP_EBADDATA;
	*len = (size_t)size;
	*data = xmalloc(*len ? *len : 1);
	err = mem_read(cc->pid, addr + sval, *data, *len);
	if (err) {
		free(*data);
		*data = NULL;
	}
	return err;
}

/* Words a frame of this code takes on the data stack (3.11+), or 0. */
static uint32_t frame_words(const struct py_layout *L, const uint8_t *obj)
{
	int64_t words;

	if (L->code_framesize != LAYOUT_ABSENT)
		words = load_i32(obj, L->code_framesize);
	else if (L->code_nlocalsplus != LAYOUT_ABSENT && L->iframe_specials != LAYOUT_ABSENT)
		words = (int64_t)load_i32(obj, L->code_nlocalsplus) +
			load_i32(obj, L->code_stacksize) + L->iframe_specials;
	else
		return 0;
	return words > 0 && words < (1 << 24) ? (uint32_t)words : 0;
}

/*
 * Read the bytecode and note where it returns or yields, calls, sends and
 * iterates (landmarks.h).
 */
static int find_landmarks(struct code_cache *cc, const uint8_t *obj, struct code_info *info)
{
	const struct py_layout *L = cc->layout;
	uint8_t *code = NULL;
	size_t len = 0;
	int err;

	landmarks_release(&info->marks);
	if (info->code_bytes <= 0 || info->code_bytes > BYTECODE_MAX)
		return 0;
	if (L->code_code != LAYOUT_ABSENT) {
		err = read_bytes_object(cc, load_u64(obj, L->code_code), BYTECODE_MAX, &code, &len);
	} else {
		len = (size_t)info->code_bytes;
		code = xmalloc(len);
		err = mem_read(cc->pid, info->addr + L->code_adaptive, code, len);
	}
	if (err) {
		free(code);
		return err;
	}
	/* 3.13+ push a frame of a code of their own (_Py_InitCleanup) between
	 * a caller and a specialized __init__: it starts with EXIT_INIT_CHECK,
	 * which no compiled function does. */
	info->shim = L->op_exit_init_check != LAYOUT_ABSENT && len >= 2 &&
		     code[0] == L->op_exit_init_check;
	landmarks_scan(L, &cc->opcodes, code, len, &info->lines, &info->marks);
	free(code);
	return 0;
}

/*
 * Whether an object, as copied, is alive: freed memory keeps its type
 * pointer, but the allocator writes its free-list link (an address, or
 * NULL) where the reference count was, and debug builds fill it with a
 * pattern.  A count of 1 to 2^32 - 1 is a live one (immortal objects
 * included).  Where the word holds more than a count, no test.
 */
static bool alive(const struct py_layout *L, const uint8_t *obj)
{
	uint64_t count;

	if (!L->rule_refcount_word || L->free_threaded)
		return true;
	count = load_u64(obj, L->obj_type - 8);
	return count != 0 && count <= UINT32_MAX;
}

/* A code flag's bit, or none where the version lacks the flag. */
static uint32_t mask_of(uint32_t flag)
{
	return flag == LAYOUT_ABSENT ? 0 : flag;
}

/*
 * The code object read again after its strings were: a code object being
 * made (or freed) while it was read has fields from two objects, its name
 * from one and its file from another.  Its identity must not have moved.
 */
static int check_still(struct code_cache *cc, const struct code_info *info)
{
	uint8_t *again = xmalloc(cc->span);
	uint64_t fp[6];
	int err = mem_read(cc->pid, info->addr, again, cc->span);

	if (!err) {
		take_fingerprint(cc->layout, again, fp);
		if (memcmp(fp, info->fingerprint, sizeof(fp)) != 0 || !alive(cc->layout, again))
			err = PP_ETORN;
	}
	free(again);
	return err;
}

/* Fill an entry from the object's fields (obj: its first span bytes). */
static int read_entry(struct code_cache *cc, const uint8_t *obj, struct code_info *info)
{
	const struct py_layout *L = cc->layout;
	uint64_t name_ptr, file_ptr, table_ptr;
	uint32_t flags;
	uint8_t *table = NULL;
	size_t table_len = 0;
	int err;

	take_fingerprint(L, obj, info->fingerprint);
	if (cc->code_type && info->fingerprint[0] != cc->code_type)
		return PP_EBADDATA;
	info->first_line = load_i32(obj, L->code_firstlineno);
	if (info->first_line < 0)
		return PP_EBADDATA;
	name_ptr = load_u64(obj, L->code_qualname != LAYOUT_ABSENT ? L->code_qualname : L->code_name);
	file_ptr = load_u64(obj, L->code_filename);
	table_ptr = load_u64(obj, L->code_linetable);
	err = pystr_read(cc->pid, L, cc->str_type, name_ptr, cc->strings, &info->name);
	if (err)
		return err;
	err = pystr_read(cc->pid, L, cc->str_type, file_ptr, cc->strings, &info->file);
	if (err)
		return err;
	info->short_file = short_file_of(cc, info->file);
	if (L->code_code != LAYOUT_ABSENT) {
		/* <= 3.10: the bytecode is a separate bytes object. */
		uint64_t size;

		err = mem_read_u64(cc->pid, load_u64(obj, L->code_code) + L->obj_size, &size);
		if (err)
			return err;
		if (size > (1u << 26))
			return PP_EBADDATA;
		info->code_bytes = (int64_t)size;
	} else {
		uint64_t units = load_u64(obj, L->obj_size);

		if (units > (1u << 26))
			return PP_EBADDATA;
		info->code_bytes = (int64_t)units * 2;
	}
	info->framesize = frame_words(L, obj);
	flags = load_u32(obj, L->code_flags);
	info->generator = (flags & L->codeflag_generator) != 0;
	info->coroutine = (flags & mask_of(L->codeflag_coroutine)) != 0;
	info->awaits = info->coroutine || (flags & mask_of(L->codeflag_async_generator));
	info->resumable = info->generator || info->awaits;
	info->first_traceable = L->code_firsttraceable != LAYOUT_ABSENT
				? 2 * (int64_t)load_i32(obj, L->code_firsttraceable) : -1;
	err = read_bytes_object(cc, table_ptr, LINETABLE_MAX, &table, &table_len);
	if (err)
		return err;
	err = check_still(cc, info);
	if (err) {
		free(table);
		return err;
	}
	linetable_release(&info->lines);
	err = linetable_decode(&info->lines, L->rule_linetable, table, table_len, info->first_line);
	free(table);
	if (err)
		return err;
	/* The bytecode scan gives loops' jumps their lines: before the gaps
	 * take the line before them. */
	err = find_landmarks(cc, obj, info);
	if (err)
		return err;
	linetable_fill_gaps(&info->lines);
	memset(info->tlbc_base, 0, sizeof(info->tlbc_base));
	return 0;
}

static bool same_fingerprint(const struct code_info *info, const uint64_t fp[6])
{
	return memcmp(info->fingerprint, fp, sizeof(info->fingerprint)) == 0;
}

int codecache_resolve(struct code_cache *cc, struct snapshot *snap, const uint64_t *addrs,
		      size_t n, const struct code_info **out)
{
	const struct py_layout *L = cc->layout;
	size_t span = cc->span, i, todo = 0;
	int err;

	/* A process that keeps creating code: start over rather than grow
	 * without bound (before any entry is handed out by this call). */
	if (cc->used + n > CACHE_MAX_ENTRIES)
		free_entries(cc);
	/* Every entry used this sample is validated once: gather those not
	 * yet validated in this generation into one batch. */
	if (n > cc->cap_reqs) {
		XGROW(cc->reqs, cc->cap_reqs, n);
		cc->req_of = xreallocarray(cc->req_of, cc->cap_reqs, sizeof(*cc->req_of));
	}
	for (i = 0; i < n; i++) {
		struct code_info *info = find_entry(cc, addrs[i]);

		out[i] = NULL;
		if (addrs[i] == 0 || (addrs[i] & 7))
			continue;
		if (info && info->validated == cc->generation) {
			out[i] = info;
			cc->stats.hits++;
			continue;
		}
		cc->reqs[todo] = (struct snapshot_req){ .addr = addrs[i], .len = span };
		cc->req_of[todo++] = i;
	}
	err = snapshot_read_many(snap, cc->reqs, todo, SNAP_RECUR);
	for (i = 0; i < todo && !err; i++) {
		const uint8_t *obj = cc->reqs[i].data;
		struct code_info *info;
		uint64_t fp[6];

		if (!obj)
			continue;
		take_fingerprint(L, obj, fp);
		if ((cc->code_type && fp[0] != cc->code_type) || !alive(L, obj))
			continue;
		info = find_entry(cc, cc->reqs[i].addr);
		if (info && same_fingerprint(info, fp)) {
			cc->stats.hits++;
		} else {
			if (info) {
				cc->stats.invalidated++;
			} else {
				info = add_entry(cc, cc->reqs[i].addr);
			}
			cc->stats.misses++;
			if (read_entry(cc, obj, info) != 0) {
				/* Leave a fingerprint that never matches. */
				memset(info->fingerprint, 0xff, sizeof(info->fingerprint));
				info->validated = 0;
				continue;
			}
		}
		info->validated = cc->generation;
		out[cc->req_of[i]] = info;
	}
	return err;
}

/* Start address of thread-local bytecode copy index (3.14t+). */
static int tlbc_base(struct code_cache *cc, const struct code_info *info, int32_t index,
		     uint64_t *base)
{
	const struct py_layout *L = cc->layout;
	struct code_info *entry = (struct code_info *)info;
	uint64_t array, size;
	int err;

	if (index == 0 || L->code_tlbc == LAYOUT_ABSENT) {
		*base = info->addr + L->code_adaptive;
		return 0;
	}
	if (index < 0 || index > 1024)
		return PP_EBADDATA;
	if (index < 8 && entry->tlbc_base[index]) {
		*base = entry->tlbc_base[index];
		return 0;
	}
	/* co_tlbc points to { Py_ssize_t size; char *entries[size]; }. */
	err = mem_read_u64(cc->pid, info->addr + L->code_tlbc, &array);
	if (!err)
		err = mem_read_u64(cc->pid, array, &size);
	if (err)
		return err;
	if ((uint64_t)index >= size)
		return PP_EBADDATA;
	err = mem_read_u64(cc->pid, array + 8 + 8 * (uint64_t)index, base);
	if (!err && index < 8)
		entry->tlbc_base[index] = *base;
	return err;
}

int codecache_offset(struct code_cache *cc, const struct code_info *info, int64_t position,
		     int32_t tlbc_index, int64_t *offset)
{
	const struct py_layout *L = cc->layout;
	uint64_t base;
	int err;

	switch (L->rule_lasti) {
	case LASTI_BYTES:
		*offset = position;
		break;
	case LASTI_CODE_UNITS:
		*offset = position < 0 ? -1 : position * 2;
		break;
	default:
		err = tlbc_base(cc, info, tlbc_index, &base);
		if (err)
			return err;
		*offset = (int64_t)((uint64_t)position - base);
		break;
	}
	/* A new 3.11/3.12 frame points one unit before its first instruction;
	 * anything else outside the bytecode means the frame was torn. */
	if (*offset < -2 || *offset >= info->code_bytes)
		return PP_ETORN;
	return 0;
}

/*
 * pyobj.c - Python values in a target (see pyobj.h).
 */
#include "pyobj.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "fields.h"
#include "mem.h"
#include "pystr.h"

/* Bounds that keep a walk through garbage short. */
#define MAX_DICT_ENTRIES (1u << 22)
#define ENTRY_CHUNK 64

void pyobj_init(struct pyobj_reader *r, pid_t pid, const struct py_layout *layout)
{
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->layout = layout;
}

static bool plausible(uint64_t addr)
{
	return addr && !(addr & 7) && addr < (1ull << 56);
}

static bool has(uint32_t field)
{
	return field != LAYOUT_ABSENT;
}

static int read_u64(struct pyobj_reader *r, uint64_t addr, uint64_t *value)
{
	if (!plausible(addr))
		return PP_EBADDATA;
	return mem_read_u64(r->pid, addr, value);
}

/* --- types --- */

struct type_facts {
	uint64_t name_ptr;
	uint64_t flags;
	int64_t basicsize, dictoffset;
	uint64_t cached_keys;   /* shared keys of its instances (3.11+), or 0 */
};

static uint32_t type_span(const struct py_layout *L)
{
	uint32_t span = L->type_name;

	if (L->type_flags > span)
		span = L->type_flags;
	if (L->type_basicsize > span)
		span = L->type_basicsize;
	if (L->type_dictoffset > span)
		span = L->type_dictoffset;
	if (has(L->heaptype_cached_keys) && L->heaptype_cached_keys > span)
		span = L->heaptype_cached_keys;
	return span + 8;
}

static int read_type(struct pyobj_reader *r, uint64_t type, struct type_facts *facts)
{
	const struct py_layout *L = r->layout;
	uint8_t buf[2048];
	uint32_t span = type_span(L);
	int err;

	if (!plausible(type) || span > sizeof(buf))
		return PP_EBADDATA;
	err = mem_read(r->pid, type, buf, span);
	if (err)
		return err;
	facts->name_ptr = load_u64(buf, L->type_name);
	facts->flags = load_u64(buf, L->type_flags);
	facts->basicsize = (int64_t)load_u64(buf, L->type_basicsize);
	facts->dictoffset = (int64_t)load_u64(buf, L->type_dictoffset);
	facts->cached_keys = 0;
	if (has(L->heaptype_cached_keys) && (facts->flags & L->type_flag_heaptype))
		facts->cached_keys = load_u64(buf, L->heaptype_cached_keys);
	return 0;
}

/* A type's tp_name: a C string, UTF-8 for classes (`class Clase_ñ`). */
static int read_c_name(struct pyobj_reader *r, uint64_t name_ptr, char *out, size_t size)
{
	char buf[PYOBJ_TYPE_NAME_MAX], text[3 * PYOBJ_TYPE_NAME_MAX];
	ssize_t got;
	size_t n;

	if (!name_ptr)
		return PP_EBADDATA;
	got = mem_read_upto(r->pid, name_ptr, buf, sizeof(buf));
	if (got <= 0)
		return got < 0 ? (int)got : PP_EBADDATA;
	n = strnlen(buf, (size_t)got);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return PP_EBADDATA;
	n = pystr_bytes_to_utf8(buf, n, text);
	/* Shorten to fit, between characters. */
	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, text, n);
	out[n] = '\0';
	return 0;
}

int pyobj_type_name(struct pyobj_reader *r, uint64_t type, char *out, size_t size)
{
	struct type_facts facts;
	int err = read_type(r, type, &facts);

	out[0] = '\0';
	return err ? err : read_c_name(r, facts.name_ptr, out, size);
}

static enum pyobj_kind kind_of_builtin(const struct py_layout *L, const char *name)
{
	static const struct { const char *name; enum pyobj_kind py3, py2; } names[] = {
		{ "NoneType", PYOBJ_NONE, PYOBJ_NONE },
		{ "bool", PYOBJ_BOOL, PYOBJ_BOOL },
		{ "int", PYOBJ_INT, PYOBJ_INT27 },
		{ "long", PYOBJ_OTHER, PYOBJ_INT },
		{ "float", PYOBJ_FLOAT, PYOBJ_FLOAT },
		{ "str", PYOBJ_STR, PYOBJ_BYTES },
		{ "unicode", PYOBJ_OTHER, PYOBJ_STR },
		{ "bytes", PYOBJ_BYTES, PYOBJ_OTHER },
		{ "tuple", PYOBJ_TUPLE, PYOBJ_TUPLE },
		{ "list", PYOBJ_LIST, PYOBJ_LIST },
		{ "dict", PYOBJ_DICT, PYOBJ_DICT },
		{ "cell", PYOBJ_CELL, PYOBJ_CELL },
		{ "module", PYOBJ_MODULE, PYOBJ_MODULE },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return L->major == 2 ? names[i].py2 : names[i].py3;
	return PYOBJ_OTHER;
}

int pyobj_kind(struct pyobj_reader *r, uint64_t addr, enum pyobj_kind *kind, uint64_t *type)
{
	struct type_facts facts;
	char name[PYOBJ_TYPE_NAME_MAX];
	int err;

	*kind = PYOBJ_OTHER;
	err = read_u64(r, addr + r->layout->obj_type, type);
	if (err)
		return err;
	for (size_t i = 0; i < r->n_types; i++)
		if (r->types[i].addr == *type) {
			*kind = r->types[i].kind;
			return 0;
		}
	err = read_type(r, *type, &facts);
	if (err)
		return err;
	/* A class's tp_name is its bare name: `class list` is not a list. */
	if (facts.flags & r->layout->type_flag_heaptype)
		return 0;
	err = read_c_name(r, facts.name_ptr, name, sizeof(name));
	if (err)
		return err;
	*kind = kind_of_builtin(r->layout, name);
	if (r->n_types < PYOBJ_TYPE_CACHE)
		r->types[r->n_types++] = (struct pyobj_type){ *type, *kind };
	return 0;
}

/* --- numbers and strings --- */

int pyobj_read(struct pyobj_reader *r, uint64_t addr, void *buf, size_t len)
{
	if (!plausible(addr))
		return PP_EBADDATA;
	return mem_read(r->pid, addr, buf, len);
}

static int read_long(struct pyobj_reader *r, uint64_t addr, int64_t *value)
{
	const struct py_layout *L = r->layout;
	uint8_t buf[128];
	uint64_t ndigits;
	bool negative;
	unsigned __int128 sum = 0;
	int err;

	err = pyobj_read(r, addr, buf, L->long_digits + 3 * 4);
	if (err)
		return err;
	if (has(L->long_tag)) {
		uint64_t tag = load_u64(buf, L->long_tag);

		ndigits = tag >> L->long_non_size_bits;
		negative = (tag & L->long_sign_mask) == L->long_sign_negative;
	} else {
		int64_t size = (int64_t)load_u64(buf, L->obj_size);

		negative = size < 0;
		ndigits = (uint64_t)(negative ? -size : size);
	}
	if (ndigits > 3)
		return PP_EBADDATA;
	for (uint64_t i = ndigits; i-- > 0;) {
		uint32_t digit = load_u32(buf, L->long_digits + (uint32_t)(4 * i));

		if (digit >> L->long_shift)
			return PP_EBADDATA;
		sum = (sum << L->long_shift) | digit;
	}
	if (sum > (unsigned __int128)INT64_MAX + (negative ? 1 : 0))
		return PP_EBADDATA;
	*value = negative ? (int64_t)(0 - (uint64_t)sum) : (int64_t)sum;
	return 0;
}

int pyobj_int(struct pyobj_reader *r, uint64_t addr, int64_t *value)
{
	enum pyobj_kind kind;
	uint64_t type;
	uint8_t buf[64];
	int err = pyobj_kind(r, addr, &kind, &type);

	if (err)
		return err;
	if (kind == PYOBJ_INT27 || (kind == PYOBJ_BOOL && r->layout->major == 2)) {
		err = pyobj_read(r, addr, buf, r->layout->int27_value + 8);
		if (!err)
			*value = (int64_t)load_u64(buf, r->layout->int27_value);
		return err;
	}
	if (kind == PYOBJ_INT || kind == PYOBJ_BOOL)
		return read_long(r, addr, value);
	return PP_EBADDATA;
}

/* 2.7's unicode: a length and a pointer to UCS-2 or UCS-4 units. */
static int read_unicode27(struct pyobj_reader *r, uint64_t addr, size_t max_chars, char *out,
			  size_t *out_len, uint64_t *length)
{
	const struct py_layout *L = r->layout;
	uint8_t head[64], *units;
	uint64_t data;
	size_t n, width = L->unicode27_char_size;
	int err;

	err = pyobj_read(r, addr, head, L->unicode27_str + 8);
	if (err)
		return err;
	*length = load_u64(head, L->unicode27_length);
	data = load_u64(head, L->unicode27_str);
	if (*length > (1u << 30) || (width != 2 && width != 4))
		return PP_EBADDATA;
	n = *length < max_chars ? (size_t)*length : max_chars;
	units = malloc(n * width + 1);
	if (!units)
		return -ENOMEM;
	err = n ? mem_read(r->pid, data, units, n * width) : 0;
	if (!err)
		*out_len = pystr_units_to_utf8(units, n, (int)width, out);
	free(units);
	return err;
}

int pyobj_text_prefix(struct pyobj_reader *r, uint64_t addr, enum pyobj_kind kind,
		      size_t max_chars, char *out, size_t *out_len, uint64_t *length)
{
	*out_len = 0;
	if (r->layout->major == 2 && kind == PYOBJ_STR)
		return read_unicode27(r, addr, max_chars, out, out_len, length);
	if (kind == PYOBJ_STR || (r->layout->major == 2 && kind == PYOBJ_BYTES))
		return pystr_read_prefix(r->pid, r->layout, addr, max_chars, out, out_len, length);
	return PP_EBADDATA;
}

int pyobj_str_text(struct pyobj_reader *r, uint64_t addr, size_t max_chars, char *out)
{
	enum pyobj_kind kind;
	uint64_t type, length;
	size_t len = 0;
	int err = pyobj_kind(r, addr, &kind, &type);

	if (!err)
		err = pyobj_text_prefix(r, addr, kind, max_chars, out, &len, &length);
	out[err ? 0 : len] = '\0';
	return err;
}

bool pyobj_str_equals(struct pyobj_reader *r, uint64_t addr, const char *text, size_t len)
{
	char buf[4 * 65 + 1];
	enum pyobj_kind kind;
	uint64_t type, length;
	size_t got;

	if (len > 64 || pyobj_kind(r, addr, &kind, &type))
		return false;
	/* One character more than text has: a longer string differs. */
	if (pyobj_text_prefix(r, addr, kind, len + 1, buf, &got, &length))
		return false;
	return got == len && !memcmp(buf, text, len);
}

/* --- dicts --- */

/* Where a dict's items are: its keys object, and the values array when
 * the keys are shared (split) and the entries hold no values. */
struct dict_view {
	uint64_t keys;
	uint64_t values;
	uint64_t limit;    /* most values the values array holds, 0: no limit */
};

struct keys_shape {
	uint64_t entries;     /* address of entry 0 */
	uint64_t nentries;
	uint32_t size, key, value;   /* an entry's size and members */
};

static int keys_shape(struct pyobj_reader *r, uint64_t keys, struct keys_shape *shape)
{
	const struct py_layout *L = r->layout;
	uint8_t head[64];
	uint64_t index_bytes;
	int err;

	if (L->keys_indices > sizeof(head))
		return PP_EBADDATA;
	err = pyobj_read(r, keys, head, L->keys_indices);
	if (err)
		return err;
	shape->nentries = load_u64(head, L->keys_nentries);
	shape->size = L->entry_size;
	shape->key = L->entry_key;
	shape->value = L->entry_value;
	if (has(L->keys_log2_size)) {
		uint8_t log2_index_bytes = head[L->keys_log2_index_bytes];

		if (log2_index_bytes > 40)
			return PP_EBADDATA;
		index_bytes = 1ull << log2_index_bytes;
		if (head[L->keys_kind] != L->keys_kind_general) {
			shape->size = L->uentry_size;
			shape->key = L->uentry_key;
			shape->value = L->uentry_value;
		}
	} else {
		uint64_t size = load_u64(head, L->keys_size);
		uint64_t width = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffff ? 4 : 8;

		if (!size || (size & (size - 1)) || size > (1ull << 40))
			return PP_EBADDATA;
		index_bytes = size * width;
	}
	if (shape->nentries > MAX_DICT_ENTRIES)
		return PP_EBADDATA;
	shape->entries = keys + L->keys_indices + index_bytes;
	return 0;
}

/* Visit the entries of shape (values from the array at values, if not 0),
 * at most count of them. */
static int walk_entries(struct pyobj_reader *r, const struct keys_shape *shape, uint64_t values,
			uint64_t count, size_t max_items, pyobj_visit visit, void *ctx)
{
	uint8_t entries[ENTRY_CHUNK * 24];
	uint64_t value_buf[ENTRY_CHUNK], at;
	size_t visited = 0;
	int err;

	if (shape->size > 24 || count > MAX_DICT_ENTRIES)
		return PP_EBADDATA;
	for (at = 0; at < count && visited < max_items; at += ENTRY_CHUNK) {
		size_t n = count - at < ENTRY_CHUNK ? (size_t)(count - at) : ENTRY_CHUNK;

		err = pyobj_read(r, shape->entries + at * shape->size, entries, n * shape->size);
		if (!err && values)
			err = mem_read(r->pid, values + at * 8, value_buf, n * 8);
		if (err)
			return err;
		for (size_t i = 0; i < n && visited < max_items; i++) {
			uint64_t key = load_u64(entries, (uint32_t)(i * shape->size + shape->key));
			uint64_t value = values
				? value_buf[i]
				: load_u64(entries, (uint32_t)(i * shape->size + shape->value));

			/* Deleted and not yet used entries have no value. */
			if (!key || !value)
				continue;
			visited++;
			if (visit(ctx, key, value))
				return 0;
		}
	}
	return 0;
}

static int view_each(struct pyobj_reader *r, const struct dict_view *view, size_t max_items,
		     pyobj_visit visit, void *ctx)
{
	struct keys_shape shape;
	uint64_t count;
	int err;

	err = keys_shape(r, view->keys, &shape);
	if (err)
		return err;
	count = shape.nentries;
	if (view->values && view->limit && view->limit < count)
		count = view->limit;
	return walk_entries(r, &shape, view->values, count, max_items, visit, ctx);
}

/* 2.7: an open-addressing table of (hash, key, value) entries. */
static int dict27_each(struct pyobj_reader *r, uint64_t dict, size_t max_items,
		       pyobj_visit visit, void *ctx)
{
	const struct py_layout *L = r->layout;
	struct keys_shape shape;
	uint8_t head[64];
	int err;

	err = pyobj_read(r, dict, head, L->dict27_table + 8);
	if (err)
		return err;
	shape.nentries = load_u64(head, L->dict27_mask) + 1;
	shape.entries = load_u64(head, L->dict27_table);
	shape.size = L->entry_size;
	shape.key = L->entry_key;
	shape.value = L->entry_value;
	if (shape.nentries & (shape.nentries - 1))
		return PP_EBADDATA;
	return walk_entries(r, &shape, 0, shape.nentries, max_items, visit, ctx);
}

int pyobj_dict_each(struct pyobj_reader *r, uint64_t dict, size_t max_items,
		    pyobj_visit visit, void *ctx)
{
	const struct py_layout *L = r->layout;
	struct dict_view view = { 0, 0, 0 };
	uint8_t head[128];
	int err;

	if (L->major == 2)
		return dict27_each(r, dict, max_items, visit, ctx);
	err = pyobj_read(r, dict, head, L->dict_values + 8);
	if (err)
		return err;
	view.keys = load_u64(head, L->dict_keys);
	view.values = load_u64(head, L->dict_values);
	if (view.values && has(L->values_items))
		view.values += L->values_items;
	return view_each(r, &view, max_items, visit, ctx);
}

struct key_search {
	struct pyobj_reader *reader;
	const char *key;
	size_t len;
	uint64_t value;
	bool found;
};

static int match_key(void *ctx, uint64_t key, uint64_t value)
{
	struct key_search *search = ctx;

	if (!pyobj_str_equals(search->reader, key, search->key, search->len))
		return 0;
	search->value = value;
	search->found = true;
	return 1;
}

static int search_view(struct pyobj_reader *r, const struct dict_view *view, uint64_t dict,
		       const char *key, uint64_t *value)
{
	struct key_search search = { r, key, strlen(key), 0, false };
	int err = view ? view_each(r, view, SIZE_MAX, match_key, &search)
		       : pyobj_dict_each(r, dict, SIZE_MAX, match_key, &search);

	if (err)
		return err;
	if (!search.found)
		return PP_EBADDATA;
	*value = search.value;
	return 0;
}

int pyobj_dict_get(struct pyobj_reader *r, uint64_t dict, const char *key, uint64_t *value)
{
	return search_view(r, NULL, dict, key, value);
}

/* The split values of an instance whose dict was never made: inline after
 * the object (3.13+), behind it (3.11), or tagged in its dict slot (3.12). */
static int values_view(struct pyobj_reader *r, uint64_t obj, const struct type_facts *type,
		       uint64_t slot, struct dict_view *view)
{
	const struct py_layout *L = r->layout;
	uint64_t values = 0;
	int err;

	view->limit = 0;
	if (has(L->type_flag_inline_values) && (type->flags & L->type_flag_inline_values)) {
		uint8_t head[16];

		values = obj + (uint64_t)type->basicsize;
		err = pyobj_read(r, values, head, sizeof(head));
		if (err)
			return err;
		/* Values the dict took over are no longer the instance's. */
		if (!head[L->values_valid])
			return PP_EBADDATA;
		view->limit = head[L->values_capacity];
	} else if (has(L->obj_managed_values_before)) {
		err = read_u64(r, obj - L->obj_managed_values_before, &values);
		if (err)
			return err;
	} else if (has(L->obj_dict_or_values_before) && (slot & 1)) {
		values = slot + 1;
	}
	if (!values || !type->cached_keys)
		return PP_EBADDATA;
	view->keys = type->cached_keys;
	view->values = values + (has(L->values_items) ? L->values_items : 0);
	return 0;
}

int pyobj_attr(struct pyobj_reader *r, uint64_t obj, const char *name, uint64_t *value)
{
	const struct py_layout *L = r->layout;
	struct type_facts type;
	struct dict_view view;
	uint64_t type_addr, slot = 0;
	int err;

	err = read_u64(r, obj + L->obj_type, &type_addr);
	if (!err)
		err = read_type(r, type_addr, &type);
	if (err)
		return err;
	if (has(L->type_flag_managed_dict) && (type.flags & L->type_flag_managed_dict)) {
		uint32_t before = has(L->obj_managed_dict_before) ? L->obj_managed_dict_before
								  : L->obj_dict_or_values_before;

		err = read_u64(r, obj - before, &slot);
		if (err)
			return err;
		if (slot && !(slot & 1))
			return search_view(r, NULL, slot, name, value);
		err = values_view(r, obj, &type, slot, &view);
		return err ? err : search_view(r, &view, 0, name, value);
	}
	if (type.dictoffset <= 0 || type.dictoffset > (1 << 20))
		return PP_EBADDATA;
	err = read_u64(r, obj + (uint64_t)type.dictoffset, &slot);
	if (err)
		return err;
	return slot ? search_view(r, NULL, slot, name, value) : PP_EBADDATA;
}

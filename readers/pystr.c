/*
 * pystr.c - decoding CPython strings from a target (see pystr.h).
 */
#include "pystr.h"

#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "fields.h"
#include "mem.h"

static size_t put_utf8(uint32_t cp, char *out)
{
	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp > 0x10FFFF)
		return put_utf8(0xFFFD, out);
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t pystr_units_to_utf8(const void *units, size_t n, int kind, char *out)
{
	const uint8_t *bytes = units;
	size_t i, used = 0;

	for (i = 0; i < n; i++) {
		uint32_t cp;

		if (kind == 1) {
			cp = bytes[i];
		} else if (kind == 2) {
			uint16_t unit;

			memcpy(&unit, bytes + 2 * i, 2);
			cp = unit;
		} else {
			memcpy(&cp, bytes + 4 * i, 4);
		}
		used += put_utf8(cp, out + used);
	}
	return used;
}

/* Length of a valid UTF-8 sequence at s[0..len), or 0 if invalid. */
static size_t valid_utf8_length(const uint8_t *s, size_t len)
{
	size_t need, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		need = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

size_t pystr_bytes_to_utf8(const void *bytes, size_t len, char *out)
{
	const uint8_t *s = bytes;
	size_t i = 0, used = 0;

	while (i < len) {
		size_t n = valid_utf8_length(s + i, len - i);

		if (n == 0) {
			used += put_utf8(0xFFFD, out + used);
			i++;
			continue;
		}
		memcpy(out + used, s + i, n);
		used += n;
		i += n;
	}
	return used;
}

static int intern_converted(struct strtab *tab, const void *data, size_t n, int kind,
			    uint32_t *id)
{
	char *utf8 = xmalloc(n * 4 + 1);
	size_t len = kind ? pystr_units_to_utf8(data, n, kind, utf8)
			  : pystr_bytes_to_utf8(data, n, utf8);

	*id = strtab_intern(tab, utf8, len);
	free(utf8);
	return 0;
}

/* Bytes of the data of a string: read at data_addr unless the header read
 * already covered them. */
static int read_chars(pid_t pid, const uint8_t *head, size_t head_len, uint64_t addr,
		      uint64_t data_addr, size_t nbytes, uint8_t **out)
{
	*out = xmalloc(nbytes ? nbytes : 1);
	if (data_addr >= addr && data_addr + nbytes <= addr + head_len) {
		memcpy(*out, head + (data_addr - addr), nbytes);
		return 0;
	}
	return mem_read(pid, data_addr, *out, nbytes);
}

/* Where a string's characters are: their address, width (0 for 2.7's
 * bytes) and count, from the header read at addr. */
struct str_place {
	uint64_t data_addr;
	uint64_t length;
	int kind;
};

static int locate(pid_t pid, const struct py_layout *L, const uint8_t *head, uint64_t addr,
		  struct str_place *place)
{
	uint32_t state, kind_shift;

	if (L->rule_strings == STRINGS_BYTES) {
		place->length = load_u64(head, L->obj_size);
		place->kind = 0;
		place->data_addr = addr + L->bytes27_sval;
		return place->length > (1u << 30) ? PP_EBADDATA : 0;
	}
	place->length = load_u64(head, L->unicode_length);
	state = load_u32(head, L->unicode_state);
	kind_shift = (uint32_t)__builtin_ctz(L->unicode_kind_mask);
	place->kind = (int)((state & L->unicode_kind_mask) >> kind_shift);
	if (place->length > (1u << 30) || (place->kind != 1 && place->kind != 2 && place->kind != 4))
		return PP_EBADDATA;
	if (!(state & L->unicode_compact_mask))
		return mem_read_u64(pid, addr + L->unicode_legacy_data, &place->data_addr);
	place->data_addr = addr + (state & L->unicode_ascii_mask ? L->unicode_ascii_data
								  : L->unicode_compact_data);
	return 0;
}

/* Read the object's header: one read usually covers a short string whole. */
static int read_head(pid_t pid, const struct py_layout *L, uint64_t str_type, uint64_t addr,
		     uint8_t *head, size_t size, size_t *got)
{
	ssize_t n;

	if (addr == 0 || (addr & 7))
		return PP_EBADDATA;
	n = mem_read_upto(pid, addr, head, size);
	if (n < 0)
		return (int)n;
	if ((size_t)n < 64)
		return PP_ESHORTREAD;
	if (str_type && load_u64(head, L->obj_type) != str_type)
		return PP_EBADDATA;
	*got = (size_t)n;
	return 0;
}

int pystr_read(pid_t pid, const struct py_layout *L, uint64_t str_type,
	       uint64_t addr, struct strtab *tab, uint32_t *id)
{
	uint8_t head[192];
	struct str_place place;
	uint8_t *data;
	size_t got = 0;
	int err;

	err = read_head(pid, L, str_type, addr, head, sizeof(head), &got);
	if (!err)
		err = locate(pid, L, head, addr, &place);
	if (err)
		return err;
	if (place.length > PYSTR_MAX_CHARS)
		return PP_EBADDATA;
	err = read_chars(pid, head, got, addr, place.data_addr,
			 place.length * (uint64_t)(place.kind ? place.kind : 1), &data);
	if (!err)
		err = intern_converted(tab, data, place.length, place.kind, id);
	free(data);
	return err;
}

int pystr_read_prefix(pid_t pid, const struct py_layout *L, uint64_t addr, size_t max_chars,
		      char *out, size_t *out_len, uint64_t *length)
{
	uint8_t head[192];
	struct str_place place;
	uint8_t *data;
	size_t got = 0, n;
	int err;

	err = read_head(pid, L, 0, addr, head, sizeof(head), &got);
	if (!err)
		err = locate(pid, L, head, addr, &place);
	if (err)
		return err;
	n = place.length < max_chars ? (size_t)place.length : max_chars;
	err = read_chars(pid, head, got, addr, place.data_addr,
			 n * (size_t)(place.kind ? place.kind : 1), &data);
	if (!err) {
		*out_len = place.kind ? pystr_units_to_utf8(data, n, place.kind, out)
				      : pystr_bytes_to_utf8(data, n, out);
		*length = place.length;
	}
	free(data);
	return err;
}

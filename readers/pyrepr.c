/*
 * pyrepr.c - a short repr of a value in a target (see pyrepr.h).
 */
#include "pyrepr.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "mem.h"

/* Bounds that keep a repr short and a walk through garbage shorter. */
#define REPR_STR_CHARS 60
#define REPR_BYTES 60
#define REPR_ITEMS 5
#define REPR_DEPTH 2

/* A text being built: pieces are added whole or not at all, and the first
 * that does not fit ends it with "...", so a character is never split. */
struct text {
	char *buf;
	size_t size, len;
	bool cut;
};

static void put(struct text *t, const char *piece, size_t n)
{
	if (t->cut)
		return;
	if (t->len + n + 4 > t->size) {
		memcpy(t->buf + t->len, "...", 3);
		t->len += 3;
		t->cut = true;
	} else {
		memcpy(t->buf + t->len, piece, n);
		t->len += n;
	}
	t->buf[t->len] = '\0';
}

static void puts_text(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void put_fmt(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_fmt(struct text *t, const char *fmt, ...)
{
	char piece[128];
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, args);
	va_end(args);
	if (n > 0)
		put(t, piece, (size_t)n < sizeof(piece) ? (size_t)n : sizeof(piece) - 1);
}

static void put_opaque(struct pyobj_reader *r, struct text *t, uint64_t addr, uint64_t type)
{
	char name[PYOBJ_TYPE_NAME_MAX];

	if (type && pyobj_type_name(r, type, name, sizeof(name)) == 0 && name[0])
		put_fmt(t, "<%s at 0x%" PRIx64 ">", name, addr);
	else
		put_fmt(t, "<unreadable at 0x%" PRIx64 ">", addr);
}

/* Python's shortest repr of a float: the fewest digits that read back the
 * same, positional from 1e-4 up to 1e16, with an exponent outside. */
static void put_float(struct text *t, double value)
{
	char digits[64], out[64];
	int precision, exponent;

	if (isnan(value)) {
		puts_text(t, "nan");
		return;
	}
	if (isinf(value)) {
		puts_text(t, value > 0 ? "inf" : "-inf");
		return;
	}
	for (precision = 1; precision < 17; precision++) {
		snprintf(digits, sizeof(digits), "%.*e", precision - 1, value);
		if (strtod(digits, NULL) == value)
			break;
	}
	snprintf(digits, sizeof(digits), "%.*e", precision - 1, value);
	exponent = atoi(strchr(digits, 'e') + 1);
	if (exponent >= -4 && exponent < 16) {
		int decimals = precision - 1 - exponent;

		snprintf(out, sizeof(out), "%.*f", decimals > 0 ? decimals : 0, value);
		if (!strchr(out, '.'))
			strcat(out, ".0");
		puts_text(t, out);
	} else {
		puts_text(t, digits);
	}
}

/* One character of a quoted literal, escaped the way Python prints it. */
static void put_char(struct text *t, const char *utf8, size_t n, char quote)
{
	unsigned char c = (unsigned char)utf8[0];

	if (n == 1 && (c == '\\' || c == (unsigned char)quote)) {
		char esc[2] = { '\\', (char)c };

		put(t, esc, 2);
	} else if (n == 1 && c == '\n') {
		put(t, "\\n", 2);
	} else if (n == 1 && c == '\r') {
		put(t, "\\r", 2);
	} else if (n == 1 && c == '\t') {
		put(t, "\\t", 2);
	} else if (n == 1 && (c < 0x20 || c == 0x7f)) {
		put_fmt(t, "\\x%02x", c);
	} else {
		put(t, utf8, n);
	}
}

static size_t utf8_char_length(unsigned char lead)
{
	return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

static void put_str(struct pyobj_reader *r, struct text *t, uint64_t addr, enum pyobj_kind kind,
		    uint64_t type)
{
	char chars[4 * REPR_STR_CHARS + 1];
	size_t len, at, n;
	uint64_t length;
	char quote = '\'';

	if (pyobj_text_prefix(r, addr, kind, REPR_STR_CHARS, chars, &len, &length)) {
		put_opaque(r, t, addr, type);
		return;
	}
	if (memchr(chars, '\'', len) && !memchr(chars, '"', len))
		quote = '"';
	if (r->layout->major == 2 && kind == PYOBJ_STR)
		puts_text(t, "u");
	put(t, &quote, 1);
	for (at = 0; at < len; at += n) {
		n = utf8_char_length((unsigned char)chars[at]);
		if (at + n > len)
			break;
		put_char(t, chars + at, n, quote);
	}
	put(t, &quote, 1);
	if (length > REPR_STR_CHARS)
		put_fmt(t, "... (%" PRIu64 " characters)", length);
}

static void put_bytes(struct pyobj_reader *r, struct text *t, uint64_t addr, uint64_t type)
{
	const struct py_layout *L = r->layout;
	uint32_t data_at = L->major == 2 ? L->bytes27_sval : L->bytes_sval;
	uint8_t head[64], data[REPR_BYTES];
	uint64_t length;
	char quote = '\'';
	size_t n;

	if (pyobj_read(r, addr, head, L->obj_size + 8)) {
		put_opaque(r, t, addr, type);
		return;
	}
	length = load_u64(head, L->obj_size);
	n = length < REPR_BYTES ? (size_t)length : REPR_BYTES;
	if (length > (1ull << 40) || (n && mem_read(r->pid, addr + data_at, data, n))) {
		put_opaque(r, t, addr, type);
		return;
	}
	if (memchr(data, '\'', n) && !memchr(data, '"', n))
		quote = '"';
	if (L->major == 3)
		puts_text(t, "b");
	put(t, &quote, 1);
	for (size_t i = 0; i < n; i++) {
		char c = (char)data[i];

		if (data[i] >= 0x80)
			put_fmt(t, "\\x%02x", data[i]);
		else
			put_char(t, &c, 1, quote);
	}
	put(t, &quote, 1);
	if (length > REPR_BYTES)
		put_fmt(t, "... (%" PRIu64 " bytes)", length);
}

static void put_repr(struct pyobj_reader *r, struct text *t, uint64_t addr, int depth);

/* The first items of a tuple or list, whose item pointers are at items. */
static void put_sequence(struct pyobj_reader *r, struct text *t, uint64_t addr, uint64_t type,
			 enum pyobj_kind kind, int depth)
{
	const struct py_layout *L = r->layout;
	const char *open = kind == PYOBJ_TUPLE ? "(" : "[", *close = kind == PYOBJ_TUPLE ? ")" : "]";
	uint64_t items[REPR_ITEMS], length, items_at;
	uint8_t head[128];
	size_t n;

	if (pyobj_read(r, addr, head, (kind == PYOBJ_TUPLE ? L->tuple_item : L->list_item) + 8)) {
		put_opaque(r, t, addr, type);
		return;
	}
	length = load_u64(head, L->obj_size);
	items_at = kind == PYOBJ_TUPLE ? addr + L->tuple_item : load_u64(head, L->list_item);
	n = length < REPR_ITEMS ? (size_t)length : REPR_ITEMS;
	if (length > (1ull << 40) || (n && pyobj_read(r, items_at, (uint8_t *)items, n * 8))) {
		put_opaque(r, t, addr, type);
		return;
	}
	if (depth >= REPR_DEPTH && length) {
		put_fmt(t, "%s...%s", open, close);
		return;
	}
	puts_text(t, open);
	for (size_t i = 0; i < n; i++) {
		if (i)
			puts_text(t, ", ");
		put_repr(r, t, items[i], depth + 1);
	}
	if (length > n)
		put_fmt(t, ", ... (%" PRIu64 " items)", length);
	else if (kind == PYOBJ_TUPLE && length == 1)
		puts_text(t, ",");
	puts_text(t, close);
}

struct dict_repr {
	struct pyobj_reader *reader;
	struct text *text;
	int depth;
	size_t shown;
};

static int put_item(void *ctx, uint64_t key, uint64_t value)
{
	struct dict_repr *d = ctx;

	if (d->shown++)
		puts_text(d->text, ", ");
	put_repr(d->reader, d->text, key, d->depth + 1);
	puts_text(d->text, ": ");
	put_repr(d->reader, d->text, value, d->depth + 1);
	return 0;
}

static void put_dict(struct pyobj_reader *r, struct text *t, uint64_t addr, uint64_t type,
		     int depth)
{
	struct dict_repr d = { r, t, depth, 0 };
	uint8_t head[64];
	uint64_t used;

	if (pyobj_read(r, addr, head, r->layout->dict_used + 8)) {
		put_opaque(r, t, addr, type);
		return;
	}
	used = load_u64(head, r->layout->dict_used);
	if (depth >= REPR_DEPTH && used) {
		puts_text(t, "{...}");
		return;
	}
	puts_text(t, "{");
	if (pyobj_dict_each(r, addr, REPR_ITEMS, put_item, &d))
		puts_text(t, d.shown ? ", <unreadable>" : "<unreadable>");
	if (used > d.shown)
		put_fmt(t, ", ... (%" PRIu64 " items)", used);
	puts_text(t, "}");
}

static void put_repr(struct pyobj_reader *r, struct text *t, uint64_t addr, int depth)
{
	enum pyobj_kind kind;
	uint64_t type = 0;
	int64_t number;

	if (t->cut)
		return;
	if (pyobj_kind(r, addr, &kind, &type)) {
		put_opaque(r, t, addr, type);
		return;
	}
	switch (kind) {
	case PYOBJ_NONE:
		puts_text(t, "None");
		return;
	case PYOBJ_BOOL:
		if (pyobj_int(r, addr, &number))
			break;
		puts_text(t, number ? "True" : "False");
		return;
	case PYOBJ_INT:
	case PYOBJ_INT27:
		if (pyobj_int(r, addr, &number))
			break;
		put_fmt(t, "%" PRId64, number);
		return;
	case PYOBJ_FLOAT: {
		uint8_t head[64];
		double value;

		if (pyobj_read(r, addr, head, r->layout->float_value + 8))
			break;
		memcpy(&value, head + r->layout->float_value, sizeof(value));
		put_float(t, value);
		return;
	}
	case PYOBJ_STR:
		put_str(r, t, addr, kind, type);
		return;
	case PYOBJ_BYTES:
		put_bytes(r, t, addr, type);
		return;
	case PYOBJ_TUPLE:
	case PYOBJ_LIST:
		put_sequence(r, t, addr, type, kind, depth);
		return;
	case PYOBJ_DICT:
		put_dict(r, t, addr, type, depth);
		return;
	default:
		break;
	}
	put_opaque(r, t, addr, type);
}

void pyrepr_format(struct pyobj_reader *r, uint64_t addr, char *out, size_t size)
{
	struct text t = { out, size, 0, false };

	out[0] = '\0';
	put_repr(r, &t, addr, 0);
}

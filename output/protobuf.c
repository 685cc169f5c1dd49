/*
 * protobuf.c - the Protocol Buffers wire format, written (see protobuf.h).
 */
#include "protobuf.h"

#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

enum wire_type { WIRE_VARINT = 0, WIRE_BYTES = 2 };

void pbuf_init(struct pbuf *buf)
{
	memset(buf, 0, sizeof(*buf));
}

void pbuf_release(struct pbuf *buf)
{
	free(buf->data);
	memset(buf, 0, sizeof(*buf));
}

void pbuf_clear(struct pbuf *buf)
{
	buf->len = 0;
}

static void reserve(struct pbuf *buf, size_t more)
{
	XGROW(buf->data, buf->cap, buf->len + more);
}

void pbuf_varint(struct pbuf *buf, uint64_t value)
{
	reserve(buf, 10);
	while (value >= 0x80) {
		buf->data[buf->len++] = (uint8_t)(value | 0x80);
		value >>= 7;
	}
	buf->data[buf->len++] = (uint8_t)value;
}

static void tag(struct pbuf *buf, uint32_t field, enum wire_type type)
{
	pbuf_varint(buf, (uint64_t)field << 3 | type);
}

void pbuf_field_varint(struct pbuf *buf, uint32_t field, uint64_t value)
{
	tag(buf, field, WIRE_VARINT);
	pbuf_varint(buf, value);
}

void pbuf_field_bytes(struct pbuf *buf, uint32_t field, const void *data, size_t len)
{
	tag(buf, field, WIRE_BYTES);
	pbuf_varint(buf, len);
	reserve(buf, len);
	if (len)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
}

static size_t varint_size(uint64_t value)
{
	size_t n = 1;

	while (value >= 0x80) {
		value >>= 7;
		n++;
	}
	return n;
}

void pbuf_field_packed(struct pbuf *buf, uint32_t field, const uint64_t *values, size_t n)
{
	size_t len = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		len += varint_size(values[i]);
	tag(buf, field, WIRE_BYTES);
	pbuf_varint(buf, len);
	for (size_t i = 0; i < n; i++)
		pbuf_varint(buf, values[i]);
}

/*
 * protobuf.h - writing Protocol Buffers messages by hand, field by field.
 *
 * Enough of the wire format for profile.proto: varints, length-delimited
 * bytes and strings, packed repeated varints, and nested messages written
 * into a buffer of their own and then appended as bytes.  No schema and no
 * compiler: the caller knows its field numbers.  Must not do I/O.
 */
#ifndef PEEKPY_PROTOBUF_H
#define PEEKPY_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

struct pbuf {
	uint8_t *data;
	size_t len, cap;
};

void pbuf_init(struct pbuf *buf);
void pbuf_release(struct pbuf *buf);
/* Empty it, keeping the memory. */
void pbuf_clear(struct pbuf *buf);

void pbuf_varint(struct pbuf *buf, uint64_t value);
/* Field number field as a varint (int64, uint64, bool, enum). */
void pbuf_field_varint(struct pbuf *buf, uint32_t field, uint64_t value);
/* Field number field as len bytes: a string, bytes or a nested message. */
void pbuf_field_bytes(struct pbuf *buf, uint32_t field, const void *data, size_t len);
/* A packed repeated varint field; nothing when n is 0. */
void pbuf_field_packed(struct pbuf *buf, uint32_t field, const uint64_t *values, size_t n);

#endif

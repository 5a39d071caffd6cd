/*
 * Bounded byte reader and writer: all protocol code reads and builds packets
 * through these. Every access checks the remaining length first (as
 * `len - off >= n`, which cannot overflow) in every build. A failed access
 * sets a sticky error, zero-fills its output and turns later accesses into
 * no-ops, so a run of reads or writes needs one check at the end.
 */
#ifndef RACKNET_WIRE_H
#define RACKNET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wire_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;		/* 0, or -EBADMSG after an overrun */
};

struct wire_wr {
	uint8_t *p;
	size_t cap;		/* usable capacity: buffer size minus reserved */
	size_t off;
	size_t reserved;	/* bytes held back for a trailer (END, OPT) */
	int err;		/* 0, or -EMSGSIZE after an overrun */
};

void wire_rd_init(struct wire_rd *r, const void *p, size_t len);
static inline size_t wire_rd_left(const struct wire_rd *r)
{
	return r->err ? 0 : r->len - r->off;
}
static inline bool wire_rd_ok(const struct wire_rd *r)
{
	return r->err == 0;
}
uint8_t wire_rd_u8(struct wire_rd *r);
uint16_t wire_rd_u16(struct wire_rd *r);	/* network byte order */
uint32_t wire_rd_u32(struct wire_rd *r);	/* network byte order */
void wire_rd_bytes(struct wire_rd *r, void *dst, size_t n);
/* A slice of the next n bytes, or NULL (and the sticky error) if short. */
const uint8_t *wire_rd_ptr(struct wire_rd *r, size_t n);
void wire_rd_skip(struct wire_rd *r, size_t n);
/* Move to an absolute offset inside the buffer (offset == len is allowed). */
void wire_rd_seek(struct wire_rd *r, size_t off);
/*
 * A child reader over the next n bytes, advancing the parent past them: a
 * TLV body can never be read past its own length. If the parent is short,
 * both parent and child carry the error.
 */
struct wire_rd wire_rd_sub(struct wire_rd *r, size_t n);

void wire_wr_init(struct wire_wr *w, void *p, size_t cap);
static inline size_t wire_wr_left(const struct wire_wr *w)
{
	return w->err ? 0 : w->cap - w->off;
}
static inline bool wire_wr_ok(const struct wire_wr *w)
{
	return w->err == 0;
}
/* Hold back n bytes at the end (fails if fewer than n are left). */
void wire_wr_reserve(struct wire_wr *w, size_t n);
/* Give back bytes held by wire_wr_reserve(), to write the trailer. */
void wire_wr_unreserve(struct wire_wr *w, size_t n);
void wire_wr_u8(struct wire_wr *w, uint8_t v);
void wire_wr_u16(struct wire_wr *w, uint16_t v);
void wire_wr_u32(struct wire_wr *w, uint32_t v);
void wire_wr_bytes(struct wire_wr *w, const void *src, size_t n);
void wire_wr_zero(struct wire_wr *w, size_t n);
/* Overwrite two already-written bytes at off (for lengths known later). */
void wire_wr_u16_at(struct wire_wr *w, size_t off, uint16_t v);

#endif

/*
 * The bounded reader and writer of wire.h. Kept tiny on purpose: every
 * parser and builder in racknet stands on these checks.
 */
#include "wire.h"

#include <errno.h>
#include <string.h>

void wire_rd_init(struct wire_rd *r, const void *p, size_t len)
{
	/*
	 * A NULL buffer reads as an empty one. Point at a real (empty) object
	 * so that a zero-length slice or sub-reader of it is a valid pointer
	 * and not NULL, which wire_rd_ptr() reserves for the error.
	 */
	static const uint8_t empty[1];

	r->p = p ? p : empty;
	r->len = p ? len : 0;
	r->off = 0;
	r->err = 0;
}

/* The one bounds check: true if n more bytes can be read. */
static bool rd_need(struct wire_rd *r, size_t n)
{
	if (r->err)
		return false;
	if (r->len - r->off < n) {
		r->err = -EBADMSG;
		return false;
	}
	return true;
}

uint8_t wire_rd_u8(struct wire_rd *r)
{
	if (!rd_need(r, 1))
		return 0;
	return r->p[r->off++];
}

uint16_t wire_rd_u16(struct wire_rd *r)
{
	uint16_t v;

	if (!rd_need(r, 2))
		return 0;
	v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return v;
}

uint32_t wire_rd_u32(struct wire_rd *r)
{
	uint32_t v;

	if (!rd_need(r, 4))
		return 0;
	v = (uint32_t)r->p[r->off] << 24 | (uint32_t)r->p[r->off + 1] << 16 |
	    (uint32_t)r->p[r->off + 2] << 8 | r->p[r->off + 3];
	r->off += 4;
	return v;
}

void wire_rd_bytes(struct wire_rd *r, void *dst, size_t n)
{
	if (!rd_need(r, n)) {
		if (n)
			memset(dst, 0, n);
		return;
	}
	if (n)
		memcpy(dst, r->p + r->off, n);
	r->off += n;
}

const uint8_t *wire_rd_ptr(struct wire_rd *r, size_t n)
{
	const uint8_t *p;

	if (!rd_need(r, n))
		return NULL;
	p = r->p + r->off;
	r->off += n;
	return p;
}

void wire_rd_skip(struct wire_rd *r, size_t n)
{
	if (rd_need(r, n))
		r->off += n;
}

void wire_rd_seek(struct wire_rd *r, size_t off)
{
	if (r->err)
		return;
	if (off > r->len) {
		r->err = -EBADMSG;
		return;
	}
	r->off = off;
}

struct wire_rd wire_rd_sub(struct wire_rd *r, size_t n)
{
	struct wire_rd c = { .p = NULL, .len = 0, .off = 0, .err = -EBADMSG };
	const uint8_t *p = wire_rd_ptr(r, n);

	if (p)
		wire_rd_init(&c, p, n);
	return c;
}

void wire_wr_init(struct wire_wr *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = p ? cap : 0;
	w->off = 0;
	w->reserved = 0;
	w->err = 0;
}

static bool wr_need(struct wire_wr *w, size_t n)
{
	if (w->err)
		return false;
	if (w->cap - w->off < n) {
		w->err = -EMSGSIZE;
		return false;
	}
	return true;
}

void wire_wr_reserve(struct wire_wr *w, size_t n)
{
	if (!wr_need(w, n))
		return;
	w->cap -= n;
	w->reserved += n;
}

void wire_wr_unreserve(struct wire_wr *w, size_t n)
{
	if (w->err)
		return;
	if (n > w->reserved) {
		w->err = -EMSGSIZE;
		return;
	}
	w->cap += n;
	w->reserved -= n;
}

void wire_wr_u8(struct wire_wr *w, uint8_t v)
{
	if (wr_need(w, 1))
		w->p[w->off++] = v;
}

void wire_wr_u16(struct wire_wr *w, uint16_t v)
{
	if (!wr_need(w, 2))
		return;
	w->p[w->off++] = (uint8_t)(v >> 8);
	w->p[w->off++] = (uint8_t)v;
}

void wire_wr_u32(struct wire_wr *w, uint32_t v)
{
	if (!wr_need(w, 4))
		return;
	w->p[w->off++] = (uint8_t)(v >> 24);
	w->p[w->off++] = (uint8_t)(v >> 16);
	w->p[w->off++] = (uint8_t)(v >> 8);
	w->p[w->off++] = (uint8_t)v;
}

void wire_wr_bytes(struct wire_wr *w, const void *src, size_t n)
{
	if (!wr_need(w, n))
		return;
	if (n)
		memcpy(w->p + w->off, src, n);
	w->off += n;
}

void wire_wr_zero(struct wire_wr *w, size_t n)
{
	if (!wr_need(w, n))
		return;
	if (n)
		memset(w->p + w->off, 0, n);
	w->off += n;
}

void wire_wr_u16_at(struct wire_wr *w, size_t off, uint16_t v)
{
	if (w->err)
		return;
	if (off > w->off || w->off - off < 2) {
		w->err = -EMSGSIZE;
		return;
	}
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
}

/*
 * Unit tests for shared/wire.c: every reader and writer call at the exact
 * boundaries (0, n-1, n, n+1 bytes), the sticky error, sub-readers, seek,
 * slices, SIZE_MAX lengths, and the writer's reserve/unreserve. Writers run
 * over a buffer with a guard byte after it to show nothing lands past cap.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "wire.h"

#define GUARD 0xa5

static const uint8_t data[8] = { 0x01, 0x02, 0x03, 0x04,
				  0x05, 0x06, 0x07, 0x08 };

/* A reader in the sticky error state: left 0, later reads are no-ops. */
static void check_dead(struct wire_rd *r, size_t off)
{
	uint8_t out[4];

	CHECK(!wire_rd_ok(r));
	CHECK_INT(r->err, -EBADMSG);
	CHECK_INT(wire_rd_left(r), 0);
	CHECK_INT(wire_rd_u8(r), 0);
	CHECK_INT(wire_rd_u16(r), 0);
	CHECK_INT(wire_rd_u32(r), 0);
	memset(out, 0xff, sizeof(out));
	wire_rd_bytes(r, out, sizeof(out));
	CHECK_INT(out[0] | out[1] | out[2] | out[3], 0);
	CHECK(wire_rd_ptr(r, 0) == NULL);
	CHECK(wire_rd_ptr(r, 1) == NULL);
	wire_rd_skip(r, 0);
	wire_rd_seek(r, 0);
	CHECK_INT(r->off, off);
	CHECK_INT(r->err, -EBADMSG);
}

TEST(rd_init)
{
	struct wire_rd r;

	wire_rd_init(&r, data, sizeof(data));
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_left(&r), 8);
	CHECK_INT(r.off, 0);

	wire_rd_init(&r, data, 0);
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_left(&r), 0);
	CHECK(wire_rd_ptr(&r, 0) != NULL);
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_u8(&r), 0);
	check_dead(&r, 0);
}

TEST(rd_null_buffer)
{
	struct wire_rd r, c;

	/* A NULL buffer is an empty one, whatever length comes with it. */
	wire_rd_init(&r, NULL, 100);
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_left(&r), 0);
	/* Zero bytes of an empty buffer are there to read. */
	wire_rd_skip(&r, 0);
	CHECK(wire_rd_ok(&r));
	CHECK(wire_rd_ptr(&r, 0) != NULL);
	CHECK(wire_rd_ok(&r));
	c = wire_rd_sub(&r, 0);
	CHECK(wire_rd_ok(&r));
	CHECK(wire_rd_ok(&c));
	CHECK_INT(wire_rd_left(&c), 0);
	wire_rd_seek(&r, 0);
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_u8(&r), 0);
	check_dead(&r, 0);
}

TEST(rd_u8)
{
	struct wire_rd r;

	wire_rd_init(&r, data, 1);
	CHECK_INT(wire_rd_u8(&r), 0x01);
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_left(&r), 0);
	CHECK_INT(wire_rd_u8(&r), 0);
	check_dead(&r, 1);
}

TEST(rd_u16)
{
	struct wire_rd r;

	wire_rd_init(&r, data, 2);		/* n */
	CHECK_INT(wire_rd_u16(&r), 0x0102);
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_left(&r), 0);

	wire_rd_init(&r, data, 1);		/* n - 1 */
	CHECK_INT(wire_rd_u16(&r), 0);
	check_dead(&r, 0);

	wire_rd_init(&r, data, 3);		/* n + 1 */
	CHECK_INT(wire_rd_u16(&r), 0x0102);
	CHECK_INT(wire_rd_left(&r), 1);
	CHECK_INT(wire_rd_u16(&r), 0);		/* one short: fails whole */
	check_dead(&r, 2);

	wire_rd_init(&r, data, 0);		/* 0 */
	CHECK_INT(wire_rd_u16(&r), 0);
	check_dead(&r, 0);
}

TEST(rd_u32)
{
	static const uint8_t hi[4] = { 0xff, 0xfe, 0x80, 0x01 };
	struct wire_rd r;

	wire_rd_init(&r, data, 4);
	CHECK_INT(wire_rd_u32(&r), 0x01020304);
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_left(&r), 0);

	/* High bit set: no sign extension through int promotion. */
	wire_rd_init(&r, hi, 4);
	CHECK(wire_rd_u32(&r) == 0xfffe8001u);

	wire_rd_init(&r, data, 3);
	CHECK_INT(wire_rd_u32(&r), 0);
	check_dead(&r, 0);

	wire_rd_init(&r, data, 5);
	CHECK_INT(wire_rd_u32(&r), 0x01020304);
	CHECK_INT(wire_rd_u32(&r), 0);
	check_dead(&r, 4);
}

TEST(rd_bytes)
{
	struct wire_rd r;
	uint8_t out[8];

	/* Zero bytes always succeed, even with a NULL destination. */
	wire_rd_init(&r, data, 0);
	wire_rd_bytes(&r, NULL, 0);
	CHECK(wire_rd_ok(&r));

	wire_rd_init(&r, data, 4);
	memset(out, 0xff, sizeof(out));
	wire_rd_bytes(&r, out, 3);		/* n - 1 */
	CHECK(wire_rd_ok(&r));
	CHECK(memcmp(out, data, 3) == 0);
	CHECK_INT(out[3], 0xff);
	CHECK_INT(wire_rd_left(&r), 1);
	wire_rd_bytes(&r, out, 1);		/* exactly the rest */
	CHECK(wire_rd_ok(&r));
	CHECK_INT(out[0], 0x04);
	CHECK_INT(wire_rd_left(&r), 0);

	/* n + 1: fails, the whole output is zeroed, nothing consumed. */
	wire_rd_init(&r, data, 4);
	memset(out, 0xff, sizeof(out));
	wire_rd_bytes(&r, out, 5);
	CHECK_INT(out[0] | out[1] | out[2] | out[3] | out[4], 0);
	CHECK_INT(out[5], 0xff);
	check_dead(&r, 0);

	/* After the error a read that would fit still fails and zero-fills. */
	memset(out, 0xff, sizeof(out));
	wire_rd_bytes(&r, out, 1);
	CHECK_INT(out[0], 0);
	CHECK_INT(r.off, 0);
}

TEST(rd_ptr)
{
	struct wire_rd r;
	const uint8_t *p;

	wire_rd_init(&r, data, sizeof(data));
	p = wire_rd_ptr(&r, 0);
	CHECK(p == data);
	CHECK_INT(r.off, 0);
	p = wire_rd_ptr(&r, 3);
	CHECK(p == data);
	CHECK_INT(r.off, 3);
	p = wire_rd_ptr(&r, 5);			/* exactly the rest */
	CHECK(p == data + 3);
	CHECK_INT(wire_rd_left(&r), 0);
	CHECK(wire_rd_ok(&r));
	p = wire_rd_ptr(&r, 0);			/* empty slice at the end */
	CHECK(p == data + 8);
	CHECK(wire_rd_ok(&r));
	p = wire_rd_ptr(&r, 1);
	CHECK(p == NULL);
	check_dead(&r, 8);

	wire_rd_init(&r, data, 4);
	CHECK(wire_rd_ptr(&r, 5) == NULL);	/* n + 1 */
	check_dead(&r, 0);
}

TEST(rd_skip)
{
	struct wire_rd r;

	wire_rd_init(&r, data, 4);
	wire_rd_skip(&r, 0);
	CHECK_INT(r.off, 0);
	wire_rd_skip(&r, 3);
	CHECK_INT(r.off, 3);
	CHECK_INT(wire_rd_u8(&r), 0x04);
	CHECK(wire_rd_ok(&r));

	wire_rd_init(&r, data, 4);
	wire_rd_skip(&r, 4);
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_left(&r), 0);

	wire_rd_init(&r, data, 4);
	wire_rd_skip(&r, 5);
	check_dead(&r, 0);
}

TEST(rd_huge)
{
	struct wire_rd r, c;

	/*
	 * off + n would wrap to a small number here; the check must be
	 * len - off >= n.
	 */
	wire_rd_init(&r, data, sizeof(data));
	wire_rd_skip(&r, 2);
	CHECK(wire_rd_ptr(&r, SIZE_MAX) == NULL);
	check_dead(&r, 2);

	wire_rd_init(&r, data, sizeof(data));
	wire_rd_skip(&r, 2);
	wire_rd_skip(&r, SIZE_MAX - 1);		/* off + n == 0 */
	check_dead(&r, 2);

	wire_rd_init(&r, data, sizeof(data));
	wire_rd_skip(&r, 1);
	c = wire_rd_sub(&r, SIZE_MAX);
	check_dead(&r, 1);
	check_dead(&c, 0);

	wire_rd_init(&r, data, sizeof(data));
	wire_rd_seek(&r, SIZE_MAX);
	check_dead(&r, 0);

	/* A NULL buffer with a huge length is still empty. */
	wire_rd_init(&r, NULL, SIZE_MAX);
	CHECK_INT(wire_rd_left(&r), 0);
	CHECK(wire_rd_ptr(&r, 1) == NULL);
	check_dead(&r, 0);
}

TEST(rd_seek)
{
	struct wire_rd r;

	wire_rd_init(&r, data, 4);
	wire_rd_seek(&r, 4);			/* offset == len is allowed */
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_left(&r), 0);
	wire_rd_seek(&r, 1);			/* backwards */
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_u8(&r), 0x02);
	wire_rd_seek(&r, 0);
	CHECK_INT(wire_rd_u32(&r), 0x01020304);
	CHECK(wire_rd_ok(&r));
	wire_rd_seek(&r, 3);
	CHECK_INT(wire_rd_left(&r), 1);
	wire_rd_seek(&r, 5);			/* len + 1 */
	check_dead(&r, 3);
	/* A seek cannot revive a dead reader. */
	wire_rd_seek(&r, 0);
	check_dead(&r, 3);
}

TEST(rd_sub)
{
	struct wire_rd r, c, g;
	uint8_t out[4];

	wire_rd_init(&r, data, sizeof(data));
	wire_rd_skip(&r, 1);
	c = wire_rd_sub(&r, 3);
	CHECK(wire_rd_ok(&r));
	CHECK(wire_rd_ok(&c));
	CHECK_INT(r.off, 4);			/* parent moved past the body */
	CHECK_INT(wire_rd_left(&c), 3);
	CHECK_INT(wire_rd_u16(&c), 0x0203);
	CHECK_INT(wire_rd_u8(&c), 0x04);
	CHECK_INT(wire_rd_left(&c), 0);
	CHECK(wire_rd_ok(&c));
	/* The child cannot see the parent's next byte (0x05). */
	CHECK_INT(wire_rd_u8(&c), 0);
	check_dead(&c, 3);
	/* ... and its failure does not touch the parent. */
	CHECK(wire_rd_ok(&r));
	CHECK_INT(wire_rd_u8(&r), 0x05);

	/* A child's seek is relative to the child and bounded by it. */
	wire_rd_init(&r, data, sizeof(data));
	wire_rd_skip(&r, 2);
	c = wire_rd_sub(&r, 4);
	wire_rd_seek(&c, 4);
	CHECK(wire_rd_ok(&c));
	wire_rd_seek(&c, 0);
	CHECK_INT(wire_rd_u8(&c), 0x03);
	wire_rd_seek(&c, 5);
	check_dead(&c, 1);

	/* A child's bytes read that does not fit is zero-filled. */
	wire_rd_init(&r, data, sizeof(data));
	c = wire_rd_sub(&r, 2);
	memset(out, 0xff, sizeof(out));
	wire_rd_bytes(&c, out, 3);
	CHECK_INT(out[0] | out[1] | out[2], 0);
	check_dead(&c, 0);

	/* Nested: a grandchild is bounded by the child. */
	wire_rd_init(&r, data, sizeof(data));
	c = wire_rd_sub(&r, 6);
	g = wire_rd_sub(&c, 7);
	check_dead(&c, 0);
	check_dead(&g, 0);
	CHECK(wire_rd_ok(&r));
	CHECK_INT(r.off, 6);

	/* Empty sub: fine, at any point including the end. */
	wire_rd_init(&r, data, sizeof(data));
	wire_rd_skip(&r, 8);
	c = wire_rd_sub(&r, 0);
	CHECK(wire_rd_ok(&r));
	CHECK(wire_rd_ok(&c));
	CHECK_INT(wire_rd_left(&c), 0);

	/* Exactly the rest. */
	wire_rd_init(&r, data, sizeof(data));
	c = wire_rd_sub(&r, 8);
	CHECK(wire_rd_ok(&r) && wire_rd_ok(&c));
	CHECK_INT(wire_rd_left(&c), 8);
	CHECK_INT(wire_rd_left(&r), 0);

	/* Short parent (n + 1): both carry the error, parent not moved. */
	wire_rd_init(&r, data, sizeof(data));
	wire_rd_skip(&r, 5);
	c = wire_rd_sub(&r, 4);
	check_dead(&r, 5);
	check_dead(&c, 0);

	/* A dead parent gives a dead child, even for zero bytes. */
	c = wire_rd_sub(&r, 0);
	check_dead(&c, 0);
}

/* Writer over buf[cap] followed by a guard byte. */
struct wbuf {
	uint8_t b[16];
	uint8_t guard;
};

static void wbuf_init(struct wbuf *wb, struct wire_wr *w, size_t cap)
{
	memset(wb, GUARD, sizeof(*wb));
	wire_wr_init(w, wb->b, cap);
}

/* Nothing written at or after cap, and the guard byte is intact. */
static void check_untouched(const struct wbuf *wb, size_t from)
{
	for (size_t i = from; i < sizeof(wb->b); i++)
		CHECK_INT(wb->b[i], GUARD);
	CHECK_INT(wb->guard, GUARD);
}

static void check_wr_dead(struct wire_wr *w, size_t off)
{
	static const uint8_t src[4] = { 1, 2, 3, 4 };

	CHECK(!wire_wr_ok(w));
	CHECK_INT(w->err, -EMSGSIZE);
	CHECK_INT(wire_wr_left(w), 0);
	/* Later writes, even ones that would have fitted, do nothing. */
	wire_wr_u8(w, 1);
	wire_wr_u16(w, 1);
	wire_wr_u32(w, 1);
	wire_wr_bytes(w, src, 0);
	wire_wr_zero(w, 0);
	wire_wr_reserve(w, 0);
	wire_wr_unreserve(w, 0);
	CHECK_INT(w->off, off);
	CHECK_INT(w->err, -EMSGSIZE);
}

TEST(wr_init)
{
	struct wire_wr w;
	struct wbuf wb;

	wbuf_init(&wb, &w, 4);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wire_wr_left(&w), 4);
	CHECK_INT(w.off, 0);
	CHECK_INT(w.reserved, 0);

	/* NULL buffer: zero capacity, whatever the size says. */
	wire_wr_init(&w, NULL, 100);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wire_wr_left(&w), 0);
	wire_wr_bytes(&w, NULL, 0);
	wire_wr_zero(&w, 0);
	CHECK(wire_wr_ok(&w));
	wire_wr_u8(&w, 1);
	check_wr_dead(&w, 0);

	wire_wr_init(&w, NULL, SIZE_MAX);
	CHECK_INT(wire_wr_left(&w), 0);
	wire_wr_zero(&w, 1);
	check_wr_dead(&w, 0);
}

TEST(wr_u8)
{
	struct wire_wr w;
	struct wbuf wb;

	wbuf_init(&wb, &w, 1);
	wire_wr_u8(&w, 0x7e);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wb.b[0], 0x7e);
	CHECK_INT(wire_wr_left(&w), 0);
	wire_wr_u8(&w, 0x11);
	check_wr_dead(&w, 1);
	check_untouched(&wb, 1);

	wbuf_init(&wb, &w, 0);
	wire_wr_u8(&w, 0x11);
	check_wr_dead(&w, 0);
	check_untouched(&wb, 0);
}

TEST(wr_u16)
{
	struct wire_wr w;
	struct wbuf wb;

	wbuf_init(&wb, &w, 2);			/* n */
	wire_wr_u16(&w, 0xabcd);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wb.b[0], 0xab);
	CHECK_INT(wb.b[1], 0xcd);
	check_untouched(&wb, 2);

	wbuf_init(&wb, &w, 1);			/* n - 1: nothing at all */
	wire_wr_u16(&w, 0xabcd);
	check_wr_dead(&w, 0);
	check_untouched(&wb, 0);

	wbuf_init(&wb, &w, 3);			/* n + 1, then one short */
	wire_wr_u16(&w, 0x0102);
	wire_wr_u16(&w, 0x0304);
	check_wr_dead(&w, 2);
	CHECK_INT(wb.b[1], 0x02);
	check_untouched(&wb, 2);
}

TEST(wr_u32)
{
	struct wire_wr w;
	struct wbuf wb;

	wbuf_init(&wb, &w, 4);
	wire_wr_u32(&w, 0xdeadbeef);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wb.b[0], 0xde);
	CHECK_INT(wb.b[1], 0xad);
	CHECK_INT(wb.b[2], 0xbe);
	CHECK_INT(wb.b[3], 0xef);
	CHECK_INT(wire_wr_left(&w), 0);
	check_untouched(&wb, 4);

	wbuf_init(&wb, &w, 3);
	wire_wr_u32(&w, 0xdeadbeef);
	check_wr_dead(&w, 0);
	check_untouched(&wb, 0);

	wbuf_init(&wb, &w, 5);
	wire_wr_u8(&w, 1);
	wire_wr_u32(&w, 0x02030405);
	CHECK(wire_wr_ok(&w));
	wire_wr_u32(&w, 0);
	check_wr_dead(&w, 5);
	CHECK_INT(wb.b[4], 0x05);
	check_untouched(&wb, 5);
}

TEST(wr_bytes_zero)
{
	static const uint8_t src[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	struct wire_wr w;
	struct wbuf wb;

	wbuf_init(&wb, &w, 4);
	wire_wr_bytes(&w, src, 0);
	wire_wr_bytes(&w, NULL, 0);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(w.off, 0);
	wire_wr_bytes(&w, src, 3);
	CHECK(wire_wr_ok(&w));
	CHECK(memcmp(wb.b, src, 3) == 0);
	wire_wr_bytes(&w, src, 1);		/* exactly fills */
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wire_wr_left(&w), 0);
	wire_wr_bytes(&w, src, 0);		/* still fine when full */
	CHECK(wire_wr_ok(&w));
	check_untouched(&wb, 4);

	/* n + 1: nothing written, not even the part that fits. */
	wbuf_init(&wb, &w, 4);
	wire_wr_bytes(&w, src, 5);
	check_wr_dead(&w, 0);
	check_untouched(&wb, 0);

	wbuf_init(&wb, &w, 4);
	memset(wb.b, 0xff, 4);
	wire_wr_zero(&w, 4);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wb.b[0] | wb.b[1] | wb.b[2] | wb.b[3], 0);
	check_untouched(&wb, 4);

	wbuf_init(&wb, &w, 4);
	wire_wr_zero(&w, 5);
	check_wr_dead(&w, 0);
	check_untouched(&wb, 0);
}

TEST(wr_huge)
{
	static const uint8_t src[1] = { 1 };
	struct wire_wr w;
	struct wbuf wb;

	wbuf_init(&wb, &w, 8);
	wire_wr_u8(&w, 1);
	wire_wr_bytes(&w, src, SIZE_MAX);
	check_wr_dead(&w, 1);
	check_untouched(&wb, 1);

	wbuf_init(&wb, &w, 8);
	wire_wr_u8(&w, 1);
	wire_wr_zero(&w, SIZE_MAX);		/* off + n == 0 */
	check_wr_dead(&w, 1);
	check_untouched(&wb, 1);

	wbuf_init(&wb, &w, 8);
	wire_wr_reserve(&w, SIZE_MAX);
	check_wr_dead(&w, 0);
	CHECK_INT(w.reserved, 0);

	wbuf_init(&wb, &w, 8);
	wire_wr_reserve(&w, 2);
	wire_wr_unreserve(&w, SIZE_MAX);
	check_wr_dead(&w, 0);

	wbuf_init(&wb, &w, 8);
	wire_wr_u16(&w, 0);
	wire_wr_u16_at(&w, SIZE_MAX, 0x1234);
	check_wr_dead(&w, 2);
	wbuf_init(&wb, &w, 8);
	wire_wr_u16(&w, 0);
	wire_wr_u16_at(&w, SIZE_MAX - 1, 0x1234);
	check_wr_dead(&w, 2);
	CHECK_INT(wb.b[0] | wb.b[1], 0);
}

TEST(wr_reserve)
{
	struct wire_wr w;
	struct wbuf wb;

	/* Body of 6 into 8 bytes with a 2-byte trailer held back. */
	wbuf_init(&wb, &w, 8);
	wire_wr_reserve(&w, 2);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(w.reserved, 2);
	CHECK_INT(wire_wr_left(&w), 6);
	wire_wr_zero(&w, 6);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wire_wr_left(&w), 0);
	/* The trailer does not fit until it is given back ... */
	{
		struct wire_wr probe = w;

		wire_wr_u16(&probe, 0xffff);
		CHECK(!wire_wr_ok(&probe));
		CHECK_INT(wb.b[6], GUARD);
	}
	/* ... and then it does. */
	wire_wr_unreserve(&w, 2);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(w.reserved, 0);
	CHECK_INT(wire_wr_left(&w), 2);
	wire_wr_u16(&w, 0xffff);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(w.off, 8);
	CHECK_INT(wb.b[7], 0xff);
	check_untouched(&wb, 8);
	/* Overfilling after all that fails, guard intact. */
	wire_wr_u8(&w, 0);
	check_wr_dead(&w, 8);
	check_untouched(&wb, 8);

	/* A body one byte too long fails even though the buffer has room. */
	wbuf_init(&wb, &w, 8);
	wire_wr_reserve(&w, 2);
	wire_wr_zero(&w, 7);
	check_wr_dead(&w, 0);
	check_untouched(&wb, 0);

	/* Reserving exactly what is left is fine; one more is not. */
	wbuf_init(&wb, &w, 8);
	wire_wr_u8(&w, 0);
	wire_wr_reserve(&w, 7);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wire_wr_left(&w), 0);
	wire_wr_unreserve(&w, 7);
	CHECK_INT(wire_wr_left(&w), 7);
	wbuf_init(&wb, &w, 8);
	wire_wr_u8(&w, 0);
	wire_wr_reserve(&w, 8);
	check_wr_dead(&w, 1);

	/* Reservations add up; unreserve gives back at most what was held. */
	wbuf_init(&wb, &w, 8);
	wire_wr_reserve(&w, 1);
	wire_wr_reserve(&w, 3);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(w.reserved, 4);
	CHECK_INT(wire_wr_left(&w), 4);
	wire_wr_unreserve(&w, 3);
	CHECK_INT(w.reserved, 1);
	CHECK_INT(wire_wr_left(&w), 7);
	wire_wr_unreserve(&w, 2);		/* only 1 is held */
	check_wr_dead(&w, 0);

	/* Unreserve with nothing held fails; zero is a no-op. */
	wbuf_init(&wb, &w, 8);
	wire_wr_unreserve(&w, 0);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wire_wr_left(&w), 8);
	wire_wr_unreserve(&w, 1);
	check_wr_dead(&w, 0);
	check_untouched(&wb, 0);
}

TEST(wr_u16_at)
{
	struct wire_wr w;
	struct wbuf wb;

	wbuf_init(&wb, &w, 8);
	wire_wr_u16(&w, 0);			/* length placeholder */
	wire_wr_u8(&w, 0x55);
	wire_wr_u16_at(&w, 0, 0x0102);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wb.b[0], 0x01);
	CHECK_INT(wb.b[1], 0x02);
	CHECK_INT(wb.b[2], 0x55);
	CHECK_INT(w.off, 3);			/* does not move the end */
	wire_wr_u16_at(&w, 1, 0xaabb);		/* last two written bytes */
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wb.b[1], 0xaa);
	CHECK_INT(wb.b[2], 0xbb);
	check_untouched(&wb, 3);

	/* Straddling the end of what was written: refused. */
	wire_wr_u16_at(&w, 2, 0xcccc);
	check_wr_dead(&w, 3);
	CHECK_INT(wb.b[2], 0xbb);
	check_untouched(&wb, 3);

	/* Past the end of what was written, though inside the buffer. */
	wbuf_init(&wb, &w, 8);
	wire_wr_u16(&w, 0);
	wire_wr_u16_at(&w, 3, 0xcccc);
	check_wr_dead(&w, 2);
	check_untouched(&wb, 2);

	/* Nothing written yet, or one byte only. */
	wbuf_init(&wb, &w, 8);
	wire_wr_u16_at(&w, 0, 0xcccc);
	check_wr_dead(&w, 0);
	check_untouched(&wb, 0);
	wbuf_init(&wb, &w, 8);
	wire_wr_u8(&w, 0);
	wire_wr_u16_at(&w, 0, 0xcccc);
	check_wr_dead(&w, 1);
	CHECK_INT(wb.b[0], 0);
	check_untouched(&wb, 1);

	/* At the very end of a full buffer. */
	wbuf_init(&wb, &w, 4);
	wire_wr_zero(&w, 4);
	wire_wr_u16_at(&w, 2, 0x0304);
	CHECK(wire_wr_ok(&w));
	CHECK_INT(wb.b[3], 0x04);
	check_untouched(&wb, 4);
}

TEST(round_trip)
{
	uint8_t buf[16];
	struct wire_wr w;
	struct wire_rd r, c;
	uint8_t out[3];

	wire_wr_init(&w, buf, sizeof(buf));
	wire_wr_u8(&w, 53);
	wire_wr_u16(&w, 0);
	wire_wr_bytes(&w, "abc", 3);
	wire_wr_u16_at(&w, 1, 3);
	wire_wr_u32(&w, 0x80000001u);
	CHECK(wire_wr_ok(&w));

	wire_rd_init(&r, buf, w.off);
	CHECK_INT(wire_rd_u8(&r), 53);
	c = wire_rd_sub(&r, wire_rd_u16(&r));
	wire_rd_bytes(&c, out, 3);
	CHECK(memcmp(out, "abc", 3) == 0);
	CHECK(wire_rd_u32(&r) == 0x80000001u);
	CHECK(wire_rd_ok(&r) && wire_rd_ok(&c));
	CHECK_INT(wire_rd_left(&r), 0);
}

int main(void)
{
	RUN(rd_init);
	RUN(rd_null_buffer);
	RUN(rd_u8);
	RUN(rd_u16);
	RUN(rd_u32);
	RUN(rd_bytes);
	RUN(rd_ptr);
	RUN(rd_skip);
	RUN(rd_huge);
	RUN(rd_seek);
	RUN(rd_sub);
	RUN(wr_init);
	RUN(wr_u8);
	RUN(wr_u16);
	RUN(wr_u32);
	RUN(wr_bytes_zero);
	RUN(wr_huge);
	RUN(wr_reserve);
	RUN(wr_u16_at);
	RUN(round_trip);
	return test_done();
}

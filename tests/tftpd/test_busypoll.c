/*
 * Unit tests for tftpd/busypoll.c, the busy-poll window: closed at start
 * and when off, opened by short gaps (max/8, doubling, capped at max),
 * left alone when the poll caught the packet, halved by long gaps and
 * closed below max/8, and the bounds of --busy-poll.
 */
#include "busypoll.h"
#include "test.h"

static struct busypoll b;

TEST(starts_closed)
{
	busypoll_init(&b, 200);
	CHECK_INT(b.max_us, 200);
	CHECK_INT(b.win_us, 0);
}

TEST(off_stays_off)
{
	busypoll_init(&b, 0);
	for (int i = 0; i < 10; i++)
		busypoll_waited(&b, 10);
	CHECK_INT(b.win_us, 0);
}

TEST(short_gaps_open_it)
{
	static const unsigned want[] = { 25, 50, 100, 200, 200 };

	busypoll_init(&b, 200);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* A gap longer than the window, within the longest. */
		busypoll_waited(&b, 199);
		CHECK_INT(b.win_us, want[i]);
	}
	/* Exactly the longest still counts as short. */
	busypoll_init(&b, 200);
	busypoll_waited(&b, 200);
	CHECK_INT(b.win_us, 25);
}

TEST(caught_leaves_it)
{
	busypoll_init(&b, 200);
	busypoll_waited(&b, 100);
	busypoll_waited(&b, 100);
	CHECK_INT(b.win_us, 50);
	/* Gaps the window covers (no transfer polled them): no change. */
	busypoll_waited(&b, 50);
	busypoll_waited(&b, 0);
	CHECK_INT(b.win_us, 50);
}

TEST(long_gaps_close_it)
{
	busypoll_init(&b, 200);
	for (int i = 0; i < 4; i++)
		busypoll_waited(&b, 150);
	CHECK_INT(b.win_us, 200);
	busypoll_waited(&b, 201);
	CHECK_INT(b.win_us, 100);
	busypoll_waited(&b, 1000000);
	CHECK_INT(b.win_us, 50);
	busypoll_waited(&b, 1000000);
	CHECK_INT(b.win_us, 25);
	busypoll_waited(&b, UINT64_MAX);
	CHECK_INT(b.win_us, 0);
	busypoll_waited(&b, UINT64_MAX);
	CHECK_INT(b.win_us, 0);
}

TEST(bounds)
{
	/* Above the largest: clamped. */
	busypoll_init(&b, BUSYPOLL_MAX_US + 1);
	CHECK_INT(b.max_us, BUSYPOLL_MAX_US);
	/* Tiny maxima: the smallest open window is 1 us. */
	busypoll_init(&b, 1);
	busypoll_waited(&b, 1);
	CHECK_INT(b.win_us, 1);
	busypoll_waited(&b, 2);
	CHECK_INT(b.win_us, 0);
	busypoll_init(&b, 3);
	busypoll_waited(&b, 3);
	busypoll_waited(&b, 3);
	busypoll_waited(&b, 3);
	CHECK_INT(b.win_us, 3);
}

int main(void)
{
	RUN(starts_closed);
	RUN(off_stays_off);
	RUN(short_gaps_open_it);
	RUN(caught_leaves_it);
	RUN(long_gaps_close_it);
	RUN(bounds);
	return test_done();
}

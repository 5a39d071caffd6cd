/*
 * The busy-poll window (busypoll.h). It starts closed: a daemon at rest
 * never polls, and a transfer opens it after its first short gaps.
 */
#include "busypoll.h"

/* The smallest open window: below it, closed. At least 1 us. */
static uint32_t win_min(const struct busypoll *b)
{
	return b->max_us >= 8 ? b->max_us / 8 : 1;
}

void busypoll_init(struct busypoll *b, uint32_t max_us)
{
	b->max_us = max_us > BUSYPOLL_MAX_US ? BUSYPOLL_MAX_US : max_us;
	b->win_us = 0;
}

void busypoll_waited(struct busypoll *b, uint64_t gap_us)
{
	if (!b->max_us)
		return;
	if (gap_us <= b->max_us) {
		if (b->win_us >= gap_us)
			return;		/* it was caught; nothing to learn */
		b->win_us = b->win_us ? 2 * b->win_us : win_min(b);
		if (b->win_us > b->max_us)
			b->win_us = b->max_us;
	} else if (b->win_us) {
		b->win_us /= 2;
		if (b->win_us < win_min(b))
			b->win_us = 0;
	}
}

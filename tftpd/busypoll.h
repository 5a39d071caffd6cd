/*
 * When to poll instead of sleeping. A lockstep TFTP transfer wakes the
 * server once per block; if the server then sleeps in epoll_wait until
 * the next ACK, every ACK has to wake it: on a virtual machine the sender
 * pays a hypervisor exit for that, and it costs more than the block.
 * While transfers run, tftpd can instead poll its sockets for a short
 * window after the last packet. The window adapts the way the kernel's
 * haltpoll does: it grows while packets keep arriving just after it
 * closed, and shrinks to nothing when they come later than the longest
 * window. Pure policy: the event loop is in tftpd.c.
 */
#ifndef RACKNET_BUSYPOLL_H
#define RACKNET_BUSYPOLL_H

#include <stdint.h>

#define BUSYPOLL_MAX_US 1000	/* the largest --busy-poll */

struct busypoll {
	uint32_t max_us;	/* the longest window; 0: never poll */
	uint32_t win_us;	/* the window now: 0 or max_us/8 .. max_us */
};

void busypoll_init(struct busypoll *b, uint32_t max_us);

/* The loop slept and was woken gap_us after its last packet (the window
 * it polled before sleeping included): a window that long would have
 * caught the wake-up if gap_us <= max_us, so grow; else shrink. */
void busypoll_waited(struct busypoll *b, uint64_t gap_us);

#endif

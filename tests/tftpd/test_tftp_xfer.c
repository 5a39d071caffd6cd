/*
 * Unit tests for tftpd/tftp_xfer.c, the read-transfer state machine:
 * block layout (short, empty and exact last blocks), a whole 40 MiB
 * transfer at blksize 512 (81,921 blocks, rolling over past 65535 to 0)
 * driven ACK by ACK with every block's offset checked, the same with a
 * window of 16, RFC 7440 windows with a lost DATA and a lost ACK,
 * duplicate and stray ACKs (never a resend: Sorcerer's Apprentice), the
 * OACK handshake (ACK 0, ERROR 8, timeouts), the retry limit, and a
 * client's ERROR.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "tftp.h"

static struct tftp_xfer x;
static struct tftp_act act;

#define CHECK_ACT(kind_, first_, count_)                                  \
	do {                                                              \
		CHECK_INT(act.kind, kind_);                               \
		CHECK_INT(act.first, first_);                             \
		CHECK_INT(act.count, count_);                             \
	} while (0)

TEST(test_init)
{
	CHECK_INT(tftp_xfer_init(&x, 100, 7, 1, false, 5), -EINVAL);
	CHECK_INT(tftp_xfer_init(&x, 100, TFTP_BLKSIZE_MAX + 1, 1, false, 5),
		  -EINVAL);
	CHECK_INT(tftp_xfer_init(&x, 100, 512, 0, false, 5), -EINVAL);
	CHECK_INT(tftp_xfer_init(&x, 100, 8, TFTP_WINDOW_MAX, false, 5), 0);
	CHECK_INT(tftp_xfer_init(&x, 100, TFTP_BLKSIZE_MAX, 1, true, 0), 0);
	CHECK_INT(x.state, TFTP_XS_OACK);
}

TEST(test_block_layout)
{
	struct tftp_blk b;

	/* 1000 bytes: 512 + 488. */
	CHECK_INT(tftp_xfer_init(&x, 1000, 512, 1, false, 5), 0);
	CHECK_INT(x.nblocks, 2);
	CHECK_INT(tftp_xfer_block(&x, 1, &b), 0);
	CHECK_INT(b.wire, 1);
	CHECK_INT(b.offset, 0);
	CHECK_INT(b.len, 512);
	CHECK_INT(tftp_xfer_block(&x, 2, &b), 0);
	CHECK_INT(b.offset, 512);
	CHECK_INT(b.len, 488);
	CHECK_INT(tftp_xfer_block(&x, 0, &b), -ERANGE);
	CHECK_INT(tftp_xfer_block(&x, 3, &b), -ERANGE);
	/* An exact multiple ends with an empty block. */
	CHECK_INT(tftp_xfer_init(&x, 1024, 512, 1, false, 5), 0);
	CHECK_INT(x.nblocks, 3);
	CHECK_INT(tftp_xfer_block(&x, 3, &b), 0);
	CHECK_INT(b.offset, 1024);
	CHECK_INT(b.len, 0);
	/* An empty file is one empty block. */
	CHECK_INT(tftp_xfer_init(&x, 0, 512, 4, false, 5), 0);
	CHECK_INT(x.nblocks, 1);
	CHECK_INT(tftp_xfer_block(&x, 1, &b), 0);
	CHECK_INT(b.len, 0);
	tftp_xfer_start(&x, &act);
	CHECK_ACT(TFTP_ACT_SEND, 1, 1);
	tftp_xfer_on_ack(&x, 0, &act);		/* not the block: ignored */
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_ack(&x, 1, &act);
	CHECK_ACT(TFTP_ACT_DONE, 0, 0);
	CHECK(tftp_xfer_over(&x));
}

/*
 * A whole transfer of size bytes, acknowledging the last block of each
 * window: every block sent exactly once, in order, with the offset and
 * wire number it must have; DONE only after the last ACK.
 */
static void whole_transfer(uint64_t size, uint16_t blksize, uint16_t window)
{
	uint64_t next = 1, nblocks = size / blksize + 1, rounds = 0;
	bool bad = false;

	CHECK_INT(tftp_xfer_init(&x, size, blksize, window, false, 5), 0);
	CHECK_INT(x.nblocks, nblocks);
	tftp_xfer_start(&x, &act);
	while (act.kind == TFTP_ACT_SEND && rounds++ <= nblocks) {
		uint64_t last = act.first + act.count - 1;

		if (act.first != next || act.count == 0 ||
		    act.count > window || last > nblocks) {
			bad = true;
			break;
		}
		for (uint64_t n = act.first; n <= last; n++) {
			struct tftp_blk b;

			if (tftp_xfer_block(&x, n, &b) != 0 ||
			    b.wire != (uint16_t)n ||
			    b.offset != (n - 1) * blksize ||
			    b.len != (n < nblocks ? blksize :
						    size % blksize))
				bad = true;
		}
		next = last + 1;
		if (x.state != TFTP_XS_DATA)
			bad = true;
		tftp_xfer_on_ack(&x, (uint16_t)last, &act);
	}
	CHECK(!bad);
	CHECK_INT(next, nblocks + 1);
	CHECK_INT(act.kind, TFTP_ACT_DONE);
	CHECK_INT(x.state, TFTP_XS_DONE);
	CHECK_INT(x.acked, nblocks);
}

TEST(test_rollover_40mib)
{
	struct tftp_blk b;

	/* 40 MiB / 512 = 81,920 full blocks and an empty 81,921st. */
	whole_transfer(40u << 20, 512, 1);
	CHECK_INT(x.nblocks, 81921);
	CHECK_INT(tftp_xfer_block(&x, 65535, &b), 0);
	CHECK_INT(b.wire, 65535);
	CHECK_INT(tftp_xfer_block(&x, 65536, &b), 0);
	CHECK_INT(b.wire, 0);			/* rolls over to 0 */
	CHECK_INT(b.offset, 65535ull * 512);
	CHECK_INT(tftp_xfer_block(&x, 65537, &b), 0);
	CHECK_INT(b.wire, 1);
	CHECK_INT(tftp_xfer_block(&x, 81921, &b), 0);
	CHECK_INT(b.wire, 81921 - 65536);
	CHECK_INT(b.offset, 40u << 20);
	CHECK_INT(b.len, 0);
	/* And with windows of 16, and odd sizes. */
	whole_transfer(40u << 20, 512, 16);
	whole_transfer((40u << 20) + 77, 512, 16);
	whole_transfer(3 * 65536 * 8 + 5, 8, 7);	/* three rollovers */
	whole_transfer(1000000, 1468, 64);
}

/* Events at a window that straddles 65535 -> 0 map to the right blocks. */
TEST(test_rollover_window)
{
	CHECK_INT(tftp_xfer_init(&x, 70000ull * 512, 512, 16, false, 5), 0);
	tftp_xfer_start(&x, &act);
	/* Fast-forward: acknowledge windows up to block 65520. */
	for (uint64_t last = 16; last <= 65520; last += 16)
		tftp_xfer_on_ack(&x, (uint16_t)last, &act);
	CHECK_ACT(TFTP_ACT_SEND, 65521, 16);	/* wire 65521 .. 0 */
	/* Block 65536 (wire 0) lost: the client acknowledges 65535. */
	tftp_xfer_on_ack(&x, 65535, &act);
	CHECK_ACT(TFTP_ACT_SEND, 65536, 16);
	tftp_xfer_on_ack(&x, 65535, &act);	/* a repeat */
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_ack(&x, 3, &act);		/* wire 3 = block 65539 */
	CHECK_ACT(TFTP_ACT_SEND, 65540, 16);
	CHECK_INT(x.acked, 65539);
	tftp_xfer_on_ack(&x, 0, &act);		/* 65536: old, ignored */
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	CHECK_INT(x.acked, 65539);
}

TEST(test_window_loss)
{
	/* 100 blocks of 512 and a short one. */
	CHECK_INT(tftp_xfer_init(&x, 100 * 512 + 10, 512, 16, false, 5), 0);
	tftp_xfer_start(&x, &act);
	CHECK_ACT(TFTP_ACT_SEND, 1, 16);

	/* DATA 5 lost: the client acknowledges 4, the last in order
	 * (RFC 7440); the next window starts at 5. */
	tftp_xfer_on_ack(&x, 4, &act);
	CHECK_ACT(TFTP_ACT_SEND, 5, 16);
	CHECK_INT(x.sent, 20);
	tftp_xfer_on_ack(&x, 20, &act);
	CHECK_ACT(TFTP_ACT_SEND, 21, 16);

	/* ACK 36 lost: nothing arrives, the timer resends the window, the
	 * client acknowledges it again. */
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_SEND, 21, 16);
	tftp_xfer_on_ack(&x, 36, &act);
	CHECK_ACT(TFTP_ACT_SEND, 37, 16);
	CHECK_INT(x.retries, 0);

	/* A whole window of DATA lost: only the timer recovers it. */
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_SEND, 37, 16);
	/* The client then got 37..40 only and acknowledges 40 after its
	 * own timeout; we resume at 41. */
	tftp_xfer_on_ack(&x, 40, &act);
	CHECK_ACT(TFTP_ACT_SEND, 41, 16);

	/* To the end: 41..56, 57..72, 73..88, 89..101 (a short window). */
	tftp_xfer_on_ack(&x, 56, &act);
	tftp_xfer_on_ack(&x, 72, &act);
	tftp_xfer_on_ack(&x, 88, &act);
	CHECK_ACT(TFTP_ACT_SEND, 89, 13);
	/* Timeout on the short window resends just what is in flight. */
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_SEND, 89, 13);
	tftp_xfer_on_ack(&x, 100, &act);	/* 101 lost */
	CHECK_ACT(TFTP_ACT_SEND, 101, 1);
	CHECK(!tftp_xfer_over(&x));
	tftp_xfer_on_ack(&x, 101, &act);
	CHECK_ACT(TFTP_ACT_DONE, 0, 0);
	/* Late events after the end do nothing. */
	tftp_xfer_on_ack(&x, 101, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_error(&x, 0, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	CHECK_INT(x.state, TFTP_XS_DONE);
}

/* Sorcerer's Apprentice: duplicates, old and future ACKs send nothing. */
TEST(test_duplicate_acks)
{
	CHECK_INT(tftp_xfer_init(&x, 10 * 512, 512, 1, false, 5), 0);
	tftp_xfer_start(&x, &act);
	CHECK_ACT(TFTP_ACT_SEND, 1, 1);
	tftp_xfer_on_ack(&x, 1, &act);
	CHECK_ACT(TFTP_ACT_SEND, 2, 1);
	for (int i = 0; i < 5; i++) {
		tftp_xfer_on_ack(&x, 1, &act);	/* duplicate */
		CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	}
	tftp_xfer_on_ack(&x, 0, &act);		/* older */
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_ack(&x, 3, &act);		/* never sent */
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_ack(&x, 9999, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	CHECK_INT(x.acked, 1);
	CHECK_INT(x.sent, 2);
	tftp_xfer_on_ack(&x, 2, &act);
	CHECK_ACT(TFTP_ACT_SEND, 3, 1);

	/* With a window, a repeat of the window's ACK sends nothing. */
	CHECK_INT(tftp_xfer_init(&x, 100 * 512, 512, 8, false, 5), 0);
	tftp_xfer_start(&x, &act);
	tftp_xfer_on_ack(&x, 8, &act);
	CHECK_ACT(TFTP_ACT_SEND, 9, 8);
	tftp_xfer_on_ack(&x, 8, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_ack(&x, 17, &act);		/* past what was sent */
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
}

TEST(test_oack)
{
	/* ACK 0 starts DATA; other ACKs wait; timeouts resend the OACK. */
	CHECK_INT(tftp_xfer_init(&x, 5000, 1024, 4, true, 3), 0);
	tftp_xfer_start(&x, &act);
	CHECK_ACT(TFTP_ACT_OACK, 0, 0);
	tftp_xfer_on_ack(&x, 1, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_OACK, 0, 0);
	tftp_xfer_on_ack(&x, 0, &act);
	CHECK_ACT(TFTP_ACT_SEND, 1, 4);
	CHECK_INT(x.retries, 0);
	tftp_xfer_on_ack(&x, 0, &act);		/* ACK 0 again: a repeat */
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_ack(&x, 4, &act);
	CHECK_ACT(TFTP_ACT_SEND, 5, 1);		/* 5000 = 4 * 1024 + 904 */
	tftp_xfer_on_ack(&x, 5, &act);
	CHECK_ACT(TFTP_ACT_DONE, 0, 0);

	/* The client refuses our options: ERROR 8 ends it. */
	CHECK_INT(tftp_xfer_init(&x, 5000, 1024, 4, true, 3), 0);
	tftp_xfer_start(&x, &act);
	tftp_xfer_on_error(&x, TFTP_E_OPTNEG, &act);
	CHECK_ACT(TFTP_ACT_ABORT, 0, 0);
	CHECK_INT(x.state, TFTP_XS_FAILED);
	tftp_xfer_on_ack(&x, 0, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);

	/* Nobody answers the OACK. */
	CHECK_INT(tftp_xfer_init(&x, 5000, 1024, 4, true, 2), 0);
	tftp_xfer_start(&x, &act);
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_OACK, 0, 0);
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_OACK, 0, 0);
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_GIVEUP, 0, 0);
	CHECK_INT(x.state, TFTP_XS_FAILED);
}

TEST(test_retry_limit)
{
	CHECK_INT(tftp_xfer_init(&x, 10 * 512, 512, 2, false, 3), 0);
	tftp_xfer_start(&x, &act);
	for (int i = 0; i < 3; i++) {
		tftp_xfer_on_timeout(&x, &act);
		CHECK_ACT(TFTP_ACT_SEND, 1, 2);
	}
	/* Progress resets the count... */
	tftp_xfer_on_ack(&x, 2, &act);
	CHECK_ACT(TFTP_ACT_SEND, 3, 2);
	for (int i = 0; i < 3; i++) {
		tftp_xfer_on_timeout(&x, &act);
		CHECK_ACT(TFTP_ACT_SEND, 3, 2);
	}
	/* ...a repeat does not. */
	tftp_xfer_on_ack(&x, 2, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_GIVEUP, 0, 0);
	CHECK(tftp_xfer_over(&x));
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_ack(&x, 4, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);

	/* max_retries 0: the first timeout gives up. */
	CHECK_INT(tftp_xfer_init(&x, 10, 512, 1, false, 0), 0);
	tftp_xfer_start(&x, &act);
	tftp_xfer_on_timeout(&x, &act);
	CHECK_ACT(TFTP_ACT_GIVEUP, 0, 0);
}

TEST(test_client_error)
{
	CHECK_INT(tftp_xfer_init(&x, 10 * 512, 512, 4, false, 3), 0);
	tftp_xfer_start(&x, &act);
	tftp_xfer_on_ack(&x, 4, &act);
	tftp_xfer_on_error(&x, TFTP_E_DISKFULL, &act);
	CHECK_ACT(TFTP_ACT_ABORT, 0, 0);
	CHECK_INT(x.state, TFTP_XS_FAILED);
	tftp_xfer_on_ack(&x, 8, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	tftp_xfer_on_error(&x, 0, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
	/* start after the fact sends nothing either. */
	tftp_xfer_start(&x, &act);
	CHECK_ACT(TFTP_ACT_NONE, 0, 0);
}

int main(void)
{
	RUN(test_init);
	RUN(test_block_layout);
	RUN(test_rollover_40mib);
	RUN(test_rollover_window);
	RUN(test_window_loss);
	RUN(test_duplicate_acks);
	RUN(test_oack);
	RUN(test_retry_limit);
	RUN(test_client_error);
	return test_done();
}

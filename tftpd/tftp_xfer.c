/*
 * The read transfer (tftp.h): a pure state machine that the daemon feeds
 * with what happened (an ACK, an ERROR, its timer firing) and that
 * answers what to send next. It never sees the file: it names blocks,
 * and tftp_xfer_block() turns a block into an offset and a length the
 * caller reads.
 *
 * Blocks carry an absolute 64-bit index here and only its low 16 bits on
 * the wire, so a file of more than 65535 blocks rolls over to 0. Mapping
 * an ACK back is unambiguous because at most `window` blocks are ever
 * outstanding: the ACK is the one block in [acked, sent] with those low
 * bits.
 *
 * Sorcerer's Apprentice (RFC 1123 4.2.3.1): answering a duplicate ACK by
 * resending doubles every packet from then on. Here only an ACK that moves
 * the window sends anything; repeats and strays are ignored, and lost
 * packets are recovered by the caller's timer alone.
 */
#include "tftp.h"

#include <errno.h>
#include <string.h>

static void act_none(struct tftp_act *act, enum tftp_act_kind kind)
{
	act->kind = kind;
	act->first = 0;
	act->count = 0;
}

/* Send the window that starts after the last acknowledged block. */
static void send_window(struct tftp_xfer *x, struct tftp_act *act)
{
	uint64_t left = x->nblocks - x->acked;

	act->kind = TFTP_ACT_SEND;
	act->first = x->acked + 1;
	act->count = left < x->window ? left : x->window;
	x->sent = x->acked + act->count;
}

int tftp_xfer_init(struct tftp_xfer *x, uint64_t size, uint16_t blksize,
		   uint16_t window, bool oack, unsigned max_retries)
{
	if (blksize < TFTP_BLKSIZE_MIN || blksize > TFTP_BLKSIZE_MAX ||
	    window == 0)
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	x->state = oack ? TFTP_XS_OACK : TFTP_XS_DATA;
	x->size = size;
	x->nblocks = size / blksize + 1;
	x->blksize = blksize;
	x->window = window;
	x->max_retries = max_retries;
	return 0;
}

void tftp_xfer_start(struct tftp_xfer *x, struct tftp_act *act)
{
	if (x->state == TFTP_XS_OACK)
		act_none(act, TFTP_ACT_OACK);
	else if (x->state == TFTP_XS_DATA && x->sent == 0)
		send_window(x, act);
	else
		act_none(act, TFTP_ACT_NONE);
}

void tftp_xfer_on_ack(struct tftp_xfer *x, uint16_t block,
		      struct tftp_act *act)
{
	uint64_t d;

	switch (x->state) {
	case TFTP_XS_OACK:
		/* RFC 2347: ACK 0 accepts the OACK; other numbers mean
		 * nothing yet, and the timer resends the OACK. */
		if (block != 0) {
			act_none(act, TFTP_ACT_NONE);
			return;
		}
		x->state = TFTP_XS_DATA;
		x->retries = 0;
		send_window(x, act);
		return;
	case TFTP_XS_DATA:
		break;
	default:
		act_none(act, TFTP_ACT_NONE);
		return;
	}
	/* How far past the last ACK this one is, modulo 2^16. */
	d = (uint16_t)(block - (uint16_t)x->acked);
	if (d == 0 || d > x->sent - x->acked) {
		act_none(act, TFTP_ACT_NONE);	/* repeat or stray */
		return;
	}
	x->acked += d;
	x->retries = 0;
	if (x->acked == x->nblocks) {
		x->state = TFTP_XS_DONE;
		act_none(act, TFTP_ACT_DONE);
		return;
	}
	send_window(x, act);
}

void tftp_xfer_on_error(struct tftp_xfer *x, uint16_t code,
			struct tftp_act *act)
{
	(void)code;	/* all end it; the caller logs which */
	if (tftp_xfer_over(x)) {
		act_none(act, TFTP_ACT_NONE);
		return;
	}
	x->state = TFTP_XS_FAILED;
	act_none(act, TFTP_ACT_ABORT);
}

void tftp_xfer_on_timeout(struct tftp_xfer *x, struct tftp_act *act)
{
	if (tftp_xfer_over(x)) {
		act_none(act, TFTP_ACT_NONE);
		return;
	}
	if (x->retries >= x->max_retries) {
		x->state = TFTP_XS_FAILED;
		act_none(act, TFTP_ACT_GIVEUP);
		return;
	}
	x->retries++;
	if (x->state == TFTP_XS_OACK) {
		act_none(act, TFTP_ACT_OACK);
		return;
	}
	/* Everything in flight again: the client keeps what it had. */
	act->kind = TFTP_ACT_SEND;
	act->first = x->acked + 1;
	act->count = x->sent - x->acked;
}

int tftp_xfer_block(const struct tftp_xfer *x, uint64_t n,
		    struct tftp_blk *blk)
{
	uint64_t off;

	if (n == 0 || n > x->nblocks)
		return -ERANGE;
	off = (n - 1) * x->blksize;
	blk->wire = (uint16_t)n;
	blk->offset = off;
	blk->len = x->size - off < x->blksize ? (size_t)(x->size - off) :
						  x->blksize;
	return 0;
}

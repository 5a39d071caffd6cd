/*
 * racknet-tftpd's pure core: TFTP messages (tftp_msg.c, RFC 1350 and the
 * option framing of RFC 2347), option negotiation (tftp_opts.c: blksize
 * RFC 2348, timeout and tsize RFC 2349, windowsize RFC 7440) and the
 * read-transfer state machine (tftp_xfer.c). Bytes in, structs or bytes
 * out: no sockets, no files, no clock, no allocation. The daemon reads
 * the file and keeps the timers; this core says what to send and when a
 * transfer is over.
 *
 * Strings parsed from a request are slices into the caller's datagram:
 * they stay valid as long as that buffer does, and each is followed there
 * by its NUL, so it can also be used as a C string.
 */
#ifndef RACKNET_TFTP_H
#define RACKNET_TFTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_PORT 69
#define TFTP_HDR_LEN 4			/* opcode + block (DATA, ACK) */
#define TFTP_BLKSIZE_DEFAULT 512	/* RFC 1350 */
#define TFTP_BLKSIZE_MIN 8		/* RFC 2348 */
#define TFTP_BLKSIZE_MAX 65464		/* RFC 2348: 65535 - IP/UDP/TFTP */
#define TFTP_TIMEOUT_MIN 1		/* RFC 2349, seconds */
#define TFTP_TIMEOUT_MAX 255
#define TFTP_WINDOW_MAX 65535		/* RFC 7440 */
/*
 * A request, options included, must fit in 512 bytes (RFC 2347 2.); a
 * longer one is refused. At most TFTP_OPTS_MAX options are kept: a
 * request with more is refused too (every real client sends fewer than
 * ten), so the work per request stays bounded.
 */
#define TFTP_REQ_MAX 512
#define TFTP_OPTS_MAX 32
/* Our largest packet: a DATA of the largest block. */
#define TFTP_PKT_MAX (TFTP_HDR_LEN + TFTP_BLKSIZE_MAX)

enum tftp_op {
	TFTP_OP_RRQ = 1, TFTP_OP_WRQ = 2, TFTP_OP_DATA = 3, TFTP_OP_ACK = 4,
	TFTP_OP_ERROR = 5, TFTP_OP_OACK = 6, TFTP_OP_MAX,
};

/* ERROR codes: RFC 1350 (0-7) and RFC 2347 (8). */
enum tftp_err {
	TFTP_E_UNDEF = 0,	/* not defined, see message */
	TFTP_E_NOTFOUND = 1,
	TFTP_E_ACCESS = 2,
	TFTP_E_DISKFULL = 3,
	TFTP_E_BADOP = 4,	/* illegal TFTP operation */
	TFTP_E_BADID = 5,	/* unknown transfer ID */
	TFTP_E_EXISTS = 6,
	TFTP_E_NOUSER = 7,
	TFTP_E_OPTNEG = 8,	/* option negotiation refused */
	TFTP_E_MAX,
};

enum tftp_mode { TFTP_MODE_OCTET, TFTP_MODE_NETASCII, TFTP_MODE_MAX };

/* One option of a request, as sent (name case as the client wrote it). */
struct tftp_opt {
	const char *name, *value;
	size_t name_len, value_len;
};

/* A parsed RRQ or WRQ (tftp_msg.c). */
struct tftp_req {
	enum tftp_op op;		/* TFTP_OP_RRQ or TFTP_OP_WRQ */
	const char *filename;		/* never empty */
	size_t filename_len;
	enum tftp_mode mode;
	size_t nopts;
	struct tftp_opt opts[TFTP_OPTS_MAX];
};

/*
 * Parse a request sent to port 69. 0: req is filled. -EINVAL: fewer than
 * two bytes (no opcode: say nothing). -EBADMSG: anything else malformed,
 * *why names it (answer ERROR TFTP_E_BADOP with it): an opcode that is
 * not RRQ/WRQ, more than TFTP_REQ_MAX bytes, a filename, mode, option
 * name or value without its NUL, an empty filename or option name, a mode
 * other than "octet" or "netascii" (any case; "mail" is obsolete and
 * refused), more than TFTP_OPTS_MAX options. Zero bytes after the last
 * NUL (padding some ROMs add) are ignored; other trailing bytes are an
 * option without its value. Option values are not interpreted here.
 */
int tftp_req_parse(struct tftp_req *req, const uint8_t *buf, size_t len,
		   const char **why);

/* A parsed packet from the client during a transfer (tftp_msg.c). */
struct tftp_pkt {
	enum tftp_op op;		/* TFTP_OP_ACK or TFTP_OP_ERROR */
	uint16_t block;			/* ACK */
	uint16_t code;			/* ERROR: as sent, may be >= TFTP_E_MAX */
	const uint8_t *msg;		/* ERROR: peer text, NOT NUL-safe: */
	size_t msg_len;			/* msg_len bytes, escape before logging */
};

/*
 * Parse an ACK or ERROR arriving on a transfer's port. 0: pkt filled.
 * -EBADMSG (*why says why): shorter than 4 bytes, or another opcode
 * (known or not). Bytes after an ACK's block number are ignored. An
 * ERROR's message is what precedes the first NUL, or the rest of the
 * packet if it has none: a peer's ERROR ends the transfer either way.
 */
int tftp_pkt_parse(struct tftp_pkt *pkt, const uint8_t *buf, size_t len,
		   const char **why);

/*
 * Builders: each writes at most cap bytes into out and returns the
 * packet's length, or -EMSGSIZE if it does not fit (nothing usable
 * written).
 *
 * tftp_build_data: DATA block with n bytes of data (n <= TFTP_BLKSIZE_MAX;
 * -EINVAL otherwise). data may be exactly out + TFTP_HDR_LEN (the caller
 * read the file in place): then nothing is copied.
 *
 * tftp_build_ack: ACK block (for tests, and WRQ one day).
 *
 * tftp_build_error: ERROR code with msg, or with tftp_err_text(code) if
 * msg is NULL. A message too long for cap is cut (at least the header and
 * its NUL must fit). Codes >= TFTP_E_MAX are -EINVAL.
 */
int tftp_build_data(uint8_t *out, size_t cap, uint16_t block,
		    const void *data, size_t n);
int tftp_build_ack(uint8_t *out, size_t cap, uint16_t block);
int tftp_build_error(uint8_t *out, size_t cap, enum tftp_err code,
		     const char *msg);
/*
 * Netascii: what a file of n bytes becomes on the wire (every LF sent as
 * CR LF, every CR as CR NUL): its size, and the conversion into out,
 * which must hold tftp_netascii_size() bytes; returns that size.
 */
size_t tftp_netascii_size(const uint8_t *in, size_t n);
size_t tftp_netascii_encode(uint8_t *out, const uint8_t *in, size_t n);

/* The standard text of an ERROR code; "?" for an unknown one. */
const char *tftp_err_text(unsigned code);
const char *tftp_op_name(unsigned op);	/* "RRQ" ... "OACK", "?" */

/* ---- Option negotiation (tftp_opts.c) ---------------------------- */

/* Bits of tftp_neg.accepted: the options the OACK carries. */
#define TFTP_NEG_BLKSIZE 0x01u
#define TFTP_NEG_TSIZE 0x02u
#define TFTP_NEG_TIMEOUT 0x04u
#define TFTP_NEG_WINDOW 0x08u

/* What the caller allows and knows. */
struct tftp_limits {
	/* Our largest block, e.g. the path MTU minus IP, UDP and TFTP
	 * headers; forced into [TFTP_BLKSIZE_MIN, TFTP_BLKSIZE_MAX]. */
	uint16_t blksize_max;
	/* Our largest window, forced into [1, TFTP_WINDOW_MAX]. */
	uint16_t window_max;
	/* RRQ: the size of what will be sent, if known in advance (not for
	 * netascii, where conversion changes it: then tsize is left out of
	 * the OACK whatever this says). */
	bool size_known;
	uint64_t size;
};

/* The outcome: the transfer's parameters and what the OACK carries. */
struct tftp_neg {
	unsigned accepted;	/* TFTP_NEG_* bits; 0: send no OACK */
	uint16_t blksize;	/* TFTP_BLKSIZE_DEFAULT unless negotiated */
	uint16_t window;	/* 1 unless negotiated */
	uint8_t timeout;	/* seconds; 0: not negotiated, caller's own */
	uint64_t tsize;		/* RRQ: our size; WRQ: the client's */
};

/*
 * Negotiate req's options (RFC 2347) under lim; fills neg and returns
 * the number of options accepted (0: no OACK; an RRQ's DATA 1 then goes
 * out at once, a WRQ's ACK 0). Never fails: an option we do not know, or
 * whose value is not a plain decimal number in range, is ignored (left
 * out of the OACK), as RFC 2347 allows. Names compare without case.
 *  - blksize: below 8 ignored; above our maximum answered with it.
 *  - tsize: RRQ (whatever its value: 0, or atftp's "enable"): answered
 *    with lim->size when known and the mode is
 *    octet, else left out; WRQ: echoed (the caller may refuse the size).
 *  - timeout: 1..255 accepted as is, anything else ignored.
 *  - windowsize: 0 ignored; above our maximum answered with it.
 * An option sent twice: the first one counts, even when its value was
 * refused (see tftp_opts.c).
 */
int tftp_opts_negotiate(struct tftp_neg *neg, const struct tftp_req *req,
			const struct tftp_limits *lim);

/*
 * Write the OACK for neg (options in a fixed order: blksize, tsize,
 * timeout, windowsize; names lower case). Returns its length, -EINVAL if
 * neg accepted nothing, -EMSGSIZE if cap is too small (a cap of
 * TFTP_OACK_MAX bytes, what all four options can take, always fits).
 */
#define TFTP_OACK_MAX (2 + 14 + 27 + 12 + 17)
int tftp_build_oack(uint8_t *out, size_t cap, const struct tftp_neg *neg);

/* ---- The read transfer (tftp_xfer.c) ---------------------------- */

/*
 * Blocks are numbered 1, 2, ... (an absolute 64-bit index) inside the
 * machine; the wire carries the low 16 bits, so block 65536 goes out as
 * 0 (rollover to 0, what tftp-hpa, atftpd and the PXE ROMs that load
 * files over 32 MiB at 512 bytes expect). File of size S, block size B:
 * S / B + 1 blocks, the last shorter than B, possibly empty.
 */
enum tftp_xfer_state {
	TFTP_XS_OACK,	/* OACK sent, waiting for ACK 0 */
	TFTP_XS_DATA,	/* sending */
	TFTP_XS_DONE,	/* last block acknowledged */
	TFTP_XS_FAILED,	/* gave up, or the peer sent an ERROR */
	TFTP_XS_MAX,
};

enum tftp_act_kind {
	TFTP_ACT_NONE,	/* nothing to send (keep the timer running) */
	TFTP_ACT_OACK,	/* (re)send the OACK */
	TFTP_ACT_SEND,	/* send blocks first .. first + count - 1 */
	TFTP_ACT_DONE,	/* transfer complete: stop, send nothing */
	TFTP_ACT_GIVEUP, /* retries exhausted: stop (an ERROR is optional) */
	TFTP_ACT_ABORT,	/* the peer sent an ERROR: stop, send nothing */
	TFTP_ACT_MAX,
};

struct tftp_act {
	enum tftp_act_kind kind;
	uint64_t first, count;	/* TFTP_ACT_SEND: absolute block indexes */
};

/* One block to send: its wire number and where its bytes are. */
struct tftp_blk {
	uint16_t wire;
	uint64_t offset;
	size_t len;	/* <= blksize; 0 only for an empty last block */
};

struct tftp_xfer {
	enum tftp_xfer_state state;
	uint64_t size;		/* file size in bytes */
	uint64_t nblocks;	/* size / blksize + 1 */
	uint64_t acked;		/* highest block acknowledged, 0: none */
	uint64_t sent;		/* highest block sent so far */
	uint16_t blksize, window;
	unsigned retries;	/* timeouts in a row without progress */
	unsigned max_retries;
};

/*
 * Set up a read transfer of size bytes in blocks of blksize
 * (TFTP_BLKSIZE_MIN..TFTP_BLKSIZE_MAX) with window blocks in flight
 * (1..TFTP_WINDOW_MAX; -EINVAL outside either range). oack: an OACK goes
 * first and DATA waits for ACK 0. max_retries: timeouts in a row before
 * giving up. A window close to 65535 makes an ACK older than
 * 65536 - window blocks look new: the caller keeps its maximum well
 * below that (e.g. 64).
 *
 * Then tftp_xfer_start() gives the first action, and every event gives
 * the next one (always written to *act):
 *  - on_ack: the client's ACK block (wire number). In OACK state, ACK 0
 *    starts DATA at block 1; any other number is ignored. In DATA
 *    state, an ACK of a block sent but not yet acknowledged moves the
 *    window: the next window goes out from the block after it (RFC 7440:
 *    the client acknowledges the last block it got in order). An ACK of
 *    the last block ends the transfer (DONE). A repeated ACK, or one
 *    outside the window, sends NOTHING (Sorcerer's Apprentice, RFC 1123
 *    4.2.3.1): only a timeout resends.
 *  - on_error: any ERROR from the client (code 8 after the OACK: it
 *    refused our options) ends the transfer: ABORT.
 *  - on_timeout: the caller's timer fired with nothing new: resend the
 *    OACK, or every block sent and not acknowledged; after max_retries
 *    timeouts in a row, GIVEUP.
 * After DONE, GIVEUP or ABORT every event answers TFTP_ACT_NONE.
 */
int tftp_xfer_init(struct tftp_xfer *x, uint64_t size, uint16_t blksize,
		   uint16_t window, bool oack, unsigned max_retries);
void tftp_xfer_start(struct tftp_xfer *x, struct tftp_act *act);
void tftp_xfer_on_ack(struct tftp_xfer *x, uint16_t block,
		      struct tftp_act *act);
void tftp_xfer_on_error(struct tftp_xfer *x, uint16_t code,
			struct tftp_act *act);
void tftp_xfer_on_timeout(struct tftp_xfer *x, struct tftp_act *act);
/* Block n (1..nblocks) of x: wire number, offset, length. -ERANGE for
 * any other n. */
int tftp_xfer_block(const struct tftp_xfer *x, uint64_t n,
		    struct tftp_blk *blk);
static inline bool tftp_xfer_over(const struct tftp_xfer *x)
{
	return x->state == TFTP_XS_DONE || x->state == TFTP_XS_FAILED;
}

#endif

/*
 * TFTP message codec (tftp.h): a request to port 69 becomes a struct
 * tftp_req, an ACK or ERROR on a transfer port a struct tftp_pkt, and
 * DATA, ACK and ERROR are built into a caller's buffer. Pure: no I/O, no
 * allocation, no globals. Every read goes through shared/wire.h's bounded
 * reader, every write through its bounded writer.
 *
 * A request is a run of NUL-terminated strings (RFC 1350: filename, mode;
 * RFC 2347: option name/value pairs). Each string is found with memchr()
 * inside what is left of the packet, so a missing NUL is an error and
 * never a read past the end.
 */
#include "tftp.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "wire.h"

static const char *const err_texts[TFTP_E_MAX] = {
	[TFTP_E_UNDEF] = "Not defined",
	[TFTP_E_NOTFOUND] = "File not found",
	[TFTP_E_ACCESS] = "Access violation",
	[TFTP_E_DISKFULL] = "Disk full or allocation exceeded",
	[TFTP_E_BADOP] = "Illegal TFTP operation",
	[TFTP_E_BADID] = "Unknown transfer ID",
	[TFTP_E_EXISTS] = "File already exists",
	[TFTP_E_NOUSER] = "No such user",
	[TFTP_E_OPTNEG] = "Option negotiation failed",
};

const char *tftp_err_text(unsigned code)
{
	return code < TFTP_E_MAX ? err_texts[code] : "?";
}

const char *tftp_op_name(unsigned op)
{
	static const char *const names[TFTP_OP_MAX] = {
		"?", "RRQ", "WRQ", "DATA", "ACK", "ERROR", "OACK",
	};

	return op < TFTP_OP_MAX ? names[op] : "?";
}

/* ---- Parsing ------------------------------------------------------- */

static int parse_fail(const char **why, const char *text)
{
	if (why)
		*why = text;
	return -EBADMSG;
}

/*
 * The next NUL-terminated string: its start and length (NUL excluded),
 * the reader moved past its NUL. false if no NUL is left in the packet.
 */
static bool rd_string(struct wire_rd *r, const char **s, size_t *len)
{
	size_t left = wire_rd_left(r);
	const uint8_t *start = r->p + r->off;
	const uint8_t *nul;

	if (left == 0)
		return false;
	nul = memchr(start, '\0', left);
	if (!nul)
		return false;
	*len = (size_t)(nul - start);
	*s = (const char *)wire_rd_ptr(r, *len + 1);
	return *s != NULL;
}

static bool rest_is_zero(const struct wire_rd *r)
{
	size_t left = wire_rd_left(r);

	for (size_t i = 0; i < left; i++)
		if (r->p[r->off + i] != 0)
			return false;
	return true;
}

static int parse_mode(struct tftp_req *req, const char *mode,
		      const char **why)
{
	if (strcasecmp(mode, "octet") == 0)
		req->mode = TFTP_MODE_OCTET;
	else if (strcasecmp(mode, "netascii") == 0)
		req->mode = TFTP_MODE_NETASCII;
	else if (strcasecmp(mode, "mail") == 0)
		return parse_fail(why, "mail mode is not supported");
	else
		return parse_fail(why, "unknown transfer mode");
	return 0;
}

static int parse_options(struct tftp_req *req, struct wire_rd *r,
			 const char **why)
{
	while (wire_rd_left(r) > 0) {
		struct tftp_opt *o;

		if (rest_is_zero(r))
			break;
		if (req->nopts == TFTP_OPTS_MAX)
			return parse_fail(why, "too many options");
		o = &req->opts[req->nopts];
		if (!rd_string(r, &o->name, &o->name_len))
			return parse_fail(why, "option name without its NUL");
		if (o->name_len == 0)
			return parse_fail(why, "empty option name");
		if (!rd_string(r, &o->value, &o->value_len))
			return parse_fail(why, "option value missing or "
					       "without its NUL");
		req->nopts++;
	}
	return 0;
}

int tftp_req_parse(struct tftp_req *req, const uint8_t *buf, size_t len,
		   const char **why)
{
	struct wire_rd r;
	const char *mode;
	size_t mode_len;
	uint16_t op;
	int rc;

	memset(req, 0, sizeof(*req));
	if (len < 2) {
		if (why)
			*why = "no opcode";
		return -EINVAL;
	}
	wire_rd_init(&r, buf, len);
	op = wire_rd_u16(&r);
	if (op == 0 || op >= TFTP_OP_MAX)
		return parse_fail(why, "unknown opcode");
	if (op != TFTP_OP_RRQ && op != TFTP_OP_WRQ)
		return parse_fail(why, "not a request");
	if (len > TFTP_REQ_MAX)
		return parse_fail(why, "request longer than 512 bytes");
	req->op = (enum tftp_op)op;
	if (!rd_string(&r, &req->filename, &req->filename_len))
		return parse_fail(why, "filename without its NUL");
	if (req->filename_len == 0)
		return parse_fail(why, "empty filename");
	if (!rd_string(&r, &mode, &mode_len))
		return parse_fail(why, "mode missing or without its NUL");
	rc = parse_mode(req, mode, why);
	if (rc < 0)
		return rc;
	return parse_options(req, &r, why);
}

int tftp_pkt_parse(struct tftp_pkt *pkt, const uint8_t *buf, size_t len,
		   const char **why)
{
	struct wire_rd r;
	uint16_t op;

	memset(pkt, 0, sizeof(*pkt));
	wire_rd_init(&r, buf, len);
	op = wire_rd_u16(&r);
	if (wire_rd_left(&r) < 2)
		return parse_fail(why, "shorter than 4 bytes");
	if (op == TFTP_OP_ACK) {
		pkt->op = TFTP_OP_ACK;
		pkt->block = wire_rd_u16(&r);
		return 0;
	}
	if (op != TFTP_OP_ERROR)
		return parse_fail(why, op > 0 && op < TFTP_OP_MAX ?
				       "unexpected opcode" : "unknown opcode");
	pkt->op = TFTP_OP_ERROR;
	pkt->code = wire_rd_u16(&r);
	pkt->msg = r.p + r.off;
	pkt->msg_len = wire_rd_left(&r);
	{
		const uint8_t *nul = memchr(pkt->msg, '\0', pkt->msg_len);

		if (nul)
			pkt->msg_len = (size_t)(nul - pkt->msg);
	}
	return 0;
}

/* ---- Building ------------------------------------------------------ */

static int wr_result(const struct wire_wr *w)
{
	return wire_wr_ok(w) ? (int)w->off : -EMSGSIZE;
}

int tftp_build_data(uint8_t *out, size_t cap, uint16_t block,
		    const void *data, size_t n)
{
	struct wire_wr w;

	if (n > TFTP_BLKSIZE_MAX)
		return -EINVAL;
	wire_wr_init(&w, out, cap);
	wire_wr_u16(&w, TFTP_OP_DATA);
	wire_wr_u16(&w, block);
	if (data == out + TFTP_HDR_LEN) {
		/* Read in place: only check that it fits. */
		if (wire_wr_left(&w) < n)
			return -EMSGSIZE;
		w.off += n;
	} else {
		wire_wr_bytes(&w, data, n);
	}
	return wr_result(&w);
}

int tftp_build_ack(uint8_t *out, size_t cap, uint16_t block)
{
	struct wire_wr w;

	wire_wr_init(&w, out, cap);
	wire_wr_u16(&w, TFTP_OP_ACK);
	wire_wr_u16(&w, block);
	return wr_result(&w);
}

int tftp_build_error(uint8_t *out, size_t cap, enum tftp_err code,
		     const char *msg)
{
	struct wire_wr w;
	size_t n, room;

	if ((unsigned)code >= TFTP_E_MAX)
		return -EINVAL;
	if (!msg)
		msg = err_texts[code];
	wire_wr_init(&w, out, cap);
	wire_wr_u16(&w, TFTP_OP_ERROR);
	wire_wr_u16(&w, (uint16_t)code);
	room = wire_wr_left(&w);
	if (!wire_wr_ok(&w) || room == 0)
		return -EMSGSIZE;
	n = strnlen(msg, room - 1);	/* cut to leave room for the NUL */
	wire_wr_bytes(&w, msg, n);
	wire_wr_u8(&w, 0);
	return wr_result(&w);
}

/* Netascii (RFC 764 as RFC 1350 uses it): LF goes out as CR LF, a bare
 * CR as CR NUL. One pass to size, one to write. */
size_t tftp_netascii_size(const uint8_t *in, size_t n)
{
	size_t out = n;

	for (size_t i = 0; i < n; i++)
		out += in[i] == '\n' || in[i] == '\r';
	return out;
}

size_t tftp_netascii_encode(uint8_t *out, const uint8_t *in, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
		} else if (in[i] == '\r') {
			out[o++] = '\r';
			out[o++] = '\0';
		} else {
			out[o++] = in[i];
		}
	}
	return o;
}

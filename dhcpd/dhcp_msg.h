/*
 * DHCPv4 messages: bytes to struct and struct to bytes (RFC 2131, 2132,
 * 3396 long options, 3046 relay agent information, 4702 client FQDN).
 * Pure code over the shared bounded reader and writer: no I/O, no globals,
 * no allocation. The fuzzer and the unit tests call these directly.
 */
#ifndef RACKNET_DHCP_MSG_H
#define RACKNET_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_FIXED_LEN	236		/* BOOTP header, before the cookie */
#define DHCP_COOKIE	0x63825363u
#define DHCP_MIN_LEN	300		/* BOOTP minimum; replies are padded */
#define DHCP_MAX_LEN	4096		/* larger messages are refused */
#define DHCP_DEFAULT_MAX 576		/* IP datagram a client must accept */
#define DHCP_IPUDP_LEN	28		/* IPv4 + UDP headers, no IP options */

enum dhcp_type {
	DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE, DHCP_ACK,
	DHCP_NAK, DHCP_RELEASE, DHCP_INFORM, DHCP_TYPE_MAX
};
const char *dhcp_type_name(int type);	/* "DISCOVER", ..., "?" */

enum dhcp_opt {
	DHO_PAD = 0, DHO_SUBNET_MASK = 1, DHO_ROUTER = 3, DHO_DNS = 6,
	DHO_HOSTNAME = 12, DHO_DOMAIN = 15, DHO_MTU = 26, DHO_BROADCAST = 28,
	DHO_NTP = 42, DHO_VENDOR_OPTS = 43, DHO_REQUESTED_IP = 50,
	DHO_LEASE_TIME = 51, DHO_OVERLOAD = 52, DHO_MSG_TYPE = 53,
	DHO_SERVER_ID = 54, DHO_PRL = 55, DHO_MESSAGE = 56, DHO_MAX_SIZE = 57,
	DHO_T1 = 58, DHO_T2 = 59, DHO_VENDOR_CLASS = 60, DHO_CLIENT_ID = 61,
	DHO_TFTP_SERVER = 66, DHO_BOOTFILE = 67, DHO_USER_CLASS = 77,
	DHO_FQDN = 81, DHO_RELAY_INFO = 82, DHO_CLIENT_ARCH = 93,
	DHO_CLIENT_NDI = 94, DHO_UUID = 97, DHO_DOMAIN_SEARCH = 119,
	DHO_IPXE = 175, DHO_END = 255
};

#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY	2
#define DHCP_FLAG_BROADCAST 0x8000

/* One option's data after RFC 3396 concatenation; len 0 with present set is
 * a legal empty option. */
struct dhcp_opt_data {
	const uint8_t *p;
	uint16_t len;
	bool present;
};

/*
 * A parsed message. Addresses are IPv4 in host byte order. Option data
 * points into `optbuf` (the concatenated options, in the order RFC 3396
 * gives: options field, then file, then sname when overloaded), so the
 * struct is self-contained and the input buffer may be reused.
 */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	char sname[65];			/* NUL-terminated when not overloaded */
	char file[129];
	uint8_t overload;		/* option 52: 1 file, 2 sname, 3 both */

	/* Decoded from the options. */
	int type;			/* option 53, 0 if absent (BOOTP) */
	uint32_t requested_ip;		/* option 50, 0 if absent */
	uint32_t server_id;		/* option 54, 0 if absent */
	uint32_t lease_time;		/* option 51, 0 if absent */
	uint16_t max_size;		/* option 57, 0 if absent or < 576 */
	uint16_t client_arch;		/* option 93 first entry, 0xffff if absent */
	/* Hostname from option 81 (if it carries one) else option 12,
	 * sanitised to one DNS label; "" if none. */
	char hostname[64];
	uint8_t fqdn_flags;		/* option 81 flags, if present */

	/* Every option seen, by code (p NULL when absent). A decoded option
	 * of the wrong size (50 of 3 bytes, 93 of odd length, 81 under 3,
	 * 52 outside the options field or not 1..3) is cleared: the policy
	 * code never sees one. */
	struct dhcp_opt_data opt[256];
	uint8_t optbuf[DHCP_MAX_LEN];
	char errbuf[48];		/* *why of dhcp_parse, when it names
					 * an option */
};

/*
 * Parse a BOOTREQUEST (what a server receives). 0 on success, or -EBADMSG
 * with *why set to a short reason ("truncated header", "bad magic
 * cookie", "option 61 overruns the options field", "bad message type",
 * ...): static text, or m->errbuf when it names an option, so valid as
 * long as m is. A message without option 53 (plain BOOTP) is
 * -EPROTONOSUPPORT. Trailing bytes after END are ignored; a missing END
 * is tolerated. why may be NULL; m is unspecified after an error.
 */
int dhcp_parse(struct dhcp_msg *m, const void *buf, size_t len,
	       const char **why);
/* The same for a BOOTREPLY (another server's OFFER, ACK or NAK, seen by
 * the detection of competing servers). */
int dhcp_parse_reply(struct dhcp_msg *m, const void *buf, size_t len,
		     const char **why);

/* The client's key: option 61 when present (non-empty), else chaddr. */
const uint8_t *dhcp_client_id(const struct dhcp_msg *m, size_t *ret_len);
/* True if option 55 lists code. */
bool dhcp_requested(const struct dhcp_msg *m, uint8_t code);

/*
 * A reply. The builder copies xid, flags, giaddr, htype, hlen and chaddr
 * from req, puts 53 and 54 first, then the options in `opts`: those the
 * client listed in option 55 come in the order it listed them; options
 * with `always` set follow; the rest are left out. Option 82 from the
 * request is echoed last (RFC 3046 2.2). Options longer than 255 bytes are
 * split (RFC 3396). If the options do not fit in max_len, the file and
 * sname fields are used with option 52 when they are free; then options
 * are dropped by priority (the last "always" one first, a PRL one last;
 * a smaller later one still goes in where a larger one did not fit;
 * never 53, 54 or 82), and *ret_dropped counts them. A code listed twice
 * in opts is sent once (the first); 0, 52, 53, 54, 82 and 255 in opts are
 * ignored (the builder writes those itself).
 * A NAK (RFC 2131 table 3) has ciaddr, yiaddr, siaddr, sname and file
 * zero and carries only 53, 54, 56 (from opts, PRL or not) and 82.
 */
struct dhcp_reply_opt {
	uint8_t code;
	bool always;		/* send even when not in option 55 */
	uint16_t len;
	const uint8_t *data;
};

#define DHCP_REPLY_MAXOPTS 48

struct dhcp_reply {
	int type;			/* DHCP_OFFER, DHCP_ACK, DHCP_NAK */
	uint32_t ciaddr, yiaddr, siaddr;	/* host byte order */
	uint32_t server_id;
	const char *sname;		/* NULL: empty (free for overload) */
	const char *file;		/* NULL: empty (free for overload) */
	struct dhcp_reply_opt opts[DHCP_REPLY_MAXOPTS];
	size_t nopts;
};

/* Append an option to r (ignored, returning -ENOSPC, when full; -EINVAL
 * over 65535 bytes or for NULL data with a length). data is not copied:
 * it must live until dhcp_build(). */
int dhcp_reply_add(struct dhcp_reply *r, uint8_t code, bool always,
		   const void *data, size_t len);

/*
 * The largest reply this client accepts, as a DHCP message length: its
 * option 57 (an IP datagram size) minus 28, never below 576 - 28 and never
 * above cap (our buffer / the interface MTU minus 28).
 */
size_t dhcp_max_reply(const struct dhcp_msg *req, size_t cap);

/* Build into buf, which holds max_len bytes. The length written, padded
 * to DHCP_MIN_LEN, or -EMSGSIZE if max_len < DHCP_MIN_LEN or even 53, 54,
 * 82 and END do not fit; -EINVAL for a type outside 1..8, sname over 63
 * or file over 127 characters. *ret_dropped (may be NULL) is written on
 * success only. */
int dhcp_build(const struct dhcp_reply *r, const struct dhcp_msg *req,
	       uint8_t *buf, size_t max_len, int *ret_dropped);

/*
 * Option value encoders for what a server sends (pure, bounded):
 * the domain search list (119) in DNS wire format with compression
 * pointers between names (RFC 3397). names is a list of dotted names.
 * Returns the length, or -EINVAL for a bad name, -EMSGSIZE if over size.
 */
int dhcp_encode_search(uint8_t *out, size_t size, const char *const *names,
		       size_t n);

#endif

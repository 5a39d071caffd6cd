/*
 * racknet-dnsd's forwarding resolver: the upstream side.
 *
 * Two halves. The pure half (dns_fwd.c) builds the query we send
 * upstream and checks a reply against it: dns_fwd_check() takes any
 * bytes, decides whether they answer our question at all (ID and
 * question, name compared without case), and turns an answer into a
 * struct dns_answer for the cache holding only the records that belong
 * to the question: the CNAME/DNAME chain from the name, the SOA or NS of
 * a zone above its end, and addresses of the names those records point
 * to. Unit tests and fuzz/fuzz_dns_response.c drive it directly.
 *
 * The I/O half (dns_fwd_io.c, libevent) sends one query per (name, type,
 * class) at a time, from a fresh connected UDP socket on a kernel-chosen
 * random port with a random ID, so a reply must come from the upstream's
 * address and port, carry our ID and repeat our question (what dnsmasq's
 * DNSpooq CVE-2020-25684/25685/25686 lacked). Clients asking the same
 * question while one is outstanding wait for it (bounded). A try times
 * out after try_ms and the next upstream is asked, within tries and
 * deadline_ms; a truncated reply is asked again over TCP from the same
 * upstream. An answer goes into the cache and every waiting client gets
 * its reply written from the stored entry, as a cache hit would be.
 */
#ifndef RACKNET_DNS_FWD_H
#define RACKNET_DNS_FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "dns.h"
#include "dns_cache.h"

/* ---- The pure half (dns_fwd.c) ------------------------------------- */

#define DNS_FWD_CHAIN_MAX 16	/* CNAME/DNAME hops followed in a reply */

/* What we asked one upstream. */
struct dns_fwd_question {
	uint16_t id;
	uint8_t name[DNS_WIRE_MAX];	/* lower case */
	size_t name_len;
	uint16_t qtype, qclass;
};

/* The query to send: RD, one question, OPT with DNS_EDNS_OURS and DO
 * clear. Returns its length, or 0 if cap is too small. */
size_t dns_fwd_query_build(const struct dns_fwd_question *fq, uint8_t *out,
			   size_t cap);

enum dns_fwd_verdict {
	DNS_FWD_ANSWER,		/* an answer: a holds it, ready to store */
	DNS_FWD_TRUNCATED,	/* ours with TC: ask again over TCP */
	DNS_FWD_RCODE,		/* ours, but SERVFAIL, REFUSED...: a->rcode */
	DNS_FWD_MISMATCH,	/* not a reply to our query: ignore it */
	DNS_FWD_MALFORMED,	/* ID and question match, the rest is broken */
	DNS_FWD_VERDICT_MAX,
};

/*
 * Check one upstream reply against fq. a is scratch (about 160 KiB; keep
 * one, do not put it on a small stack) and holds the answer for
 * DNS_FWD_ANSWER, the rcode for DNS_FWD_RCODE. *why says what was wrong
 * for MISMATCH and MALFORMED. Never reads outside buf[0..len).
 */
enum dns_fwd_verdict dns_fwd_check(const struct dns_fwd_question *fq,
				   const uint8_t *buf, size_t len,
				   struct dns_answer *a, const char **why);

const char *dns_fwd_verdict_name(enum dns_fwd_verdict v);

/* ---- The I/O half (dns_fwd_io.c) ----------------------------------- */

#define DNS_FWD_UPSTREAMS_MAX 8

struct dns_fwd_opts {
	uint16_t port;			/* upstream port (53; tests change it) */
	unsigned try_ms;		/* one try over UDP (1000) */
	unsigned tcp_ms;		/* one try over TCP after TC (1500) */
	unsigned tries;			/* tries per client query (3) */
	unsigned deadline_ms;		/* all tries (2500) */
	unsigned max_outstanding;	/* upstream queries at once (1024) */
	unsigned max_waiting;		/* clients waiting at once (4096) */
	unsigned max_per_key;		/* clients on one question (64) */
};

void dns_fwd_opts_default(struct dns_fwd_opts *o);

struct dns_fwd_stats {
	uint64_t resolves;	/* client queries taken */
	uint64_t joined;	/* ... that joined an outstanding query */
	uint64_t overflow;	/* ... refused: over a bound (SERVFAIL) */
	uint64_t sent_udp, sent_tcp;	/* upstream queries sent */
	uint64_t answers;	/* upstream answers accepted */
	uint64_t truncated;	/* TC replies, asked again over TCP */
	uint64_t timeouts;	/* tries with no usable reply in time */
	uint64_t refused;	/* tries ended by ICMP, RST or a socket error */
	uint64_t bad_rcode;	/* replies with SERVFAIL, REFUSED... */
	uint64_t mismatched;	/* replies ignored: source, ID, question */
	uint64_t malformed;	/* replies ignored: broken after the question */
	uint64_t dropped_rrs;	/* unrelated records left out of answers */
	uint64_t answered, stale, failed;	/* client outcomes */
	size_t outstanding, waiting;
};

struct event_base;
struct dns_fwd;

/*
 * How a client query ended. reply/len are the bytes to send, valid
 * during the call: the answer (ANSWERED), a stale answer from the cache
 * (STALE), or SERVFAIL (FAILED). CANCELLED (reply NULL) only comes from
 * dns_fwd_free(), so the caller can release ctx. Callbacks are only ever
 * made from the event loop, never from inside dns_fwd_resolve().
 */
enum dns_fwd_status {
	DNS_FWD_ANSWERED, DNS_FWD_STALE, DNS_FWD_FAILED, DNS_FWD_CANCELLED,
};
typedef void (*dns_fwd_done_fn)(void *ctx, enum dns_fwd_status status,
				const uint8_t *reply, size_t len);

/* NULL opts: the defaults. The cache is the caller's and must outlive
 * the forwarder. NULL on allocation failure. */
struct dns_fwd *dns_fwd_new(struct event_base *base, struct dns_cache *cache,
			    const struct dns_fwd_opts *o);
/* Callbacks of waiting clients get DNS_FWD_CANCELLED. Not from inside a
 * callback. */
void dns_fwd_free(struct dns_fwd *f);

/* Replace the upstream list (at most DNS_FWD_UPSTREAMS_MAX, port 0 for
 * opts.port). Queries under way finish on the addresses they had.
 * -EINVAL for an address that is neither IPv4 nor IPv6. */
int dns_fwd_set_upstreams(struct dns_fwd *f, const struct ip_addr *addrs,
			  size_t n, uint16_t port);

/*
 * Resolve q for a client whose cache lookup missed (the caller asks the
 * cache first: dns_cache_get with dns_fwd_now()). flags: DNS_CACHE_TCP;
 * cap: the most the caller can send (the UDP limit is derived from it
 * and the client's EDNS size, as for cache hits). 0: cb will be called
 * once. -ENOBUFS: over a bound; -ENOENT: no upstreams; -EINVAL: not a
 * query the cache answers (see dns_cache_get); cb is then never called
 * and the caller answers SERVFAIL itself.
 */
int dns_fwd_resolve(struct dns_fwd *f, const struct dns_query *q,
		    unsigned flags, size_t cap, dns_fwd_done_fn cb, void *ctx);

/* Forget every waiting client with this ctx (a TCP client went away):
 * its callback will not be made. Walks all waiting clients. */
void dns_fwd_cancel(struct dns_fwd *f, const void *ctx);

void dns_fwd_stats(const struct dns_fwd *f, struct dns_fwd_stats *ret);

/* Seconds on CLOCK_MONOTONIC: the "now" the forwarder gives the cache,
 * and the one its callers must use for dns_cache_get(). */
int64_t dns_fwd_now(void);

#endif

/*
 * racknet-tftpd's daemon side: tftpd.c (arguments, IPAM, counters, the
 * loop), tftpd_tftp.c (the TFTP listener and one socket per transfer) and
 * tftpd_http.c (the HTTP boot server, libevent evhttp). Both servers get
 * their files from the same bootfs (bootfs.h).
 */
#ifndef RACKNET_TFTPD_H
#define RACKNET_TFTPD_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "bootfs.h"

struct event_base;

/* Counters (SIGUSR1 and `racknet tftp stats`). Only ever incremented,
 * except the *_active gauges. */
struct tftpd_counters {
	uint64_t requests;	/* RRQ and WRQ received */
	uint64_t malformed;	/* packets we could not parse */
	uint64_t write_refused;	/* WRQ: we are read-only */
	uint64_t not_found;
	uint64_t access_denied;
	uint64_t errors;	/* template, IPAM or file read errors */
	uint64_t busy;		/* refused: --max-sessions reached */
	uint64_t completed, failed;	/* transfers */
	uint64_t aborted;	/* the client sent an ERROR */
	uint64_t retransmits;	/* resends after a timeout */
	uint64_t stray;		/* packets from the wrong source port, and
				 * non-requests sent to port 69 */
	uint64_t bytes;		/* file bytes of completed transfers */
	uint64_t active, peak;	/* transfers now, and the most at once */
	uint64_t http_requests, http_ok, http_partial, http_not_found,
		 http_denied, http_bad, http_bytes;
};

/* ---- HTTP (tftpd_http.c) ---------------------------------------- */

struct tftpd_http;

/*
 * Serve fs over HTTP on addr:port: GET and HEAD, Range, keep-alive. Files
 * are sent with evbuffer_add_file (sendfile). One info log line per
 * request. At most max_conns connections that have sent a request are
 * open: at the limit no more are accepted until one closes (an idle one
 * does after 60 s). Counts into c (not owned). NULL on error, with err
 * saying what (e.g. the port is taken).
 */
struct tftpd_http *tftpd_http_new(struct event_base *base, struct bootfs *fs,
				  const struct ip_addr *addr, uint16_t port,
				  unsigned max_conns, struct tftpd_counters *c,
				  char *err, size_t cap);
void tftpd_http_free(struct tftpd_http *h);

/* ---- TFTP (tftpd_tftp.c) ---------------------------------------- */

struct tftpd_tftp;

struct tftpd_tftp_conf {
	struct ip_addr addr;
	uint16_t port;
	unsigned max_sessions;
	uint16_t http_port;	/* for ${http} in rendered files, 0: none */
};

struct tftpd_tftp *tftpd_tftp_new(struct event_base *base, struct bootfs *fs,
				  const struct tftpd_tftp_conf *conf,
				  struct tftpd_counters *c, char *err,
				  size_t cap);
void tftpd_tftp_free(struct tftpd_tftp *t);

/* Whether transfers are running; *received counts the datagrams their
 * ports have read so far (the busy-poll loop watches it for progress). */
bool tftpd_tftp_busy(const struct tftpd_tftp *t, uint64_t *received);

#endif

/*
 * racknet-tftpd: the file half of the PXE path. TFTP (tftpd_tftp.c) and
 * HTTP (tftpd_http.c) serve one root directory and per-machine boot files
 * rendered from IPAM (bootfs.c), in one libevent loop. This file reads the
 * arguments, opens IPAM and the root, starts both servers and publishes
 * the counters.
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "busypoll.h"
#include "daemon.h"
#include "ipam.h"
#include "log.h"
#include "tftpd.h"

/* Kept after the drop to --user: none. Both listeners are bound in
 * start(); a transfer's socket takes a port above 1023; files are opened
 * beneath the root directory's descriptor, opened as root in start(), so
 * only the files themselves must be readable by the user. */
#define TFTPD_CAPS "none"

#ifndef RACKNET_TEMPLATES_DIR
#define RACKNET_TEMPLATES_DIR "/usr/local/share/racknet/templates"
#endif

#define MAX_SESSIONS_DEFAULT 1000
#define MAX_HTTP_DEFAULT 256
#define MAX_SESSIONS_LIMIT 65536
#define BUSY_POLL_DEFAULT 200	/* us; see busypoll.h */
#define FDS_SPARE 64		/* descriptors kept for everything else */
/* A transfer's two sockets (one connected to its client, one that answers
 * everyone else: tftpd_tftp.c) and its file. */
#define FDS_PER_TRANSFER 3

struct tftpd {
	const char *db_path, *root, *templates, *user;
	struct tftpd_tftp_conf tftp;
	bool http_on;
	struct ip_addr http_addr;
	uint16_t http_port;
	unsigned max_http;
	struct busypoll poll;
	struct ipam *db;
	struct bootfs *fs;
	struct event_base *base;
	struct event *tick;
	struct tftpd_tftp *tftp_srv;
	struct tftpd_http *http_srv;
	struct tftpd_counters c;
	struct daemon dm;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: racknet-tftpd --db PATH --root DIR [--templates DIR]\n"
		"                     [--tftp-listen ADDR[:PORT]] "
		"[--http-listen ADDR[:PORT]]\n"
		"                     [--max-sessions N] [--max-http N] "
		"[--busy-poll USEC]\n"
		"                     [--user NAME] [--log-level L]\n"
		"Serve DIR over TFTP (read-only) and HTTP, and per-machine "
		"pxelinux, GRUB\nand iPXE files rendered from the templates "
		"with each machine's values\nfrom IPAM.\n"
		"  --db PATH             the IPAM database (or $RACKNET_DB)\n"
		"  --root DIR            the files served; nothing outside it\n"
		"  --templates DIR       the boot file templates (default "
		RACKNET_TEMPLATES_DIR ")\n"
		"  --tftp-listen A[:P]   default 0.0.0.0:69 ([V6]:PORT for "
		"IPv6)\n"
		"  --http-listen A[:P]   serve HTTP too (port 80 unless "
		"given); default off\n"
		"  --max-sessions N      concurrent TFTP transfers (default "
		"%d)\n"
		"  --max-http N          open HTTP connections (default %d)\n"
		"  --busy-poll USEC      while transfers run, poll this long "
		"for the next\n"
		"                        packet before sleeping (0 to %d, "
		"default %d; 0: off)\n"
		"  --user NAME           run as NAME once the sockets are "
		"open\n"
		"  --log-level L         error, warning, notice, info "
		"(default) or debug\n", MAX_SESSIONS_DEFAULT, MAX_HTTP_DEFAULT,
		BUSYPOLL_MAX_US, BUSY_POLL_DEFAULT);
}

/* A flag's whole number from min to max, or a usage error. */
static unsigned range_arg(const char *flag, const char *s, unsigned min,
			  unsigned max)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || end == s || n < min || n > max || s[0] == '-') {
		fprintf(stderr, "racknet-tftpd: %s '%s' is not a number from "
			"%u to %u\n", flag, s, min, max);
		exit(2);
	}
	return (unsigned)n;
}

static void parse_args(struct tftpd *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'r' },
		{ "templates", required_argument, NULL, 't' },
		{ "tftp-listen", required_argument, NULL, 'T' },
		{ "http-listen", required_argument, NULL, 'H' },
		{ "max-sessions", required_argument, NULL, 'm' },
		{ "max-http", required_argument, NULL, 'M' },
		{ "busy-poll", required_argument, NULL, 'P' },
		{ "user", required_argument, NULL, 'u' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum log_level level = LL_INFO;
	int c;

	d->db_path = daemon_db_default();
	d->tftp.port = 69;
	ip_parse(&d->tftp.addr, "0.0.0.0");
	d->tftp.max_sessions = MAX_SESSIONS_DEFAULT;
	d->http_port = 80;
	d->max_http = MAX_HTTP_DEFAULT;
	busypoll_init(&d->poll, BUSY_POLL_DEFAULT);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			d->db_path = optarg;
			break;
		case 'r':
			d->root = optarg;
			break;
		case 't':
			d->templates = optarg;
			break;
		case 'T':
		case 'H':
			if (hostport_parse(c == 'T' ? &d->tftp.addr
						    : &d->http_addr,
					   c == 'T' ? &d->tftp.port
						    : &d->http_port,
					   optarg) < 0) {
				fprintf(stderr, "racknet-tftpd: --%s-listen "
					"'%s' is not ADDR, ADDR:PORT or "
					"[ADDR]:PORT\n",
					c == 'T' ? "tftp" : "http", optarg);
				exit(2);
			}
			if (c == 'H')
				d->http_on = true;
			break;
		case 'm':
			d->tftp.max_sessions = range_arg("--max-sessions",
							 optarg, 1,
							 MAX_SESSIONS_LIMIT);
			break;
		case 'M':
			d->max_http = range_arg("--max-http", optarg, 1,
						MAX_SESSIONS_LIMIT);
			break;
		case 'P':
			busypoll_init(&d->poll, range_arg("--busy-poll",
				      optarg, 0, BUSYPOLL_MAX_US));
			break;
		case 'u':
			d->user = optarg;
			break;
		case 'L':
			level = log_level_arg("racknet-tftpd", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	daemon_args_done("racknet-tftpd", argc, argv);
	if (!d->root) {
		fprintf(stderr, "racknet-tftpd: --root DIR is required\n");
		usage(stderr);
		exit(2);
	}
	log_init("racknet-tftpd", level, false);
}

/* ---- counters ---- */

static json_t *counters_json(void *arg)
{
	const struct tftpd *d = arg;
	const struct tftpd_counters *c = &d->c;
	struct bootfs_stats bs;

	bootfs_stats(d->fs, &bs);
	return json_pack("{sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI "
			 "sI sI sI sI sI sI sI sI sI sI}",
		"requests", (json_int_t)c->requests,
		"malformed", (json_int_t)c->malformed,
		"write_refused", (json_int_t)c->write_refused,
		"not_found", (json_int_t)c->not_found,
		"access_denied", (json_int_t)c->access_denied,
		"errors", (json_int_t)c->errors,
		"busy", (json_int_t)c->busy,
		"completed", (json_int_t)c->completed,
		"failed", (json_int_t)c->failed,
		"aborted", (json_int_t)c->aborted,
		"retransmits", (json_int_t)c->retransmits,
		"stray", (json_int_t)c->stray,
		"bytes", (json_int_t)c->bytes,
		"active", (json_int_t)c->active,
		"peak", (json_int_t)c->peak,
		"http_requests", (json_int_t)c->http_requests,
		"http_ok", (json_int_t)c->http_ok,
		"http_partial", (json_int_t)c->http_partial,
		"http_not_found", (json_int_t)c->http_not_found,
		"http_denied", (json_int_t)c->http_denied,
		"http_bad", (json_int_t)c->http_bad,
		"http_bytes", (json_int_t)c->http_bytes,
		"rendered", (json_int_t)bs.rendered,
		"render_errors", (json_int_t)bs.render_errors,
		"template_reloads", (json_int_t)bs.template_reloads);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	daemon_publish(arg);
}

/* ---- start ---- */

/* Every transfer holds two sockets and maybe a file, every HTTP connection
 * a socket and maybe a file: make room for --max-sessions and --max-http
 * of them, or say how many transfers fit. */
static void fit_descriptors(struct tftpd *d)
{
	struct rlimit rl;
	rlim_t http = d->http_on ? (rlim_t)d->max_http * 2 : 0;
	rlim_t want = (rlim_t)d->tftp.max_sessions * FDS_PER_TRANSFER + http +
		      FDS_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < want) {
		unsigned fit = rl.rlim_cur > 2 * FDS_SPARE + http ?
			(unsigned)((rl.rlim_cur - FDS_SPARE - http) /
				   FDS_PER_TRANSFER) : 1;

		log_warn("--max-sessions %u needs %llu descriptors, the limit "
			 "is %llu: serving at most %u transfers at once",
			 d->tftp.max_sessions, (unsigned long long)want,
			 (unsigned long long)rl.rlim_cur, fit);
		d->tftp.max_sessions = fit;
	}
}

static void start(struct tftpd *d)
{
	struct timeval tick = { 1, 0 };
	char err[IPAM_ERRLEN], a[IP_STRLEN];
	const char *templates = d->templates;
	struct stat st;

	if (ipam_open(d->db_path, 0, &d->db, err, sizeof(err)) < 0)
		fatal("%s", err);
	if (!templates && stat(RACKNET_TEMPLATES_DIR, &st) == 0)
		templates = RACKNET_TEMPLATES_DIR;
	if (!templates)
		log_notice("no templates folder (" RACKNET_TEMPLATES_DIR
			   " does not exist): serving plain files only");
	d->fs = bootfs_new(d->root, templates, d->db, err, sizeof(err));
	if (!d->fs)
		fatal("%s", err);
	d->base = event_base_new();
	if (!d->base)
		fatal("cannot start the event loop");
	fit_descriptors(d);
	if (d->http_on) {
		d->http_srv = tftpd_http_new(d->base, d->fs, &d->http_addr,
					     d->http_port, d->max_http, &d->c,
					     err, sizeof(err));
		ip_format(&d->http_addr, a, sizeof(a));
		if (!d->http_srv)
			fatal("cannot serve HTTP on %s port %u: %s", a,
			      d->http_port, err);
		d->tftp.http_port = d->http_port;
		log_notice("serving HTTP on %s port %u, at most %u connections",
			   a, d->http_port, d->max_http);
	}
	d->tftp_srv = tftpd_tftp_new(d->base, d->fs, &d->tftp, &d->c, err,
				     sizeof(err));
	ip_format(&d->tftp.addr, a, sizeof(a));
	if (!d->tftp_srv)
		fatal("cannot serve TFTP on %s port %u: %s", a, d->tftp.port,
		      err);
	log_notice("serving TFTP on %s port %u, at most %u transfers", a,
		   d->tftp.port, d->tftp.max_sessions);
	d->dm = (struct daemon){ .db = d->db, .name = "tftpd",
				 .started = (int64_t)time(NULL),
				 .counters = counters_json, .arg = d };
	d->tick = event_new(d->base, -1, EV_PERSIST, on_tick, &d->dm);
	event_add(d->tick, &tick);
	daemon_signals(&d->dm, d->base);
	log_notice("serving %s%s%s", d->root, templates ? ", templates from "
		   : "", templates ? templates : "");
}

/* ---- the loop ---- */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool loop_stopped(struct event_base *base)
{
	return event_base_got_exit(base) || event_base_got_break(base);
}

/* event_base_dispatch(), except that while transfers run it polls for
 * the window busypoll.h keeps before it sleeps: each round polls until
 * the transfers' ports have read nothing for the window, then sleeps
 * until an event, and tells the policy how long the quiet lasted. */
static void run(struct tftpd *d)
{
	uint64_t seen, n;

	for (;;) {
		int64_t last = now_us(), t = last;
		bool busy = d->poll.win_us && tftpd_tftp_busy(d->tftp_srv, &seen);

		while (busy && t - last < d->poll.win_us) {
			if (event_base_loop(d->base, EVLOOP_NONBLOCK) < 0 ||
			    loop_stopped(d->base))
				return;
			t = now_us();
			busy = tftpd_tftp_busy(d->tftp_srv, &n);
			if (n != seen) {
				seen = n;
				last = t;	/* a packet: the window restarts */
			}
		}
		if (event_base_loop(d->base, EVLOOP_ONCE) != 0 ||
		    loop_stopped(d->base))
			return;
		busypoll_waited(&d->poll, (uint64_t)(now_us() - last));
	}
}

int main(int argc, char **argv)
{
	static struct tftpd d;

	parse_args(&d, argc, argv);
	start(&d);
	daemon_drop(&d.dm, d.user, TFTPD_CAPS);
	run(&d);
	tftpd_tftp_free(d.tftp_srv);
	tftpd_http_free(d.http_srv);
	daemon_publish(&d.dm);
	daemon_free(&d.dm);
	bootfs_free(d.fs);
	ipam_close(d.db);
	event_free(d.tick);
	/* Runs libevent's deferred frees: the bufferevents of HTTP
	 * connections closed by tftpd_http_free(). */
	event_base_free(d.base);
	return 0;
}

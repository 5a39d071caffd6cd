/*
 * racknet-dnsd: the event loop around the zone engine (dns_zone.c), fed
 * from IPAM (dns_data.c). Queries for our zones are answered from memory
 * with no allocation; other names are forwarded for clients that may
 * recurse (managed subnets, loopback) and refused for everyone else.
 *
 * IPAM changes reach the zones within POLL_MS: each tick asks SQLite
 * whether another connection wrote (a cheap pragma), then reads the
 * change feed. A changed address moves only its own names; a change to
 * domains, subnets, hosts, records or settings rebuilds the zones aside
 * and swaps them in between two queries. Lease expiries come from a heap,
 * not from the feed (nothing writes when a lease runs out).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "dnsd.h"
#include "log.h"

/* Kept after the drop to --user: none. The listeners are bound in
 * start() and never again; the forwarder's sockets use ports above 1023. */
#define DNSD_CAPS "none"

static const char *opt_user;	/* --user */

#define POLL_MS 100		/* IPAM feed poll: names live within this */
#define FEED_BATCH 4096		/* changes applied per tick at most */

int64_t dnsd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- answering ---- */

static void count_query(struct dnsd_counters *c, uint16_t qtype)
{
	int i;

	switch (qtype) {
	case DNS_T_A: i = 0; break;
	case DNS_T_AAAA: i = 1; break;
	case DNS_T_PTR: i = 2; break;
	case DNS_T_SOA: i = 3; break;
	case DNS_T_NS: i = 4; break;
	case DNS_T_CNAME: case DNS_T_MX: case DNS_T_SRV: case DNS_T_TXT:
		i = 5; break;
	case DNS_T_ANY: i = 6; break;
	default: i = 7; break;
	}
	c->qtype[i]++;
}

static void count_rcode(struct dnsd_counters *c, unsigned rcode)
{
	c->rcode[rcode <= DNS_R_REFUSED ? rcode : DNS_R_REFUSED + 1]++;
}

static void fwd_done(void *ctx, enum dns_fwd_status status,
		     const uint8_t *reply, size_t len)
{
	struct dnsd_reply *r = ctx;

	if (status != DNS_FWD_CANCELLED && len >= 4)
		count_rcode(&r->d->counters, reply[3] & 0x0f);
	r->send(r, status == DNS_FWD_CANCELLED ? NULL : reply, len);
}

/* A name outside our zones, for a client that may recurse: the cache,
 * else upstream. Returns the reply's length now, or 0 if it comes later. */
static size_t recurse(struct dnsd *d, const struct dns_query *q,
		      const struct dnsd_client *c, uint8_t *out, size_t cap)
{
	unsigned flags = c->tcp ? DNS_CACHE_TCP : 0;
	struct dnsd_reply *later;
	size_t n = 0;
	int r;

	r = dns_cache_get(d->cache, q, dns_fwd_now(), flags, out, cap, &n);
	if (r == 0) {
		d->counters.cache_hits++;
		if (n >= 4)
			count_rcode(&d->counters, out[3] & 0x0f);
		return n;
	}
	later = r == -ENOENT ? c->later(c) : NULL;
	if (later) {
		r = dns_fwd_resolve(d->fwd, q, flags, cap, fwd_done, later);
		if (r == 0) {
			d->counters.forwarded++;
			return 0;
		}
		later->send(later, NULL, 0);	/* never called back */
		if (r == -ENOENT)
			log_debug("no upstream-dns to forward to");
	}
	count_rcode(&d->counters, DNS_R_SERVFAIL);
	return dns_error_reply(q, true, DNS_R_SERVFAIL, true, out, cap);
}

size_t dnsd_answer(struct dnsd *d, const uint8_t *buf, size_t len,
		   const struct dnsd_client *c, uint8_t *out, size_t cap)
{
	struct dns_answer_opts o = { .tcp = c->tcp };
	struct dns_query q;
	const char *why = NULL;
	unsigned rcode = 0;
	size_t n = 0;
	int r;

	d->counters.queries++;
	r = dns_query_parse(&q, buf, len, &why);
	if (r == -EINVAL) {
		d->counters.dropped++;
		log_debug("dropped a %zu-byte packet: %s", len, why ? why : "?");
		return 0;
	}
	if (r < 0) {
		d->counters.malformed++;
		log_debug("malformed query (%zu bytes): %s", len,
			  why ? why : "?");
		count_rcode(&d->counters, DNS_R_FORMERR);
		return dns_error_reply(&q, false, DNS_R_FORMERR, false, out,
				       cap);
	}
	count_query(&d->counters, q.qtype);
	o.may_recurse = c->may_recurse;
	switch (dns_answer(dns_data_db(d->data), &q, out, cap, &n, &o, &rcode)) {
	case DNS_ANSWERED:
		count_rcode(&d->counters, rcode);
		if (n >= 4 && (out[2] & (DNS_F_TC >> 8)))
			d->counters.truncated++;
		return n;
	case DNS_NOT_OURS:
		if (o.may_recurse)
			return recurse(d, &q, c, out, cap);
		count_rcode(&d->counters, DNS_R_REFUSED);
		return dns_error_reply(&q, true, DNS_R_REFUSED, false, out, cap);
	case DNS_DROP:
	default:
		d->counters.dropped++;
		return 0;
	}
}

void dnsd_forget(struct dnsd *d, struct dnsd_reply *conn)
{
	dns_fwd_cancel(d->fwd, conn);
}

/* ---- IPAM ---- */

static int load(struct dnsd *d)
{
	struct dns_data *nd;
	const struct dns_limits *lim;
	const struct ip_addr *up;
	char err[256];
	int64_t gen = ipam_feed_generation(d->db);
	size_t n;
	int r;

	r = dns_data_load(&nd, d->db, &d->opts, now_s(), err, sizeof(err));
	if (r < 0) {
		log_error("cannot load the zones from %s: %s", d->db_path, err);
		return r;
	}
	dns_data_free(d->data);
	d->data = nd;
	d->gen = gen;
	d->reload = false;
	lim = dns_data_limits(nd);
	d->rrl.rate = lim->rrl;
	d->lim.rrl = lim->rrl;
	d->lim.tcp_clients = lim->tcp_clients;
	if (!d->fwd) {
		d->lim = *lim;		/* start_resolver() comes next */
		return 0;
	}
	n = dns_data_upstreams(nd, &up);
	if (dns_fwd_set_upstreams(d->fwd, up, n, 0) < 0)
		log_error("upstream-dns: an address is neither IPv4 nor IPv6");
	if (lim->cache_bytes != d->lim.cache_bytes ||
	    lim->fwd_pending != d->lim.fwd_pending)
		log_notice("dns-cache-size and dns-fwd-pending change at the "
			   "next restart");
	return 0;
}

static int on_change(void *ctx, const struct ipam_change *c)
{
	struct dnsd *d = ctx;
	int r;

	d->batch++;
	if (!strcmp(c->table, "address")) {
		if (d->reload)
			return 0;	/* the rebuild will read it */
		dns_data_generation(d->data, c->gen);
		r = dns_data_address(d->data, d->db, c->row_id, now_s());
		if (r < 0) {
			log_warn("cannot apply the change to address %s: %s; "
				 "reloading", c->key, strerror(-r));
			d->reload = true;
		}
		return 0;
	}
	/* Names and zones come from these; the rest (VLANs, interfaces,
	 * MACs, DHCP servers seen) do not touch DNS. */
	if (!strcmp(c->table, "domain") || !strcmp(c->table, "subnet") ||
	    !strcmp(c->table, "host") || !strcmp(c->table, "dns_record") ||
	    !strcmp(c->table, "setting"))
		d->reload = true;
	return 0;
}

static void follow_feed(struct dnsd *d)
{
	int64_t last = d->gen;
	int r;

	/* A full batch last time: more is waiting, written or not since. */
	if (!ipam_feed_poll(d->db) && !d->reload && d->batch < FEED_BATCH)
		return;
	d->batch = 0;
	r = ipam_feed_since(d->db, d->gen, FEED_BATCH, on_change, d, &last);
	if (r == -ESTALE) {
		log_notice("the change feed was pruned past generation %lld: "
			   "reloading the zones", (long long)d->gen);
		d->reload = true;
	} else if (r < 0) {
		log_error("cannot read the change feed: %s", ipam_error(d->db));
		return;
	} else {
		d->gen = last;
	}
	if (!d->reload)
		return;
	if (load(d) == 0) {
		log_info("zones reloaded at generation %lld", (long long)d->gen);
		return;
	}
	/* Said once (load() named the problem); the zones from before keep
	 * serving, and the next change to IPAM tries again. */
	log_error("still serving the zones loaded before");
	d->reload = false;
}

/* ---- counters ---- */

static json_t *counters_json(void *arg)
{
	const struct dnsd *d = arg;
	static const char *const qt[] = { "a", "aaaa", "ptr", "soa", "ns",
					  "cname_mx_srv_txt", "any", "other" };
	static const char *const rc[] = { "noerror", "formerr", "servfail",
					  "nxdomain", "notimp", "refused",
					  "other" };
	const struct dnsd_counters *c = &d->counters;
	struct dns_fwd_stats f;
	struct dns_cache_stats cs;
	char key[40];
	json_t *o;

	dns_fwd_stats(d->fwd, &f);
	dns_cache_stats(d->cache, &cs);
	o = json_pack("{sIsIsIsIsIsIsIsIsIsIsIsIsIsIsIsIsIsIsIsI}",
		"queries", (json_int_t)c->queries, "udp", (json_int_t)c->udp,
		"tcp", (json_int_t)c->tcp,
		"truncated", (json_int_t)c->truncated,
		"malformed", (json_int_t)c->malformed,
		"dropped", (json_int_t)c->dropped,
		"rrl_slipped", (json_int_t)c->rrl_slipped,
		"rrl_dropped", (json_int_t)c->rrl_dropped,
		"axfr", (json_int_t)c->axfr,
		"axfr_refused", (json_int_t)c->axfr_refused,
		"tcp_conns", (json_int_t)c->tcp_conns,
		"tcp_refused", (json_int_t)c->tcp_refused,
		"forwarded", (json_int_t)c->forwarded,
		"cache_hits", (json_int_t)c->cache_hits,
		"cache_entries", (json_int_t)cs.entries,
		"cache_bytes", (json_int_t)cs.bytes,
		"upstream_answers", (json_int_t)f.answers,
		"upstream_timeouts", (json_int_t)f.timeouts,
		"stale_served", (json_int_t)f.stale,
		"forward_failed", (json_int_t)f.failed);
	for (size_t i = 0; o && i < 8; i++) {
		snprintf(key, sizeof(key), "q_%s", qt[i]);
		json_object_set_new(o, key, json_integer((json_int_t)c->qtype[i]));
	}
	for (size_t i = 0; o && i < 7; i++) {
		snprintf(key, sizeof(key), "r_%s", rc[i]);
		json_object_set_new(o, key, json_integer((json_int_t)c->rcode[i]));
	}
	return o;
}

/* ---- timers and signals ---- */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd *d = arg;
	static int64_t last_publish;
	int64_t now = now_s();

	(void)fd;
	(void)what;
	follow_feed(d);
	dns_data_generation(d->data, d->gen);
	dns_data_expire(d->data, now);
	if (now != last_publish) {
		daemon_publish(&d->dm);
		last_publish = now;
	}
}

/* ---- start ---- */

static int parse_listen(struct dnsd_listen *l, const char *arg)
{
	l->port = 53;
	return hostport_parse(&l->addr, &l->port, arg);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: racknet-dnsd --db PATH [--listen ADDR[:PORT]]...\n"
		"                    [--ns-name NAME] [--user NAME] "
		"[--log-level LEVEL]\n"
		"Authoritative DNS for the racknet IPAM's zones, and a forwarder\n"
		"for the managed subnets. Default: --listen 0.0.0.0:53 --listen\n"
		"[::]:53. IPv6 addresses with a port go in brackets.\n"
		"  --db PATH        the IPAM database (or $RACKNET_DB)\n"
		"  --ns-name NAME   the zones' NS (default ns.DEFAULT-DOMAIN)\n"
		"  --user NAME      run as NAME once the sockets are open\n"
		"  --log-level L    error, warning, notice, info (default) or debug\n");
}

static void parse_args(struct dnsd *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "ns-name", required_argument, NULL, 'n' },
		{ "user", required_argument, NULL, 'u' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum log_level level = LL_INFO;
	int c;

	d->db_path = daemon_db_default();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			d->db_path = optarg;
			break;
		case 'l':
			if (d->nlisten == DNSD_MAX_LISTEN) {
				fprintf(stderr, "racknet-dnsd: at most %d "
					"--listen\n", DNSD_MAX_LISTEN);
				exit(2);
			}
			if (parse_listen(&d->listen[d->nlisten], optarg) < 0) {
				fprintf(stderr, "racknet-dnsd: --listen '%s' is "
					"not ADDR, ADDR:PORT or [ADDR]:PORT\n",
					optarg);
				exit(2);
			}
			d->nlisten++;
			break;
		case 'n':
			d->opts.ns_name = optarg;
			break;
		case 'u':
			opt_user = optarg;
			break;
		case 'L':
			level = log_level_arg("racknet-dnsd", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	daemon_args_done("racknet-dnsd", argc, argv);
	log_init("racknet-dnsd", level, false);
	if (d->nlisten == 0) {
		parse_listen(&d->listen[0], "0.0.0.0:53");
		parse_listen(&d->listen[1], "[::]:53");
		d->nlisten = 2;
	}
}

/* The cache, sized by dns-cache-size, and the forwarder, bounded by
 * dns-fwd-pending. */
static int start_resolver(struct dnsd *d)
{
	struct dns_cache_opts co;
	struct dns_fwd_opts fo;
	const struct ip_addr *up;
	size_t n = dns_data_upstreams(d->data, &up);

	dns_cache_opts_default(&co);
	if (d->lim.cache_bytes)
		co.max_bytes = d->lim.cache_bytes;
	if (getrandom(co.seed, sizeof(co.seed), 0) < 0) {
		log_error("cannot seed the cache's hash: %s", strerror(errno));
		return -EIO;
	}
	d->cache = dns_cache_new(&co);
	dns_fwd_opts_default(&fo);
	if (d->lim.fwd_pending) {
		fo.max_outstanding = d->lim.fwd_pending;
		fo.max_waiting = 4 * d->lim.fwd_pending;
	}
	d->fwd = d->cache ? dns_fwd_new(d->base, d->cache, &fo) : NULL;
	if (!d->fwd) {
		log_error("cannot start the resolver: out of memory");
		return -ENOMEM;
	}
	if (dns_fwd_set_upstreams(d->fwd, up, n, 0) < 0)
		log_error("upstream-dns: an address is neither IPv4 nor IPv6");
	return 0;
}

static void start(struct dnsd *d)
{
	struct timeval tick = { 0, POLL_MS * 1000 };
	char err[IPAM_ERRLEN], a[IP_STRLEN];
	uint32_t seed;
	size_t nok = 0;
	int r;

	r = ipam_open(d->db_path, 0, &d->db, err, sizeof(err));
	if (r < 0)
		fatal("%s", err);
	/* Our NS name's glue: the specific addresses we listen on. */
	for (size_t i = 0; i < d->nlisten && d->opts.nns_addr < 4; i++) {
		const struct ip_addr *ip = &d->listen[i].addr;
		static const uint8_t zero[16];

		if (memcmp(ip->b, zero, ip_len(ip)) && !(ip->family == AF_INET &&
							   ip->b[0] == 127))
			d->opts.ns_addr[d->opts.nns_addr++] = *ip;
	}
	d->base = event_base_new();
	if (!d->base)
		fatal("cannot start the event loop");
	if (getrandom(&seed, sizeof(seed), 0) < 0)
		seed = (uint32_t)getpid();
	dns_rrl_init(&d->rrl, 0, seed);
	if (load(d) < 0 || start_resolver(d) < 0)
		exit(1);
	for (size_t i = 0; i < d->nlisten; i++) {
		struct dnsd_listen *l = &d->listen[i];

		ip_format(&l->addr, a, sizeof(a));
		r = dnsd_udp_listen(d, l);
		if (r == 0)
			r = dnsd_tcp_listen(d, l);
		if (r < 0) {
			/* A host without IPv6 still serves IPv4. */
			if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)
				log_warn("not listening on %s port %u: %s", a,
					 l->port, strerror(-r));
			else
				fatal("cannot listen on %s port %u: %s", a,
				      l->port, strerror(-r));
			continue;
		}
		log_notice("listening on %s port %u (UDP and TCP)", a, l->port);
		nok++;
	}
	if (nok == 0)
		fatal("no address to listen on");
	d->tick = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	event_add(d->tick, &tick);
	d->dm = (struct daemon){ .db = d->db, .name = "dnsd",
				 .started = now_s(),
				 .counters = counters_json, .arg = d };
	daemon_signals(&d->dm, d->base);
	log_notice("serving DNS from %s", d->db_path);
}

int main(int argc, char **argv)
{
	static struct dnsd d;

	parse_args(&d, argc, argv);
	start(&d);
	daemon_drop(&d.dm, opt_user, DNSD_CAPS);
	event_base_dispatch(d.base);
	daemon_publish(&d.dm);
	daemon_free(&d.dm);
	event_free(d.tick);
	dnsd_tcp_close(&d);	/* before the forwarder: they forget in it */
	dnsd_udp_close(&d);
	dns_fwd_free(d.fwd);
	dns_cache_free(d.cache);
	dns_data_free(d.data);
	ipam_close(d.db);
	event_base_free(d.base);
	return 0;
}

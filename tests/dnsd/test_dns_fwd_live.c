/*
 * The forwarder's I/O half (dnsd/dns_fwd_io.c) against real sockets on
 * loopback: a real NSD (our own config, zone and port under a temporary
 * directory, -d in the foreground, stopped by this test; never the
 * system service) and, for what NSD will not do, small fake upstreams in
 * this process. Shows: answers, the second query served from the cache
 * (NSD's own query counter, through nsd-control on a unix socket, does
 * not move), identical questions sharing one upstream query, TC upstream
 * answered over TCP, NSD stopped -> SERVFAIL within the deadline, stale
 * answers after expiry with the upstream down, a silent upstream timing
 * out, spoofed and unrelated replies ignored, and the bounds. Exits 77
 * (skip) when nsd is not installed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "dns.h"
#include "dns_cache.h"
#include "dns_fwd.h"
#include "name_wire.h"
#include "test.h"
#include "wire.h"

extern char **environ;

#define PENDING (-1)
#define HIT 100			/* served by dns_cache_get, no forwarding */
#define NSD "/usr/sbin/nsd"
#define NSD_CONTROL "/usr/sbin/nsd-control"

static char dir[64], conf[128];
static pid_t nsd_pid = -1;
static uint16_t nsd_port;
static struct event_base *base;
static struct dns_cache *cache;
static struct dns_fwd *fwd;
static struct dns_answer ans;

struct result {
	int how;		/* PENDING, HIT or enum dns_fwd_status */
	uint16_t id;
	char name[DNS_WIRE_MAX];
	uint16_t qtype;
	uint8_t buf[DNS_TCP_MAX];
	size_t len;
	int64_t start, ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- NSD ----------------------------------------------------------- */

static void nsd_stop(void)
{
	int status;

	if (nsd_pid <= 0)
		return;
	kill(nsd_pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(nsd_pid, &status, WNOHANG) == nsd_pid) {
			nsd_pid = -1;
			return;
		}
		usleep(100 * 1000);
	}
	kill(nsd_pid, SIGKILL);
	waitpid(nsd_pid, &status, 0);
	nsd_pid = -1;
}

static void cleanup(void)
{
	DIR *d;
	struct dirent *de;
	char path[512];

	nsd_stop();
	if (!dir[0] || !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void on_signal(int sig)
{
	(void)sig;
	if (nsd_pid > 0)
		kill(nsd_pid, SIGKILL);
	_exit(1);
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* A port free on 127.0.0.1 for UDP and TCP right now. */
static uint16_t free_port(void)
{
	for (int i = 0; i < 20; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t len = sizeof(a);
		int u = socket(AF_INET, SOCK_DGRAM, 0);
		int t = socket(AF_INET, SOCK_STREAM, 0);
		uint16_t port = 0;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(u, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(u, (struct sockaddr *)&a, &len) == 0 &&
		    bind(t, (struct sockaddr *)&a, sizeof(a)) == 0)
			port = ntohs(a.sin_port);
		close(u);
		close(t);
		if (port)
			return port;
	}
	return 0;
}

static void nsd_config(void)
{
	char text[4096], zone[8192];
	size_t n;

	snprintf(conf, sizeof(conf), "%s/nsd.conf", dir);
	snprintf(text, sizeof(text),
		 "server:\n"
		 "\tip-address: 127.0.0.1@%u\n"
		 "\tusername: \"\"\n"
		 "\tchroot: \"\"\n"
		 "\tzonesdir: \"%s\"\n"
		 "\tdatabase: \"\"\n"
		 "\tzonelistfile: \"%s/zone.list\"\n"
		 "\txfrdfile: \"%s/xfrd.state\"\n"
		 "\txfrdir: \"%s\"\n"
		 "\tpidfile: \"%s/nsd.pid\"\n"
		 "\tlogfile: \"%s/nsd.log\"\n"
		 "\tverbosity: 2\n"
		 "\tserver-count: 1\n"
		 "\tdo-ip6: no\n"
		 "\trrl-ratelimit: 0\n"
		 "\trrl-whitelist-ratelimit: 0\n"
		 "remote-control:\n"
		 "\tcontrol-enable: yes\n"
		 "\tcontrol-interface: %s/nsd.ctl\n"
		 "zone:\n"
		 "\tname: fwd.test\n"
		 "\tzonefile: fwd.test.zone\n",
		 nsd_port, dir, dir, dir, dir, dir, dir, dir);
	write_file("nsd.conf", text);

	/* SOA minimum 5: negative answers live 5 s. "short" lives 2 s.
	 * "big" is 12 TXT records of 200 bytes: more than 1232, so NSD
	 * answers UDP with TC and the forwarder must go TCP. */
	n = (size_t)snprintf(zone, sizeof(zone),
			     "$ORIGIN fwd.test.\n$TTL 300\n"
			     "@ IN SOA ns.fwd.test. hostmaster.fwd.test. "
			     "1 3600 600 86400 5\n"
			     "@ IN NS ns\n"
			     "ns IN A 127.0.0.1\n"
			     "www IN A 192.0.2.1\n"
			     "www IN AAAA 2001:db8::1\n"
			     "alias IN CNAME www\n"
			     "short 2 IN A 192.0.2.2\n");
	for (int i = 0; i < 12 && n < sizeof(zone) - 300; i++) {
		n += (size_t)snprintf(zone + n, sizeof(zone) - n,
				      "big IN TXT \"%02d", i);
		for (int j = 0; j < 198; j++)
			zone[n++] = 'x';
		n += (size_t)snprintf(zone + n, sizeof(zone) - n, "\"\n");
	}
	write_file("fwd.test.zone", zone);
}

static pid_t spawn(const char *const argv[], const char *out)
{
	posix_spawn_file_actions_t fa;
	char path[256];
	pid_t pid;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, out);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, path,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv,
			 environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc == 0 ? pid : -1;
}

/* NSD's num.queries through nsd-control (unix socket, no keys); -1 if
 * that does not work. */
static long nsd_queries(void)
{
	const char *argv[] = { NSD_CONTROL, "-c", conf, "stats_noreset", NULL };
	char path[256], line[256];
	long n = -1;
	int status;
	pid_t pid;
	FILE *f;

	if (access(NSD_CONTROL, X_OK) != 0)
		return -1;
	pid = spawn(argv, "stats.txt");
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/stats.txt", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "num.queries=", 12) == 0)
			n = strtol(line + 12, NULL, 10);
	if (f)
		fclose(f);
	return n;
}

/* One blocking query to NSD, to know it is up. */
static bool nsd_answers(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct dns_fwd_question fq = { .id = 4242, .qtype = DNS_T_SOA,
				       .qclass = DNS_CLASS_IN };
	uint8_t q[512], r[4096];
	struct pollfd pfd;
	const char *why;
	size_t len;
	bool ok = false;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	fq.name_len = (size_t)dns_name_from_text(fq.name, "fwd.test");
	len = dns_fwd_query_build(&fq, q, sizeof(q));
	a.sin_port = htons(nsd_port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    send(fd, q, len, 0) == (ssize_t)len) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) == 1) {
			ssize_t n = recv(fd, r, sizeof(r), 0);

			ok = n > 0 && dns_fwd_check(&fq, r, (size_t)n, &ans,
						    &why) == DNS_FWD_ANSWER;
		}
	}
	close(fd);
	return ok;
}

static bool nsd_start(void)
{
	const char *argv[] = { NSD, "-d", "-c", conf, NULL };

	nsd_pid = spawn(argv, "nsd.out");
	if (nsd_pid < 0)
		return false;
	for (int i = 0; i < 50; i++) {
		if (nsd_answers())
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* ---- Client queries ------------------------------------------------ */


static void make_query(struct dns_query *q, uint16_t id, const char *name,
		       uint16_t qtype, uint16_t edns)
{
	uint8_t buf[512];
	struct wire_wr w;
	const char *why;

	wire_wr_init(&w, buf, sizeof(buf));
	wire_wr_u16(&w, id);
	wire_wr_u16(&w, DNS_F_RD);
	wire_wr_u16(&w, 1);
	wire_wr_zero(&w, 4);
	wire_wr_u16(&w, edns ? 1 : 0);
	w.off += name_wire(buf + w.off, name);
	wire_wr_u16(&w, qtype);
	wire_wr_u16(&w, DNS_CLASS_IN);
	if (edns) {
		wire_wr_u8(&w, 0);
		wire_wr_u16(&w, DNS_T_OPT);
		wire_wr_u16(&w, edns);
		wire_wr_u32(&w, 0);
		wire_wr_u16(&w, 0);
	}
	CHECK_INT(dns_query_parse(q, buf, w.off, &why), 0);
}

static void on_done(void *ctx, enum dns_fwd_status st, const uint8_t *reply,
		    size_t len)
{
	struct result *r = ctx;

	r->how = (int)st;
	r->len = reply ? len : 0;
	if (reply)
		memcpy(r->buf, reply, len);
	r->ms = now_ms() - r->start;
}

/* What dnsd does: the cache first, the forwarder on a miss. Returns
 * dns_fwd_resolve's code (0 also for a hit). */
static int start(struct result *r, uint16_t id, const char *name,
		 uint16_t qtype, unsigned flags)
{
	struct dns_query q;
	size_t cap = flags & DNS_CACHE_TCP ? DNS_TCP_MAX : DNS_EDNS_OURS;
	int rc;

	memset(r, 0, sizeof(*r));
	r->how = PENDING;
	r->id = id;
	r->qtype = qtype;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->start = now_ms();
	make_query(&q, id, name, qtype, DNS_EDNS_OURS);
	if (dns_cache_get(cache, &q, dns_fwd_now(), flags, r->buf, cap,
			  &r->len) == 0) {
		r->how = HIT;
		return 0;
	}
	rc = dns_fwd_resolve(fwd, &q, flags, cap, on_done, r);
	if (rc < 0)
		r->how = rc;
	return rc;
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

/* Run the loop until every result is in (at most 10 s). */
static void wait_all(struct result *r, int n)
{
	bool late = false;
	struct event *guard = evtimer_new(base, on_guard, &late);
	struct timeval ten = { 10, 0 };

	evtimer_add(guard, &ten);
	for (int i = 0; i < n && !late; i++)
		while (r[i].how == PENDING && !late)
			event_base_loop(base, EVLOOP_ONCE);
	event_free(guard);
	for (int i = 0; i < n; i++)
		CHECK(r[i].how != PENDING);
}

static void ask(struct result *r, const char *name, uint16_t qtype,
		unsigned flags)
{
	static uint16_t id = 100;

	start(r, ++id, name, qtype, flags);
	wait_all(r, 1);
}

/* Read a reply back (records into ans); returns the verdict. */
static enum dns_fwd_verdict read_reply(const struct result *r)
{
	struct dns_fwd_question fq = { .id = r->id, .qtype = r->qtype,
				       .qclass = DNS_CLASS_IN };
	const char *why;

	fq.name_len = (size_t)dns_name_from_text(fq.name, r->name);
	return dns_fwd_check(&fq, r->buf, r->len, &ans, &why);
}

static unsigned rcode_of(const struct result *r)
{
	return r->len >= 4 ? r->buf[3] & 0x0f : 99;
}

static void stats(struct dns_fwd_stats *st)
{
	dns_fwd_stats(fwd, st);
}

/* ---- Against NSD --------------------------------------------------- */

TEST(answer_then_cache)
{
	static struct result r;
	struct dns_fwd_stats st;
	long before, after;

	ask(&r, "www.fwd.test", DNS_T_A, 0);
	CHECK_INT(r.how, DNS_FWD_ANSWERED);
	CHECK_INT(read_reply(&r), DNS_FWD_ANSWER);
	CHECK_INT(rcode_of(&r), DNS_R_NOERROR);
	CHECK(ans.nrr >= 1 && ans.rr[0].type == DNS_T_A &&
	      ans.rr[0].rdata[3] == 1 && ans.rr[0].ttl == 300);
	printf("  first answer in %lld ms\n", (long long)r.ms);

	before = nsd_queries();
	stats(&st);
	ask(&r, "www.fwd.test", DNS_T_A, 0);
	CHECK_INT(r.how, HIT);
	CHECK_INT(read_reply(&r), DNS_FWD_ANSWER);
	CHECK(ans.nrr >= 1 && ans.rr[0].rdata[3] == 1);
	after = nsd_queries();
	printf("  NSD num.queries before/after the second query: %ld/%ld\n",
	       before, after);
	if (before < 0)
		printf("  (nsd-control did not answer: checking our own "
		       "send counter only)\n");
	CHECK_INT(after, before);
	{
		struct dns_fwd_stats st2;

		stats(&st2);
		CHECK_INT(st2.sent_udp, st.sent_udp);
	}
}

TEST(cname_and_nxdomain)
{
	static struct result r;

	ask(&r, "alias.fwd.test", DNS_T_A, 0);
	CHECK_INT(r.how, DNS_FWD_ANSWERED);
	CHECK_INT(read_reply(&r), DNS_FWD_ANSWER);
	CHECK(ans.nrr >= 2 && ans.rr[0].type == DNS_T_CNAME &&
	      ans.rr[1].type == DNS_T_A);

	ask(&r, "nx.fwd.test", DNS_T_A, 0);
	CHECK_INT(r.how, DNS_FWD_ANSWERED);
	CHECK_INT(rcode_of(&r), DNS_R_NXDOMAIN);
	CHECK_INT(read_reply(&r), DNS_FWD_ANSWER);
	CHECK(ans.nrr == 1 && ans.rr[0].type == DNS_T_SOA);
	CHECK_INT(ans.rr[0].ttl, 5);	/* min(SOA TTL 300, minimum 5) */
	ask(&r, "nx.fwd.test", DNS_T_A, 0);
	CHECK_INT(r.how, HIT);
	CHECK_INT(rcode_of(&r), DNS_R_NXDOMAIN);
}

TEST(truncated_upstream_goes_tcp)
{
	static struct result r;
	struct dns_fwd_stats st;

	ask(&r, "big.fwd.test", DNS_T_TXT, 0);
	CHECK_INT(r.how, DNS_FWD_ANSWERED);
	stats(&st);
	CHECK_INT(st.truncated, 1);
	CHECK_INT(st.sent_tcp, 1);
	/* Our UDP client gets what fits in 1232 bytes, with TC... */
	CHECK(r.len <= DNS_EDNS_OURS && (r.buf[2] & (DNS_F_TC >> 8)));
	CHECK_INT(read_reply(&r), DNS_FWD_TRUNCATED);
	/* ...and over TCP, from the cache, all twelve. */
	ask(&r, "big.fwd.test", DNS_T_TXT, DNS_CACHE_TCP);
	CHECK_INT(r.how, HIT);
	CHECK_INT(read_reply(&r), DNS_FWD_ANSWER);
	CHECK_INT(ans.rr[0].type, DNS_T_TXT);
	{
		size_t txt = 0;

		for (size_t i = 0; i < ans.nrr; i++)
			txt += ans.rr[i].type == DNS_T_TXT;
		CHECK_INT(txt, 12);
	}
}

TEST(one_upstream_query_per_question)
{
	static struct result r[5];
	static const char *const names[5] = {
		"www.fwd.test", "WWW.fwd.test", "www.FWD.test", "wWw.fWd.TeSt",
		"www.fwd.TEST",
	};
	struct dns_fwd_stats st, st2;
	long before = nsd_queries(), after;

	stats(&st);
	for (int i = 0; i < 5; i++)
		CHECK_INT(start(&r[i], (uint16_t)(500 + i), names[i],
				DNS_T_AAAA, 0), 0);
	wait_all(r, 5);
	stats(&st2);
	after = nsd_queries();
	CHECK_INT(st2.sent_udp - st.sent_udp, 1);
	CHECK_INT(st2.joined - st.joined, 4);
	if (before >= 0)
		CHECK_INT(after - before, 1);
	for (int i = 0; i < 5; i++) {
		uint8_t w[DNS_WIRE_MAX];
		size_t n = name_wire(w, names[i]);

		CHECK_INT(r[i].how, DNS_FWD_ANSWERED);
		CHECK_INT(r[i].buf[0] << 8 | r[i].buf[1], 500 + i);
		/* Each client sees its own spelling of the name. */
		CHECK(memcmp(r[i].buf + DNS_HDR_LEN, w, n) == 0);
		CHECK_INT(read_reply(&r[i]), DNS_FWD_ANSWER);
		CHECK(ans.nrr >= 1 && ans.rr[0].type == DNS_T_AAAA);
	}
}

TEST(upstream_down)
{
	static struct result r, s;
	struct dns_fwd_stats st;
	int64_t stored;

	ask(&s, "short.fwd.test", DNS_T_A, 0);
	stored = now_ms();
	CHECK_INT(s.how, DNS_FWD_ANSWERED);
	CHECK_INT(read_reply(&s), DNS_FWD_ANSWER);
	CHECK(ans.nrr >= 1 && ans.rr[0].ttl == 2);

	nsd_stop();
	/* Nothing listens: ICMP port unreachable ends each try at once. */
	ask(&r, "gone.fwd.test", DNS_T_A, 0);
	CHECK_INT(r.how, DNS_FWD_FAILED);
	CHECK_INT(rcode_of(&r), DNS_R_SERVFAIL);
	CHECK(r.ms < 3000);
	printf("  NSD stopped: SERVFAIL after %lld ms\n", (long long)r.ms);

	/* short.fwd.test expires (TTL 2); the upstream is still down. */
	while (now_ms() - stored < 3200)
		usleep(100 * 1000);
	ask(&r, "short.fwd.test", DNS_T_A, 0);
	CHECK_INT(r.how, DNS_FWD_STALE);
	CHECK_INT(rcode_of(&r), DNS_R_NOERROR);
	CHECK_INT(read_reply(&r), DNS_FWD_ANSWER);
	CHECK(ans.nrr >= 1 && ans.rr[0].rdata[3] == 2);
	CHECK_INT(ans.rr[0].ttl, DNS_CACHE_STALE_TTL);
	printf("  stale answer (TTL %u) after %lld ms\n",
	       ans.nrr ? ans.rr[0].ttl : 0, (long long)r.ms);
	stats(&st);
	CHECK(st.refused >= 2);
	CHECK_INT(st.stale, 1);
}

/* ---- Fake upstreams ------------------------------------------------ */

/* A UDP socket on addr:port (port 0: any); -1 if the address is not
 * there (no IPv6). */
static int udp_socket(int family, const char *addr, uint16_t *port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in)
					  : sizeof(struct sockaddr_in6);
	struct ip_addr ip;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || ip_parse(&ip, addr) < 0)
		return -1;
	if (family == AF_INET)
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, ip.b, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, ip.b, 16);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
			: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void use_upstream(const char *addr, uint16_t port)
{
	struct ip_addr ip;

	CHECK_INT(ip_parse(&ip, addr), 0);
	CHECK_INT(dns_fwd_set_upstreams(fwd, &ip, 1, port), 0);
}

TEST(silent_upstream_times_out)
{
	static struct result r;
	struct dns_fwd_stats st;
	uint16_t port;
	int fd = udp_socket(AF_INET, "127.0.0.1", &port);

	CHECK(fd >= 0);
	use_upstream("127.0.0.1", port);
	ask(&r, "slow.fwd.test", DNS_T_A, 0);
	CHECK_INT(r.how, DNS_FWD_FAILED);
	CHECK_INT(rcode_of(&r), DNS_R_SERVFAIL);
	/* Tries of 1 s, 1 s and the 0.5 s left of the 2.5 s deadline. */
	CHECK(r.ms >= 2400 && r.ms < 3500);
	printf("  silent upstream: SERVFAIL after %lld ms\n", (long long)r.ms);
	stats(&st);
	CHECK(st.timeouts >= 3);
	close(fd);
}

/* The fake upstream's replies: wrong ID, wrong question, a reply from
 * another port (the kernel drops it: our socket is connected), then the
 * real one with a poisoned extra record. */
struct fake {
	int fd, other;
	struct sockaddr_storage peer;
	socklen_t plen;
	unsigned queries;
};

static size_t fake_reply(uint8_t *out, const uint8_t *q, size_t qend,
			 uint16_t id, uint16_t qtype, uint8_t last)
{
	uint8_t evil[32];
	size_t elen = name_wire(evil, "www.bank.test");
	struct wire_wr w;

	wire_wr_init(&w, out, 512);
	wire_wr_bytes(&w, q, qend);
	wire_wr_u16_at(&w, 0, id);
	wire_wr_u16_at(&w, 2, DNS_F_QR | DNS_F_RD | DNS_F_RA);
	wire_wr_u16_at(&w, 6, 2);
	wire_wr_u16_at(&w, 10, 0);
	wire_wr_u16_at(&w, qend - 4, qtype);
	wire_wr_u16(&w, 0xc00c);
	wire_wr_u16(&w, DNS_T_A);
	wire_wr_u16(&w, DNS_CLASS_IN);
	wire_wr_u32(&w, 60);
	wire_wr_u16(&w, 4);
	wire_wr_u32(&w, 0xc0000200u | last);
	wire_wr_bytes(&w, evil, elen);
	wire_wr_u16(&w, DNS_T_A);
	wire_wr_u16(&w, DNS_CLASS_IN);
	wire_wr_u32(&w, 60);
	wire_wr_u16(&w, 4);
	wire_wr_u32(&w, 0x06060606);
	return wire_wr_ok(&w) ? w.off : 0;
}

static void on_fake(evutil_socket_t fd, short what, void *arg)
{
	struct fake *fk = arg;
	uint8_t q[512], out[512];
	struct dns_query dq;
	const char *why;
	ssize_t n;
	size_t len;

	(void)what;
	fk->plen = sizeof(fk->peer);
	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&fk->peer,
		     &fk->plen);
	if (n <= 0 || dns_query_parse(&dq, q, (size_t)n, &why) != 0)
		return;
	fk->queries++;
	len = fake_reply(out, q, dq.question_end, dq.id, dq.qtype, 66);
	sendto(fk->other, out, len, 0, (struct sockaddr *)&fk->peer, fk->plen);
	len = fake_reply(out, q, dq.question_end, dq.id ^ 0x5555, dq.qtype,
			 66);
	sendto(fd, out, len, 0, (struct sockaddr *)&fk->peer, fk->plen);
	len = fake_reply(out, q, dq.question_end, dq.id, DNS_T_MX, 66);
	sendto(fd, out, len, 0, (struct sockaddr *)&fk->peer, fk->plen);
	len = fake_reply(out, q, dq.question_end, dq.id, dq.qtype, 77);
	sendto(fd, out, len, 0, (struct sockaddr *)&fk->peer, fk->plen);
}

static void fake_run(int family, const char *addr)
{
	static struct result r;
	struct dns_fwd_stats st, st2;
	struct fake fk = { .fd = -1 };
	struct event *ev;
	uint16_t port, oport;
	char name[64];

	fk.fd = udp_socket(family, addr, &port);
	fk.other = udp_socket(family, addr, &oport);
	if (fk.fd < 0 || fk.other < 0) {
		printf("  no %s on this host: skipped\n", addr);
		goto out_close;
	}
	ev = event_new(base, fk.fd, EV_READ | EV_PERSIST, on_fake, &fk);
	event_add(ev, NULL);
	use_upstream(addr, port);
	stats(&st);
	snprintf(name, sizeof(name), "spoof%d.fwd.test", family);
	ask(&r, name, DNS_T_A, 0);
	stats(&st2);
	CHECK_INT(fk.queries, 1);
	CHECK_INT(r.how, DNS_FWD_ANSWERED);
	CHECK_INT(read_reply(&r), DNS_FWD_ANSWER);
	CHECK(ans.nrr == 1 && ans.rr[0].rdata[3] == 77);
	CHECK_INT(st2.mismatched - st.mismatched, 2);
	CHECK_INT(st2.dropped_rrs - st.dropped_rrs, 1);
	/* Nothing about www.bank.test went into the cache. */
	{
		struct dns_query q;

		make_query(&q, 1, "www.bank.test", DNS_T_A, 0);
		CHECK_INT(dns_cache_get(cache, &q, dns_fwd_now(),
					DNS_CACHE_STALE, r.buf, sizeof(r.buf),
					&r.len), -ENOENT);
	}
	event_free(ev);
out_close:
	if (fk.fd >= 0)
		close(fk.fd);
	if (fk.other >= 0)
		close(fk.other);
}

TEST(spoofed_replies_ignored)
{
	fake_run(AF_INET, "127.0.0.2");
	fake_run(AF_INET6, "::1");
}

static void count_cancelled(void *ctx, enum dns_fwd_status st,
			    const uint8_t *reply, size_t len)
{
	(void)reply;
	(void)len;
	if (st == DNS_FWD_CANCELLED)
		(*(int *)ctx)++;
	else
		(*(int *)ctx) += 100;
}

TEST(bounds_cancel_and_free)
{
	struct dns_fwd_opts o;
	struct dns_fwd_stats st;
	struct dns_query q;
	uint16_t port;
	int fd = udp_socket(AF_INET, "127.0.0.1", &port);
	int a = 0, b = 0;
	struct ip_addr ip;
	struct dns_fwd *f;

	dns_fwd_opts_default(&o);
	o.max_outstanding = 2;
	o.max_per_key = 2;
	o.max_waiting = 3;
	f = dns_fwd_new(base, cache, &o);
	make_query(&q, 1, "x.fwd.test", DNS_T_A, 0);
	CHECK_INT(dns_fwd_resolve(f, &q, 0, 512, count_cancelled, &a),
		  -ENOENT);	/* no upstreams yet */
	ip_parse(&ip, "127.0.0.1");
	CHECK_INT(dns_fwd_set_upstreams(f, &ip, 1, port), 0);
	CHECK_INT(dns_fwd_resolve(f, &q, 0, 512, count_cancelled, &a), 0);
	CHECK_INT(dns_fwd_resolve(f, &q, 0, 512, count_cancelled, &b), 0);
	CHECK_INT(dns_fwd_resolve(f, &q, 0, 512, count_cancelled, &b),
		  -ENOBUFS);	/* per question */
	make_query(&q, 2, "y.fwd.test", DNS_T_A, 0);
	CHECK_INT(dns_fwd_resolve(f, &q, 0, 512, count_cancelled, &b), 0);
	make_query(&q, 3, "z.fwd.test", DNS_T_A, 0);
	CHECK_INT(dns_fwd_resolve(f, &q, 0, 512, count_cancelled, &b),
		  -ENOBUFS);	/* outstanding, and waiting */
	q.edns = true;
	q.edns_version = 1;
	CHECK_INT(dns_fwd_resolve(f, &q, 0, 512, count_cancelled, &b),
		  -EINVAL);
	dns_fwd_stats(f, &st);
	CHECK_INT(st.overflow, 2);
	CHECK_INT(st.outstanding, 2);
	CHECK_INT(st.waiting, 3);
	/* Let the first tries go out, then forget a: b's two stay. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	dns_fwd_cancel(f, &a);
	dns_fwd_stats(f, &st);
	CHECK_INT(st.waiting, 2);
	CHECK_INT(st.sent_udp, 2);
	dns_fwd_free(f);
	CHECK_INT(a, 0);
	CHECK_INT(b, 2);
	close(fd);
}

int main(void)
{
	struct dns_cache_opts co;
	struct ip_addr lo;
	char tmpl[] = "/tmp/rn-dnsfwd-XXXXXX";

	if (access(NSD, X_OK) != 0) {
		printf("skip: %s not installed (scripts/deps nsd)\n", NSD);
		return 77;
	}
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", tmpl);
	atexit(cleanup);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	nsd_port = free_port();
	nsd_config();
	if (!nsd_port || !nsd_start()) {
		fprintf(stderr, "nsd did not start on 127.0.0.1@%u; see %s\n",
			nsd_port, dir);
		return 1;
	}
	printf("  nsd pid %d on 127.0.0.1@%u, dir %s\n", (int)nsd_pid,
	       nsd_port, dir);

	base = event_base_new();
	dns_cache_opts_default(&co);
	co.seed[0] = (uint64_t)now_ms();
	cache = dns_cache_new(&co);
	fwd = dns_fwd_new(base, cache, NULL);
	ip_parse(&lo, "127.0.0.1");
	dns_fwd_set_upstreams(fwd, &lo, 1, nsd_port);

	RUN(answer_then_cache);
	RUN(cname_and_nxdomain);
	RUN(truncated_upstream_goes_tcp);
	RUN(one_upstream_query_per_question);
	RUN(upstream_down);
	RUN(silent_upstream_times_out);
	RUN(spoofed_replies_ignored);
	RUN(bounds_cancel_and_free);

	dns_fwd_free(fwd);
	dns_cache_free(cache);
	event_base_free(base);
	return test_done();
}

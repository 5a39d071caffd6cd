/*
 * udp-relay: a small, deterministic, lossy UDP relay for the TFTP tests.
 * This kernel has no netem, so a test that wants a lost DATA or a lost
 * ACK puts this relay between a real client and racknet-tftpd:
 *
 *   client -> relay:LISTEN -> server:69      (the request)
 *   client <- relay:Q      <- server:P       (the transfer)
 *
 * TFTP's transfer IDs are the ports: the server answers a request from a
 * new port P of its own, and the client must keep talking to P. So the
 * relay gives each client (address, port) a session with an upstream
 * socket U (the client's TID as the server sees it), and each server TID
 * P seen on U a client-facing socket Q of its own (the server's TID as
 * the client sees it). A second TID from the server (a second transfer
 * for a repeated request) gets a second Q, so the client sees a second
 * TID, as it would without the relay.
 *
 * Faults are counted, never random: --drop-data N drops the Nth DATA
 * packet from the server (counting every DATA, retransmissions too),
 * --drop-ack N the Nth ACK from the client, --drop-oack N the Nth OACK,
 * --dup-ack N sends the Nth ACK twice, --stray N sends, just after the
 * Nth DATA, an ACK of that block to the server's TID from a socket of
 * its own (a wrong source port) and reports what the server answers.
 * Each of these is said on stderr when it happens, and a summary line
 * when the relay exits: the counts a test reads (e.g. data_resent, DATA
 * blocks the server sent again).
 *
 * Test tooling only: one poll() loop, no libraries, bounded tables; exits
 * on SIGTERM or SIGINT, or after --max-time seconds. Packets to its own
 * client-facing ports from anyone but the session's client are dropped
 * (and counted). `--self-test` runs the relay against a fake client and
 * server on 127.0.0.1 in one process. This file is main() and its
 * arguments; udp-relay.h lists the other parts.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "udp-relay.h"

static int signals_open(struct relay *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	r->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return r->sig_fd < 0 ? -errno : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: udp-relay --listen ADDR:PORT --server ADDR:PORT\n"
		"         [--drop-data N] [--drop-ack N] [--drop-oack N]"
		" [--dup-ack N] [--stray N]\n"
		"         [--max-sessions N] [--max-time SECONDS] [--verbose]\n"
		"       udp-relay --self-test\n"
		"Each fault rule may be given up to %d times; N counts packets"
		" of that type\nfrom 1, over all sessions, retransmissions"
		" included.\n", RULES_MAX);
}

struct opts {
	const char *listen, *server;
	unsigned long max_time;
	bool self_test;
};

static int parse_args(int argc, char **argv, struct relay *r,
		      struct opts *o)
{
	unsigned long v;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--self-test") == 0) {
			o->self_test = true;
			continue;
		}
		if (strcmp(a, "--verbose") == 0) {
			r->verbose = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return 1;
		if (!val)
			return -EINVAL;
		i++;
		if (strcmp(a, "--listen") == 0) {
			o->listen = val;
		} else if (strcmp(a, "--server") == 0) {
			o->server = val;
		} else if (strcmp(a, "--max-sessions") == 0) {
			if (relay_parse_count(val, SESSIONS_CAP, &v) < 0)
				return -EINVAL;
			r->max_sessions = v;
		} else if (strcmp(a, "--max-time") == 0) {
			if (relay_parse_count(val, 86400, &o->max_time) < 0)
				return -EINVAL;
		} else {
			rc = relay_rule_add(r, a, val);
			if (rc < 0)
				return rc;
		}
	}
	if (o->self_test)
		return 0;
	if (!o->listen || !o->server ||
	    relay_addr_parse(o->listen, &r->listen, &r->listen_len) < 0 ||
	    relay_addr_parse(o->server, &r->server, &r->server_len) < 0 ||
	    r->listen.ss_family != r->server.ss_family)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	static struct relay r;
	struct opts o = { .max_time = 300 };
	char a[80], b[80];
	int64_t end;
	int rc;

	relay_init(&r);
	rc = parse_args(argc, argv, &r, &o);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (o.self_test)
		return relay_self_test() == 0 ? 0 : 1;
	rc = signals_open(&r);
	if (rc == 0)
		rc = relay_open(&r);
	if (rc < 0) {
		rlog("cannot start: %s", strerror(-rc));
		relay_close(&r);
		return 1;
	}
	rlog("ready: %s -> %s", relay_addr_str(&r.listen, a, sizeof(a)),
	     relay_addr_str(&r.server, b, sizeof(b)));
	end = relay_now_ms() + (int64_t)o.max_time * 1000;
	while (rc == 0) {
		if (relay_now_ms() >= end) {
			rlog("--max-time %lu s reached, exiting",
			     o.max_time);
			break;
		}
		rc = relay_step(&r, 1000);
	}
	relay_summary(&r);
	relay_close(&r);
	return rc == 0 || rc == -ECANCELED ? 0 : 1;
}

/*
 * What the daemons' mains share (daemon.c): their counters published to
 * IPAM for `racknet dhcp|dns|tftp stats` when they changed and logged on
 * SIGUSR1; SIGTERM and SIGINT ending the event loop; and the drop to
 * --user once sockets and files are open, said in a log line and
 * published as NAME.priv for `racknet status`.
 */
#ifndef RACKNET_DAEMON_H
#define RACKNET_DAEMON_H

#include <jansson.h>
#include <stdint.h>

struct event;
struct event_base;
struct ipam;

struct daemon {
	struct ipam *db;
	const char *name;		/* "dhcpd": the row of its stats */
	int64_t started;		/* unix seconds */
	/* The counters now (a new reference), or NULL when out of memory. */
	json_t *(*counters)(void *arg);
	void *arg;
	/* Kept by daemon.c. */
	json_t *published;
	struct event *ev[3];
};

/* The database a daemon serves unless --db says: $RACKNET_DB, else
 * IPAM_DEFAULT_PATH. */
const char *daemon_db_default(void);
/* After getopt: a usage error (exit 2) naming the first argument left. */
void daemon_args_done(const char *prog, int argc, char **argv);

/* Write the counters if they changed since they were last written. */
void daemon_publish(struct daemon *dm);
/* SIGUSR1 logs and publishes the counters; SIGTERM and SIGINT log and
 * end base's loop. */
void daemon_signals(struct daemon *dm, struct event_base *base);
/* Become user (NULL: stay as we are) keeping caps (priv_drop()'s list),
 * or exit: a failed drop is fatal. Then log and publish who we are. */
void daemon_drop(struct daemon *dm, const char *user, const char *caps);
void daemon_free(struct daemon *dm);

#endif

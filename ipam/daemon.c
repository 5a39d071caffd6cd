/* The daemons' shared plumbing (daemon.h). */
#include "daemon.h"

#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ipam.h"
#include "log.h"
#include "priv.h"

const char *daemon_db_default(void)
{
	const char *p = getenv("RACKNET_DB");

	return p && *p ? p : IPAM_DEFAULT_PATH;
}

void daemon_args_done(const char *prog, int argc, char **argv)
{
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[optind]);
		exit(2);
	}
}

void daemon_publish(struct daemon *dm)
{
	json_t *c = dm->counters(dm->arg);

	if (!c)
		return;
	if (dm->published && json_equal(c, dm->published)) {
		json_decref(c);
		return;
	}
	if (ipam_stats_put(dm->db, dm->name, (int)getpid(), dm->started, c,
			   (int64_t)time(NULL), false) < 0) {
		json_decref(c);		/* the database is busy: next tick */
		return;
	}
	json_decref(dm->published);
	dm->published = c;
}

static void on_usr1(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *dm = arg;
	json_t *c = dm->counters(dm->arg);
	char *text = c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	(void)fd;
	(void)what;
	log_notice("counters: %s", text ? text : "(out of memory)");
	free(text);
	json_decref(c);
	daemon_publish(dm);
}

static void on_term(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	log_notice("signal %d: stopping", (int)fd);
	event_base_loopexit(arg, NULL);
}

void daemon_signals(struct daemon *dm, struct event_base *base)
{
	dm->ev[0] = evsignal_new(base, SIGUSR1, on_usr1, dm);
	dm->ev[1] = evsignal_new(base, SIGTERM, on_term, base);
	dm->ev[2] = evsignal_new(base, SIGINT, on_term, base);
	for (int i = 0; i < 3; i++)
		if (!dm->ev[i] || event_add(dm->ev[i], NULL) < 0)
			fatal("cannot watch signals: out of memory");
	signal(SIGPIPE, SIG_IGN);
}

void daemon_drop(struct daemon *dm, const char *user, const char *caps)
{
	char err[256], who[PRIV_CAPS_STRLEN + 64], row[64];
	json_t *p;

	if (user && priv_drop(user, caps, err, sizeof(err)) < 0)
		fatal("cannot drop privileges: %s", err);
	priv_describe(who, sizeof(who));
	log_notice("running as %s", who);
	snprintf(row, sizeof(row), "%s.priv", dm->name);
	p = priv_describe_json();
	if (p && ipam_stats_put(dm->db, row, (int)getpid(), dm->started, p,
				(int64_t)time(NULL), true) < 0)
		log_warn("cannot publish the privileges: %s",
			 ipam_error(dm->db));
	json_decref(p);
}

void daemon_free(struct daemon *dm)
{
	for (int i = 0; i < 3; i++)
		if (dm->ev[i])
			event_free(dm->ev[i]);
	json_decref(dm->published);
	dm->published = NULL;
}

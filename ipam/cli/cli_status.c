/*
 * racknet status: what racknet run is doing with this database. The "run"
 * row that run publishes in IPAM names each daemon's pid and start time,
 * restarts and last exit; /proc says whether that pid is still the same
 * process and, live, its user, its effective capabilities and the
 * sockets it listens on (what run told it to listen on when /proc will
 * not say). Exit status 0 when run and every daemon run, 1 otherwise.
 */
#include "cli_run.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"

static void fmt_uptime(int64_t s, char *buf, size_t size)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, size, "%lldd%02lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, size, "%lldm%02llds", (long long)(s / 60),
			 (long long)(s % 60));
	else
		snprintf(buf, size, "%llds", (long long)s);
}

static void user_of(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "%u", (unsigned)uid);
}

/* One daemon of the "run" row, checked against /proc. */
static json_t *daemon_status(struct ipam *db, const json_t *d, bool run_alive,
			     int64_t now, bool *ret_up)
{
	const char *name = json_string_value(json_object_get(d, "name"));
	pid_t pid = (pid_t)json_integer_value(json_object_get(d, "pid"));
	json_int_t ticks = json_integer_value(json_object_get(d, "ticks"));
	json_int_t started = json_integer_value(json_object_get(d, "started"));
	bool alive = run_proc_is(pid, (unsigned long long)ticks);
	const char *state = json_string_value(json_object_get(d, "state"));
	json_t *o, *listen = NULL, *next;
	struct priv_proc p;
	char key[64];

	*ret_up = alive;
	if (!alive)
		state = run_alive && state && strcmp(state, "running") ?
			state : "stopped";
	else
		state = "running";
	o = json_pack("{sssssi}", "name", name ? name : "?", "state", state,
		      "pid", alive ? (int)pid : 0);
	if (!o)
		return NULL;
	json_object_set_new(o, "uptime", alive ?
			    json_integer(now - started) : json_null());
	json_object_set(o, "restarts", json_object_get(d, "restarts"));
	if (alive && priv_proc_read(pid, &p) == 0) {
		char user[64], caps[PRIV_CAPS_STRLEN];

		user_of(p.euid, user, sizeof(user));
		priv_caps_format(p.cap_eff, caps, sizeof(caps));
		json_object_set_new(o, "user", json_string(user));
		json_object_set_new(o, "uid", json_integer(p.euid));
		json_object_set_new(o, "caps", json_string(caps));
	} else {
		json_object_set_new(o, "user", json_null());
		json_object_set_new(o, "uid", json_null());
		json_object_set_new(o, "caps", json_null());
	}
	if (alive)
		listen = run_proc_listen(pid);
	json_object_set_new(o, "listen", listen ? listen :
			    json_copy(json_object_get(d, "listen")));
	json_object_set(o, "last_exit", json_object_get(d, "last_exit"));
	next = json_object_get(d, "next_start");
	if (!alive && run_alive && next)
		json_object_set_new(o, "next_start_in", json_integer(
			json_integer_value(next) > now ?
			json_integer_value(next) - now : 0));
	/* What the daemon itself said after dropping root. */
	snprintf(key, sizeof(key), "%s.priv", name ? name : "?");
	if (alive) {
		json_t *row = ipam_stats_get(db, key);

		if (row && json_integer_value(json_object_get(row, "pid")) == pid)
			json_object_set(o, "published",
					json_object_get(row, "counters"));
		json_decref(row);
	}
	return o;
}

/* The JSON for the text printer: times as text, empty as "-". */
static json_t *as_text(const json_t *st)
{
	json_t *t = json_object(), *ds = json_array(), *d;
	bool running = json_is_true(json_object_get(st, "running"));
	char up[32], line[256];
	size_t i;

	fmt_uptime(json_integer_value(json_object_get(st, "uptime")), up,
		   sizeof(up));
	if (running)
		snprintf(line, sizeof(line), "running (pid %lld, up %s)",
			 (long long)json_integer_value(json_object_get(st, "pid")),
			 up);
	else
		snprintf(line, sizeof(line), "NOT RUNNING (%s)",
			 json_string_value(json_object_get(st, "why")));
	json_object_set_new(t, "run", json_string(line));
	json_object_set(t, "database", json_object_get(st, "db"));
	json_object_set(t, "state_dir", json_object_get(st, "state_dir"));
	json_object_set(t, "user", json_object_get(st, "user"));
	json_array_foreach(json_object_get(st, "daemons"), i, d) {
		json_t *row = json_object(), *next = json_object_get(d,
							"next_start_in");
		const char *state = json_string_value(json_object_get(d, "state"));

		if (json_is_integer(json_object_get(d, "uptime")))
			fmt_uptime(json_integer_value(json_object_get(d, "uptime")),
				   up, sizeof(up));
		else
			snprintf(up, sizeof(up), "-");
		if (next)
			snprintf(line, sizeof(line), "%s (%llds)", state,
				 (long long)json_integer_value(next));
		json_object_set(row, "name", json_object_get(d, "name"));
		json_object_set_new(row, "state", json_string(next ? line :
							       state));
		json_object_set(row, "pid", json_object_get(d, "pid"));
		json_object_set_new(row, "uptime", json_string(up));
		json_object_set(row, "restarts", json_object_get(d, "restarts"));
		json_object_set(row, "user", json_object_get(d, "user"));
		json_object_set(row, "caps", json_object_get(d, "caps"));
		json_object_set(row, "listen", json_object_get(d, "listen"));
		json_object_set(row, "last_exit", json_object_get(d, "last_exit"));
		json_array_append_new(ds, row);
	}
	json_object_set_new(t, "daemons", ds);
	return t;
}

static json_t *status_json(struct ipam *db, const json_t *row, bool *ret_ok)
{
	const json_t *c = json_object_get(row, "counters");
	pid_t pid = (pid_t)json_integer_value(json_object_get(row, "pid"));
	json_int_t stopped = json_integer_value(json_object_get(c, "stopped"));
	json_int_t started = json_integer_value(json_object_get(c, "started"));
	bool alive = !stopped && run_proc_is(pid, (unsigned long long)
		json_integer_value(json_object_get(c, "ticks")));
	int64_t now = (int64_t)time(NULL);
	json_t *st, *ds = json_array(), *d;
	char why[160];
	size_t i;

	*ret_ok = alive;
	if (stopped)
		snprintf(why, sizeof(why), "pid %d stopped %lld s ago", (int)pid,
			 (long long)(now - stopped));
	else
		snprintf(why, sizeof(why), "pid %d is gone without stopping its "
			 "daemons", (int)pid);
	json_array_foreach(json_object_get(c, "daemons"), i, d) {
		bool up;

		json_array_append_new(ds, daemon_status(db, d, alive, now, &up));
		*ret_ok = *ret_ok && up;
	}
	st = json_pack("{sbsisIsIsOsOsOso}", "running", alive, "pid", (int)pid,
		       "started", started, "uptime",
		       (json_int_t)(alive ? now - started : 0),
		       "db", json_object_get(c, "db"),
		       "state_dir", json_object_get(c, "state_dir"),
		       "user", json_object_get(c, "user"), "daemons", ds);
	if (st && !alive)
		json_object_set_new(st, "why", json_string(why));
	return st;
}

int cli_status(const char *db_path, int argc, char **argv)
{
	char err[IPAM_ERRLEN];
	struct ipam *db;
	json_t *row, *st;
	bool json = false, ok = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: racknet [--db PATH] status [--json]\n"
			       "  What racknet run runs: each daemon's state, "
			       "pid, uptime, restarts,\n  user, capabilities "
			       "and listening sockets. Exit status 0 when run\n"
			       "  and every daemon are up, 1 otherwise.\n");
			return EXIT_OK;
		} else {
			return cli_usage_error("status: unexpected argument "
					       "'%s' (see --help)", argv[i]);
		}
	}
	if (ipam_open(db_path, 0, &db, err, sizeof(err)) < 0) {
		fprintf(stderr, "racknet: %s\n", err);
		return EXIT_REFUSED;
	}
	row = ipam_stats_get(db, "run");
	if (!row) {
		if (json)
			cli_print(db, json_pack("{sbsss[]}", "running", false,
						"why", "racknet run has never "
						"run on this database",
						"daemons"), true);
		else
			printf("racknet run is not running: it has never run "
			       "on %s\n", db_path);
		ipam_close(db);
		return EXIT_REFUSED;
	}
	st = status_json(db, row, &ok);
	json_decref(row);
	if (st && !json) {
		json_t *t = as_text(st);

		json_decref(st);
		st = t;
	}
	r = cli_print(db, st, json);
	ipam_close(db);
	return r != EXIT_OK ? r : ok ? EXIT_OK : EXIT_REFUSED;
}

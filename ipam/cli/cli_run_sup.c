/*
 * racknet run's supervisor. One loop, asleep in poll() on a signalfd
 * (SIGCHLD, SIGTERM, SIGINT, SIGHUP) until a signal comes, a restart is
 * due or the next look at IPAM (every FEED_MS) is: no busy loop, and
 * every other wait is bounded too.
 *
 * A daemon that dies is restarted after a delay that starts at
 * RUN_BACKOFF_MIN and doubles up to RUN_BACKOFF_MAX; one that ran
 * RUN_STABLE_S or longer starts over at the minimum. Each death is one log
 * line naming the daemon, its pid, why (exit status or signal) and when it
 * comes back. SIGTERM or SIGINT stops them all: SIGTERM, SIGKILL to any
 * left after RUN_STOP_GRACE_MS, wait for each, exit 0.
 *
 * When IPAM changes (the change feed), chrony.conf is made again; if its
 * text differs, chronyd is stopped and started with it at once (not
 * counted as a restart). SIGHUP asks for that check now.
 *
 * The state is published under "run" in IPAM (ipam_stats_put) at every
 * change, for `racknet status`.
 */
#include "cli_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FEED_MS 2000		/* how often IPAM is asked for changes */
#define KILL_WAIT_MS 2000	/* after SIGKILL, the most we wait */
#define REAP_MAX 64		/* waitpid() calls per wakeup */
#define SIGNALS_MAX 64		/* signalfd reads per wakeup */

struct sup {
	struct run *r;
	int sfd;
	pid_t self;
	bool stop, check_feed, changed;
	int stop_signal;
	bool publish_warned;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ---- publishing ---- */

static json_t *child_json(const struct run_child *c, int64_t now_ms)
{
	json_t *listen = json_array(), *o;
	const char *state = c->pid ? "running" : c->due_ms ? "waiting" :
			    "stopped";

	for (int i = 0; i < c->nlisten; i++)
		json_array_append_new(listen, json_string(c->listen[i]));
	o = json_pack("{sssssssisIsIsisssO}", "name", c->name,
		      "program", c->program, "state", state,
		      "pid", (int)c->pid, "ticks", (json_int_t)c->ticks,
		      "started", (json_int_t)c->started,
		      "restarts", (int)c->restarts, "last_exit", c->last_exit,
		      "listen", listen);
	if (o && c->due_ms && !c->pid)
		json_object_set_new(o, "next_start", json_integer(
			(json_int_t)time(NULL) +
			(c->due_ms > now_ms ? (c->due_ms - now_ms + 999) / 1000
					    : 0)));
	json_decref(listen);
	return o;
}

static void publish(struct sup *s, int64_t stopped)
{
	struct run *r = s->r;
	json_t *ds = json_array(), *o;
	int64_t now = run_mono_ms();

	for (int d = 0; d < RUN_MAX; d++)
		if (r->child[d].enabled)
			json_array_append_new(ds, child_json(&r->child[d], now));
	o = json_pack("{sssssssbsIsIsIsO}", "db", r->db_path,
		      "state_dir", r->state_dir,
		      "user", r->user ? r->user : "root",
		      "drop", r->user != NULL,
		      "started", (json_int_t)r->started,
		      "ticks", (json_int_t)r->ticks,
		      "stopped", (json_int_t)stopped, "daemons", ds);
	json_decref(ds);
	if (!o || ipam_stats_put(r->db, "run", (int)s->self, r->started, o,
				 (int64_t)time(NULL), true) < 0) {
		if (!s->publish_warned)
			log_warn("cannot publish run's state for racknet "
				 "status: %s", o ? ipam_error(r->db) :
				 "out of memory");
		s->publish_warned = true;
	} else {
		s->publish_warned = false;
	}
	json_decref(o);
	s->changed = false;
}

/* ---- starting ---- */

/* In the child, between fork and exec: a clean slate. */
static void child_exec(const struct sup *s, const struct run_child *c)
{
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* Until it drops root, it dies with us (the kernel forgets this
	 * when the uid changes: then it is systemd's cgroup, or run's
	 * SIGTERM, that stops it). */
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (getppid() != s->self)
		_exit(1);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	/* Nothing of ours but stdin, stdout and stderr. */
	closefrom(3);
	execv(c->program, (char *const *)c->argv);
	fprintf(stderr, "racknet-run: cannot run %s: %s\n", c->program,
		strerror(errno));
	_exit(127);
}

/* The next delay after a death: the last one doubled, or the minimum
 * after a stable run. */
static unsigned next_delay(unsigned last, int64_t ran_ms)
{
	if (last == 0 || ran_ms >= (int64_t)RUN_STABLE_S * 1000)
		return RUN_BACKOFF_MIN;
	return last * 2 > RUN_BACKOFF_MAX ? RUN_BACKOFF_MAX : last * 2;
}

static void start_child(struct sup *s, struct run_child *c)
{
	bool again = c->started != 0;
	pid_t pid;

	c->due_ms = 0;
	pid = fork();
	if (pid < 0) {
		c->delay = next_delay(c->delay, 0);
		c->due_ms = run_mono_ms() + (int64_t)c->delay * 1000;
		snprintf(c->last_exit, sizeof(c->last_exit), "could not be "
			 "started (fork: %s)", strerror(errno));
		log_error("cannot start %s: fork: %s; trying again in %u s",
			  base_name(c->program), strerror(errno), c->delay);
		s->changed = true;
		return;
	}
	if (pid == 0)
		child_exec(s, c);
	c->pid = pid;
	c->started = (int64_t)time(NULL);
	c->started_ms = run_mono_ms();
	if (run_proc_ticks(pid, &c->ticks) < 0)
		c->ticks = 0;
	if (again && !c->reload)
		c->restarts++;
	c->reload = false;
	log_notice("%s %s (pid %d)", again ? "restarted" : "started",
		   base_name(c->program), (int)pid);
	if (log_enabled(LL_DEBUG)) {
		char line[2048];
		size_t off = 0;

		for (int i = 0; i < c->argc && off < sizeof(line); i++)
			off += (size_t)snprintf(line + off, sizeof(line) - off,
						"%s%s", i ? " " : "", c->argv[i]);
		log_debug("%s: %s", c->name, line);
	}
	s->changed = true;
}

/* ---- reaping ---- */

static struct run_child *child_of(struct run *r, pid_t pid)
{
	for (int d = 0; d < RUN_MAX; d++)
		if (r->child[d].enabled && r->child[d].pid == pid)
			return &r->child[d];
	return NULL;
}

static void child_exited(struct sup *s, struct run_child *c, int status)
{
	int64_t now = run_mono_ms(), ran = now - c->started_ms;
	pid_t pid = c->pid;

	c->pid = 0;
	run_describe_exit(status, c->last_exit, sizeof(c->last_exit));
	s->changed = true;
	if (s->stop) {
		log_info("%s (pid %d) %s", base_name(c->program), (int)pid,
			 c->last_exit);
		return;
	}
	if (c->reload) {	/* start_child() clears it */
		snprintf(c->last_exit, sizeof(c->last_exit), "stopped for a "
			 "new chrony.conf");
		c->due_ms = now;
		return;
	}
	c->delay = next_delay(c->delay, ran);
	c->due_ms = now + (int64_t)c->delay * 1000;
	log_warn("%s (pid %d) %s after %lld s; restarting it in %u s",
		 base_name(c->program), (int)pid, c->last_exit,
		 (long long)(ran / 1000), c->delay);
}

/* Collect every child that ended (bounded per wakeup; SIGCHLD comes
 * again for the rest). */
static void reap(struct sup *s)
{
	for (int i = 0; i < REAP_MAX; i++) {
		struct run_child *c;
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0)
			break;
		c = child_of(s->r, pid);
		if (c)
			child_exited(s, c, status);
	}
}

/* ---- signals ---- */

/* Wait for a signal or timeout_ms, then note what came. */
static void wait_signals(struct sup *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->sfd, .events = POLLIN };
	struct signalfd_siginfo si;

	if (poll(&p, 1, timeout_ms) <= 0)
		return;
	for (int i = 0; i < SIGNALS_MAX; i++) {
		if (read(s->sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			break;
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (!s->stop)
				s->stop_signal = (int)si.ssi_signo;
			s->stop = true;
			break;
		case SIGHUP:
			s->check_feed = true;
			break;
		default:	/* SIGCHLD: reap() runs at every wakeup */
			break;
		}
	}
}

static bool any_running(const struct run *r)
{
	for (int d = 0; d < RUN_MAX; d++)
		if (r->child[d].enabled && r->child[d].pid > 0)
			return true;
	return false;
}

static void signal_all(struct run *r, int sig)
{
	for (int d = 0; d < RUN_MAX; d++)
		if (r->child[d].enabled && r->child[d].pid > 0)
			kill(r->child[d].pid, sig);
}

/* SIGTERM to all, SIGKILL to what is left after the grace period, and
 * wait for each. */
static void stop_all(struct sup *s)
{
	struct run *r = s->r;
	int64_t deadline = run_mono_ms() + RUN_STOP_GRACE_MS;
	bool killed = false;

	for (int d = 0; d < RUN_MAX; d++)
		r->child[d].due_ms = 0;
	signal_all(r, SIGTERM);
	/* Each round waits for a signal or the deadline: bounded by the
	 * grace period, the SIGKILL wait and the number of children. */
	for (int round = 0; round < 1000; round++) {
		int64_t left;

		reap(s);
		if (!any_running(r))
			return;
		left = deadline - run_mono_ms();
		if (left <= 0 && killed)
			break;
		if (left <= 0) {
			for (int d = 0; d < RUN_MAX; d++)
				if (r->child[d].enabled && r->child[d].pid > 0)
					log_warn("%s (pid %d) still runs %d s "
						 "after SIGTERM: SIGKILL",
						 base_name(r->child[d].program),
						 (int)r->child[d].pid,
						 RUN_STOP_GRACE_MS / 1000);
			signal_all(r, SIGKILL);
			killed = true;
			deadline = run_mono_ms() + KILL_WAIT_MS;
			continue;
		}
		wait_signals(s, (int)left);
	}
	for (int d = 0; d < RUN_MAX; d++)
		if (r->child[d].enabled && r->child[d].pid > 0)
			log_error("%s (pid %d) did not exit even after SIGKILL",
				  base_name(r->child[d].program),
				  (int)r->child[d].pid);
}

/* ---- IPAM changes ---- */

static void check_feed(struct sup *s)
{
	struct run *r = s->r;
	struct run_child *c = &r->child[RUN_CHRONYD];

	s->check_feed = false;
	if (!c->enabled || run_chrony_write(r) <= 0)
		return;
	log_notice("IPAM changed chrony.conf: restarting chronyd with it");
	if (c->pid > 0) {
		c->reload = true;
		kill(c->pid, SIGTERM);
	}
}

/* ---- the loop ---- */

static int next_timeout(const struct run *r, int64_t now, int64_t feed_at)
{
	int64_t t = feed_at - now;

	for (int d = 0; d < RUN_MAX; d++) {
		const struct run_child *c = &r->child[d];

		if (c->enabled && !c->pid && c->due_ms && c->due_ms - now < t)
			t = c->due_ms - now;
	}
	return t < 0 ? 0 : (int)t;
}

int run_supervise(struct run *r)
{
	struct sup s = { .r = r, .self = getpid() };
	sigset_t set, old;
	int64_t feed_at;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0 ||
	    (s.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		log_error("cannot watch signals: %s", strerror(errno));
		return EXIT_REFUSED;
	}
	signal(SIGPIPE, SIG_IGN);
	r->started = (int64_t)time(NULL);
	if (run_proc_ticks(s.self, &r->ticks) < 0)
		r->ticks = 0;
	log_notice("running the daemons of %s as %s (state in %s)",
		   r->db_path, r->user ? r->user : "root", r->state_dir);
	for (int d = 0; d < RUN_MAX; d++)
		if (r->child[d].enabled)
			start_child(&s, &r->child[d]);
	publish(&s, 0);
	feed_at = run_mono_ms() + FEED_MS;
	(void)ipam_feed_poll(r->db);	/* from now on */
	while (!s.stop) {
		int64_t now = run_mono_ms();

		wait_signals(&s, next_timeout(r, now, feed_at));
		reap(&s);
		if (s.stop)
			break;
		now = run_mono_ms();
		if (now >= feed_at) {
			feed_at = now + FEED_MS;
			if (ipam_feed_poll(r->db))
				s.check_feed = true;
		}
		if (s.check_feed)
			check_feed(&s);
		for (int d = 0; d < RUN_MAX; d++) {
			struct run_child *c = &r->child[d];

			if (c->enabled && !c->pid && c->due_ms &&
			    c->due_ms <= now)
				start_child(&s, c);
		}
		if (s.changed)
			publish(&s, 0);
	}
	log_notice("%s: stopping the daemons", s.stop_signal == SIGINT ?
		   "SIGINT" : "SIGTERM");
	stop_all(&s);
	publish(&s, (int64_t)time(NULL));
	close(s.sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	log_notice("stopped");
	return EXIT_OK;
}

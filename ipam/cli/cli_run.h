/*
 * `racknet run` and `racknet status`, inside the racknet command.
 *
 *   cli_run.c        options, where the programs are, each daemon's
 *                    command line, the order of things
 *   cli_run_setup.c  as root: the user, the database's owner, the state
 *                    directory, chrony.conf
 *   cli_run_sup.c    the supervisor: start, reap, restart with backoff,
 *                    stop; publishes its state under "run" in IPAM
 *   cli_run_proc.c   what /proc says about a process: is it still the one
 *                    we started, its listening sockets
 *   cli_status.c     `racknet status`: the "run" row, each daemon's
 *                    published privileges, and /proc
 *
 * The "run" row (ipam_stats_put(db, "run", ...)) is the contract between
 * run and status; docs/RUN.md describes it.
 */
#ifndef RACKNET_CLI_RUN_H
#define RACKNET_CLI_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cli.h"
#include "log.h"

enum run_daemon { RUN_DHCPD, RUN_DNSD, RUN_TFTPD, RUN_CHRONYD, RUN_MAX };

#define RUN_MAX_ARGS 64
#define RUN_BACKOFF_MIN 1	/* s: the first restart */
#define RUN_BACKOFF_MAX 60	/* s: the delay doubles up to this */
#define RUN_STABLE_S 60		/* s: a run this long resets the delay */
#define RUN_STOP_GRACE_MS 5000	/* SIGTERM, then SIGKILL after this */

struct run_child {
	const char *name;		/* "dhcpd", ..., "chronyd" */
	bool enabled;
	char program[PATH_MAX];
	const char *argv[RUN_MAX_ARGS];	/* argv[0] is program; NULL-ended */
	int argc;
	const char *listen[8];		/* what it was told to listen on */
	int nlisten;

	pid_t pid;			/* 0: not running */
	unsigned long long ticks;	/* its /proc start time */
	int64_t started;		/* wall clock, s */
	int64_t started_ms;		/* monotonic */
	unsigned restarts;
	unsigned delay;			/* the last backoff, s (0: none yet) */
	int64_t due_ms;			/* monotonic start time; 0: not due */
	bool reload;			/* stopped to apply a new config */
	char last_exit[160];		/* "killed by signal 9 (Killed)" */
};

struct run {
	const char *db_path;		/* absolute */
	const char *state_dir;
	const char *user;		/* NULL with --no-drop */
	uid_t uid;
	gid_t gid;
	bool chrony_no_clock;
	enum log_level level;
	struct ipam *db;
	char chrony_dir[PATH_MAX];	/* state_dir/chrony: chronyd's own */
	char chrony_conf[PATH_MAX];	/* state_dir/chrony.conf */
	char *chrony_text;		/* what chrony_conf holds */
	struct run_child child[RUN_MAX];
	int64_t started;
	unsigned long long ticks;
};

/* cli_run.c */
bool run_executable(const char *path);

/* cli_run_setup.c; each logs what went wrong. */
/* The user r->user exists (useradd --system when missing): 0 or -1. */
int run_ensure_user(struct run *r);
/* The database, SQLite's files beside it and (when it holds nothing
 * else) its folder belong to r->uid: 0 or -1. */
int run_chown_db(struct run *r);
/* path is a directory, made if missing, never a symlink; with set, owned
 * by uid:gid with exactly mode. 0 or -1. */
int run_make_dir(const char *path, mode_t mode, bool set, uid_t uid,
		 gid_t gid);
/* chrony.conf from IPAM into r->chrony_conf; 1 if the text changed, 0 if
 * not, -errno. */
int run_chrony_write(struct run *r);

/* cli_run_sup.c: start every enabled child and supervise them until
 * SIGTERM or SIGINT; then stop them all. The exit status of run. */
int run_supervise(struct run *r);

/* cli_run_proc.c */
int64_t run_mono_ms(void);
/* The start time of pid in clock ticks since boot (field 22 of stat). */
int run_proc_ticks(pid_t pid, unsigned long long *ret);
/* That start time as wall-clock seconds. */
int64_t run_ticks_to_time(unsigned long long ticks);
/* pid runs, is no zombie, and started at ticks: the process we mean. */
bool run_proc_is(pid_t pid, unsigned long long ticks);
/* pid's listening sockets as "udp 0.0.0.0:67", "tcp [::]:53" strings
 * (TCP in LISTEN, UDP not connected); NULL if /proc will not say. */
json_t *run_proc_listen(pid_t pid);
/* The daemons of a "run" row ([{name, pid, ticks}]) that still run,
 * left by a run that died: SIGTERM, SIGKILL after RUN_STOP_GRACE_MS,
 * each logged. Only processes that are still the very ones it started. */
void run_stop_orphans(const json_t *daemons);
/* "exited with status 1", "killed by signal 9 (Killed)". */
void run_describe_exit(int status, char *buf, size_t size);

int cli_run(const char *db_path, int argc, char **argv);
int cli_status(const char *db_path, int argc, char **argv);

#endif

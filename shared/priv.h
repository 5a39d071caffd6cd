/*
 * Privileges: each daemon opens its sockets, packet sockets, database and
 * root directory as root, then calls priv_drop() once to become an
 * unprivileged user that keeps only the capabilities it still needs
 * (docs/RUN.md has the table and the reasons). Capability sets travel as a
 * 64-bit mask, bit N = capability N; lists are written "cap_net_raw,
 * cap_net_bind_service" and "none" is the empty list.
 *
 * Nothing here logs: failures come back as a negative errno and a sentence
 * in err; the daemon's main logs it and exits (a failed drop is fatal).
 * Parsing and formatting (names, /proc/PID/status) are pure and
 * unit-tested; priv_drop() is covered by tests/netns/test_run.sh.
 */
#ifndef RACKNET_PRIV_H
#define RACKNET_PRIV_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIV_CAPS_STRLEN 1024	/* room for a list of every capability */

/* "cap_net_raw" or "net_raw", any case -> its number. -EINVAL if unknown. */
int priv_cap_parse(const char *name, int *ret_cap);
/* A list of names separated by commas or spaces, or "none" / "" -> mask. */
int priv_caps_parse(const char *list, uint64_t *ret_mask);
/* mask -> "cap_a,cap_b" in capability order, "none", or "all" (every
 * capability this kernel has). -ENOSPC if it does not fit (buf then holds
 * a truncated, terminated list). */
int priv_caps_format(uint64_t mask, char *buf, size_t size);
/* Every capability this kernel supports. */
uint64_t priv_caps_all(void);
/* The hex mask of a /proc/PID/status Cap* line ("0000000000003000"). */
int priv_caps_parse_hex(const char *hex, uint64_t *ret_mask);

/* What /proc/PID/status says about a process's identity. */
struct priv_proc {
	uid_t uid, euid;
	gid_t gid;
	uint64_t cap_eff, cap_prm, cap_bnd;
	int no_new_privs;	/* -1 when the kernel does not say */
};

/* Parse the text of /proc/PID/status (Uid, Gid, CapEff, CapPrm, CapBnd,
 * NoNewPrivs). -EINVAL if Uid or CapEff is missing or malformed. */
int priv_proc_parse(const char *text, struct priv_proc *ret);
/* Read and parse /proc/PID/status (pid 0: this process). */
int priv_proc_read(pid_t pid, struct priv_proc *ret);

/* A user's uid and primary gid. -ENOENT if there is no such user. */
int priv_user_lookup(const char *name, uid_t *ret_uid, gid_t *ret_gid);
/* A user name racknet accepts for --user: [a-z_][a-z0-9_-]*, <= 32. */
int priv_user_name_ok(const char *name);

/*
 * Become user (its uid, its primary group, no supplementary groups) keeping
 * exactly the capabilities in keep (a list for priv_caps_parse) in the
 * permitted and effective sets; everything else leaves the bounding set,
 * the inheritable and ambient sets are emptied and no_new_privs is set.
 * Then it checks the result: regaining root must fail and the effective
 * set must be exactly keep. Must be called as root; a process already
 * running as user (not root) only sheds its capabilities.
 */
int priv_drop(const char *user, const char *keep, char *err, size_t size);

/* This process as one log line: "user racknet (uid 999, gid 999),
 * capabilities: none". */
void priv_describe(char *buf, size_t size);
/* The same as JSON, to publish: {"user", "uid", "gid", "caps"}. */
json_t *priv_describe_json(void);

#endif

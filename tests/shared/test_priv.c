/*
 * Unit tests for shared/priv.c: capability names and lists both ways, the
 * hex masks and the fields of /proc/PID/status, user names; and, when the
 * test runs as root, a real drop in a child process (to "nobody", keeping
 * one capability) checked from the inside.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "priv.h"
#include "test.h"

#define BIT(c) (1ULL << (c))

TEST(cap_names)
{
	static const struct {
		const char *s;
		int want;
	} good[] = {
		{ "cap_net_raw", CAP_NET_RAW },
		{ "net_raw", CAP_NET_RAW },
		{ "CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE },
		{ "Net_Admin", CAP_NET_ADMIN },
		{ "cap_chown", CAP_CHOWN },
		{ "sys_time", CAP_SYS_TIME },
	};
	static const char *const bad[] = {
		"", "cap_", "net-raw", "cap_net_rawx", "12", "cap_12",
		" net_raw", "net_raw ", "cap_net_raw,", "nothing",
		"cap_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	int c;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		c = -1;
		CHECK_INT(priv_cap_parse(good[i].s, &c), 0);
		CHECK_INT(c, good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = -1;
		CHECK_INT(priv_cap_parse(bad[i], &c), -EINVAL);
		CHECK_INT(c, -1);
	}
}

TEST(cap_lists)
{
	uint64_t m = 99;

	CHECK_INT(priv_caps_parse("none", &m), 0);
	CHECK_INT(m, 0);
	m = 99;
	CHECK_INT(priv_caps_parse("NONE", &m), 0);
	CHECK_INT(m, 0);
	m = 99;
	CHECK_INT(priv_caps_parse("", &m), 0);
	CHECK_INT(m, 0);
	CHECK_INT(priv_caps_parse("net_raw", &m), 0);
	CHECK_INT(m, BIT(CAP_NET_RAW));
	CHECK_INT(priv_caps_parse("cap_net_raw,cap_net_bind_service", &m), 0);
	CHECK_INT(m, BIT(CAP_NET_RAW) | BIT(CAP_NET_BIND_SERVICE));
	CHECK_INT(priv_caps_parse(" net_raw ,  net_raw net_admin,", &m), 0);
	CHECK_INT(m, BIT(CAP_NET_RAW) | BIT(CAP_NET_ADMIN));
	m = 7;
	CHECK_INT(priv_caps_parse("net_raw,bogus", &m), -EINVAL);
	CHECK_INT(m, 7);
	CHECK_INT(priv_caps_parse("none,net_raw", &m), -EINVAL);
	CHECK_INT(priv_caps_parse("net_raw;net_admin", &m), -EINVAL);
}

TEST(cap_format)
{
	char buf[PRIV_CAPS_STRLEN], small[16];
	uint64_t m;

	CHECK_INT(priv_caps_format(0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "none");
	CHECK_INT(priv_caps_format(BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_NET_RAW),
				   buf, sizeof(buf)), 0);
	CHECK_STR(buf, "cap_net_bind_service,cap_net_raw");
	CHECK_INT(priv_caps_format(priv_caps_all(), buf, sizeof(buf)), 0);
	CHECK_STR(buf, "all");
	/* Every capability but one: a long list, and it fits. */
	m = priv_caps_all() & ~BIT(CAP_SYS_ADMIN);
	CHECK_INT(priv_caps_format(m, buf, sizeof(buf)), 0);
	CHECK(strstr(buf, "cap_chown,") == buf);
	CHECK(!strstr(buf, "cap_sys_admin"));
	/* Round trip. */
	{
		uint64_t back = 0;

		CHECK_INT(priv_caps_parse(buf, &back), 0);
		CHECK_INT(back, m);
	}
	/* Too small: an error and a terminated prefix of whole names. */
	CHECK_INT(priv_caps_format(BIT(CAP_NET_RAW) | BIT(CAP_SYS_TIME), small,
				   sizeof(small)), -ENOSPC);
	CHECK_STR(small, "cap_net_raw");
	CHECK_INT(priv_caps_format(0, small, 3), -ENOSPC);
	CHECK_INT(priv_caps_format(0, small, 0), -ENOSPC);
}

TEST(cap_hex)
{
	uint64_t m = 5;

	CHECK_INT(priv_caps_parse_hex("0000000000000000", &m), 0);
	CHECK_INT(m, 0);
	CHECK_INT(priv_caps_parse_hex("0000000000003000", &m), 0);
	CHECK_INT(m, BIT(12) | BIT(13));
	CHECK_INT(priv_caps_parse_hex("000001ffffffffff", &m), 0);
	CHECK_INT(m, 0x1ffffffffffULL);
	CHECK_INT(priv_caps_parse_hex("FFFFFFFFFFFFFFFF", &m), 0);
	CHECK(m == UINT64_MAX);
	m = 5;
	CHECK_INT(priv_caps_parse_hex("", &m), -EINVAL);
	CHECK_INT(priv_caps_parse_hex("00000000000000000", &m), -EINVAL);
	CHECK_INT(priv_caps_parse_hex("0x10", &m), -EINVAL);
	CHECK_INT(priv_caps_parse_hex("12 ", &m), -EINVAL);
	CHECK_INT(m, 5);
}

TEST(proc_status)
{
	static const char text[] =
		"Name:\tracknet-dhcpd\n"
		"Umask:\t0022\n"
		"State:\tS (sleeping)\n"
		"Uid:\t999\t999\t999\t999\n"
		"Gid:\t998\t998\t998\t998\n"
		"Groups:\t998 \n"
		"CapInh:\t0000000000000000\n"
		"CapPrm:\t0000000000002000\n"
		"CapEff:\t0000000000002000\n"
		"CapBnd:\t0000000000002400\n"
		"CapAmb:\t0000000000000000\n"
		"NoNewPrivs:\t1\n"
		"Seccomp:\t0\n";
	struct priv_proc p;

	memset(&p, 0xaa, sizeof(p));
	CHECK_INT(priv_proc_parse(text, &p), 0);
	CHECK_INT(p.uid, 999);
	CHECK_INT(p.euid, 999);
	CHECK_INT(p.gid, 998);
	CHECK_INT(p.cap_eff, BIT(CAP_NET_RAW));
	CHECK_INT(p.cap_prm, BIT(CAP_NET_RAW));
	CHECK_INT(p.cap_bnd, BIT(CAP_NET_RAW) | BIT(CAP_NET_BIND_SERVICE));
	CHECK_INT(p.no_new_privs, 1);

	/* A key inside another's name is not that key; NoNewPrivs absent. */
	CHECK_INT(priv_proc_parse("XUid:\t1\t1\nUid:\t0\t5\t0\t0\n"
				  "CapEff:\t0000000000000001\n", &p), 0);
	CHECK_INT(p.uid, 0);
	CHECK_INT(p.euid, 5);
	CHECK_INT(p.cap_eff, 1);
	CHECK_INT(p.no_new_privs, -1);
	/* Missing or malformed essentials. */
	CHECK_INT(priv_proc_parse("", &p), -EINVAL);
	CHECK_INT(priv_proc_parse("Uid:\t0\t0\t0\t0\n", &p), -EINVAL);
	CHECK_INT(priv_proc_parse("CapEff:\t0\n", &p), -EINVAL);
	CHECK_INT(priv_proc_parse("Uid:\tx\nCapEff:\t0\n", &p), -EINVAL);
	CHECK_INT(priv_proc_parse("Uid:\t1\nCapEff:\t0\n", &p), -EINVAL);
	CHECK_INT(priv_proc_parse("Uid:\t1\t1\nCapEff:\tzz\n", &p), -EINVAL);
	CHECK_INT(priv_proc_parse("Uid:\t1\t1\nCapEff:\n", &p), -EINVAL);

	/* This process. */
	CHECK_INT(priv_proc_read(0, &p), 0);
	CHECK_INT(p.euid, geteuid());
	CHECK_INT(priv_proc_read(getpid(), &p), 0);
	CHECK_INT(p.uid, getuid());
}

TEST(users)
{
	uid_t u = 7;
	gid_t g = 7;

	CHECK_INT(priv_user_name_ok("racknet"), 0);
	CHECK_INT(priv_user_name_ok("_racknet-2"), 0);
	CHECK_INT(priv_user_name_ok(""), -EINVAL);
	CHECK_INT(priv_user_name_ok("-racknet"), -EINVAL);
	CHECK_INT(priv_user_name_ok("Racknet"), -EINVAL);
	CHECK_INT(priv_user_name_ok("rack net"), -EINVAL);
	CHECK_INT(priv_user_name_ok("rack/net"), -EINVAL);
	CHECK_INT(priv_user_name_ok("0racknet"), -EINVAL);
	CHECK_INT(priv_user_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), -EINVAL);
	CHECK_INT(priv_user_lookup("root", &u, &g), 0);
	CHECK_INT(u, 0);
	CHECK_INT(g, 0);
	u = 7;
	CHECK_INT(priv_user_lookup("no-such-user-racknet-test", &u, &g),
		  -ENOENT);
	CHECK_INT(u, 7);
}

TEST(drop_refusals)
{
	char err[256] = "";

	CHECK_INT(priv_drop("nobody", "cap_bogus", err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "cap_bogus");
	CHECK_INT(priv_drop("no-such-user-racknet-test", "none", err,
			    sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "no user 'no-such-user-racknet-test'");
}

/* In a child: drop to nobody keeping CAP_NET_BIND_SERVICE, then check
 * from the inside. Exit status: 0 ok, else the number of the failed step. */
static int drop_child(void)
{
	char err[256], who[PRIV_CAPS_STRLEN + 64];
	struct priv_proc p;
	uid_t nobody;
	gid_t ng;

	if (priv_user_lookup("nobody", &nobody, &ng) < 0)
		return 1;
	if (priv_drop("nobody", "net_bind_service", err, sizeof(err)) < 0) {
		fprintf(stderr, "priv_drop: %s\n", err);
		return 2;
	}
	if (getuid() != nobody || geteuid() != nobody || getgid() != ng)
		return 3;
	if (setuid(0) == 0 || setgid(0) == 0)
		return 4;
	if (priv_proc_read(0, &p) < 0)
		return 5;
	if (p.cap_eff != BIT(CAP_NET_BIND_SERVICE) ||
	    p.cap_prm != BIT(CAP_NET_BIND_SERVICE) ||
	    p.cap_bnd != BIT(CAP_NET_BIND_SERVICE) || p.no_new_privs != 1)
		return 6;
	if (getgroups(0, NULL) > 1)
		return 7;
	priv_describe(who, sizeof(who));
	if (!strstr(who, "capabilities: cap_net_bind_service"))
		return 8;
	/* A second drop as nobody: allowed, sheds the rest. */
	if (priv_drop("nobody", "none", err, sizeof(err)) < 0 ||
	    priv_proc_read(0, &p) < 0 || p.cap_eff != 0)
		return 9;
	/* Not root any more: becoming someone else is refused. */
	if (priv_drop("root", "none", err, sizeof(err)) != -EPERM)
		return 10;
	return 0;
}

TEST(drop_for_real)
{
	uid_t u;
	gid_t g;
	pid_t pid;
	int st = 0;

	if (geteuid() != 0 || priv_user_lookup("nobody", &u, &g) < 0) {
		printf("skip drop_for_real: needs root and a user nobody\n");
		return;
	}
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(drop_child());
	CHECK_INT(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), 0);
}

int main(void)
{
	RUN(cap_names);
	RUN(cap_lists);
	RUN(cap_format);
	RUN(cap_hex);
	RUN(proc_status);
	RUN(users);
	RUN(drop_refusals);
	RUN(drop_for_real);
	return test_done();
}

/*
 * Dropping root: one call from each daemon's main once every socket, the
 * database and the root directory are open (see priv.h). The order follows
 * the usual recipe: keep the permitted set across the uid change
 * (PR_SET_KEEPCAPS), shrink the bounding set while CAP_SETPCAP is still
 * effective, drop groups, then gid, then uid, then set exactly the kept
 * capabilities, set no_new_privs, and check that root cannot come back.
 */
#include "priv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PW_BUF_MIN 4096
#define PW_BUF_MAX (1 << 20)
#define STATUS_MAX 16384	/* /proc/PID/status is ~1.5 KiB */
#define CAP_NAME_MAX 64

static int fail(char *err, size_t size, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t size, int r, const char *fmt, ...)
{
	va_list ap;

	if (size) {
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* ---- names and masks (pure) ---- */

int priv_cap_parse(const char *name, int *ret_cap)
{
	char buf[CAP_NAME_MAX];
	size_t n = strlen(name), off = 0;
	cap_value_t v;

	/* Names only: libcap would also take a bare number. */
	if (n == 0 || !isalpha((unsigned char)name[0]))
		return -EINVAL;
	if (strncasecmp(name, "cap_", 4) != 0) {
		memcpy(buf, "cap_", 4);
		off = 4;
	}
	if (n >= sizeof(buf) - off)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '_')
			return -EINVAL;
		buf[off + i] = (char)tolower(c);
	}
	buf[off + n] = '\0';
	if (cap_from_name(buf, &v) < 0 || v < 0 || v > 63)
		return -EINVAL;
	*ret_cap = (int)v;
	return 0;
}

int priv_caps_parse(const char *list, uint64_t *ret_mask)
{
	char name[CAP_NAME_MAX];
	uint64_t mask = 0;
	const char *p = list;

	if (!strcasecmp(list, "none")) {
		*ret_mask = 0;
		return 0;
	}
	/* Each round takes one name: bounded by the length of list. */
	while (*p) {
		size_t n;
		int cap;

		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (n == 0)
			break;
		if (n >= sizeof(name))
			return -EINVAL;
		memcpy(name, p, n);
		name[n] = '\0';
		if (priv_cap_parse(name, &cap) < 0)
			return -EINVAL;
		mask |= 1ULL << cap;
		p += n;
	}
	*ret_mask = mask;
	return 0;
}

int priv_caps_format(uint64_t mask, char *buf, size_t size)
{
	size_t off = 0;
	int r = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (mask == 0)
		return snprintf(buf, size, "none") < (int)size ? 0 : -ENOSPC;
	if (mask == priv_caps_all())
		return snprintf(buf, size, "all") < (int)size ? 0 : -ENOSPC;
	for (int c = 0; c < 64; c++) {
		char *name;
		int n;

		if (!(mask & (1ULL << c)))
			continue;
		/* libcap names what it knows, and writes others as numbers. */
		name = cap_to_name((cap_value_t)c);
		n = snprintf(buf + off, size - off, "%s%s", off ? "," : "",
			     name ? name : "?");
		cap_free(name);
		if (n < 0 || (size_t)n >= size - off) {
			buf[off] = '\0';
			r = -ENOSPC;
			break;
		}
		off += (size_t)n;
	}
	return r;
}

uint64_t priv_caps_all(void)
{
	uint64_t mask = 0;

	for (int i = 0; i < 64; i++)
		if (CAP_IS_SUPPORTED(i))
			mask |= 1ULL << i;
	return mask;
}

int priv_caps_parse_hex(const char *hex, uint64_t *ret_mask)
{
	uint64_t v = 0;
	size_t n = 0;

	for (; hex[n] && n < 17; n++) {
		int d;

		if (hex[n] >= '0' && hex[n] <= '9')
			d = hex[n] - '0';
		else if (hex[n] >= 'a' && hex[n] <= 'f')
			d = hex[n] - 'a' + 10;
		else if (hex[n] >= 'A' && hex[n] <= 'F')
			d = hex[n] - 'A' + 10;
		else
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	if (n == 0 || n > 16)
		return -EINVAL;
	*ret_mask = v;
	return 0;
}

/* ---- /proc/PID/status ---- */

/* The value after "Key:" on its own line in text, or NULL. */
static const char *status_field(const char *text, const char *key,
				size_t *ret_len)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > klen && !strncmp(p, key, klen) && p[klen] == ':') {
			const char *v = p + klen + 1;

			while (v < p + len && (*v == ' ' || *v == '\t'))
				v++;
			*ret_len = (size_t)(p + len - v);
			return v;
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* Up to max unsigned numbers separated by blanks; how many were read. */
static int status_nums(const char *v, size_t len, unsigned long *out, int max)
{
	char buf[128];
	char *p = buf, *end;
	int n = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, len);
	buf[len] = '\0';
	while (n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		out[n] = strtoul(p, &end, 10);
		if (errno || end == p)
			return -EINVAL;
		n++;
		p = end;
	}
	return n;
}

static int status_caps(const char *text, const char *key, uint64_t *ret)
{
	char hex[24];
	size_t len;
	const char *v = status_field(text, key, &len);

	if (!v || len == 0 || len >= sizeof(hex))
		return -EINVAL;
	memcpy(hex, v, len);
	hex[len] = '\0';
	return priv_caps_parse_hex(hex, ret);
}

int priv_proc_parse(const char *text, struct priv_proc *ret)
{
	struct priv_proc p = { .no_new_privs = -1 };
	unsigned long ids[4];
	size_t len;
	const char *v;

	v = status_field(text, "Uid", &len);
	if (!v || status_nums(v, len, ids, 4) < 2)
		return -EINVAL;
	p.uid = (uid_t)ids[0];
	p.euid = (uid_t)ids[1];
	v = status_field(text, "Gid", &len);
	if (v && status_nums(v, len, ids, 4) >= 1)
		p.gid = (gid_t)ids[0];
	if (status_caps(text, "CapEff", &p.cap_eff) < 0)
		return -EINVAL;
	(void)status_caps(text, "CapPrm", &p.cap_prm);
	(void)status_caps(text, "CapBnd", &p.cap_bnd);
	v = status_field(text, "NoNewPrivs", &len);
	if (v && status_nums(v, len, ids, 1) == 1)
		p.no_new_privs = ids[0] != 0;
	*ret = p;
	return 0;
}

int priv_proc_read(pid_t pid, struct priv_proc *ret)
{
	char path[64], *buf;
	size_t off = 0;
	int fd, r;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(STATUS_MAX);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (off < STATUS_MAX - 1) {
		ssize_t n = read(fd, buf + off, STATUS_MAX - 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	close(fd);
	r = off ? priv_proc_parse(buf, ret) : -ESRCH;
	free(buf);
	return r;
}

/* ---- users ---- */

int priv_user_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32 || !(islower((unsigned char)name[0]) ||
				  name[0] == '_'))
		return -EINVAL;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!islower(c) && !isdigit(c) && c != '_' && c != '-')
			return -EINVAL;
	}
	return 0;
}

int priv_user_lookup(const char *name, uid_t *ret_uid, gid_t *ret_gid)
{
	struct passwd pw, *res = NULL;
	size_t size = PW_BUF_MIN;
	int r;

	for (;;) {
		char *buf = malloc(size);

		if (!buf)
			return -ENOMEM;
		r = getpwnam_r(name, &pw, buf, size, &res);
		if (r == 0 && res) {
			*ret_uid = pw.pw_uid;
			*ret_gid = pw.pw_gid;
		}
		free(buf);
		if (r != ERANGE || size >= PW_BUF_MAX)
			break;
		size *= 2;
	}
	if (r)
		return -r;
	return res ? 0 : -ENOENT;
}

/* The name of uid into buf, or its number. */
static void user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char tmp[PW_BUF_MIN * 4];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, size, "%s", pw.pw_name);
	else
		snprintf(buf, size, "%u", (unsigned)uid);
}

/* ---- dropping ---- */

/* Exactly mask in the permitted and effective sets, nothing inheritable. */
static int set_caps(uint64_t mask)
{
	cap_value_t list[64];
	int n = 0, r;
	cap_t c = cap_init();	/* all clear */

	if (!c)
		return -ENOMEM;
	for (int i = 0; i < 64; i++)
		if (mask & (1ULL << i))
			list[n++] = (cap_value_t)i;
	r = 0;
	if (n && (cap_set_flag(c, CAP_PERMITTED, n, list, CAP_SET) < 0 ||
		  cap_set_flag(c, CAP_EFFECTIVE, n, list, CAP_SET) < 0))
		r = -errno;
	if (r == 0 && cap_set_proc(c) < 0)
		r = -errno;
	cap_free(c);
	return r;
}

/* Leave only mask in the bounding set (needs CAP_SETPCAP). */
static int shrink_bounding(uint64_t mask)
{
	for (int i = 0; i < 64; i++) {
		if (mask & (1ULL << i) || !CAP_IS_SUPPORTED(i))
			continue;
		if (cap_drop_bound((cap_value_t)i) < 0)
			return -errno;
	}
	return 0;
}

static int become(uid_t uid, gid_t gid, uint64_t mask, const char *user,
		  char *err, size_t size)
{
	int r;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail(err, size, -errno, "PR_SET_KEEPCAPS: %s",
			    strerror(errno));
	r = shrink_bounding(mask);
	if (r < 0)
		return fail(err, size, r, "cannot shrink the capability "
			    "bounding set: %s", strerror(-r));
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0)
		return fail(err, size, -errno, "cannot change to group %u: %s",
			    (unsigned)gid, strerror(errno));
	if (setresuid(uid, uid, uid) < 0)
		return fail(err, size, -errno, "cannot change to user %s: %s",
			    user, strerror(errno));
	return 0;
}

/* After the drop: root cannot come back, the sets are exactly mask. */
static int verify(uid_t uid, uint64_t mask, char *err, size_t size)
{
	struct priv_proc p;
	int r;

	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return fail(err, size, -EPERM, "could become root again after "
			    "dropping privileges");
	r = priv_proc_read(0, &p);
	if (r < 0)
		return fail(err, size, r, "cannot read /proc/self/status to "
			    "check the drop: %s", strerror(-r));
	if (p.uid != uid || p.euid != uid || p.cap_eff != mask ||
	    p.cap_prm != mask)
		return fail(err, size, -EPERM, "after the drop: uid %u, "
			    "effective capabilities %#llx, want uid %u and "
			    "%#llx", (unsigned)p.euid,
			    (unsigned long long)p.cap_eff, (unsigned)uid,
			    (unsigned long long)mask);
	return 0;
}

int priv_drop(const char *user, const char *keep, char *err, size_t size)
{
	uint64_t mask;
	uid_t uid;
	gid_t gid;
	int r;

	if (priv_caps_parse(keep, &mask) < 0)
		return fail(err, size, -EINVAL, "'%s' is not a list of "
			    "capabilities", keep);
	r = priv_user_lookup(user, &uid, &gid);
	if (r == -ENOENT)
		return fail(err, size, r, "no user '%s' (racknet run creates "
			    "it; or: useradd --system %s)", user, user);
	if (r < 0)
		return fail(err, size, r, "cannot look up user '%s': %s", user,
			    strerror(-r));
	if (geteuid() != 0 && geteuid() != uid)
		return fail(err, size, -EPERM, "cannot become user %s: not "
			    "running as root", user);
	if (geteuid() == 0) {
		r = become(uid, gid, mask, user, err, size);
		if (r < 0)
			return r;
	}
	r = set_caps(mask);
	if (r < 0)
		return fail(err, size, r, "cannot keep capabilities %s: %s",
			    keep, strerror(-r));
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 ||
	    (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	     errno != EINVAL) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(err, size, -errno, "prctl: %s", strerror(errno));
	return verify(uid, mask, err, size);
}

/* ---- describing ---- */

void priv_describe(char *buf, size_t size)
{
	char name[64], caps[PRIV_CAPS_STRLEN];
	struct priv_proc p;

	if (priv_proc_read(0, &p) < 0) {
		snprintf(buf, size, "user %u (capabilities unknown: no "
			 "/proc/self/status)", (unsigned)geteuid());
		return;
	}
	user_name(p.euid, name, sizeof(name));
	priv_caps_format(p.cap_eff, caps, sizeof(caps));
	snprintf(buf, size, "user %s (uid %u, gid %u), capabilities: %s",
		 name, (unsigned)p.euid, (unsigned)p.gid, caps);
}

json_t *priv_describe_json(void)
{
	char name[64], caps[PRIV_CAPS_STRLEN];
	struct priv_proc p;

	if (priv_proc_read(0, &p) < 0)
		return NULL;
	user_name(p.euid, name, sizeof(name));
	priv_caps_format(p.cap_eff, caps, sizeof(caps));
	return json_pack("{sssIsIss}", "user", name, "uid", (json_int_t)p.euid,
			 "gid", (json_int_t)p.gid, "caps", caps);
}

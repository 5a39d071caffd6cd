/*
 * What racknet-tftpd serves (bootfs.h), for TFTP and HTTP alike: a file
 * opened beneath the root, or a per-machine boot file rendered from a
 * template with the machine's values from IPAM.
 *
 * Files: the root is one O_PATH descriptor, and every open is resolved
 * beneath it (beneath.h: openat2() with RESOLVE_BENEATH, or the same walk
 * by hand where openat2() is missing), so ".." inside symlinks, absolute
 * symlinks and magic links cannot leave it, whatever boot_path_clean()
 * let through and whether or not the daemon chroots. Only regular files
 * are served.
 *
 * Templates: one folder, held open as a descriptor (so it survives a
 * chroot), loaded whole at start and compared by (device, inode, size,
 * mtime) at most once a second afterwards, from the request path; a
 * changed, new or removed file is reloaded on its own. A template that
 * does not compile is kept as its error: logged once when loaded, and
 * given to every request that needs it.
 *
 * This file and tftpd*.c are the impure side of tftpd/: it logs (only
 * template loads; requests are logged by the caller, with why).
 */
#include "bootfs.h"
#include "beneath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipam.h"
#include "log.h"

#define TMPL_FILES_MAX 64	/* .tmpl files loaded; more are ignored */
#define TMPL_DIR_SCAN_MAX 4096	/* directory entries looked at per scan */
#define TMPL_STEM_MAX 80	/* "pxelinux-" + a 63-byte profile name */
#define RECHECK_NS 1000000000LL	/* templates re-checked once a second */

struct tmpl_file {
	char stem[TMPL_STEM_MAX];	/* "pxelinux", "pxelinux-local" */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool seen;			/* in the current scan */
	int rc;				/* 0, or why t is empty */
	char err[200];
	struct boot_tmpl t;
};

struct bootfs {
	int root;			/* O_PATH directory */
	bool walk;			/* no openat2(): beneath_open() walks */
	int tdir;			/* templates folder, or -1 */
	char *tdir_name;		/* for logs */
	struct ipam *db;
	struct tmpl_file *tf[TMPL_FILES_MAX];
	size_t ntf;
	bool full_logged;		/* "too many templates" said */
	bool scan_failed;		/* the last scan's error was said */
	struct timespec checked;	/* last scan, CLOCK_MONOTONIC */
	struct bootfs_stats st;
};

__attribute__((format(printf, 4, 5)))
static int say(char *buf, size_t cap, int code, const char *fmt, ...)
{
	va_list ap;

	if (buf && cap) {
		va_start(ap, fmt);
		vsnprintf(buf, cap, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- Templates ------------------------------------------------------ */

static const char *const kind_stems[BOOT_KIND_MAX] = {
	[BOOT_PXELINUX] = "pxelinux",
	[BOOT_GRUB] = "grub",
	[BOOT_IPXE] = "ipxe",
};

/* A boot profile name, as IPAM allows them (ipam.h). */
static bool profile_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
			return false;
	}
	return true;
}

/* "KIND.tmpl" or "KIND-PROFILE.tmpl": the stem into buf, else false. */
static bool tmpl_stem(const char *name, char *buf, size_t size)
{
	size_t len = strlen(name);

	if (len <= 5 || strcmp(name + len - 5, ".tmpl") != 0)
		return false;
	len -= 5;
	for (int k = 0; k < BOOT_KIND_MAX; k++) {
		size_t kl;

		if (!kind_stems[k])
			continue;
		kl = strlen(kind_stems[k]);
		if (len < kl || strncmp(name, kind_stems[k], kl) != 0)
			continue;
		if (len == kl ||
		    (name[kl] == '-' &&
		     profile_name_ok(name + kl + 1, len - kl - 1))) {
			if (len >= size)
				return false;
			memcpy(buf, name, len);
			buf[len] = '\0';
			return true;
		}
	}
	return false;
}

static struct tmpl_file *tmpl_find(struct bootfs *fs, const char *stem)
{
	for (size_t i = 0; i < fs->ntf; i++)
		if (strcmp(fs->tf[i]->stem, stem) == 0)
			return fs->tf[i];
	return NULL;
}

static bool stat_same(const struct tmpl_file *tf, const struct stat *st)
{
	return tf->dev == st->st_dev && tf->ino == st->st_ino &&
	       tf->size == st->st_size &&
	       tf->mtime.tv_sec == st->st_mtim.tv_sec &&
	       tf->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Read the whole file (at most BOOT_TMPL_MAX + 1 bytes) into buf. */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

static void stamp_set(struct tmpl_file *tf, const struct stat *st)
{
	tf->dev = st->st_dev;
	tf->ino = st->st_ino;
	tf->size = st->st_size;
	tf->mtime = st->st_mtim;
}

/*
 * (Re)load tf from name. The stamp is the scan's (dst), then the opened
 * file's own, so a file replaced between the scan and the open is seen
 * again next time, and one that cannot be opened is not retried (and
 * logged) until it changes. Errors stay in tf (rc, err), logged here.
 */
static void tmpl_load(struct bootfs *fs, struct tmpl_file *tf,
		      const char *name, const struct stat *dst)
{
	char *buf = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	boot_tmpl_free(&tf->t);
	tf->rc = 0;
	tf->err[0] = '\0';
	stamp_set(tf, dst);
	fd = openat(fs->tdir, name, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK);
	if (fd < 0) {
		tf->rc = say(tf->err, sizeof(tf->err), -errno, "%s",
			     strerror(errno));
		goto out_log;
	}
	if (fstat(fd, &st) < 0) {
		tf->rc = say(tf->err, sizeof(tf->err), -errno, "%s",
			     strerror(errno));
		goto out_close;
	}
	stamp_set(tf, &st);
	if (!S_ISREG(st.st_mode)) {
		tf->rc = say(tf->err, sizeof(tf->err), -EINVAL,
			     "not a regular file");
		goto out_close;
	}
	buf = malloc(BOOT_TMPL_MAX + 1);
	if (!buf) {
		tf->rc = say(tf->err, sizeof(tf->err), -ENOMEM,
			     "out of memory");
		goto out_close;
	}
	n = read_all(fd, buf, BOOT_TMPL_MAX + 1);
	if (n < 0) {
		tf->rc = say(tf->err, sizeof(tf->err), (int)n, "%s",
			     strerror((int)-n));
		goto out_close;
	}
	tf->rc = boot_tmpl_compile(&tf->t, buf, (size_t)n, tf->err,
				   sizeof(tf->err));
out_close:
	free(buf);
	close(fd);
out_log:
	if (tf->rc < 0)
		log_error("templates: %s/%s: %s", fs->tdir_name, name,
			  tf->err);
}

static void tmpl_drop(struct bootfs *fs, size_t i)
{
	boot_tmpl_free(&fs->tf[i]->t);
	free(fs->tf[i]);
	fs->tf[i] = fs->tf[--fs->ntf];
}

/* One directory entry: a new, changed or unchanged template. */
static void tmpl_entry(struct bootfs *fs, const char *name, bool initial,
		       bool *full)
{
	char stem[TMPL_STEM_MAX];
	struct tmpl_file *tf;
	struct stat st;

	if (!tmpl_stem(name, stem, sizeof(stem))) {
		size_t len = strlen(name);
		char esc[256];

		if (initial && len > 5 && strcmp(name + len - 5, ".tmpl") == 0)
			log_warn("templates: %s/%s ignored: not KIND.tmpl or "
				 "KIND-PROFILE.tmpl (KIND pxelinux, grub or "
				 "ipxe; PROFILE a boot profile name)",
				 fs->tdir_name,
				 log_escape(esc, sizeof(esc), name, len));
		return;
	}
	if (fstatat(fs->tdir, name, &st, 0) < 0 || S_ISDIR(st.st_mode))
		return;
	tf = tmpl_find(fs, stem);
	if (tf) {
		tf->seen = true;
		if (stat_same(tf, &st))
			return;
		tmpl_load(fs, tf, name, &st);
		fs->st.template_reloads++;
		if (tf->rc == 0)
			log_info("templates: %s/%s reloaded", fs->tdir_name,
				 name);
		return;
	}
	if (fs->ntf == TMPL_FILES_MAX) {
		*full = true;
		if (!fs->full_logged)
			log_warn("templates: %s/%s ignored: more than %d "
				 "templates", fs->tdir_name, name,
				 TMPL_FILES_MAX);
		return;
	}
	tf = calloc(1, sizeof(*tf));
	if (!tf) {
		log_error("templates: %s/%s: out of memory", fs->tdir_name,
			  name);
		return;
	}
	memcpy(tf->stem, stem, sizeof(stem));
	tf->seen = true;
	fs->tf[fs->ntf++] = tf;
	tmpl_load(fs, tf, name, &st);
	if (!initial) {
		fs->st.template_reloads++;
		if (tf->rc == 0)
			log_info("templates: %s/%s added", fs->tdir_name,
				 name);
	}
}

/* Walk the folder: load new and changed templates, drop removed ones. */
static int tmpl_scan(struct bootfs *fs, bool initial)
{
	struct dirent *de;
	bool full = false;
	size_t seen = 0;
	DIR *d;
	int fd;

	fd = openat(fs->tdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		int r = -errno;

		close(fd);
		return r;
	}
	for (size_t i = 0; i < fs->ntf; i++)
		fs->tf[i]->seen = false;
	while ((de = readdir(d))) {
		if (seen++ == TMPL_DIR_SCAN_MAX)
			break;
		tmpl_entry(fs, de->d_name, initial, &full);
	}
	closedir(d);
	/* A folder too big to read whole: removals wait for a tidier one. */
	for (size_t i = fs->ntf; i-- > 0 && seen <= TMPL_DIR_SCAN_MAX;) {
		if (fs->tf[i]->seen)
			continue;
		log_info("templates: %s/%s.tmpl removed", fs->tdir_name,
			 fs->tf[i]->stem);
		tmpl_drop(fs, i);
		fs->st.template_reloads++;
	}
	fs->full_logged = full;
	return 0;
}

static void tmpl_recheck(struct bootfs *fs)
{
	struct timespec now;
	long long ns;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(now.tv_sec - fs->checked.tv_sec) * 1000000000LL +
	     (now.tv_nsec - fs->checked.tv_nsec);
	if (ns < RECHECK_NS)
		return;
	fs->checked = now;
	r = tmpl_scan(fs, false);
	if (r < 0 && !fs->scan_failed)
		log_error("templates: %s: %s (keeping the templates loaded)",
			  fs->tdir_name, strerror(-r));
	fs->scan_failed = r < 0;
}

/* ---- Setup ---------------------------------------------------------- */

struct bootfs *bootfs_new(const char *root, const char *templates,
			  struct ipam *db, char *err, size_t cap)
{
	struct bootfs *fs;
	int fd, r;

	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		say(err, cap, 0, "out of memory");
		return NULL;
	}
	fs->root = fs->tdir = -1;
	fs->db = db;
	if (!root || !*root) {
		say(err, cap, 0, "no root directory");
		goto out_free;
	}
	fs->root = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->root < 0) {
		say(err, cap, 0, "root %s: %s", root, strerror(errno));
		goto out_free;
	}
	/* Every open depends on it: find out now, not per request. */
	fd = beneath_open(fs->root, ".", O_PATH, false);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		log_notice("root %s: no openat2() here (Linux before 5.6, a "
			   "seccomp filter, or valgrind): paths are resolved "
			   "beneath the root by hand", root);
		fs->walk = true;
		fd = beneath_open(fs->root, ".", O_PATH, true);
	}
	if (fd < 0) {
		say(err, cap, 0, "root %s: %s", root, strerror(errno));
		goto out_free;
	}
	close(fd);
	if (!templates)
		return fs;
	if (!db) {
		say(err, cap, 0, "templates %s: no IPAM database to render "
		    "them with", templates);
		goto out_free;
	}
	fs->tdir_name = strdup(templates);
	if (!fs->tdir_name) {
		say(err, cap, 0, "out of memory");
		goto out_free;
	}
	fs->tdir = open(templates, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->tdir < 0) {
		say(err, cap, 0, "templates %s: %s", templates,
		    strerror(errno));
		goto out_free;
	}
	r = tmpl_scan(fs, true);
	if (r < 0) {
		say(err, cap, 0, "templates %s: %s", templates, strerror(-r));
		goto out_free;
	}
	if (fs->ntf == 0)
		log_warn("templates: %s holds no KIND.tmpl files: nothing "
			 "will be rendered until some appear", templates);
	clock_gettime(CLOCK_MONOTONIC, &fs->checked);
	return fs;

out_free:
	bootfs_free(fs);
	return NULL;
}

void bootfs_free(struct bootfs *fs)
{
	if (!fs)
		return;
	while (fs->ntf)
		tmpl_drop(fs, fs->ntf - 1);
	if (fs->tdir >= 0)
		close(fs->tdir);
	if (fs->root >= 0)
		close(fs->root);
	free(fs->tdir_name);
	free(fs);
}

void bootfs_stats(const struct bootfs *fs, struct bootfs_stats *s)
{
	*s = fs->st;
}

void boot_file_release(struct boot_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->data);
	f->fd = -1;
	f->data = NULL;
	f->size = 0;
}

/* ---- Files under the root ------------------------------------------ */

/*
 * 0 with f->fd open, -ENOENT (nothing there: maybe render), or another
 * error already explained in why. O_NONBLOCK: opening a FIFO someone left
 * under the root must not block the event loop (it is refused below).
 */
static int open_file(struct bootfs *fs, const char *clean,
		     struct boot_file *f, char *why, size_t cap)
{
	struct stat st;
	int fd;

	fd = beneath_open(fs->root, clean, O_RDONLY | O_NOCTTY | O_NONBLOCK,
			  fs->walk);
	if (fd < 0) {
		switch (errno) {
		case ENOENT:
		case ENOTDIR:
			return say(why, cap, -ENOENT, "file not found");
		case EXDEV:
			return say(why, cap, -EACCES,
				   "access violation: outside the root");
		case ELOOP:
			return say(why, cap, -EACCES, "access violation: "
				   "outside the root, or a symlink loop");
		case EACCES:
		case EPERM:
			return say(why, cap, -EACCES,
				   "access violation: not readable");
		case ENXIO:
		case ENODEV:
		case EISDIR:
			return say(why, cap, -EACCES,
				   "access violation: not a regular file");
		case ENAMETOOLONG:
			return say(why, cap, -EACCES,
				   "access violation: path too long");
		default:
			return say(why, cap, -EIO, "cannot open: %s",
				   strerror(errno));
		}
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;

		close(fd);
		return say(why, cap, -EIO, "cannot stat: %s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return say(why, cap, -EACCES,
			   "access violation: not a regular file");
	}
	/* Back to plain blocking reads for whoever sends it. */
	if (fcntl(fd, F_SETFL, 0) < 0) {
		int e = errno;

		close(fd);
		return say(why, cap, -EIO, "cannot open: %s", strerror(e));
	}
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	f->kind = BOOT_FILE;
	return 0;
}

/* ---- Rendered files ------------------------------------------------- */

/* ::ffff:a.b.c.d, as a dual-stack socket reports IPv4 peers, is a.b.c.d. */
static struct ip_addr ip_unmapped(const struct ip_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct ip_addr r = *a;

	if (a->family == AF_INET6 && memcmp(a->b, mapped, 12) == 0)
		ip_set_v4(&r, (uint32_t)a->b[12] << 24 | a->b[13] << 16 |
			  a->b[14] << 8 | a->b[15]);
	return r;
}

static bool ip_known(const struct ip_addr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

/* pxelinux hex-prefix names are only for clients in that prefix. */
static bool prefix_match(const struct ip_addr *client,
			 const struct boot_name *bn)
{
	uint32_t mask;

	if (client->family != AF_INET || bn->prefix_bits > 32)
		return false;
	mask = bn->prefix_bits ? ~0u << (32 - bn->prefix_bits) : 0;
	return (ip_v4(client) & mask) == (ip_v4(&bn->ip) & mask);
}

/* Text for the variables; the buffers outlive the render. */
struct var_bufs {
	char ip[IP_STRLEN], mac[MAC_STRLEN], mac_dash[MAC_STRLEN];
	char fqdn[64 + 1 + 256], server[IP_STRLEN], http[IP_STRLEN + 16];
};

static void vars_fill(struct boot_vars *v, struct var_bufs *b,
		      const struct ipam_machine *m,
		      const struct boot_client *c)
{
	struct ip_addr local = ip_unmapped(&c->local);

	memset(v, 0, sizeof(*v));
	b->http[0] = '\0';
	v->v[BV_HOSTNAME] = m->hostname;
	v->v[BV_DOMAIN] = m->domain;
	if (m->hostname[0] && m->domain[0])
		snprintf(b->fqdn, sizeof(b->fqdn), "%s.%s", m->hostname,
			 m->domain);
	else
		snprintf(b->fqdn, sizeof(b->fqdn), "%s", m->hostname);
	v->v[BV_FQDN] = b->fqdn;
	if (m->has_ip && ip_known(&m->ip))
		v->v[BV_IP] = ip_format(&m->ip, b->ip, sizeof(b->ip));
	if (m->has_mac) {
		v->v[BV_MAC] = mac_format(&m->mac, b->mac, sizeof(b->mac));
		memcpy(b->mac_dash, b->mac, sizeof(b->mac));
		for (char *p = b->mac_dash; *p; p++)
			if (*p == ':')
				*p = '-';
		v->v[BV_MAC_DASH] = b->mac_dash;
	}
	v->v[BV_ARCH] = m->arch;
	v->v[BV_PROFILE] = m->profile;
	v->v[BV_KERNEL] = m->kernel;
	v->v[BV_INITRD] = m->initrd;
	v->v[BV_CMDLINE] = m->cmdline;
	if (ip_known(&local)) {
		v->v[BV_SERVER] = ip_format(&local, b->server,
					    sizeof(b->server));
		if (c->http_port)
			snprintf(b->http, sizeof(b->http),
				 local.family == AF_INET6 ? "http://[%s]:%u" :
				 "http://%s:%u", b->server,
				 (unsigned)c->http_port);
		v->v[BV_HTTP] = b->http;
	}
}

/* The machine a name is for; 0 or 1 from IPAM, -ENOENT, or -EIO. */
static int machine_of(struct bootfs *fs, const struct boot_name *bn,
		      const struct boot_client *c, struct ipam_machine *m,
		      char *why, size_t cap)
{
	struct ip_addr src = ip_unmapped(&c->addr);
	int r;

	switch (bn->key) {
	case BOOT_BY_MAC:
		r = ipam_machine_by_mac(fs->db, &bn->mac, time(NULL), m);
		break;
	case BOOT_BY_IP:
		r = ipam_machine_by_ip(fs->db, &bn->ip, time(NULL), m);
		break;
	default:
		if (bn->prefix_bits && !prefix_match(&src, bn))
			return say(why, cap, -ENOENT, "file not found");
		if (!ip_known(&src))
			return say(why, cap, -ENOENT, "file not found");
		r = ipam_machine_by_ip(fs->db, &src, time(NULL), m);
		break;
	}
	if (r < 0)
		return say(why, cap, -EIO, "IPAM: %s", ipam_error(fs->db));
	/* IPAM fills these; the name says them anyway. */
	if (bn->key == BOOT_BY_MAC && !m->has_mac) {
		m->mac = bn->mac;
		m->has_mac = true;
	}
	if (bn->key == BOOT_BY_IP && !m->has_ip) {
		m->ip = bn->ip;
		m->has_ip = true;
	}
	return r;
}

static void what_fill(struct boot_file *f, const struct boot_name *bn,
		      const struct ipam_machine *m)
{
	char who[64];			/* a hostname, or "unknown " + an IP */
	char buf[IP_STRLEN];

	if (m->known && m->hostname[0])
		snprintf(who, sizeof(who), "%s", m->hostname);
	else if (m->has_mac)
		snprintf(who, sizeof(who), "unknown %s",
			 mac_format(&m->mac, buf, sizeof(buf)));
	else if (m->has_ip && ip_known(&m->ip))
		snprintf(who, sizeof(who), "unknown %s",
			 ip_format(&m->ip, buf, sizeof(buf)));
	else
		snprintf(who, sizeof(who), "unknown");
	snprintf(f->what, sizeof(f->what), "%s for %s (profile %s)",
		 boot_kind_name(bn->kind), who, m->profile);
}

static int render(struct bootfs *fs, const struct boot_name *bn,
		  const struct boot_client *c, struct boot_file *f,
		  char *why, size_t cap)
{
	const char *kind = kind_stems[bn->kind];
	struct ipam_machine m;
	struct tmpl_file *tf;
	struct boot_vars v;
	struct var_bufs b;
	char stem[TMPL_STEM_MAX + 64];
	size_t size;
	long n;
	int r;

	tmpl_recheck(fs);
	r = machine_of(fs, bn, c, &m, why, cap);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		goto out_error;
	snprintf(stem, sizeof(stem), "%s-%s", kind, m.profile);
	tf = tmpl_find(fs, stem);
	if (!tf)
		tf = tmpl_find(fs, kind);
	if (!tf) {
		r = say(why, cap, -ENOENT, "no template for %s", kind);
		goto out_error;
	}
	if (tf->rc < 0) {
		r = say(why, cap, -EIO, "template %s.tmpl: %s", tf->stem,
			tf->err);
		goto out_error;
	}
	vars_fill(&v, &b, &m, c);
	size = boot_tmpl_size(&tf->t, &v);
	f->data = malloc(size ? size : 1);
	if (!f->data) {
		r = say(why, cap, -EIO, "out of memory");
		goto out_error;
	}
	n = boot_tmpl_render(&tf->t, &v, f->data, size);
	if (n < 0 || (size_t)n != size) {
		boot_file_release(f);
		r = say(why, cap, -EIO, "rendering %s.tmpl failed", tf->stem);
		goto out_error;
	}
	f->size = size;
	f->kind = bn->kind;
	what_fill(f, bn, &m);
	fs->st.rendered++;
	return 0;

out_error:
	fs->st.render_errors++;
	return r;
}

int bootfs_get(struct bootfs *fs, const char *path, const char *query,
	       const struct boot_client *c, struct boot_file *f,
	       char *why, size_t cap)
{
	char clean[BOOT_PATH_MAX + 1];
	const char *reason = "empty path";
	struct boot_name bn = { .kind = BOOT_FILE };
	int r;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->kind = BOOT_FILE;
	if (why && cap)
		why[0] = '\0';
	/* One byte over the limit is enough for boot_path_clean to refuse. */
	r = path ? boot_path_clean(clean, sizeof(clean), path,
				   strnlen(path, BOOT_PATH_MAX + 1), &reason) :
		   -EACCES;
	if (r < 0)
		return say(why, cap, -EACCES, "access violation: %s", reason);
	if (fs->tdir >= 0)
		boot_name_classify(&bn, clean, query);
	r = open_file(fs, clean, f, why, cap);
	if (r == -ENOENT && bn.kind != BOOT_FILE)
		r = render(fs, &bn, c, f, why, cap);
	/* "/x" is the root's x (GRUB asks so); when the root has none, the
	 * client meant the host's own file: that is outside the root. */
	if (r == -ENOENT && path[0] == '/')
		return say(why, cap, -EACCES, "access violation: absolute "
			   "path outside the root");
	return r;
}

/*
 * Unit tests for tftpd/bootfs.c against real files: a temporary root
 * (regular files, a symlink that stays inside and two that leave, a
 * directory, a FIFO, a hand-written per-machine file), a temporary
 * templates folder (including a broken template, one for a single
 * profile, and files it must ignore) and a temporary IPAM database with
 * boot profiles, two hosts and machines it does not know. Template
 * reloads are seen by waiting out the one-second recheck. Log lines are
 * caught by pointing stderr at a file, to count them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "beneath.h"
#include "bootfs.h"
#include "ipam.h"
#include "log.h"
#include "test.h"
#include "../ipam/fixture.h"

static struct fixture fx;
static char top[64], root[128], tdir[128], outside[128];
static struct bootfs *fs;
static struct boot_file f;
static char why[256];
static char text[4096];

/* ---- the temporary world ---- */

static void path_of(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void write_file(const char *dir, const char *name, const char *s)
{
	char p[512];
	FILE *fp;

	path_of(p, sizeof(p), dir, name);
	fp = fopen(p, "w");
	if (!fp) {
		perror(p);
		exit(1);
	}
	fputs(s, fp);
	fclose(fp);
}

/* Rewrite a template and move its mtime, as an editor would. */
static void edit_file(const char *dir, const char *name, const char *s)
{
	static long bump = 10;
	struct timespec ts[2];
	char p[512];

	write_file(dir, name, s);
	path_of(p, sizeof(p), dir, name);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += bump++;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, p, ts, 0);
}

static void sub(const char *dir, const char *name, char *out, size_t size)
{
	path_of(out, size, dir, name);
	if (mkdir(out, 0755) < 0) {
		perror(out);
		exit(1);
	}
}

static const char pxe_tmpl[] =
	"P ${hostname} ${fqdn} ${ip} ${mac} ${mac_dash} ${arch} ${profile}\n"
	"K ${kernel} I ${initrd} C ${cmdline}\n"
	"S ${server} H ${http} $$\n";

static void world_setup(void)
{
	static const char *const macs1[] = { "52:54:00:12:34:56" };
	static const char *const macs2[] = { "52:54:00:00:00:02" };
	struct ipam_boot_profile_opts ubuntu = {
		.kernel = "ubuntu/vmlinuz", .initrd = "ubuntu/initrd",
		.cmdline = "console=ttyS0 quiet",
	};
	struct ipam_boot_profile_opts unknown = {
		.kernel = "enlist/vmlinuz", .initrd = "enlist/initrd",
		.cmdline = "enlist",
	};
	struct ipam_host_opts h1 = {
		.macs = macs1, .nmacs = 1, .ip = "10.0.0.5",
		.domain = "lab.example", .arch = "uefi-x64", .boot = "ubuntu",
	};
	struct ipam_host_opts h2 = {
		.macs = macs2, .nmacs = 1, .ip = "10.0.0.6",
	};
	char p[512];

	fx_open(&fx);
	fx_lab(fx.db);
	CHECK_INT(ipam_boot_profile_add(fx.db, "ubuntu", &ubuntu), 0);
	CHECK_INT(ipam_boot_profile_add(fx.db, "unknown", &unknown), 0);
	CHECK_INT(ipam_host_add(fx.db, "node1", &h1), 0);
	CHECK_INT(ipam_host_add(fx.db, "node2", &h2), 0);

	snprintf(top, sizeof(top), "/tmp/racknet-bootfs-XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		exit(1);
	}
	sub(top, "root", root, sizeof(root));
	sub(top, "templates", tdir, sizeof(tdir));
	sub(top, "outside", outside, sizeof(outside));
	write_file(outside, "secret", "secret\n");

	write_file(root, "pxelinux.0", "PXELINUX-BINARY");
	sub(root, "ubuntu", p, sizeof(p));
	write_file(root, "ubuntu/vmlinuz", "KERNEL-IMAGE-BYTES");
	sub(root, "dir", p, sizeof(p));
	sub(root, "pxelinux.cfg", p, sizeof(p));
	write_file(root, "pxelinux.cfg/01-52-54-00-00-00-09", "BY HAND\n");
	path_of(p, sizeof(p), root, "link-in");
	CHECK_INT(symlink("ubuntu/vmlinuz", p), 0);
	path_of(p, sizeof(p), root, "ubuntu/link-up");
	CHECK_INT(symlink("../pxelinux.0", p), 0);
	path_of(p, sizeof(p), root, "link-out");
	CHECK_INT(symlink("../outside/secret", p), 0);
	path_of(p, sizeof(p), root, "link-abs");
	CHECK_INT(symlink("/etc/passwd", p), 0);
	path_of(p, sizeof(p), root, "link-proc");
	CHECK_INT(symlink("/proc/self/root/etc/passwd", p), 0);
	path_of(p, sizeof(p), root, "link-loop");
	CHECK_INT(symlink("link-loop", p), 0);
	path_of(p, sizeof(p), root, "fifo");
	CHECK_INT(mkfifo(p, 0644), 0);

	write_file(tdir, "pxelinux.tmpl", pxe_tmpl);
	write_file(tdir, "pxelinux-local.tmpl", "LOCAL ${hostname}\n");
	write_file(tdir, "grub.tmpl", "G ${hostname} ${kernel}\n");
	write_file(tdir, "grub-ubuntu.tmpl", "ok\nlinux ${kernal}\n");
	write_file(tdir, "ipxe.tmpl", "#!ipxe\nkernel ${http}/${kernel}\n");
	write_file(tdir, "README.md", "not a template ${\n");
	write_file(tdir, "bogus.tmpl", "ignored ${\n");
	write_file(tdir, "pxelinux-Upper.tmpl", "ignored ${\n");
	sub(tdir, "grub-dir.tmpl", p, sizeof(p));
}

static void rm_tree(const char *dir)
{
	char cmd[256];

	/* Our own mkdtemp folder only. */
	if (strncmp(dir, "/tmp/racknet-bootfs-", 20) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* ---- stderr capture, to count log lines ---- */

static int saved_stderr = -1;
static char logpath[160];

static void log_capture(void)
{
	int fd;

	snprintf(logpath, sizeof(logpath), "%s/log", top);
	fflush(stderr);
	saved_stderr = dup(2);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	dup2(fd, 2);
	close(fd);
}

/* Stop capturing; how many lines held needle. */
static int log_count(const char *needle)
{
	char line[1024];
	int n = 0;
	FILE *fp;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	fp = fopen(logpath, "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		fputs(line, stderr);	/* still visible in the test log */
		if (strstr(line, needle))
			n++;
	}
	fclose(fp);
	return n;
}

/* ---- requests ---- */

static struct boot_client client(const char *addr, const char *local,
				 uint16_t http_port)
{
	struct boot_client c = { .http_port = http_port };

	CHECK_INT(ip_parse(&c.addr, addr), 0);
	CHECK_INT(ip_parse(&c.local, local), 0);
	return c;
}

static struct boot_client c5;	/* node1, asking 10.0.0.1 */

static int get_q(const char *path, const char *query,
		 const struct boot_client *c)
{
	int r;

	memset(&f, 0x5a, sizeof(f));
	memset(why, 'X', sizeof(why));
	r = bootfs_get(fs, path, query, c, &f, why, sizeof(why));
	text[0] = '\0';
	if (r == 0 && f.fd < 0 && f.size < sizeof(text)) {
		memcpy(text, f.data, f.size);
		text[f.size] = '\0';
	}
	if (r == 0 && f.fd >= 0 && f.size < sizeof(text)) {
		ssize_t n = pread(f.fd, text, sizeof(text) - 1, 0);

		text[n < 0 ? 0 : n] = '\0';
	}
	if (r < 0) {
		CHECK_INT(f.fd, -1);
		CHECK(f.data == NULL);
	}
	return r;
}

static int get(const char *path)
{
	return get_q(path, NULL, &c5);
}

#define CHECK_FILE(path, want)                                            \
	do {                                                              \
		CHECK_INT(get(path), 0);                                  \
		CHECK(f.fd >= 0);                                         \
		CHECK(!(fcntl(f.fd, F_GETFL) & O_NONBLOCK));              \
		CHECK(f.data == NULL);                                    \
		CHECK_INT(f.kind, BOOT_FILE);                             \
		CHECK_INT(f.size, strlen(want));                          \
		CHECK_STR(text, want);                                    \
		CHECK_STR(f.what, "");                                    \
		boot_file_release(&f);                                    \
	} while (0)

#define CHECK_GET_FAILS(path, code, msg)                                  \
	do {                                                              \
		CHECK_INT(get(path), code);                               \
		CHECK_CONTAINS(why, msg);                                 \
		boot_file_release(&f);                                    \
	} while (0)

TEST(plain_files)
{
	CHECK_FILE("pxelinux.0", "PXELINUX-BINARY");
	CHECK_FILE("ubuntu/vmlinuz", "KERNEL-IMAGE-BYTES");
	CHECK_FILE("./ubuntu//vmlinuz", "KERNEL-IMAGE-BYTES");
	CHECK_FILE("ubuntu/vmlinuz/", "KERNEL-IMAGE-BYTES");
	/* Symlinks that stay inside the root are served. */
	CHECK_FILE("link-in", "KERNEL-IMAGE-BYTES");
	CHECK_FILE("/pxelinux.0", "PXELINUX-BINARY");	/* GRUB-style */
	CHECK_FILE("ubuntu/link-up", "PXELINUX-BINARY");
	/* A real file wins over the one we would render. */
	CHECK_FILE("pxelinux.cfg/01-52-54-00-00-00-09", "BY HAND\n");
}

TEST(refused)
{
	CHECK_GET_FAILS("../outside/secret", -EACCES, "access violation");
	CHECK_GET_FAILS("ubuntu/../../outside/secret", -EACCES, "'..'");
	CHECK_GET_FAILS("/etc/passwd", -EACCES, "absolute path outside");
	CHECK_GET_FAILS("//ubuntu/../../x", -EACCES, "'..'");
	CHECK_GET_FAILS("", -EACCES, "empty");
	CHECK_GET_FAILS("a\x01", -EACCES, "control");
	CHECK_GET_FAILS("link-out", -EACCES, "outside the root");
	CHECK_GET_FAILS("link-abs", -EACCES, "outside the root");
	CHECK_GET_FAILS("link-proc", -EACCES, "outside the root");
	CHECK_GET_FAILS("link-loop", -EACCES, "access violation");
	CHECK_GET_FAILS("dir", -EACCES, "not a regular file");
	CHECK_GET_FAILS("dir/", -EACCES, "not a regular file");
	CHECK_GET_FAILS("pxelinux.cfg", -EACCES, "not a regular file");
	/* A FIFO is refused at once, not waited on. */
	CHECK_GET_FAILS("fifo", -EACCES, "not a regular file");
	CHECK_INT(bootfs_get(fs, NULL, NULL, &c5, &f, why, sizeof(why)),
		  -EACCES);
	/* Overlong, even as a C string without a length. */
	{
		char *big = malloc(BOOT_PATH_MAX + 10);

		memset(big, 'a', BOOT_PATH_MAX + 9);
		big[BOOT_PATH_MAX + 9] = '\0';
		CHECK_GET_FAILS(big, -EACCES, "too long");
		free(big);
	}
}

TEST(missing)
{
	CHECK_GET_FAILS("missing", -ENOENT, "file not found");
	CHECK_GET_FAILS("missing/x", -ENOENT, "file not found");
	CHECK_GET_FAILS("pxelinux.0/x", -ENOENT, "file not found");
	/* Names we do not render stay "not found". */
	CHECK_GET_FAILS("pxelinux.cfg/b8945908-d6a6-41a9-611d-74a6ab80b83d",
			-ENOENT, "file not found");
	CHECK_GET_FAILS("pxelinux.cfg/01-52-54-00-12-34", -ENOENT,
			"file not found");
}

static const char node1_pxe[] =
	"P node1 node1.lab.example 10.0.0.5 52:54:00:12:34:56 "
	"52-54-00-12-34-56 uefi-x64 ubuntu\n"
	"K ubuntu/vmlinuz I ubuntu/initrd C console=ttyS0 quiet\n"
	"S 10.0.0.1 H http://10.0.0.1:8080 $\n";

#define CHECK_RENDERED(kind_, want, what_)                                \
	do {                                                              \
		CHECK_INT(f.fd, -1);                                      \
		CHECK(f.data != NULL);                                    \
		CHECK_INT(f.kind, kind_);                                 \
		CHECK_STR(text, want);                                    \
		CHECK_STR(f.what, what_);                                 \
		boot_file_release(&f);                                    \
	} while (0)

TEST(render_pxelinux)
{
	struct boot_client other = client("10.0.0.99", "10.0.0.1", 8080);
	struct boot_client mapped = client("::ffff:10.0.0.5",
					   "::ffff:10.0.0.1", 8080);

	CHECK_INT(get("pxelinux.cfg/01-52-54-00-12-34-56"), 0);
	CHECK_RENDERED(BOOT_PXELINUX, node1_pxe,
		       "pxelinux for node1 (profile ubuntu)");
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-12-34-56"), 0);
	CHECK_INT(f.size, strlen(node1_pxe));
	boot_file_release(&f);
	CHECK_INT(get("./pxelinux.cfg//01-52-54-00-12-34-56"), 0);
	CHECK_STR(text, node1_pxe);
	boot_file_release(&f);
	/* By IP, and by the asking client's address. */
	CHECK_INT(get_q("pxelinux.cfg/0A000005", NULL, &other), 0);
	CHECK_RENDERED(BOOT_PXELINUX, node1_pxe,
		       "pxelinux for node1 (profile ubuntu)");
	CHECK_INT(get("pxelinux.cfg/default"), 0);
	CHECK_RENDERED(BOOT_PXELINUX, node1_pxe,
		       "pxelinux for node1 (profile ubuntu)");
	CHECK_INT(get("pxelinux.cfg/0A0000"), 0);
	CHECK_RENDERED(BOOT_PXELINUX, node1_pxe,
		       "pxelinux for node1 (profile ubuntu)");
	/* A dual-stack socket's view of an IPv4 client is the same client. */
	CHECK_INT(get_q("pxelinux.cfg/0A", NULL, &mapped), 0);
	CHECK_RENDERED(BOOT_PXELINUX, node1_pxe,
		       "pxelinux for node1 (profile ubuntu)");
	/* A hex prefix the client is not in is not its file. */
	CHECK_GET_FAILS("pxelinux.cfg/0A01", -ENOENT, "file not found");
	CHECK_GET_FAILS("pxelinux.cfg/C0A80", -ENOENT, "file not found");
}

TEST(render_profiles)
{
	struct boot_client stranger = client("10.0.0.99", "10.0.0.1", 0);

	/* node2 has no boot profile: the default, "local". */
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-00-00-02"), 0);
	CHECK_RENDERED(BOOT_PXELINUX, "LOCAL node2\n",
		       "pxelinux for node2 (profile local)");
	CHECK_INT(get("pxelinux.cfg/0A000006"), 0);
	CHECK_RENDERED(BOOT_PXELINUX, "LOCAL node2\n",
		       "pxelinux for node2 (profile local)");
	/* An unknown MAC gets the unknown profile's kernel. */
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-AA-BB-CC"), 0);
	CHECK_CONTAINS(text, "K enlist/vmlinuz I enlist/initrd C enlist\n");
	CHECK_CONTAINS(text, " 52:54:00:aa:bb:cc 52-54-00-aa-bb-cc ");
	CHECK_STR(f.what,
		  "pxelinux for unknown 52:54:00:aa:bb:cc (profile unknown)");
	boot_file_release(&f);
	/* An unknown address, asking for itself, without HTTP. */
	CHECK_INT(get_q("pxelinux.cfg/default", NULL, &stranger), 0);
	CHECK_CONTAINS(text, "P   10.0.0.99   ");
	CHECK_CONTAINS(text, "S 10.0.0.1 H  $\n");
	CHECK_STR(f.what, "pxelinux for unknown 10.0.0.99 (profile unknown)");
	boot_file_release(&f);
}

TEST(render_grub_ipxe)
{
	struct boot_client v6 = client("fd00::5", "fd00::1", 8080);
	struct boot_client nohttp = client("10.0.0.5", "10.0.0.1", 0);

	/* node1's GRUB template is broken: an error naming file and line. */
	CHECK_GET_FAILS("grub/grub.cfg-01-52-54-00-12-34-56", -EIO,
			"template grub-ubuntu.tmpl: line 2: unknown variable "
			"${kernal}");
	CHECK_GET_FAILS("grub/grub.cfg-10.0.0.5", -EIO, "grub-ubuntu.tmpl");
	/* ... the others keep working. */
	CHECK_INT(get("grub/grub.cfg-52:54:00:00:00:02"), 0);
	CHECK_RENDERED(BOOT_GRUB, "G node2 \n",
		       "grub for node2 (profile local)");
	CHECK_INT(get("grub/grub.cfg-0A000006"), 0);
	CHECK_RENDERED(BOOT_GRUB, "G node2 \n",
		       "grub for node2 (profile local)");

	CHECK_INT(get_q("boot.ipxe", "mac=52:54:00:12:34:56", &c5), 0);
	CHECK_RENDERED(BOOT_IPXE,
		       "#!ipxe\nkernel http://10.0.0.1:8080/ubuntu/vmlinuz\n",
		       "ipxe for node1 (profile ubuntu)");
	CHECK_INT(get_q("boot.ipxe", NULL, &nohttp), 0);
	CHECK_RENDERED(BOOT_IPXE, "#!ipxe\nkernel /ubuntu/vmlinuz\n",
		       "ipxe for node1 (profile ubuntu)");
	CHECK_INT(get_q("ipxe/52:54:00:12:34:56.ipxe", NULL, &v6), 0);
	CHECK_RENDERED(BOOT_IPXE,
		       "#!ipxe\nkernel http://[fd00::1]:8080/ubuntu/vmlinuz\n",
		       "ipxe for node1 (profile ubuntu)");
	/* A malformed MAC where one is expected: just a missing file. */
	CHECK_INT(get_q("boot.ipxe", "mac=nope", &c5), -ENOENT);
	CHECK_STR(why, "file not found");
}

TEST(without_templates)
{
	struct bootfs *plain;
	char err[256];

	plain = bootfs_new(root, NULL, NULL, err, sizeof(err));
	CHECK(plain != NULL);
	if (!plain)
		return;
	CHECK_INT(bootfs_get(plain, "pxelinux.cfg/01-52-54-00-12-34-56", NULL,
			     &c5, &f, why, sizeof(why)), -ENOENT);
	CHECK_STR(why, "file not found");
	CHECK_INT(bootfs_get(plain, "pxelinux.0", NULL, &c5, &f, why,
			     sizeof(why)), 0);
	CHECK(f.fd >= 0);
	boot_file_release(&f);
	boot_file_release(&f);		/* twice is harmless */
	CHECK_INT(f.fd, -1);
	bootfs_free(plain);
	bootfs_free(NULL);
}

TEST(new_errors)
{
	char err[256], p[256];

	CHECK(bootfs_new("/nonexistent/racknet", NULL, NULL, err,
			 sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "/nonexistent/racknet");
	path_of(p, sizeof(p), root, "pxelinux.0");
	CHECK(bootfs_new(p, NULL, NULL, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "Not a directory");
	CHECK(bootfs_new(root, "/nonexistent/tmpl", fx.db, err,
			 sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "templates /nonexistent/tmpl");
	CHECK(bootfs_new(root, tdir, NULL, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "no IPAM database");
	CHECK(bootfs_new(NULL, NULL, NULL, err, sizeof(err)) == NULL);
}

/*
 * The hand walk (beneath.h) against openat2() on the same paths, raw (not
 * through boot_path_clean()): the same file, or the same errno.
 */
TEST(walk_agrees)
{
	static const char *const paths[] = {
		"pxelinux.0", "ubuntu/vmlinuz", "./ubuntu//vmlinuz", ".",
		"ubuntu/..", "ubuntu/../pxelinux.0", "link-in", "ubuntu/link-up",
		"ubuntu/link-dir/../pxelinux.0", "ubuntu/link-dir/", "dir/",
		"dir/..", "ubuntu/vmlinuz/", "pxelinux.0/x", "missing",
		"missing/x", "link-loop", "link-out", "link-abs", "link-proc",
		"..", "../outside/secret", "ubuntu/../../outside/secret",
		"/pxelinux.0", "fifo", "",
	};
	char p[512];
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	path_of(p, sizeof(p), root, "ubuntu/link-dir");
	CHECK_INT(symlink("../dir", p), 0);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int flags = O_RDONLY | O_NONBLOCK, a, ea, b, eb;
		struct stat sa, sb;

		errno = 0;
		a = beneath_open(rootfd, paths[i], flags, false);
		ea = errno;
		errno = 0;
		b = beneath_open(rootfd, paths[i], flags, true);
		eb = errno;
		if ((a < 0) != (b < 0) || (a < 0 && ea != eb))
			fprintf(stderr, "walk_agrees: '%s': openat2 %d (%s), "
				"walk %d (%s)\n", paths[i], a, strerror(ea), b,
				strerror(eb));
		CHECK_INT(a < 0, b < 0);
		if (a < 0 && b < 0)
			CHECK_INT(ea, eb);
		if (a >= 0 && b >= 0) {
			CHECK_INT(fstat(a, &sa), 0);
			CHECK_INT(fstat(b, &sb), 0);
			CHECK_INT(sa.st_ino, sb.st_ino);
			CHECK(fcntl(b, F_GETFD) & FD_CLOEXEC);
		}
		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
	}
	/* Past the symlink limit; ".." pops, so this is never deep. */
	CHECK_INT(beneath_open(rootfd, "link-loop", O_RDONLY, true), -1);
	CHECK_INT(errno, ELOOP);
	{
		char deep[8 * (BENEATH_DEPTH_MAX + 2)] = "";

		for (int i = 0; i <= BENEATH_DEPTH_MAX; i++)
			strcat(deep, "dir/../");
		int fd = beneath_open(rootfd, deep, O_PATH | O_DIRECTORY, true);

		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
	CHECK_INT(unlink(p), 0);
	close(rootfd);
}

/*
 * A kernel without openat2, as seccomp makes one (and valgrind before
 * 3.21): said once, then the same files served and the same refusals.
 */
TEST(no_openat2)
{
	struct sock_filter filt[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filt) / sizeof(filt[0]), .filter = filt,
	};
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		char err[256] = "";
		struct bootfs *saved = fs;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(3);
		log_capture();
		fs = bootfs_new(root, NULL, NULL, err, sizeof(err));
		CHECK_INT(log_count("no openat2() here"), 1);
		CHECK(fs != NULL);
		if (fs) {
			plain_files();
			refused();
			missing();
			bootfs_free(fs);
		}
		fs = saved;
		fflush(NULL);
		_exit(test_failures ? 1 : 0);
	}
	CHECK(pid > 0);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

static void wait_recheck(void)
{
	struct timespec ts = { 1, 150 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

TEST(reload)
{
	struct bootfs_stats st0, st1;
	int lines;

	bootfs_stats(fs, &st0);
	CHECK_INT(st0.template_reloads, 0);

	/* An edit is seen after the recheck interval. */
	edit_file(tdir, "pxelinux-local.tmpl", "LOCAL2 ${hostname}\n");
	wait_recheck();
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-00-00-02"), 0);
	CHECK_RENDERED(BOOT_PXELINUX, "LOCAL2 node2\n",
		       "pxelinux for node2 (profile local)");

	/* Broken at run time: one log line, an error per request, the
	 * other templates unharmed; fixed again, it serves again. */
	log_capture();
	edit_file(tdir, "pxelinux-local.tmpl", "x\n\n${oops\n");
	wait_recheck();
	for (int i = 0; i < 3; i++) {
		CHECK_INT(get("pxelinux.cfg/01-52-54-00-00-00-02"), -EIO);
		boot_file_release(&f);
	}
	CHECK_CONTAINS(why, "pxelinux-local.tmpl: line 3: '${' without a "
		       "closing '}'");
	wait_recheck();
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-00-00-02"), -EIO);
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-12-34-56"), 0);
	boot_file_release(&f);
	lines = log_count("pxelinux-local.tmpl: line 3");
	CHECK_INT(lines, 1);
	edit_file(tdir, "pxelinux-local.tmpl", "LOCAL3\n");
	wait_recheck();
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-00-00-02"), 0);
	CHECK_RENDERED(BOOT_PXELINUX, "LOCAL3\n",
		       "pxelinux for node2 (profile local)");

	/* A new template for one profile; then a removed one. */
	write_file(tdir, "pxelinux-unknown.tmpl", "ENLIST ${mac}\n");
	{
		char p[512];

		path_of(p, sizeof(p), tdir, "ipxe.tmpl");
		CHECK_INT(unlink(p), 0);
	}
	wait_recheck();
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-aa-bb-cc"), 0);
	CHECK_RENDERED(BOOT_PXELINUX, "ENLIST 52:54:00:aa:bb:cc\n",
		       "pxelinux for unknown 52:54:00:aa:bb:cc (profile "
		       "unknown)");
	CHECK_GET_FAILS("boot.ipxe", -ENOENT, "no template for ipxe");

	bootfs_stats(fs, &st1);
	/* Three edits, one new file, one removed. */
	CHECK_INT(st1.template_reloads, 5);
	CHECK(st1.rendered > st0.rendered);
	CHECK(st1.render_errors >= st0.render_errors + 5);
}

TEST(stats)
{
	struct bootfs_stats a, b;

	bootfs_stats(fs, &a);
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-12-34-56"), 0);
	boot_file_release(&f);
	CHECK_INT(get("grub/grub.cfg-01-52-54-00-12-34-56"), -EIO);
	CHECK_INT(get("pxelinux.0"), 0);	/* files are not renders */
	boot_file_release(&f);
	CHECK_INT(get("pxelinux.cfg/0A01"), -ENOENT);	/* not an error */
	bootfs_stats(fs, &b);
	CHECK_INT(b.rendered, a.rendered + 1);
	CHECK_INT(b.render_errors, a.render_errors + 1);
}

/* tftpd/templates/, found from this file's own (absolute) path. */
static void shipped_dir(char *buf, size_t size)
{
	const char *me = __FILE__, *tail = strstr(me, "tests/tftpd/");
	int n = tail ? (int)(tail - me) : 0;

	snprintf(buf, size, "%.*stftpd/templates", n, me);
}

/* The templates racknet ships, rendered for real machines. */
TEST(shipped_templates)
{
	struct bootfs *saved = fs;
	struct boot_client c6 = client("10.0.0.6", "10.0.0.1", 8080);
	char dir[512], err[256];

	shipped_dir(dir, sizeof(dir));
	fs = bootfs_new(root, dir, fx.db, err, sizeof(err));
	CHECK(fs != NULL);
	if (!fs) {
		fprintf(stderr, "bootfs_new: %s\n", err);
		fs = saved;
		return;
	}
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-12-34-56"), 0);
	CHECK_CONTAINS(text, "\nDEFAULT racknet\n");
	CHECK_CONTAINS(text, "\n  KERNEL ubuntu/vmlinuz\n"
		       "  APPEND initrd=ubuntu/initrd console=ttyS0 quiet\n");
	boot_file_release(&f);
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-00-00-02"), 0);
	CHECK_CONTAINS(text, "\n  LOCALBOOT 0\n");
	boot_file_release(&f);
	CHECK_INT(get("pxelinux.cfg/01-52-54-00-aa-bb-cc"), 0);
	CHECK_CONTAINS(text, "\n  KERNEL enlist/vmlinuz\n"
		       "  APPEND initrd=enlist/initrd enlist\n");
	boot_file_release(&f);
	CHECK_INT(get("grub/grub.cfg-01-52-54-00-12-34-56"), 0);
	CHECK_CONTAINS(text, "\n\tlinux /ubuntu/vmlinuz console=ttyS0 quiet\n"
		       "\tinitrd /ubuntu/initrd\n");
	CHECK_CONTAINS(text, "($root: TFTP");
	boot_file_release(&f);
	CHECK_INT(get_q("grub/grub.cfg", NULL, &c6), 0);	/* node2 */
	CHECK_CONTAINS(text, "\n\texit\n");
	boot_file_release(&f);
	CHECK_INT(get_q("boot.ipxe", "mac=52:54:00:12:34:56", &c5), 0);
	CHECK(strncmp(text, "#!ipxe\n", 7) == 0);
	CHECK_CONTAINS(text, "\nkernel http://10.0.0.1:8080/ubuntu/vmlinuz "
		       "initrd=initrd console=ttyS0 quiet\n"
		       "initrd --name initrd "
		       "http://10.0.0.1:8080/ubuntu/initrd\nboot\n");
	boot_file_release(&f);
	CHECK_INT(get("ipxe/52-54-00-00-00-02"), 0);
	CHECK_CONTAINS(text, "\nsanboot --no-describe --drive 0x80 || exit\n");
	boot_file_release(&f);
	bootfs_free(fs);
	fs = saved;
}

int main(void)
{
	char err[256];

	log_init("test_bootfs", LL_INFO, false);
	world_setup();
	c5 = client("10.0.0.5", "10.0.0.1", 8080);
	log_capture();
	fs = bootfs_new(root, tdir, fx.db, err, sizeof(err));
	/* The broken template is said once at start, the odd names too. */
	CHECK_INT(log_count("grub-ubuntu.tmpl: line 2: unknown variable"), 1);
	if (!fs) {
		fprintf(stderr, "bootfs_new: %s\n", err);
		return 1;
	}
	RUN(plain_files);
	RUN(refused);
	RUN(missing);
	RUN(render_pxelinux);
	RUN(render_profiles);
	RUN(render_grub_ipxe);
	RUN(stats);
	RUN(without_templates);
	RUN(new_errors);
	RUN(walk_agrees);
	RUN(no_openat2);
	RUN(shipped_templates);
	RUN(reload);
	bootfs_free(fs);
	fx_close(&fx);
	rm_tree(top);
	return test_done();
}

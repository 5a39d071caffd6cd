/*
 * racknet run's preparations as root, before any daemon starts: the user
 * the daemons become (created with useradd when missing), the database
 * and its folder handed to that user, the state directory, chrony.conf
 * from IPAM. Every file root changes here is opened without following
 * links and changed through its descriptor.
 */
#include "cli_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"

#define USERADD_TIMEOUT_MS 30000
#define DIR_SCAN_MAX 64		/* entries looked at in the database's folder */

/* ---- the user ---- */

/* Run argv (no shell) and wait at most timeout_ms: its exit status, or
 * -errno. */
static int spawn_wait(char *const argv[], int timeout_ms)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "racknet: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	for (int waited = 0;; waited += 50) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (waited >= timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
}

/* The user exists afterwards, or we say why not. */
int run_ensure_user(struct run *r)
{
	char *argv[] = { "/usr/sbin/useradd", "--system", "--user-group",
			 "--no-create-home", "--home-dir", "/nonexistent",
			 "--shell", "/usr/sbin/nologin", "--comment",
			 "racknet daemons", (char *)r->user, NULL };
	int s, e = priv_user_lookup(r->user, &r->uid, &r->gid);

	if (e == 0)
		return 0;
	if (e != -ENOENT) {
		log_error("cannot look up user %s: %s", r->user, strerror(-e));
		return -1;
	}
	if (!run_executable(argv[0]))
		argv[0] = "/sbin/useradd";
	s = spawn_wait(argv, USERADD_TIMEOUT_MS);
	/* The user is what counts: another run may have made it meanwhile
	 * (then our useradd failed on the lock or the name). */
	e = priv_user_lookup(r->user, &r->uid, &r->gid);
	if (e < 0) {
		if (s < 0)
			log_error("cannot create user %s: useradd: %s", r->user,
				  strerror(-s));
		else
			log_error("cannot create user %s: useradd exited with "
				  "status %d", r->user, s);
		return -1;
	}
	log_notice("%s system user %s (uid %u, group %u) for the daemons",
		   s == 0 ? "created" : "found", r->user, (unsigned)r->uid,
		   (unsigned)r->gid);
	return 0;
}

/* ---- the database's owner ---- */

/* fd to uid:gid with at least the owner bits of need, said once. */
static int own(int fd, const char *what, uid_t uid, gid_t gid, mode_t need)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if ((st.st_uid != uid || st.st_gid != gid)) {
		if (fchown(fd, uid, gid) < 0)
			return -errno;
		log_notice("%s now belongs to %u:%u (was %u:%u)", what,
			   (unsigned)uid, (unsigned)gid, (unsigned)st.st_uid,
			   (unsigned)st.st_gid);
	}
	if ((st.st_mode & need) != need &&
	    fchmod(fd, (st.st_mode & 07777) | need) < 0)
		return -errno;
	return 0;
}

/* Only the database and SQLite's files beside it are in the folder. */
static bool folder_is_the_databases(int dfd, const char *base)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	bool ok = d != NULL;

	for (int n = 0; ok && (e = readdir(d)); n++) {
		bool mine = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
		size_t bl = strlen(base);

		for (size_t i = 0; !mine && i < 4; i++)
			mine = !strncmp(e->d_name, base, bl) &&
			       !strcmp(e->d_name + bl, sfx[i]);
		ok = mine && n < DIR_SCAN_MAX;
	}
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * The database file and SQLite's -wal, -shm and -journal files beside it
 * become the user's (mode u+rw added); the folder too (u+rwx), if it holds
 * nothing else and is not world-writable. Each file is opened with
 * O_NOFOLLOW and changed through its descriptor: a link planted by the
 * user cannot send root's chown elsewhere.
 */
int run_chown_db(struct run *r)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char dir[PATH_MAX], base[PATH_MAX], name[PATH_MAX + 16];
	struct stat st;
	int dfd, r2 = 0;

	snprintf(dir, sizeof(dir), "%s", r->db_path);
	snprintf(base, sizeof(base), "%s", r->db_path);
	snprintf(base, sizeof(base), "%s", basename(base));
	dirname(dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		log_error("cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < 4 && r2 == 0; i++) {
		int fd;

		snprintf(name, sizeof(name), "%s%s", base, sfx[i]);
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			    O_NOCTTY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && i > 0)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			log_error("%s/%s: %s", dir, name, fd < 0 ?
				  strerror(errno) : "not a regular file");
			r2 = -1;
		} else if ((r2 = own(fd, name, r->uid, r->gid,
				     S_IRUSR | S_IWUSR)) < 0) {
			log_error("cannot give %s/%s to %s: %s", dir, name,
				  r->user, strerror(-r2));
		}
		if (fd >= 0)
			close(fd);
	}
	if (r2 == 0 && fstat(dfd, &st) == 0 && strcmp(dir, "/") &&
	    !(st.st_mode & S_IWOTH) && folder_is_the_databases(dfd, base)) {
		r2 = own(dfd, dir, r->uid, r->gid, S_IRWXU);
		if (r2 < 0)
			log_error("cannot give %s to %s: %s", dir, r->user,
				  strerror(-r2));
	} else if (r2 == 0 && st.st_uid != r->uid) {
		log_info("%s holds more than the database: it stays owned by "
			 "uid %u (the daemons open the database before they "
			 "drop root)", dir, (unsigned)st.st_uid);
	}
	close(dfd);
	return r2;
}

/* ---- the state directory and chrony.conf ---- */

/* path is a directory (made if missing, never a symlink); with set,
 * owned by uid:gid with exactly mode. */
int run_make_dir(const char *path, mode_t mode, bool set, uid_t uid,
		 gid_t gid)
{
	int fd, r = 0;

	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_error("%s: %s", path, errno == ELOOP || errno == ENOTDIR ?
			  "not a directory" : strerror(errno));
		return -1;
	}
	if (set && (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)) {
		log_error("cannot set the owner of %s: %s", path,
			  strerror(errno));
		r = -1;
	}
	close(fd);
	return r;
}

int run_chrony_write(struct run *r)
{
	struct ipam_chrony_opts co = { .state_dir = r->chrony_dir };
	char tmp[PATH_MAX + 32], *text = NULL;
	size_t len, off = 0;
	int fd, e;

	e = ipam_chrony_conf(r->db, &co, &text);
	if (e < 0) {
		log_error("cannot make chrony.conf: %s", ipam_error(r->db));
		return e;
	}
	if (r->chrony_text && !strcmp(r->chrony_text, text)) {
		free(text);
		return 0;
	}
	/* Written aside and renamed over: chronyd never reads half a file. */
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", r->chrony_conf, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	len = strlen(text);
	while (fd >= 0 && off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	e = fd < 0 || off < len || close(fd) < 0 ? -errno : 0;
	if (e == 0 && rename(tmp, r->chrony_conf) < 0)
		e = -errno;
	if (e < 0) {
		log_error("cannot write %s: %s", r->chrony_conf,
			  strerror(-e ? -e : EIO));
		unlink(tmp);
		free(text);
		return e ? e : -EIO;
	}
	free(r->chrony_text);
	r->chrony_text = text;
	return 1;
}

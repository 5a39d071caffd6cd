/*
 * What /proc says about the daemons, for racknet run and racknet status:
 * whether a pid is still the process we started (its start time in clock
 * ticks since boot, field 22 of /proc/PID/stat, so a reused pid is not
 * mistaken for ours), and which UDP and TCP sockets it listens on (the
 * socket inodes among /proc/PID/fd, looked up in /proc/PID/net/{udp,tcp}
 * and their IPv6 twins, which describe the process's own network
 * namespace). Every read is bounded.
 */
#include "cli_run.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STAT_MAX 4096
#define FDS_MAX 8192		/* descriptors looked at per process */
#define NET_LINES_MAX 65536	/* lines read per /proc/net file */
#define NET_LINE_LEN 512

int64_t run_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The text of a small /proc file, NUL-terminated; its length or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (off < size - 1) {
		ssize_t n = read(fd, buf + off, size - 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	return (ssize_t)off;
}

/* State letter and start time of pid. */
static int proc_stat(pid_t pid, char *ret_state, unsigned long long *ret)
{
	char path[64], buf[STAT_MAX], *p, *end;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	n = read_small(path, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 ? (int)n : -ESRCH;
	/* The command name may hold spaces and ')': skip to the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EINVAL;
	p += 2;
	*ret_state = *p;
	/* Field 3 is the state; field 22 the start time: 19 more on. */
	for (int f = 3; f < 22; f++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	errno = 0;
	*ret = strtoull(p, &end, 10);
	if (errno || end == p)
		return -EINVAL;
	return 0;
}

int run_proc_ticks(pid_t pid, unsigned long long *ret)
{
	char state;

	return proc_stat(pid, &state, ret);
}

int64_t run_ticks_to_time(unsigned long long ticks)
{
	char line[512];
	long hz = sysconf(_SC_CLK_TCK);
	bool at_start = true;
	int64_t btime = -1;
	FILE *f = fopen("/proc/stat", "re");

	if (!f || hz <= 0) {
		if (f)
			fclose(f);
		return 0;
	}
	/* The intr line can be tens of kilobytes: read in pieces, and look
	 * at the start of each line only. */
	for (int i = 0; i < 100000 && fgets(line, sizeof(line), f); i++) {
		if (at_start && !strncmp(line, "btime ", 6)) {
			btime = strtoll(line + 6, NULL, 10);
			break;
		}
		at_start = strchr(line, '\n') != NULL;
	}
	fclose(f);
	if (btime < 0)
		return 0;
	return btime + (int64_t)(ticks / (unsigned long)hz);
}

bool run_proc_is(pid_t pid, unsigned long long ticks)
{
	unsigned long long t;
	char state;

	if (pid <= 0 || proc_stat(pid, &state, &t) < 0)
		return false;
	return state != 'Z' && state != 'X' && t == ticks;
}

/* Signal each live orphan; whether any was alive. */
static bool signal_orphans(const json_t *daemons, int sig)
{
	bool any = false;
	size_t i;
	json_t *d;

	json_array_foreach(daemons, i, d) {
		pid_t pid = (pid_t)json_integer_value(json_object_get(d, "pid"));
		json_int_t t = json_integer_value(json_object_get(d, "ticks"));

		if (!run_proc_is(pid, (unsigned long long)t))
			continue;
		any = true;
		if (sig == 0)
			continue;
		log_warn("%s (pid %d) was left running by a racknet run that "
			 "died: %s", json_string_value(json_object_get(d, "name")),
			 (int)pid, sig == SIGKILL ? "SIGKILL" : "stopping it");
		kill(pid, sig);
	}
	return any;
}

void run_stop_orphans(const json_t *daemons)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	int rounds = RUN_STOP_GRACE_MS / 100;

	if (!signal_orphans(daemons, SIGTERM))
		return;
	/* Not our children: no waitpid, so look every 100 ms, bounded. */
	for (int i = 0; i < rounds && signal_orphans(daemons, 0); i++)
		nanosleep(&tick, NULL);
	if (!signal_orphans(daemons, SIGKILL))
		return;
	for (int i = 0; i < 20 && signal_orphans(daemons, 0); i++)
		nanosleep(&tick, NULL);
}

void run_describe_exit(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by signal %d (%s)%s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)),
			 WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, size, "ended (wait status %#x)", (unsigned)status);
}

/* ---- listening sockets ---- */

static int cmp_ino(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The socket inodes among pid's descriptors, sorted; how many, or -errno
 * (no permission: not root and not the process's user). */
static int socket_inodes(pid_t pid, unsigned long *ino, int max)
{
	char path[64], link[64], name[64 + 256];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	for (int seen = 0; n < max && seen < FDS_MAX && (e = readdir(d));
	     seen++) {
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%s/%s", path, e->d_name);
		len = readlink(name, link, sizeof(link) - 1);
		if (len <= 8)
			continue;
		link[len] = '\0';
		if (strncmp(link, "socket:[", 8))
			continue;
		ino[n++] = strtoul(link + 8, NULL, 10);
	}
	closedir(d);
	qsort(ino, (size_t)n, sizeof(*ino), cmp_ino);
	return n;
}

/* Split line at blanks into at most max fields; how many. */
static int fields(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	while (n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		f[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/* "0100007F:0035" (v4) or 32 hex digits + ":PORT" (v6), each 32-bit word
 * in the kernel's byte order, as "127.0.0.1:53" or "[::1]:53". */
static int format_addr(const char *hex, bool v6, char *out, size_t size)
{
	unsigned char b[16];
	char a[INET6_ADDRSTRLEN], word[9];
	size_t words = v6 ? 4 : 1;
	const char *colon = strchr(hex, ':');
	unsigned long port;

	if (!colon || (size_t)(colon - hex) != words * 8)
		return -EINVAL;
	for (size_t w = 0; w < words; w++) {
		uint32_t v;

		memcpy(word, hex + w * 8, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(b + w * 4, &v, 4);
	}
	port = strtoul(colon + 1, NULL, 16);
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, b, a, sizeof(a)))
		return -EINVAL;
	snprintf(out, size, v6 ? "[%s]:%lu" : "%s:%lu", a, port);
	return 0;
}

static void add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v), s))
			return;
	json_array_append_new(arr, json_string(s));
}

/* The sockets of one /proc/PID/net file that are ours and listening. */
static void scan_net(pid_t pid, const char *file, const unsigned long *ino,
		     int nino, json_t *out)
{
	bool tcp = !strncmp(file, "tcp", 3), v6 = strchr(file, '6') != NULL;
	char path[64], line[NET_LINE_LEN], addr[80], text[96];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, file);
	f = fopen(path, "re");
	if (!f)
		return;
	for (int n = 0; n < NET_LINES_MAX && fgets(line, sizeof(line), f); n++) {
		char *fl[12];
		unsigned long key;

		/* sl local rem st tx:rx tr:when retr uid timeout inode */
		if (n == 0 || fields(line, fl, 12) < 10)
			continue;
		/* TCP: LISTEN (0A). UDP: bound, not connected (07). */
		if (strcmp(fl[3], tcp ? "0A" : "07"))
			continue;
		key = strtoul(fl[9], NULL, 10);
		if (!bsearch(&key, ino, (size_t)nino, sizeof(*ino), cmp_ino))
			continue;
		if (format_addr(fl[1], v6, addr, sizeof(addr)) < 0)
			continue;
		snprintf(text, sizeof(text), "%s %s", tcp ? "tcp" : "udp", addr);
		add_unique(out, text);
	}
	fclose(f);
}

json_t *run_proc_listen(pid_t pid)
{
	static const char *const files[] = { "udp", "udp6", "tcp", "tcp6" };
	unsigned long *ino = malloc(FDS_MAX * sizeof(*ino));
	json_t *out;
	int n;

	if (!ino)
		return NULL;
	n = socket_inodes(pid, ino, FDS_MAX);
	if (n < 0) {
		free(ino);
		return NULL;
	}
	out = json_array();
	for (size_t i = 0; out && i < 4; i++)
		scan_net(pid, files[i], ino, n, out);
	free(ino);
	return out;
}

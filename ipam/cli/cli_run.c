/*
 * racknet run: racknet-dhcpd, racknet-dnsd, racknet-tftpd and chronyd for
 * one IPAM database, each a child in the foreground whose stderr is ours,
 * so their lines make one log stream. This file reads the options, finds
 * the programs, builds each daemon's command line and puts the steps in
 * order: cli_run_setup.c prepares the user, the files and chrony.conf as
 * root, cli_run_sup.c starts and watches the daemons. docs/RUN.md is the
 * user's side of all this.
 */
#include "cli_run.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "priv.h"

#define DEFAULT_STATE_DIR "/run/racknet"
#define DEFAULT_ROOT "/srv/tftp"
#define DEFAULT_USER "racknet"
#define MAX_IFACES 16
#define MAX_DNS_LISTEN 8	/* racknet-dnsd's own limit */

static const char *const daemon_names[RUN_MAX] = {
	"dhcpd", "dnsd", "tftpd", "chronyd",
};

struct run_opts {
	const char *state_dir, *root, *templates, *user, *log_level;
	const char *tftp_listen, *http_listen;
	const char *dns_listen[MAX_DNS_LISTEN];
	int ndns;
	const char *ifaces[MAX_IFACES];
	int nifaces;
	const char *prog[RUN_MAX];	/* --dhcpd PATH ... */
	bool no_drop, no_chrony, no_http, chrony_no_clock;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: racknet [--db PATH] run [OPTIONS]\n"
		"Run racknet-dhcpd, racknet-dnsd, racknet-tftpd and chronyd for "
		"the database,\nrestart one that dies, stop all on SIGTERM or "
		"SIGINT. Needs root.\n\n"
		"  --state-dir DIR       chrony.conf and chronyd's files (default "
		DEFAULT_STATE_DIR ")\n"
		"  --root DIR            the TFTP/HTTP root (default "
		DEFAULT_ROOT ")\n"
		"  --templates DIR       the boot templates (default: "
		"racknet-tftpd's)\n"
		"  --interface IF        dhcpd serves only IF (repeatable)\n"
		"  --dns-listen A[:P]    dnsd listens there (repeatable; default "
		"0.0.0.0:53, [::]:53)\n"
		"  --tftp-listen A[:P]   default 0.0.0.0:69\n"
		"  --http-listen A[:P]   default 0.0.0.0:PORT, PORT the "
		"boot-http-port setting\n"
		"  --no-http             TFTP only\n"
		"  --no-chrony           no NTP server\n"
		"  --chrony-no-clock     chronyd -x: serve time, never set this "
		"machine's clock\n"
		"  --user NAME           the daemons' user, created if missing "
		"(default " DEFAULT_USER ")\n"
		"  --no-drop             the daemons stay root (no user, no "
		"chown)\n"
		"  --dhcpd PATH, --dnsd PATH, --tftpd PATH, --chronyd PATH\n"
		"                        the programs (default: next to racknet, "
		"installed or in\n"
		"                        the build tree; /usr/sbin/chronyd)\n"
		"  --log-level LEVEL     run's and the daemons' (default info)\n");
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	enum { O_STATE = 256, O_ROOT, O_TMPL, O_IF, O_DNS, O_TFTP, O_HTTP,
	       O_NOHTTP, O_NOCHRONY, O_NOCLOCK, O_USER, O_NODROP, O_DHCPD,
	       O_DNSD, O_TFTPD, O_CHRONYD, O_LEVEL, O_HELP };
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "root", required_argument, NULL, O_ROOT },
		{ "templates", required_argument, NULL, O_TMPL },
		{ "interface", required_argument, NULL, O_IF },
		{ "dns-listen", required_argument, NULL, O_DNS },
		{ "tftp-listen", required_argument, NULL, O_TFTP },
		{ "http-listen", required_argument, NULL, O_HTTP },
		{ "no-http", no_argument, NULL, O_NOHTTP },
		{ "no-chrony", no_argument, NULL, O_NOCHRONY },
		{ "chrony-no-clock", no_argument, NULL, O_NOCLOCK },
		{ "user", required_argument, NULL, O_USER },
		{ "no-drop", no_argument, NULL, O_NODROP },
		{ "dhcpd", required_argument, NULL, O_DHCPD },
		{ "dnsd", required_argument, NULL, O_DNSD },
		{ "tftpd", required_argument, NULL, O_TFTPD },
		{ "chronyd", required_argument, NULL, O_CHRONYD },
		{ "log-level", required_argument, NULL, O_LEVEL },
		{ "help", no_argument, NULL, O_HELP },
		{ 0 },
	};
	struct ip_addr a;
	uint16_t port;
	enum log_level l;
	int c;

	o->state_dir = DEFAULT_STATE_DIR;
	o->root = DEFAULT_ROOT;
	o->user = DEFAULT_USER;
	o->log_level = "info";
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_STATE: o->state_dir = optarg; break;
		case O_ROOT: o->root = optarg; break;
		case O_TMPL: o->templates = optarg; break;
		case O_IF:
			if (o->nifaces == MAX_IFACES)
				return cli_usage_error("run: at most %d "
						       "--interface", MAX_IFACES);
			o->ifaces[o->nifaces++] = optarg;
			break;
		case O_DNS:
			if (o->ndns == MAX_DNS_LISTEN)
				return cli_usage_error("run: at most %d "
						       "--dns-listen",
						       MAX_DNS_LISTEN);
			o->dns_listen[o->ndns++] = optarg;
			break;
		case O_TFTP: o->tftp_listen = optarg; break;
		case O_HTTP: o->http_listen = optarg; break;
		case O_NOHTTP: o->no_http = true; break;
		case O_NOCHRONY: o->no_chrony = true; break;
		case O_NOCLOCK: o->chrony_no_clock = true; break;
		case O_USER: o->user = optarg; break;
		case O_NODROP: o->no_drop = true; break;
		case O_DHCPD: o->prog[RUN_DHCPD] = optarg; break;
		case O_DNSD: o->prog[RUN_DNSD] = optarg; break;
		case O_TFTPD: o->prog[RUN_TFTPD] = optarg; break;
		case O_CHRONYD: o->prog[RUN_CHRONYD] = optarg; break;
		case O_LEVEL:
			if (log_level_parse(optarg, &l) < 0)
				return cli_usage_error("run: --log-level '%s' is "
						       "not error, warning, "
						       "notice, info or debug",
						       optarg);
			o->log_level = optarg;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("run: unexpected argument '%s'",
				       argv[optind]);
	for (int i = 0; i < o->ndns; i++)
		if (hostport_parse(&a, &port, o->dns_listen[i]) < 0)
			return cli_usage_error("run: --dns-listen '%s' is not "
					       "ADDR, ADDR:PORT or [ADDR]:PORT",
					       o->dns_listen[i]);
	if ((o->tftp_listen && hostport_parse(&a, &port, o->tftp_listen) < 0) ||
	    (o->http_listen && hostport_parse(&a, &port, o->http_listen) < 0))
		return cli_usage_error("run: --%s-listen '%s' is not ADDR, "
				       "ADDR:PORT or [ADDR]:PORT",
				       o->http_listen ? "http" : "tftp",
				       o->http_listen ? o->http_listen :
				       o->tftp_listen);
	if (o->state_dir[0] != '/' || o->root[0] != '/')
		return cli_usage_error("run: --state-dir and --root must be "
				       "absolute paths");
	if (!o->no_drop && priv_user_name_ok(o->user) < 0)
		return cli_usage_error("run: --user '%s' is not a user name "
				       "([a-z_][a-z0-9_-]*)", o->user);
	return 0;
}

/* ---- the programs ---- */

bool run_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* racknet-NAME next to this racknet: PREFIX/sbin when installed
 * (PREFIX/bin/racknet), NAME/ in the build tree (build/ipam/racknet),
 * or the same folder. */
static int find_program(const char *name, char *out, size_t size)
{
	char self[PATH_MAX], path[PATH_MAX * 2];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	dirname(self);
	for (int i = 0; i < 3; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s/../sbin/racknet-%s",
				 self, name);
		else if (i == 1)
			snprintf(path, sizeof(path), "%s/../%s/racknet-%s",
				 self, name, name);
		else
			snprintf(path, sizeof(path), "%s/racknet-%s", self,
				 name);
		if (run_executable(path) && realpath(path, out) && strlen(out) < size)
			return 0;
	}
	return -ENOENT;
}

/* PREFIX/share/racknet/templates beside this racknet (PREFIX/bin), so an
 * install under any --prefix finds its own templates; NULL if absent
 * (racknet-tftpd then uses the folder it was built for). */
static const char *installed_templates(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX], rel[PATH_MAX * 2];
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	dirname(self);
	snprintf(rel, sizeof(rel), "%s/../share/racknet/templates", self);
	if (stat(rel, &st) < 0 || !S_ISDIR(st.st_mode) || !realpath(rel, path))
		return NULL;
	return path;
}

static int locate(struct run *r, const struct run_opts *o)
{
	for (int d = 0; d < RUN_MAX; d++) {
		struct run_child *c = &r->child[d];
		const char *p = o->prog[d];

		if (!c->enabled)
			continue;
		if (!p && d == RUN_CHRONYD)
			p = run_executable("/usr/sbin/chronyd") ? "/usr/sbin/chronyd"
							    : "/sbin/chronyd";
		if (p && run_executable(p) && realpath(p, c->program))
			continue;
		if (!p && find_program(c->name, c->program,
				       sizeof(c->program)) == 0)
			continue;
		if (d == RUN_CHRONYD)
			fprintf(stderr, "racknet: run: no chronyd%s%s (apt-get "
				"install chrony, or --no-chrony)\n",
				p ? " at " : "", p ? p : "");
		else
			fprintf(stderr, "racknet: run: cannot find racknet-%s "
				"%s%s(install it beside racknet, or --%s PATH)\n",
				c->name, p ? "at " : "", p ? p : "", c->name);
		return EXIT_REFUSED;
	}
	return 0;
}

/* ---- command lines ---- */

static void arg(struct run_child *c, const char *a)
{
	if (c->argc < RUN_MAX_ARGS - 1) {
		c->argv[c->argc++] = a;
		c->argv[c->argc] = NULL;
	}
}

static void common_args(struct run *r, struct run_child *c,
			const struct run_opts *o)
{
	arg(c, c->program);
	arg(c, "--db");
	arg(c, r->db_path);
	arg(c, "--log-level");
	arg(c, o->log_level);
	if (r->user) {
		arg(c, "--user");
		arg(c, r->user);
	}
}

static void build_args(struct run *r, const struct run_opts *o,
		       const char *http)
{
	static char dns_any[] = "0.0.0.0:53", dns_any6[] = "[::]:53";
	static char listen[RUN_MAX][4][96];
	struct run_child *c;

	c = &r->child[RUN_DHCPD];
	common_args(r, c, o);
	for (int i = 0; i < o->nifaces; i++) {
		arg(c, "--interface");
		arg(c, o->ifaces[i]);
	}
	c->listen[c->nlisten++] = "udp 0.0.0.0:67";

	c = &r->child[RUN_DNSD];
	common_args(r, c, o);
	for (int i = 0; i < o->ndns; i++) {
		arg(c, "--listen");
		arg(c, o->dns_listen[i]);
	}
	for (int i = 0; i < (o->ndns ? o->ndns : 2) && i < 4; i++) {
		snprintf(listen[RUN_DNSD][i], sizeof(listen[0][0]), "udp+tcp %s",
			 o->ndns ? o->dns_listen[i] : i ? dns_any6 : dns_any);
		c->listen[c->nlisten++] = listen[RUN_DNSD][i];
	}

	c = &r->child[RUN_TFTPD];
	common_args(r, c, o);
	arg(c, "--root");
	arg(c, o->root);
	if (o->templates || installed_templates()) {
		arg(c, "--templates");
		arg(c, o->templates ? o->templates : installed_templates());
	}
	if (o->tftp_listen) {
		arg(c, "--tftp-listen");
		arg(c, o->tftp_listen);
	}
	snprintf(listen[RUN_TFTPD][0], sizeof(listen[0][0]), "udp %s",
		 o->tftp_listen ? o->tftp_listen : "0.0.0.0:69");
	c->listen[c->nlisten++] = listen[RUN_TFTPD][0];
	if (http) {
		arg(c, "--http-listen");
		arg(c, http);
		snprintf(listen[RUN_TFTPD][1], sizeof(listen[0][0]), "tcp %s",
			 http);
		c->listen[c->nlisten++] = listen[RUN_TFTPD][1];
	}

	/* chronyd: foreground, logging to stderr (-d), its own user (-u;
	 * it keeps what it needs itself), and -x when asked. */
	c = &r->child[RUN_CHRONYD];
	arg(c, c->program);
	arg(c, "-d");
	arg(c, "-f");
	arg(c, r->chrony_conf);
	arg(c, "-u");
	arg(c, r->user ? r->user : "root");
	if (r->chrony_no_clock)
		arg(c, "-x");
	c->listen[c->nlisten++] = "udp 0.0.0.0:123";
}

/* ---- setup ---- */

/* The HTTP listen address: --http-listen, else every address on the
 * boot-http-port setting's port (dhcpd's http:// boot URLs use it). */
static const char *http_listen(struct run *r, const struct run_opts *o)
{
	static char buf[32];
	char port[16];

	if (o->no_http)
		return NULL;
	if (o->http_listen)
		return o->http_listen;
	if (ipam_setting_get(r->db, "boot-http-port", port, sizeof(port)) < 0)
		snprintf(port, sizeof(port), "80");
	snprintf(buf, sizeof(buf), "0.0.0.0:%s", port);
	return buf;
}

/* Another run on this database, still alive: refuse. One that died
 * without stopping its daemons (SIGKILL, a crash) left them running:
 * stop those, or they hold the ports the new ones need. */
static bool already_running(struct run *r)
{
	json_t *row = ipam_stats_get(r->db, "run");
	json_t *c = json_object_get(row, "counters");
	pid_t pid = (pid_t)json_integer_value(json_object_get(row, "pid"));
	json_int_t ticks = json_integer_value(json_object_get(c, "ticks"));
	bool alive = row && !json_integer_value(json_object_get(c, "stopped")) &&
		     pid > 0 && pid != getpid() &&
		     run_proc_is(pid, (unsigned long long)ticks);

	if (alive)
		log_error("racknet run (pid %d) is already running on %s",
			  (int)pid, r->db_path);
	else if (row)
		run_stop_orphans(json_object_get(c, "daemons"));
	json_decref(row);
	return alive;
}

/*
 * Before the database is opened: the user, the database's owner, the
 * state directory. chown_db() opens and closes SQLite's files, and
 * closing any descriptor of a file drops every POSIX lock this process
 * holds on it: it must come before SQLite holds any.
 */
static int prepare_files(struct run *r, const struct run_opts *o,
			 int *lock_fd)
{
	char lock[PATH_MAX + 16];
	struct stat st;

	if (stat(o->root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("the TFTP root %s: %s (give one with --root)",
			  o->root, stat(o->root, &st) < 0 ? strerror(errno) :
			  "not a directory");
		return -1;
	}
	if (run_make_dir(r->state_dir, 0755, false, 0, 0) < 0)
		return -1;
	snprintf(lock, sizeof(lock), "%s/run.lock", r->state_dir);
	*lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX | LOCK_NB) < 0) {
		log_error("%s: %s", lock, errno == EWOULDBLOCK ? "another "
			  "racknet run uses this state directory" :
			  strerror(errno));
		return -1;
	}
	if (r->user && (run_ensure_user(r) < 0 || run_chown_db(r) < 0))
		return -1;
	if (r->child[RUN_CHRONYD].enabled &&
	    run_make_dir(r->chrony_dir, 0750, true, r->user ? r->uid : 0,
			 r->user ? r->gid : 0) < 0)
		return -1;
	return 0;
}

/* With the database open: no other run on it, chrony.conf, the
 * command lines. */
static int prepare_db(struct run *r, const struct run_opts *o)
{
	if (already_running(r))
		return -1;
	if (r->child[RUN_CHRONYD].enabled && run_chrony_write(r) < 0)
		return -1;
	build_args(r, o, http_listen(r, o));
	return 0;
}

int cli_run(const char *db_path, int argc, char **argv)
{
	static struct run r;
	struct run_opts o;
	char err[IPAM_ERRLEN], db_abs[PATH_MAX];
	enum log_level level = LL_INFO;
	int lock_fd = -1, e;

	memset(&o, 0, sizeof(o));
	e = parse_opts(argc, argv, &o);
	if (e)
		return e < 0 ? EXIT_OK : e;
	log_level_parse(o.log_level, &level);
	log_init("racknet-run", level, false);
	if (!realpath(db_path, db_abs)) {
		log_error("no database at %s: %s (racknet init makes one)",
			  db_path, strerror(errno));
		return EXIT_REFUSED;
	}
	r.db_path = db_abs;
	r.state_dir = o.state_dir;
	r.user = o.no_drop ? NULL : o.user;
	r.chrony_no_clock = o.chrony_no_clock;
	r.level = level;
	snprintf(r.chrony_dir, sizeof(r.chrony_dir), "%s/chrony", o.state_dir);
	snprintf(r.chrony_conf, sizeof(r.chrony_conf), "%s/chrony.conf",
		 o.state_dir);
	for (int d = 0; d < RUN_MAX; d++) {
		r.child[d].name = daemon_names[d];
		r.child[d].enabled = d != RUN_CHRONYD || !o.no_chrony;
	}
	e = locate(&r, &o);
	if (e)
		return e;
	if (r.user && geteuid() != 0) {
		log_error("racknet run starts the daemons as root and they drop "
			  "to %s: run it as root (or with --no-drop)", r.user);
		return EXIT_REFUSED;
	}
	if (prepare_files(&r, &o, &lock_fd) < 0) {
		e = EXIT_REFUSED;
		goto out_lock;
	}
	if (ipam_open(r.db_path, 0, &r.db, err, sizeof(err)) < 0) {
		log_error("%s", err);
		e = EXIT_REFUSED;
		goto out_lock;
	}
	e = prepare_db(&r, &o) < 0 ? EXIT_REFUSED : run_supervise(&r);
	ipam_close(r.db);
	free(r.chrony_text);
out_lock:
	if (lock_fd >= 0)
		close(lock_fd);
	return e;
}

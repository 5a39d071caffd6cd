/*
 * racknet: the operator's command line for the IPAM. main() finds the object
 * and verb, parses options against the verb's table, opens the database and
 * runs the handler. Output is generic: every read verb gets JSON from the
 * library; --json prints it, otherwise an array becomes an aligned table and
 * an object a key/value listing. No object has formatting code of its own.
 */
#include "cli.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_run.h"
#include "jsonout.h"
#include "log.h"

static const struct cli_object *const objects[] = {
	&cli_fabric, &cli_vlan, &cli_subnet, &cli_range, &cli_interface,
	&cli_host, &cli_boot_profile, &cli_bootfile, &cli_address, &cli_lease,
	&cli_domain, &cli_record, &cli_dhcp, &cli_dns, &cli_tftp, &cli_ntp,
	&cli_dhcp_server, &cli_setting, &cli_changes,
};
#define NOBJECTS (sizeof(objects) / sizeof(objects[0]))

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("racknet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_result(struct ipam *db, int r)
{
	if (r >= 0)
		return EXIT_OK;
	fprintf(stderr, "racknet: %s\n", ipam_error(db));
	return EXIT_REFUSED;
}

/* Index of option name in the verb's table, and whether it takes a value. */
static int opt_index(const struct cli_verb *v, const char *name, size_t len,
		     bool *ret_arg, bool *ret_repeat)
{
	for (int i = 0; i < CLI_MAX_OPTS && v->opts[i]; i++) {
		const char *o = v->opts[i];
		size_t n = strcspn(o, "=");

		if (n == len && !strncmp(o, name, len)) {
			*ret_arg = o[n] == '=';
			*ret_repeat = *ret_arg && o[n + 1] == '*';
			return i;
		}
	}
	return -1;
}

const char *cli_opt(const struct cli_verb *v, struct cli_args *a,
		    const char *name)
{
	bool arg, rep;
	int i = opt_index(v, name, strlen(name), &arg, &rep);

	if (i < 0 || a->opt[i].n == 0)
		return NULL;
	return a->opt[i].vals[a->opt[i].n - 1];
}

bool cli_flag(const struct cli_verb *v, struct cli_args *a, const char *name)
{
	bool arg, rep;
	int i = opt_index(v, name, strlen(name), &arg, &rep);

	return i >= 0 && a->opt[i].n > 0;
}

const char *const *cli_opts(const struct cli_verb *v, struct cli_args *a,
			    const char *name, int *ret_n)
{
	bool arg, rep;
	int i = opt_index(v, name, strlen(name), &arg, &rep);

	*ret_n = i < 0 ? 0 : a->opt[i].n;
	return i < 0 ? NULL : a->opt[i].vals;
}

static void verb_help(FILE *f, const struct cli_object *o,
		      const struct cli_verb *v)
{
	fprintf(f, "usage: racknet %s %s%s%s\n  %s\n", o->name, v->name,
		v->usage[0] ? " " : "", v->usage, v->help);
}

static void object_help(FILE *f, const struct cli_object *o)
{
	fprintf(f, "racknet %s: %s\n\n", o->name, o->help);
	for (const struct cli_verb *v = o->verbs; v->name; v++)
		fprintf(f, "  racknet %s %s%s%s\n      %s\n", o->name, v->name,
			v->usage[0] ? " " : "", v->usage, v->help);
	fprintf(f, "\nEvery read verb takes --json.\n");
}

static void main_help(FILE *f)
{
	fprintf(f,
		"usage: racknet [--db PATH] [--log-level LEVEL] OBJECT VERB [ARGS]\n"
		"       racknet init [--db PATH]\n"
		"       racknet run [OPTIONS] | racknet status [--json]\n\n"
		"The racknet IPAM: fabrics, VLANs, subnets, ranges, hosts, boot\n"
		"profiles, addresses, leases, DNS domains and records, settings.\n\n"
		"Objects:\n");
	fprintf(f, "  %-12s %s\n", "init", "create the database, or migrate it "
		"to this version");
	fprintf(f, "  %-12s %s\n", "run", "run the daemons and chronyd for the "
		"database (run --help)");
	fprintf(f, "  %-12s %s\n", "status", "what racknet run is running");
	for (size_t i = 0; i < NOBJECTS; i++)
		fprintf(f, "  %-12s %s\n", objects[i]->name, objects[i]->help);
	fprintf(f, "\nThe database is %s unless --db or RACKNET_DB says "
		"otherwise.\n`racknet OBJECT --help` lists an object's verbs.\n"
		"Exit status: 0 ok, 1 refused by the IPAM, 2 bad usage.\n",
		IPAM_DEFAULT_PATH);
}

/* Parse argv (after OBJECT VERB) against the verb's option table. */
static int parse_args(const struct cli_object *o, const struct cli_verb *v,
		      int argc, char **argv, struct cli_args *a)
{
	bool dashdash = false;

	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		const char *eq, *name;
		bool takes, repeat;
		size_t len;
		int k;

		if (dashdash || s[0] != '-' || s[1] != '-' || !s[2]) {
			if (!dashdash && !strcmp(s, "--")) {
				dashdash = true;
				continue;
			}
			if (a->npos >= v->max_pos)
				return cli_usage_error("%s %s: unexpected argument "
						       "'%s' (see --help)", o->name,
						       v->name, s);
			a->pos[a->npos++] = s;
			continue;
		}
		name = s + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (len == 4 && !strncmp(name, "json", 4) && !eq) {
			a->json = true;
			continue;
		}
		k = opt_index(v, name, len, &takes, &repeat);
		if (k < 0)
			return cli_usage_error("%s %s: unknown option --%.*s (see "
					       "--help)", o->name, v->name,
					       (int)len, name);
		if (!takes && eq)
			return cli_usage_error("--%.*s takes no value", (int)len,
					       name);
		if (takes && !eq && i + 1 >= argc)
			return cli_usage_error("--%.*s needs a value", (int)len,
					       name);
		if (a->opt[k].n > 0 && !repeat)
			return cli_usage_error("--%.*s given twice", (int)len, name);
		if (a->opt[k].n >= CLI_MAX_VALS)
			return cli_usage_error("--%.*s given too often", (int)len,
					       name);
		a->opt[k].vals[a->opt[k].n++] = !takes ? "" : eq ? eq + 1 : argv[++i];
	}
	if (a->npos < v->min_pos)
		return cli_usage_error("usage: racknet %s %s %s", o->name, v->name,
				       v->usage);
	return 0;
}

static int do_init(const char *path, int argc, char **argv)
{
	char err[IPAM_ERRLEN];
	struct ipam *db;
	int before, r;

	if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		printf("usage: racknet init\n  Create the database, or migrate "
		       "an older one to schema version %d.\n",
		       ipam_schema_latest());
		return EXIT_OK;
	}
	if (argc > 0)
		return cli_usage_error("init takes no arguments");
	/* The database's folder (/var/lib/racknet by default) may be new. */
	{
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s", path);
		if (mkdir(dirname(dir), 0750) < 0 && errno != EEXIST) {
			fprintf(stderr, "racknet: cannot create %s: %s\n", dir,
				strerror(errno));
			return EXIT_REFUSED;
		}
	}
	r = ipam_open(path, 0, &db, err, sizeof(err));
	before = r == 0 ? ipam_schema_latest() : -1;
	if (r == 0)
		ipam_close(db);
	r = ipam_open(path, IPAM_OPEN_CREATE | IPAM_OPEN_MIGRATE, &db, err,
		      sizeof(err));
	if (r < 0) {
		fprintf(stderr, "racknet: %s\n", err);
		return EXIT_REFUSED;
	}
	r = ipam_repair(db);
	if (r < 0) {
		r = cli_result(db, r);
		ipam_close(db);
		return r;
	}
	printf("%s: IPAM schema version %d%s\n", path, ipam_schema_version(db),
	       before == ipam_schema_latest() ? " (already current)" : "");
	ipam_close(db);
	return EXIT_OK;
}

static int run_verb(const char *path, const struct cli_object *o, int argc,
		    char **argv)
{
	const struct cli_verb *v;
	struct cli_args a;
	char err[IPAM_ERRLEN];
	struct ipam *db;
	int r;

	if (argc == 0) {
		object_help(stderr, o);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
	    !strcmp(argv[0], "help")) {
		object_help(stdout, o);
		return EXIT_OK;
	}
	for (v = o->verbs; v->name && strcmp(v->name, argv[0]); v++)
		;
	if (!v->name) {
		object_help(stderr, o);
		return cli_usage_error("%s has no verb '%s'", o->name, argv[0]);
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			verb_help(stdout, o, v);
			return EXIT_OK;
		}
	}
	memset(&a, 0, sizeof(a));
	r = parse_args(o, v, argc - 1, argv + 1, &a);
	if (r)
		return r;
	r = ipam_open(path, 0, &db, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "racknet: %s\n", err);
		return EXIT_REFUSED;
	}
	r = v->run(db, v, &a);
	ipam_close(db);
	return r;
}

int main(int argc, char **argv)
{
	const char *path = getenv("RACKNET_DB");
	enum log_level level = LL_WARN;
	int i = 1;

	if (!path || !*path)
		path = IPAM_DEFAULT_PATH;
	/* Global options come before OBJECT. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			main_help(stdout);
			return EXIT_OK;
		} else if (!strcmp(s, "--version")) {
			printf("racknet %s (IPAM schema %d)\n", RACKNET_VERSION,
			       ipam_schema_latest());
			return EXIT_OK;
		} else if (!strcmp(s, "--db") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strncmp(s, "--db=", 5) && s[5]) {
			path = s + 5;
		} else if (!strcmp(s, "--log-level") && i + 1 < argc) {
			if (log_level_parse(argv[++i], &level) < 0)
				return cli_usage_error("unknown log level '%s' "
						       "(error, warn, notice, "
						       "info, debug)", argv[i]);
		} else {
			main_help(stderr);
			return cli_usage_error("unknown or incomplete option '%s'",
					       s);
		}
	}
	log_init("racknet", level, false);
	if (i >= argc) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "init"))
		return do_init(path, argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "run"))
		return cli_run(path, argc - i, argv + i);
	if (!strcmp(argv[i], "status"))
		return cli_status(path, argc - i, argv + i);
	for (size_t k = 0; k < NOBJECTS; k++)
		if (!strcmp(objects[k]->name, argv[i]))
			return run_verb(path, objects[k], argc - i - 1, argv + i + 1);
	main_help(stderr);
	return cli_usage_error("unknown object '%s'", argv[i]);
}

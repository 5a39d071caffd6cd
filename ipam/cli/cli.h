/*
 * The racknet command line: OBJECT VERB [ARGS]. Each object file declares a
 * table of verbs (name, usage, options, handler); cli.c parses arguments
 * against it, opens the database and prints results. Handlers are thin: they
 * check argument syntax, call libracknet-ipam, and return an exit status.
 *
 * Exit status: 0 ok, 1 the IPAM refused (conflict, missing object), 2 bad
 * usage (unknown option, malformed argument).
 */
#ifndef RACKNET_CLI_H
#define RACKNET_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ipam.h"

#define CLI_MAX_POS 4
#define CLI_MAX_OPTS 12
#define CLI_MAX_VALS 16

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2 };

struct cli_args {
	const char *pos[CLI_MAX_POS];
	int npos;
	struct {
		const char *vals[CLI_MAX_VALS];
		int n;
	} opt[CLI_MAX_OPTS];
	bool json;
};

struct cli_verb;
typedef int (*cli_fn)(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a);

struct cli_verb {
	const char *name;
	const char *usage;		/* after "racknet OBJECT VERB " */
	const char *help;
	int min_pos, max_pos;
	/* "name" a flag, "name=" takes a value, "name=*" repeatable */
	const char *opts[CLI_MAX_OPTS];
	cli_fn run;
};

struct cli_object {
	const char *name;
	const char *help;
	const struct cli_verb *verbs;	/* ends with a zeroed entry */
};

extern const struct cli_object cli_fabric, cli_vlan, cli_subnet, cli_range,
	cli_interface, cli_host, cli_address, cli_lease, cli_domain,
	cli_record, cli_dhcp, cli_dns, cli_dhcp_server, cli_setting, cli_changes,
	cli_boot_profile, cli_tftp, cli_bootfile, cli_ntp;

/* The value of option name (its last one), NULL if absent. */
const char *cli_opt(const struct cli_verb *v, struct cli_args *a,
		    const char *name);
bool cli_flag(const struct cli_verb *v, struct cli_args *a, const char *name);
/* All values of a repeatable option. */
const char *const *cli_opts(const struct cli_verb *v, struct cli_args *a,
			    const char *name, int *ret_n);

/* Print "racknet: ..." to stderr and return EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the IPAM's error and return EXIT_REFUSED (r < 0), else EXIT_OK. */
int cli_result(struct ipam *db, int r);
/* Print a list/show result as a table / key-value text, or JSON. */
int cli_print(struct ipam *db, json_t *v, bool json);
/* Say what a --force removal took with it. */
int cli_removed(struct ipam *db, int r, const char *what, json_t *removed,
		bool json);
/* Print the counters a daemon ("dhcpd", "dnsd", "tftpd") last published
 * with ipam_stats_put(): flat key-value text, or the stored row as JSON. */
int cli_daemon_stats(struct ipam *db, const char *daemon, bool json);

/* Argument syntax checks: 0, or a usage error already printed. */
int cli_check_cidr(const char *s);
int cli_check_ip(const char *s);
int cli_check_mac(const char *s);
/* IP[,IP...]; "" (clear) passes. */
int cli_check_ip_list(const char *s, const char *what);
int cli_parse_int(const char *s, const char *what, int64_t min, int64_t max,
		  int64_t *ret);
/* "FABRIC/VID" or the pair FABRIC VID. */
int cli_parse_vlan(const char *s, char *fabric, size_t size, int *ret_vid);
/* on|off -> 1|0 */
int cli_parse_onoff(const char *s, const char *what, int *ret);

#endif

/* racknet dhcp / dns / dhcp-server / setting / changes. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>

static int dhcp_server_list(struct ipam *db, const struct cli_verb *v,
			    struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_dhcp_server_list(db), a->json);
}

static int dhcp_server_rm(struct ipam *db, const struct cli_verb *v,
			  struct cli_args *a)
{
	(void)v;
	if (cli_check_ip(a->pos[0]))
		return EXIT_USAGE;
	return cli_result(db, ipam_dhcp_server_rm(db, a->pos[0]));
}

const struct cli_object cli_dhcp_server = {
	"dhcp-server", "other DHCP servers seen on the network",
	(const struct cli_verb[]){
		{ "list", "[--json]", "list DHCP servers that are not racknet's",
		  0, 0, { 0 }, dhcp_server_list },
		{ "rm", "SERVER-ID", "forget a server", 1, 1, { 0 },
		  dhcp_server_rm },
		{ 0 },
	},
};

/* The counters a daemon last published (every second while they change,
 * and on SIGUSR1). */
int cli_daemon_stats(struct ipam *db, const char *daemon, bool json)
{
	json_t *row = ipam_stats_get(db, daemon), *flat;
	const char *key;
	json_t *val;

	if (!row || json)
		return cli_print(db, row, json);
	/* Flat for the key-value printer: who, when, then each counter. */
	flat = json_pack("{sOsOsO}", "pid", json_object_get(row, "pid"),
			 "started", json_object_get(row, "started"),
			 "updated", json_object_get(row, "updated"));
	json_object_foreach(json_object_get(row, "counters"), key, val)
		json_object_set(flat, key, val);
	json_decref(row);
	return cli_print(db, flat, false);
}

static int dhcp_stats(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	(void)v;
	return cli_daemon_stats(db, "dhcpd", a->json);
}

const struct cli_object cli_dhcp = {
	"dhcp", "racknet-dhcpd's counters",
	(const struct cli_verb[]){
		{ "stats", "[--json]", "packets received and sent by type, "
		  "malformed, dropped, pool exhausted", 0, 0, { 0 },
		  dhcp_stats },
		{ 0 },
	},
};

static int dns_stats(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	(void)v;
	return cli_daemon_stats(db, "dnsd", a->json);
}

const struct cli_object cli_dns = {
	"dns", "racknet-dnsd's counters",
	(const struct cli_verb[]){
		{ "stats", "[--json]", "queries by type and rcode, cache hits, "
		  "refused, rate-limited, malformed", 0, 0, { 0 }, dns_stats },
		{ 0 },
	},
};

static int setting_set(struct ipam *db, const struct cli_verb *v,
		       struct cli_args *a)
{
	(void)v;
	return cli_result(db, ipam_setting_set(db, a->pos[0], a->pos[1]));
}

static int setting_rm(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	(void)v;
	return cli_result(db, ipam_setting_unset(db, a->pos[0]));
}

static int setting_show(struct ipam *db, const struct cli_verb *v,
			struct cli_args *a)
{
	char value[1024];
	int r = ipam_setting_get(db, a->pos[0], value, sizeof(value));

	(void)v;
	if (r < 0)
		return cli_result(db, r);
	if (a->json)
		return cli_print(db, json_pack("{ssss}", "key", a->pos[0],
					       "value", value), true);
	printf("%s\n", value);
	return EXIT_OK;
}

static int setting_list(struct ipam *db, const struct cli_verb *v,
			struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_setting_list(db), a->json);
}

const struct cli_object cli_setting = {
	"setting", "site settings: upstream DNS and NTP, defaults",
	(const struct cli_verb[]){
		{ "set", "KEY VALUE", "set a setting", 2, 2, { 0 }, setting_set },
		{ "show", "KEY [--json]", "print a setting's value", 1, 1, { 0 },
		  setting_show },
		{ "list", "[--json]", "list every setting, its value and default",
		  0, 0, { 0 }, setting_list },
		{ "rm", "KEY", "reset a setting to its default", 1, 1, { 0 },
		  setting_rm },
		{ 0 },
	},
};

static int change_row(void *ctx, const struct ipam_change *c)
{
	json_t *arr = ctx;

	return json_array_append_new(arr, json_pack("{sIsssssIss}",
		"gen", (json_int_t)c->gen, "table", c->table, "op", c->op,
		"row", (json_int_t)c->row_id, "key", c->key));
}

static int changes_list(struct ipam *db, const struct cli_verb *v,
			struct cli_args *a)
{
	const char *s = cli_opt(v, a, "since");
	int64_t since = 0, limit = 100;
	json_t *arr;
	int r;

	if ((s && cli_parse_int(s, "--since", 0, INT64_MAX, &since)) ||
	    ((s = cli_opt(v, a, "limit")) &&
	     cli_parse_int(s, "--limit", 1, 1000000, &limit)))
		return EXIT_USAGE;
	arr = json_array();
	r = ipam_feed_since(db, since, (size_t)limit, change_row, arr, NULL);
	if (r < 0) {
		json_decref(arr);
		return cli_result(db, r);
	}
	return cli_print(db, arr, a->json);
}

static int changes_gen(struct ipam *db, const struct cli_verb *v,
		       struct cli_args *a)
{
	(void)v;
	(void)a;
	printf("%" PRId64 "\n", ipam_feed_generation(db));
	return EXIT_OK;
}

const struct cli_object cli_changes = {
	"changes", "the change feed daemons follow",
	(const struct cli_verb[]){
		{ "list", "[--since GEN] [--limit N] [--json]", "changes after "
		  "generation GEN, oldest first", 0, 0, { "since=", "limit=" },
		  changes_list },
		{ "generation", "", "print the current generation", 0, 0, { 0 },
		  changes_gen },
		{ 0 },
	},
};

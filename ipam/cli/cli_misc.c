/* racknet dhcp / dns / dhcp-server / setting / changes. */
#include "cli.h"

#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"

static int dhcp_server_list(struct ipam *db, const struct cli_verb *v,
			    struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_dhcp_server_list(db, 0), a->json);
}

static int dhcp_server_rm(struct ipam *db, const struct cli_verb *v,
			  struct cli_args *a)
{
	(void)v;
	if (cli_check_ip(a->pos[0]))
		return EXIT_USAGE;
	return cli_result(db, ipam_dhcp_server_rm(db, a->pos[0]));
}

/* A server on the allow-list: its identifier (IPv4) or its MAC. */
static int check_who(const char *s)
{
	struct ip_addr ip;
	struct mac_addr m;

	if (ip_parse(&ip, s) == 0) {
		if (ip.family == AF_INET)
			return 0;
		return cli_usage_error("'%s' is not a DHCP server identifier: "
				       "DHCPv4 servers are named by an IPv4 "
				       "address", s);
	}
	if (mac_parse(&m, s) == 0)
		return 0;
	return cli_usage_error("'%s' is neither a DHCP server identifier (an "
			       "IPv4 address) nor a MAC address (e.g. "
			       "52:54:00:12:34:56)", s);
}

static int dhcp_server_allow(struct ipam *db, const struct cli_verb *v,
			     struct cli_args *a)
{
	if (check_who(a->pos[0]))
		return EXIT_USAGE;
	return cli_result(db, ipam_dhcp_server_allow(db, a->pos[0],
						     cli_opt(v, a, "comment")));
}

static int dhcp_server_disallow(struct ipam *db, const struct cli_verb *v,
				struct cli_args *a)
{
	(void)v;
	if (check_who(a->pos[0]))
		return EXIT_USAGE;
	return cli_result(db, ipam_dhcp_server_disallow(db, a->pos[0]));
}

static int dhcp_server_allowed(struct ipam *db, const struct cli_verb *v,
			       struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_dhcp_server_allowed(db), a->json);
}

const struct cli_object cli_dhcp_server = {
	"dhcp-server", "other DHCP servers seen on the network, and the "
	"allow-list of known ones",
	(const struct cli_verb[]){
		{ "list", "[--json]", "list DHCP servers that are not racknet's: "
		  "state (active or gone), allowed, how each was last seen",
		  0, 0, { 0 }, dhcp_server_list },
		{ "rm", "SERVER-ID", "forget a server", 1, 1, { 0 },
		  dhcp_server_rm },
		{ "allow", "SERVER-ID|MAC [--comment TEXT]", "put a known server "
		  "on the allow-list: recorded, but neither warned about nor a "
		  "reason to stop serving a VLAN", 1, 1, { "comment=" },
		  dhcp_server_allow },
		{ "disallow", "SERVER-ID|MAC", "take a server off the allow-list",
		  1, 1, { 0 }, dhcp_server_disallow },
		{ "allowed", "[--json]", "list the allow-list", 0, 0, { 0 },
		  dhcp_server_allowed },
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

/* A time of the library's JSON ("2024-05-01T10:00:00Z") as unix seconds,
 * or -1 (null or not such a time). */
static int64_t json_time(const json_t *v)
{
	const char *s = json_string_value(v), *end;
	struct tm tm;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	return (int64_t)timegm(&tm);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll the request every 100 ms until racknet-dhcpd says it is done, for
 * at most limit_s seconds: the request's row once done, NULL (message
 * printed) if not. Each poll is one read on its own: no transaction stays
 * open while we wait, so dhcpd can take the request and write the
 * outcome. */
static json_t *probe_wait(struct ipam *db, int64_t id, int64_t limit_s,
			  int *ret_exit)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	int64_t deadline = mono_ms() + limit_s * 1000;
	bool started = false;

	/* Bounded twice: by the clock, and by a count in case it stalls. */
	for (int64_t i = 0; i <= limit_s * 10 + 10; i++) {
		json_t *p = ipam_dhcp_probe_get(db, id);

		if (!p) {
			*ret_exit = cli_result(db, -1);
			return NULL;
		}
		if (!json_is_null(json_object_get(p, "done")))
			return p;
		started = !json_is_null(json_object_get(p, "started"));
		json_decref(p);
		if (mono_ms() >= deadline)
			break;
		nanosleep(&tick, NULL);
	}
	if (started)
		fprintf(stderr, "racknet: racknet-dhcpd took the probe request "
			"but did not finish it within %" PRId64 " s\n", limit_s);
	else
		fprintf(stderr, "racknet: racknet-dhcpd did not take the probe "
			"request within %" PRId64 " s: is it running? (racknet "
			"status)\n", limit_s);
	*ret_exit = EXIT_REFUSED;
	return NULL;
}

static int dhcp_probe(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	const char *ifname = cli_opt(v, a, "interface");
	const char *vlan = cli_opt(v, a, "vlan");
	int64_t id, wait = 0, sent, found, started, done;
	char fabric[128], buf[32];
	const char *error;
	json_t *p, *servers;
	int vid, r;

	if (ifname && (!ifname[0] || strlen(ifname) >= IF_NAMESIZE ||
		       strpbrk(ifname, "/ \t\n:")))
		return cli_usage_error("'%s' is not an interface name", ifname);
	if (vlan && cli_parse_vlan(vlan, fabric, sizeof(fabric), &vid))
		return EXIT_USAGE;
	r = ipam_setting_get(db, "dhcp-probe-wait", buf, sizeof(buf));
	if (r < 0)
		return cli_result(db, r);
	wait = strtoll(buf, NULL, 10);		/* validated when set */
	r = ipam_dhcp_probe_request(db, ifname, vlan, (int64_t)time(NULL), &id);
	if (r < 0)
		return cli_result(db, r);
	p = probe_wait(db, id, wait + 10, &r);
	if (!p)
		return r;
	error = json_string_value(json_object_get(p, "error"));
	if (error) {
		fprintf(stderr, "racknet: the probe failed: %s\n", error);
		json_decref(p);
		return EXIT_REFUSED;
	}
	started = json_time(json_object_get(p, "started"));
	done = json_time(json_object_get(p, "done"));
	if (started < 0)
		started = json_time(json_object_get(p, "requested"));
	servers = ipam_dhcp_server_list(db, started < 0 ? 0 : started);
	if (!servers) {
		json_decref(p);
		return cli_result(db, -1);
	}
	if (a->json)
		return cli_print(db, json_pack("{soso}", "probe", p,
					       "servers", servers), true);
	sent = json_integer_value(json_object_get(p, "sent"));
	found = json_integer_value(json_object_get(p, "found"));
	printf("probed %" PRId64 " interface%s for %" PRId64 " s: %" PRId64
	       " offer%s from other servers\n", sent, sent == 1 ? "" : "s",
	       done >= started && started >= 0 ? done - started : 0, found,
	       found == 1 ? "" : "s");
	json_decref(p);
	return cli_print(db, servers, false);
}

const struct cli_object cli_dhcp = {
	"dhcp", "racknet-dhcpd's counters, and probes for competing servers",
	(const struct cli_verb[]){
		{ "stats", "[--json]", "packets received and sent by type, "
		  "malformed, dropped, pool exhausted", 0, 0, { 0 },
		  dhcp_stats },
		{ "probe", "[--interface IF] [--vlan FABRIC/VID] [--json]",
		  "ask racknet-dhcpd to probe now for other DHCP servers (on "
		  "every interface it serves, or the one given) and list what "
		  "answered", 0, 0, { "interface=", "vlan=" }, dhcp_probe },
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

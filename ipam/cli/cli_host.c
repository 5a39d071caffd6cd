/* racknet host / address / lease. */
#include "cli.h"

#include <string.h>
#include <time.h>

static int host_opts(const struct cli_verb *v, struct cli_args *a,
		     struct ipam_host_opts *o)
{
	int n;

	memset(o, 0, sizeof(*o));
	o->macs = cli_opts(v, a, "mac", &n);
	o->nmacs = (size_t)n;
	for (int i = 0; i < n; i++)
		if (cli_check_mac(o->macs[i]))
			return EXIT_USAGE;
	o->rm_macs = cli_opts(v, a, "rm-mac", &n);
	o->nrm_macs = (size_t)n;
	for (int i = 0; i < n; i++)
		if (cli_check_mac(o->rm_macs[i]))
			return EXIT_USAGE;
	o->ip = cli_opt(v, a, "ip");
	if (o->ip && o->ip[0] && cli_check_ip(o->ip))
		return EXIT_USAGE;
	o->domain = cli_opt(v, a, "domain");
	o->arch = cli_opt(v, a, "arch");
	o->boot = cli_opt(v, a, "boot");
	return 0;
}

static int host_add(struct ipam *db, const struct cli_verb *v,
		    struct cli_args *a)
{
	struct ipam_host_opts o;

	if (host_opts(v, a, &o))
		return EXIT_USAGE;
	if (o.nmacs == 0)
		return cli_usage_error("host add needs --mac MAC");
	return cli_result(db, ipam_host_add(db, a->pos[0], &o));
}

static int host_set(struct ipam *db, const struct cli_verb *v,
		    struct cli_args *a)
{
	struct ipam_host_opts o;

	if (host_opts(v, a, &o))
		return EXIT_USAGE;
	return cli_result(db, ipam_host_set(db, a->pos[0], &o));
}

static int host_rm(struct ipam *db, const struct cli_verb *v,
		   struct cli_args *a)
{
	(void)v;
	return cli_result(db, ipam_host_rm(db, a->pos[0]));
}

static int host_list(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_host_list(db), a->json);
}

static int host_show(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_host_show(db, a->pos[0]), a->json);
}

#define HOST_USAGE "[--ip IP] [--domain NAME] [--arch ARCH] [--boot PROFILE]"
const struct cli_object cli_host = {
	"host", "machines: hostname, MACs, static address, boot data",
	(const struct cli_verb[]){
		{ "add", "HOSTNAME --mac MAC [--mac MAC]... " HOST_USAGE,
		  "add a host", 1, 1,
		  { "mac=*", "ip=", "domain=", "arch=", "boot=" }, host_add },
		{ "list", "[--json]", "list hosts", 0, 0, { 0 }, host_list },
		{ "show", "HOSTNAME [--json]", "show a host", 1, 1, { 0 },
		  host_show },
		{ "set", "HOSTNAME [--mac MAC]... [--rm-mac MAC]... " HOST_USAGE,
		  "change a host (--ip '' drops its static addresses, --boot '' "
		  "its boot profile)", 1, 1,
		  { "mac=*", "rm-mac=*", "ip=", "domain=", "arch=", "boot=" },
		  host_set },
		{ "rm", "HOSTNAME", "remove a host and its static addresses", 1, 1,
		  { 0 }, host_rm },
		{ 0 },
	},
};

static int address_reserve(struct ipam *db, const struct cli_verb *v,
			   struct cli_args *a)
{
	struct ipam_reserve_opts o = {
		.mac = cli_opt(v, a, "mac"),
		.hostname = cli_opt(v, a, "hostname"),
		.comment = cli_opt(v, a, "comment"),
	};

	if (cli_check_ip(a->pos[0]) || (o.mac && cli_check_mac(o.mac)))
		return EXIT_USAGE;
	return cli_result(db, ipam_address_reserve(db, a->pos[0], &o));
}

static int address_release(struct ipam *db, const struct cli_verb *v,
			   struct cli_args *a)
{
	(void)v;
	if (cli_check_ip(a->pos[0]))
		return EXIT_USAGE;
	return cli_result(db, ipam_address_release(db, a->pos[0]));
}

static int address_list(struct ipam *db, const struct cli_verb *v,
			struct cli_args *a)
{
	const char *cidr = cli_opt(v, a, "subnet");

	if (cidr && cli_check_cidr(cidr))
		return EXIT_USAGE;
	return cli_print(db, ipam_address_list(db, cidr, cli_opt(v, a, "state")),
			 a->json);
}

const struct cli_object cli_address = {
	"address", "single addresses: reserved by hand, static, leased",
	(const struct cli_verb[]){
		{ "reserve", "IP [--mac MAC] [--hostname NAME] [--comment TEXT]",
		  "reserve an address (with --mac: for that MAC's DHCP)", 1, 1,
		  { "mac=", "hostname=", "comment=" }, address_reserve },
		{ "release", "IP", "free a reserved address or a lease", 1, 1,
		  { 0 }, address_release },
		{ "list", "[--subnet CIDR] [--state STATE] [--json]",
		  "list addresses in use", 0, 0, { "subnet=", "state=" },
		  address_list },
		{ 0 },
	},
};

static int lease_list(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	const char *cidr = cli_opt(v, a, "subnet");

	if (cidr && cli_check_cidr(cidr))
		return EXIT_USAGE;
	return cli_print(db, ipam_lease_list(db, cidr, cli_flag(v, a, "all"),
					     (int64_t)time(NULL)), a->json);
}

static int lease_show(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	struct ip_addr ip;
	struct mac_addr mac;

	(void)v;
	if (ip_parse(&ip, a->pos[0]) < 0 && mac_parse(&mac, a->pos[0]) < 0)
		return cli_usage_error("'%s' is neither an IP nor a MAC address",
				       a->pos[0]);
	return cli_print(db, ipam_lease_show(db, a->pos[0], (int64_t)time(NULL)),
			 a->json);
}

const struct cli_object cli_lease = {
	"lease", "DHCP leases",
	(const struct cli_verb[]){
		{ "list", "[--subnet CIDR] [--all] [--json]", "list active leases "
		  "(--all: expired ones too)", 0, 0, { "subnet=", "all" },
		  lease_list },
		{ "show", "IP|MAC [--json]", "show one lease", 1, 1, { 0 },
		  lease_show },
		{ 0 },
	},
};

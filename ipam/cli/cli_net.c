/* racknet fabric / vlan / subnet / range / interface. */
#include "cli.h"

#include <string.h>
#include <time.h>

static int fabric_add(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	(void)v;
	return cli_result(db, ipam_fabric_add(db, a->pos[0]));
}

static int fabric_set(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	const char *name = cli_opt(v, a, "name");

	if (!name)
		return cli_usage_error("fabric set: nothing to change (--name)");
	return cli_result(db, ipam_fabric_rename(db, a->pos[0], name));
}

static int fabric_rm(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	json_t *removed = NULL;
	char what[160];
	int r = ipam_fabric_rm(db, a->pos[0], cli_flag(v, a, "force"), &removed);

	snprintf(what, sizeof(what), "fabric %s", a->pos[0]);
	return cli_removed(db, r, what, removed, a->json);
}

static int fabric_list(struct ipam *db, const struct cli_verb *v,
		       struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_fabric_list(db), a->json);
}

const struct cli_object cli_fabric = {
	"fabric", "layer-2 domains that hold VLANs",
	(const struct cli_verb[]){
		{ "add", "NAME", "add a fabric", 1, 1, { 0 }, fabric_add },
		{ "list", "[--json]", "list fabrics", 0, 0, { 0 }, fabric_list },
		{ "set", "NAME --name NEWNAME", "rename a fabric", 1, 1,
		  { "name=" }, fabric_set },
		{ "rm", "NAME [--force]", "remove a fabric (--force: with its "
		  "VLANs, subnets and addresses)", 1, 1, { "force" }, fabric_rm },
		{ 0 },
	},
};

/* VLAN from "FABRIC/VID" or "FABRIC VID" positionals. */
static int vlan_pos(struct cli_args *a, char *fabric, size_t size, int *vid)
{
	int64_t v;

	if (a->npos == 1)
		return cli_parse_vlan(a->pos[0], fabric, size, vid);
	if (strlen(a->pos[0]) >= size)
		return cli_usage_error("fabric name '%s' is too long", a->pos[0]);
	if (cli_parse_int(a->pos[1], "VID", 0, 4094, &v))
		return EXIT_USAGE;
	snprintf(fabric, size, "%s", a->pos[0]);
	*vid = (int)v;
	return 0;
}

static int vlan_opts(const struct cli_verb *v, struct cli_args *a,
		     struct ipam_vlan_opts *o)
{
	const char *s;
	int64_t mtu;

	o->name = cli_opt(v, a, "name");
	o->relay_from = cli_opt(v, a, "relay-from");
	o->dhcp = -1;
	if ((s = cli_opt(v, a, "mtu")) && cli_parse_int(s, "MTU", 576, 65535, &mtu))
		return EXIT_USAGE;
	o->mtu = s ? (int)mtu : 0;
	if ((s = cli_opt(v, a, "dhcp")) && cli_parse_onoff(s, "--dhcp", &o->dhcp))
		return EXIT_USAGE;
	o->stop_on_rogue = -1;
	if ((s = cli_opt(v, a, "stop-on-rogue")) &&
	    cli_parse_onoff(s, "--stop-on-rogue", &o->stop_on_rogue))
		return EXIT_USAGE;
	return 0;
}

static int vlan_addset(struct ipam *db, const struct cli_verb *v,
		       struct cli_args *a)
{
	struct ipam_vlan_opts o;
	char fabric[128];
	int vid;

	if (vlan_pos(a, fabric, sizeof(fabric), &vid) || vlan_opts(v, a, &o))
		return EXIT_USAGE;
	if (!strcmp(v->name, "add"))
		return cli_result(db, ipam_vlan_add(db, fabric, vid, &o));
	return cli_result(db, ipam_vlan_set(db, fabric, vid, &o));
}

static int vlan_rm(struct ipam *db, const struct cli_verb *v,
		   struct cli_args *a)
{
	json_t *removed = NULL;
	char fabric[128], what[160];
	int vid, r;

	if (vlan_pos(a, fabric, sizeof(fabric), &vid))
		return EXIT_USAGE;
	r = ipam_vlan_rm(db, fabric, vid, cli_flag(v, a, "force"), &removed);
	snprintf(what, sizeof(what), "VLAN %s/%d", fabric, vid);
	return cli_removed(db, r, what, removed, a->json);
}

static int vlan_list(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_vlan_list(db, a->npos ? a->pos[0] : NULL),
			 a->json);
}

static int vlan_show(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	char fabric[128];
	int vid;

	(void)v;
	if (vlan_pos(a, fabric, sizeof(fabric), &vid))
		return EXIT_USAGE;
	return cli_print(db, ipam_vlan_show(db, fabric, vid), a->json);
}

#define VLAN_OPTS { "name=", "mtu=", "dhcp=", "relay-from=", \
		    "stop-on-rogue=" }
const struct cli_object cli_vlan = {
	"vlan", "VLANs of a fabric (VID 0 is the untagged one)",
	(const struct cli_verb[]){
		{ "add", "FABRIC VID [--name N] [--mtu N] [--dhcp on|off] "
		  "[--relay-from FABRIC/VID] [--stop-on-rogue on|off]",
		  "add a VLAN (--stop-on-rogue: no DHCP service on it while an "
		  "unknown DHCP server is active there)", 2, 2, VLAN_OPTS,
		  vlan_addset },
		{ "list", "[FABRIC] [--json]", "list VLANs", 0, 1, { 0 }, vlan_list },
		{ "show", "FABRIC/VID [--json]", "show a VLAN, its subnets, "
		  "interfaces and competing DHCP servers", 1, 2, { 0 }, vlan_show },
		{ "set", "FABRIC/VID [--name N] [--mtu N] [--dhcp on|off] "
		  "[--relay-from FABRIC/VID|''] [--stop-on-rogue on|off]",
		  "change a VLAN", 1, 2, VLAN_OPTS, vlan_addset },
		{ "rm", "FABRIC/VID [--force]", "remove a VLAN (--force: with its "
		  "subnets)", 1, 2, { "force" }, vlan_rm },
		{ 0 },
	},
};

static int subnet_opts(const struct cli_verb *v, struct cli_args *a,
		       struct ipam_subnet_opts *o, char *fabric, size_t size)
{
	const char *s;

	memset(o, 0, sizeof(*o));
	o->managed = -1;
	if ((s = cli_opt(v, a, "vlan"))) {
		if (cli_parse_vlan(s, fabric, size, &o->vid))
			return EXIT_USAGE;
		o->fabric = fabric;
	}
	if ((s = cli_opt(v, a, "gateway")) && s[0] && cli_check_ip(s))
		return EXIT_USAGE;
	o->gateway = s;
	o->dns = cli_opt(v, a, "dns");
	o->ntp = cli_opt(v, a, "ntp");
	if ((o->dns && cli_check_ip_list(o->dns, "--dns")) ||
	    (o->ntp && cli_check_ip_list(o->ntp, "--ntp")))
		return EXIT_USAGE;
	o->domain = cli_opt(v, a, "domain");
	if ((s = cli_opt(v, a, "lease-time")) &&
	    cli_parse_int(s, "--lease-time", 60, 31536000, &o->lease_time))
		return EXIT_USAGE;
	if ((s = cli_opt(v, a, "managed")) &&
	    cli_parse_onoff(s, "--managed", &o->managed))
		return EXIT_USAGE;
	return 0;
}

static int subnet_addset(struct ipam *db, const struct cli_verb *v,
			 struct cli_args *a)
{
	struct ipam_subnet_opts o;
	char fabric[128];

	if (cli_check_cidr(a->pos[0]) ||
	    subnet_opts(v, a, &o, fabric, sizeof(fabric)))
		return EXIT_USAGE;
	if (!strcmp(v->name, "set"))
		return cli_result(db, ipam_subnet_set(db, a->pos[0], &o));
	if (!o.fabric)
		return cli_usage_error("subnet add needs --vlan FABRIC/VID");
	return cli_result(db, ipam_subnet_add(db, a->pos[0], &o));
}

static int subnet_rm(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	json_t *removed = NULL;
	char what[96];
	int r;

	if (cli_check_cidr(a->pos[0]))
		return EXIT_USAGE;
	r = ipam_subnet_rm(db, a->pos[0], cli_flag(v, a, "force"), &removed);
	snprintf(what, sizeof(what), "subnet %s", a->pos[0]);
	return cli_removed(db, r, what, removed, a->json);
}

static int subnet_list(struct ipam *db, const struct cli_verb *v,
		       struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_subnet_list(db), a->json);
}

static int subnet_show(struct ipam *db, const struct cli_verb *v,
		       struct cli_args *a)
{
	(void)v;
	if (cli_check_cidr(a->pos[0]))
		return EXIT_USAGE;
	return cli_print(db, ipam_subnet_show(db, a->pos[0], (int64_t)time(NULL)),
			 a->json);
}

#define SUBNET_OPTS { "vlan=", "gateway=", "dns=", "ntp=", "domain=", \
		      "lease-time=", "managed=" }
#define SUBNET_USAGE "[--gateway IP] [--dns IP[,IP]] [--domain NAME] " \
		     "[--ntp IP[,IP]] [--lease-time SECONDS] [--managed on|off]"
const struct cli_object cli_subnet = {
	"subnet", "IPv4 and IPv6 subnets on a VLAN",
	(const struct cli_verb[]){
		{ "add", "CIDR --vlan FABRIC/VID " SUBNET_USAGE, "add a subnet",
		  1, 1, SUBNET_OPTS, subnet_addset },
		{ "list", "[--json]", "list subnets", 0, 0, { 0 }, subnet_list },
		{ "show", "CIDR [--json]", "show a subnet, its ranges and "
		  "utilisation", 1, 1, { 0 }, subnet_show },
		{ "set", "CIDR [--vlan FABRIC/VID] " SUBNET_USAGE,
		  "change a subnet ('' clears a value)", 1, 1, SUBNET_OPTS,
		  subnet_addset },
		{ "rm", "CIDR [--force]", "remove a subnet (--force: with its "
		  "ranges and addresses)", 1, 1, { "force" }, subnet_rm },
		{ 0 },
	},
};

static int range_add(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	const char *type = cli_opt(v, a, "type");

	if (cli_check_cidr(a->pos[0]) || cli_check_ip(a->pos[1]) ||
	    cli_check_ip(a->pos[2]))
		return EXIT_USAGE;
	if (!type || (strcmp(type, "dynamic") && strcmp(type, "reserved")))
		return cli_usage_error("range add needs --type dynamic|reserved");
	return cli_result(db, ipam_range_add(db, a->pos[0], a->pos[1], a->pos[2],
					     type, cli_opt(v, a, "comment")));
}

static int range_rm(struct ipam *db, const struct cli_verb *v,
		    struct cli_args *a)
{
	(void)v;
	if (cli_check_cidr(a->pos[0]) || cli_check_ip(a->pos[1]))
		return EXIT_USAGE;
	return cli_result(db, ipam_range_rm(db, a->pos[0], a->pos[1]));
}

static int range_list(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	(void)v;
	if (a->npos && cli_check_cidr(a->pos[0]))
		return EXIT_USAGE;
	return cli_print(db, ipam_range_list(db, a->npos ? a->pos[0] : NULL),
			 a->json);
}

const struct cli_object cli_range = {
	"range", "dynamic (DHCP pool) and reserved ranges of a subnet",
	(const struct cli_verb[]){
		{ "add", "CIDR START END --type dynamic|reserved [--comment TEXT]",
		  "add a range", 3, 3, { "type=", "comment=" }, range_add },
		{ "list", "[CIDR] [--json]", "list ranges", 0, 1, { 0 }, range_list },
		{ "rm", "CIDR START", "remove the range that starts at START",
		  2, 2, { 0 }, range_rm },
		{ 0 },
	},
};

static int interface_set(struct ipam *db, const struct cli_verb *v,
			 struct cli_args *a)
{
	const char *s = cli_opt(v, a, "vlan");
	char fabric[128];
	int vid;

	if (!s)
		return cli_usage_error("interface set needs --vlan FABRIC/VID");
	if (cli_parse_vlan(s, fabric, sizeof(fabric), &vid))
		return EXIT_USAGE;
	return cli_result(db, ipam_interface_set(db, a->pos[0], fabric, vid,
						 "operator"));
}

static int interface_rm(struct ipam *db, const struct cli_verb *v,
			struct cli_args *a)
{
	(void)v;
	return cli_result(db, ipam_interface_rm(db, a->pos[0]));
}

static int interface_list(struct ipam *db, const struct cli_verb *v,
			  struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_interface_list(db), a->json);
}

const struct cli_object cli_interface = {
	"interface", "which VLAN each of the rack's interfaces is on",
	(const struct cli_verb[]){
		{ "set", "IFNAME --vlan FABRIC/VID", "bind a rack interface to a "
		  "VLAN", 1, 1, { "vlan=" }, interface_set },
		{ "list", "[--json]", "list rack interfaces", 0, 0, { 0 },
		  interface_list },
		{ "rm", "IFNAME", "forget a rack interface", 1, 1, { 0 },
		  interface_rm },
		{ 0 },
	},
};

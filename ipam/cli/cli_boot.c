/* racknet boot-profile / bootfile / tftp. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>

/* add, or set: kernel, initrd and command line through the profile
 * calls, the boot file through its own; both in one transaction. */
static int profile_addset(struct ipam *db, const struct cli_verb *v,
			  struct cli_args *a)
{
	struct ipam_boot_profile_opts o = {
		.kernel = cli_opt(v, a, "kernel"),
		.initrd = cli_opt(v, a, "initrd"),
		.cmdline = cli_opt(v, a, "cmdline"),
	};
	const char *bootfile = cli_opt(v, a, "bootfile");
	bool add = v->name[0] == 'a', rest = o.kernel || o.initrd || o.cmdline;
	int r;

	if (!add && !rest && !bootfile)
		return cli_usage_error("boot-profile set: nothing to change "
				       "(--kernel, --initrd, --cmdline, "
				       "--bootfile)");
	if (bootfile && bootfile[0] &&
	    ipam_bootfile_check(db, "--bootfile", bootfile) < 0)
		return cli_result(db, -EINVAL);
	r = ipam_tx_begin(db);
	if (r == 0 && (add || rest))
		r = add ? ipam_boot_profile_add(db, a->pos[0], &o) :
		    ipam_boot_profile_set(db, a->pos[0], &o);
	if (r == 0 && bootfile)
		r = ipam_boot_profile_bootfile_set(db, a->pos[0], bootfile);
	if (r == 0)
		r = ipam_tx_commit(db);
	else
		ipam_tx_rollback(db);
	return cli_result(db, r);
}

static int profile_rm(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	json_t *removed = NULL;
	char what[96];
	int r = ipam_boot_profile_rm(db, a->pos[0], cli_flag(v, a, "force"),
				     &removed);

	snprintf(what, sizeof(what), "boot profile %s", a->pos[0]);
	return cli_removed(db, r, what, removed, a->json);
}

/* The profiles, each with its boot file (null when it has none). */
static int profile_list(struct ipam *db, const struct cli_verb *v,
			struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_boot_profile_list(db), a->json);
}

#define PROFILE_USAGE "[--kernel PATH] [--initrd PATH] [--cmdline TEXT] " \
	"[--bootfile FILE-OR-URL]"
#define PROFILE_OPTS { "kernel=", "initrd=", "cmdline=", "bootfile=" }
const struct cli_object cli_boot_profile = {
	"boot-profile", "what machines boot: kernel, initrd, command line",
	(const struct cli_verb[]){
		{ "add", "NAME " PROFILE_USAGE, "add a boot profile (paths are "
		  "under the boot server's root; --bootfile: what DHCP hands "
		  "its machines' firmware instead of the bootfile table's)",
		  1, 1, PROFILE_OPTS, profile_addset },
		{ "list", "[--json]", "list boot profiles and how many hosts "
		  "use each", 0, 0, { 0 }, profile_list },
		{ "set", "NAME " PROFILE_USAGE, "change a boot profile ('' "
		  "clears a value)", 1, 1, PROFILE_OPTS, profile_addset },
		{ "rm", "NAME [--force]", "remove a boot profile (--force: even "
		  "if hosts use it; they get boot-default-profile)", 1, 1,
		  { "force" }, profile_rm },
		{ 0 },
	},
};

static int tftp_stats(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	(void)v;
	return cli_daemon_stats(db, "tftpd", a->json);
}

const struct cli_object cli_tftp = {
	"tftp", "racknet-tftpd's counters",
	(const struct cli_verb[]){
		{ "stats", "[--json]", "TFTP requests and transfers, retransmits, "
		  "bytes, HTTP requests by outcome, boot files rendered", 0, 0,
		  { 0 }, tftp_stats },
		{ 0 },
	},
};

static int bootfile_set(struct ipam *db, const struct cli_verb *v,
			struct cli_args *a)
{
	const char *cidr = cli_opt(v, a, "subnet");

	if (cidr && cli_check_cidr(cidr))
		return EXIT_USAGE;
	return cli_result(db, ipam_bootfile_set(db, a->pos[0], a->pos[1],
						 cidr));
}

static int bootfile_rm(struct ipam *db, const struct cli_verb *v,
		       struct cli_args *a)
{
	const char *cidr = cli_opt(v, a, "subnet");

	if (cidr && cli_check_cidr(cidr))
		return EXIT_USAGE;
	return cli_result(db, ipam_bootfile_rm(db, a->pos[0], cidr));
}

static int bootfile_list(struct ipam *db, const struct cli_verb *v,
			 struct cli_args *a)
{
	const char *cidr = cli_opt(v, a, "subnet");

	if (cidr && cli_check_cidr(cidr))
		return EXIT_USAGE;
	return cli_print(db, ipam_bootfile_list(db, cidr), a->json);
}

#define ARCHES "ARCH: bios, uefi-x64, uefi-arm64, uefi-http, ipxe (what " \
	"a client already running iPXE gets)"
const struct cli_object cli_bootfile = {
	"bootfile", "what DHCP clients boot, by architecture",
	(const struct cli_verb[]){
		{ "set", "ARCH FILE-OR-URL [--subnet CIDR]", "set the boot file "
		  "of an architecture, for every subnet or one (which wins); "
		  ARCHES "; ${server} and ${http} stand for dhcpd's address and "
		  "http://ADDRESS[:boot-http-port]", 2, 2, { "subnet=" },
		  bootfile_set },
		{ "rm", "ARCH [--subnet CIDR]", "remove a boot file: back to the "
		  "global one, or to the default", 1, 1, { "subnet=" },
		  bootfile_rm },
		{ "list", "[--subnet CIDR] [--json]", "the boot file of each "
		  "architecture and where it comes from (default, global, "
		  "subnet): globally, then for each subnet with its own; "
		  "--subnet: for that subnet", 0, 0, { "subnet=" },
		  bootfile_list },
		{ 0 },
	},
};

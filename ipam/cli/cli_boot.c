/* racknet boot-profile / tftp. */
#include "cli.h"

#include <stdio.h>

static int profile_addset(struct ipam *db, const struct cli_verb *v,
			  struct cli_args *a)
{
	struct ipam_boot_profile_opts o = {
		.kernel = cli_opt(v, a, "kernel"),
		.initrd = cli_opt(v, a, "initrd"),
		.cmdline = cli_opt(v, a, "cmdline"),
	};

	if (v->name[0] == 'a')
		return cli_result(db, ipam_boot_profile_add(db, a->pos[0], &o));
	if (!o.kernel && !o.initrd && !o.cmdline)
		return cli_usage_error("boot-profile set: nothing to change "
				       "(--kernel, --initrd, --cmdline)");
	return cli_result(db, ipam_boot_profile_set(db, a->pos[0], &o));
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

static int profile_list(struct ipam *db, const struct cli_verb *v,
			struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_boot_profile_list(db), a->json);
}

#define PROFILE_USAGE "[--kernel PATH] [--initrd PATH] [--cmdline TEXT]"
const struct cli_object cli_boot_profile = {
	"boot-profile", "what machines boot: kernel, initrd, command line",
	(const struct cli_verb[]){
		{ "add", "NAME " PROFILE_USAGE, "add a boot profile (paths are "
		  "under the boot server's root)", 1, 1,
		  { "kernel=", "initrd=", "cmdline=" }, profile_addset },
		{ "list", "[--json]", "list boot profiles and how many hosts "
		  "use each", 0, 0, { 0 }, profile_list },
		{ "set", "NAME " PROFILE_USAGE, "change a boot profile ('' "
		  "clears a value)", 1, 1, { "kernel=", "initrd=", "cmdline=" },
		  profile_addset },
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

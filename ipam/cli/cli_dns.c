/* racknet domain / record. */
#include "cli.h"

static int domain_addset(struct ipam *db, const struct cli_verb *v,
			 struct cli_args *a)
{
	const char *s = cli_opt(v, a, "ttl");
	int64_t ttl = 300;

	if (s && cli_parse_int(s, "--ttl", 0, 2147483647, &ttl))
		return EXIT_USAGE;
	if (v->name[0] == 'a')
		return cli_result(db, ipam_domain_add(db, a->pos[0], ttl));
	if (!s)
		return cli_usage_error("domain set: nothing to change (--ttl)");
	return cli_result(db, ipam_domain_set(db, a->pos[0], ttl));
}

static int domain_rm(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	json_t *removed = NULL;
	char what[300];
	int r = ipam_domain_rm(db, a->pos[0], cli_flag(v, a, "force"), &removed);

	snprintf(what, sizeof(what), "domain %s", a->pos[0]);
	return cli_removed(db, r, what, removed, a->json);
}

static int domain_list(struct ipam *db, const struct cli_verb *v,
		       struct cli_args *a)
{
	(void)v;
	return cli_print(db, ipam_domain_list(db), a->json);
}

const struct cli_object cli_domain = {
	"domain", "DNS domains racknet is authoritative for",
	(const struct cli_verb[]){
		{ "add", "NAME [--ttl SECONDS]", "add a domain", 1, 1, { "ttl=" },
		  domain_addset },
		{ "list", "[--json]", "list domains", 0, 0, { 0 }, domain_list },
		{ "set", "NAME --ttl SECONDS", "change a domain's default TTL", 1, 1,
		  { "ttl=" }, domain_addset },
		{ "rm", "NAME [--force]", "remove a domain (--force: with its "
		  "records)", 1, 1, { "force" }, domain_rm },
		{ 0 },
	},
};

static int record_add(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	const char *s = cli_opt(v, a, "ttl");
	int64_t ttl = 0;

	if (s && cli_parse_int(s, "--ttl", 0, 2147483647, &ttl))
		return EXIT_USAGE;
	return cli_result(db, ipam_record_add(db, a->pos[0], a->pos[1],
					      a->pos[2], ttl));
}

static int record_rm(struct ipam *db, const struct cli_verb *v,
		     struct cli_args *a)
{
	(void)v;
	return cli_result(db, ipam_record_rm(db, a->pos[0], a->pos[1],
					     a->npos > 2 ? a->pos[2] : NULL));
}

static int record_list(struct ipam *db, const struct cli_verb *v,
		       struct cli_args *a)
{
	return cli_print(db, ipam_record_list(db, cli_opt(v, a, "domain")),
			 a->json);
}

const struct cli_object cli_record = {
	"record", "custom DNS records (A, AAAA, CNAME, TXT, SRV, MX, PTR, NS)",
	(const struct cli_verb[]){
		{ "add", "FQDN TYPE DATA [--ttl SECONDS]", "add a record (MX data: "
		  "'PREF HOST'; SRV: 'PRIO WEIGHT PORT TARGET')", 3, 3, { "ttl=" },
		  record_add },
		{ "list", "[--domain NAME] [--json]", "list records", 0, 0,
		  { "domain=" }, record_list },
		{ "rm", "FQDN TYPE [DATA]", "remove records of that name and type "
		  "(only the one with DATA, if given)", 2, 3, { 0 }, record_rm },
		{ 0 },
	},
};

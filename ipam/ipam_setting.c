/*
 * Settings: a fixed schema. Each key has a type, bounds and a default here,
 * so a typo in a key or a value is an error at `racknet setting set` time,
 * not a surprise in a daemon later. (Observed DHCP servers moved to
 * ipam_rogue.c.)
 */
#include "ipam_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsname.h"

enum setting_type {
	ST_IP_LIST,		/* IP[,IP...] */
	ST_HOST_LIST,		/* (IP|name)[,...] */
	ST_CIDR_LIST,		/* CIDR[,CIDR...] */
	ST_INT,
	ST_BOOL,		/* stored as on/off */
	ST_NAME,		/* a DNS name */
	ST_PROFILE,		/* a boot profile's name */
	ST_MAX
};

struct setting_def {
	const char *key;
	enum setting_type type;
	int64_t min, max;	/* ST_INT only */
	const char *def;
	const char *help;
};

static const struct setting_def settings[] = {
	{ "upstream-dns", ST_IP_LIST, 0, 0, "",
	  "resolvers racknet-dnsd forwards other names to" },
	{ "ntp-servers", ST_HOST_LIST, 0, 0, "",
	  "upstream NTP servers chronyd follows" },
	{ "default-domain", ST_NAME, 0, 0, "internal",
	  "domain of hosts and leases whose subnet names none" },
	{ "default-lease-time", ST_INT, 60, 31536000, "3600",
	  "DHCP lease seconds for subnets without --lease-time" },
	{ "dns-axfr-allow", ST_CIDR_LIST, 0, 0, "127.0.0.0/8,::1/128",
	  "networks allowed to transfer racknet's zones" },
	{ "dns-rrl", ST_INT, 0, 1000000, "20",
	  "DNS answers per second to one /24 or /56 outside the managed "
	  "subnets (0: no limit)" },
	{ "dns-cache-size", ST_INT, 1, 4096, "16",
	  "MiB of forwarded answers racknet-dnsd caches" },
	{ "dns-tcp-clients", ST_INT, 1, 65536, "256",
	  "TCP connections racknet-dnsd keeps open at once" },
	{ "dns-fwd-pending", ST_INT, 16, 65536, "1024",
	  "queries racknet-dnsd has upstream at once (4 times as many clients "
	  "may wait on them)" },
	{ "dhcp-ping-check", ST_BOOL, 0, 0, "on",
	  "check that a never-used address is free before offering it" },
	{ "dhcp-ping-timeout", ST_INT, 50, 5000, "500",
	  "milliseconds to wait for an answer to that check" },
	{ "dhcp-ping-max", ST_INT, 1, 65536, "256",
	  "address checks racknet-dhcpd runs at once (more clients are "
	  "answered on their retransmission; applies at restart)" },
	{ "dhcp-decline-time", ST_INT, 10, 31536000, "3600",
	  "seconds a declined or answering address is held out of use" },
	{ "dhcp-lease-retention", ST_INT, 0, 31536000, "86400",
	  "seconds an expired lease is remembered for its client" },
	{ "dhcp-probe-interval", ST_INT, 0, 86400, "600",
	  "seconds between probes for competing DHCP servers (0: no probe on "
	  "start nor periodically; on demand still works)" },
	{ "dhcp-probe-wait", ST_INT, 1, 60, "3",
	  "seconds a probe listens for offers" },
	{ "dhcp-probe-unmanaged", ST_BOOL, 0, 0, "off",
	  "also probe interfaces that are on no served subnet" },
	{ "dhcp-server-timeout", ST_INT, 1, 604800, "1800",
	  "seconds without a sighting before a competing server is reported "
	  "gone" },
	{ "dhcp-server-max", ST_INT, 16, 1000000, "1024",
	  "competing DHCP servers recorded at most (the oldest gone one makes "
	  "room; with none gone, new ones are not recorded)" },
	{ "boot-default-profile", ST_PROFILE, 0, 0, "local",
	  "boot profile of hosts that name none" },
	{ "boot-unknown-profile", ST_PROFILE, 0, 0, "unknown",
	  "boot profile of machines IPAM has no host for" },
	{ "boot-http-port", ST_INT, 1, 65535, "80",
	  "port of racknet-tftpd's HTTP boot server, for the http:// boot "
	  "URLs dhcpd hands out" },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting_def *setting_find(struct ipam *db, const char *key)
{
	char known[512];
	size_t o = 0;

	for (size_t i = 0; i < NSETTINGS; i++)
		if (!strcmp(settings[i].key, key))
			return &settings[i];
	for (size_t i = 0; i < NSETTINGS && o < sizeof(known); i++)
		o += (size_t)snprintf(known + o, sizeof(known) - o, "%s%s",
				      i ? ", " : "", settings[i].key);
	ipam_fail(db, -ENOENT, "unknown setting '%s' (known: %s)", key, known);
	return NULL;
}

static bool item_valid(enum setting_type t, const char *s)
{
	struct ip_addr a;
	struct cidr c;

	switch (t) {
	case ST_IP_LIST:
		return ip_parse(&a, s) == 0;
	case ST_HOST_LIST:
		return ip_parse(&a, s) == 0 || dns_name_valid(s, 0);
	case ST_CIDR_LIST:
		return cidr_parse(&c, s) == 0;
	default:
		return false;
	}
}

/* Check value against def; the canonical form goes to out. */
static int setting_check(struct ipam *db, const struct setting_def *d,
			 const char *value, char *out, size_t size)
{
	char *end;
	long long v;

	if (strlen(value) >= size)
		return ipam_fail(db, -EINVAL, "value for %s is too long", d->key);
	switch (d->type) {
	case ST_INT:
		v = strtoll(value, &end, 10);
		if (!value[0] || *end || v < d->min || v > d->max)
			return ipam_fail(db, -EINVAL, "%s must be a number from "
					 "%lld to %lld", d->key,
					 (long long)d->min, (long long)d->max);
		snprintf(out, size, "%lld", v);
		return 0;
	case ST_BOOL:
		if (!strcasecmp(value, "on") || !strcasecmp(value, "true") ||
		    !strcasecmp(value, "yes") || !strcmp(value, "1"))
			snprintf(out, size, "on");
		else if (!strcasecmp(value, "off") || !strcasecmp(value, "false") ||
			 !strcasecmp(value, "no") || !strcmp(value, "0"))
			snprintf(out, size, "off");
		else
			return ipam_fail(db, -EINVAL, "%s must be on or off", d->key);
		return 0;
	case ST_NAME:
		if (!dns_name_valid(value, 0))
			return ipam_fail(db, -EINVAL, "%s '%s' is not a valid DNS "
					 "name", d->key, value);
		snprintf(out, size, "%s", value);
		return 0;
	case ST_PROFILE:
		if (!ipam_boot_profile_name_valid(value))
			return ipam_fail(db, -EINVAL, "%s '%s' is not a boot "
					 "profile name: use " IPAM_PROFILE_RULE,
					 d->key, value);
		snprintf(out, size, "%s", value);
		return 0;
	default:
		break;
	}
	/* A list: each comma-separated item must be valid on its own. */
	snprintf(out, size, "%s", value);
	for (char *save = NULL, *tok = strtok_r(out, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!item_valid(d->type, tok))
			return ipam_fail(db, -EINVAL, "%s: '%s' is not %s", d->key,
					 tok, d->type == ST_CIDR_LIST ?
					 "a canonical CIDR prefix" :
					 d->type == ST_IP_LIST ? "an IP address" :
					 "an IP address or host name");
	if (value[0] == ',' || (value[0] && value[strlen(value) - 1] == ',') ||
	    strstr(value, ",,"))
		return ipam_fail(db, -EINVAL, "%s: empty item in '%s'", d->key,
				 value);
	snprintf(out, size, "%s", value);
	return 0;
}

int ipam_setting_set(struct ipam *db, const char *key, const char *value)
{
	const struct setting_def *d = setting_find(db, key);
	char canon[1024];
	sqlite3_stmt *st;
	int r;

	if (!d)
		return -ENOENT;
	if ((r = setting_check(db, d, value, canon, sizeof(canon))) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	st = ipam_stmt(db, "INSERT INTO setting (key, value) VALUES (?1, ?2) "
		       "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	if (st) {
		ipam_bind_text(st, 1, key);
		ipam_bind_text(st, 2, canon);
	}
	return ipam_write_end(db, ipam_exec_stmt(db, st, "set setting"));
}

int ipam_setting_unset(struct ipam *db, const char *key)
{
	sqlite3_stmt *st;
	int r;

	if (!setting_find(db, key))
		return -ENOENT;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	st = ipam_stmt(db, "DELETE FROM setting WHERE key = ?1");
	if (st)
		ipam_bind_text(st, 1, key);
	return ipam_write_end(db, ipam_exec_stmt(db, st, "unset setting"));
}

int ipam_setting_get(struct ipam *db, const char *key, char *buf, size_t size)
{
	const struct setting_def *d = setting_find(db, key);
	sqlite3_stmt *st;

	if (!d)
		return -ENOENT;
	st = ipam_stmt(db, "SELECT value FROM setting WHERE key = ?1");
	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, key);
	if (!ipam_query_text(db, st, buf, size))
		snprintf(buf, size, "%s", d->def);
	return 0;
}

json_t *ipam_setting_list(struct ipam *db)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < NSETTINGS; i++) {
		const struct setting_def *d = &settings[i];
		char value[1024];
		int64_t set;
		sqlite3_stmt *st = ipam_stmt(db, "SELECT count(*) FROM setting "
					     "WHERE key = ?1");

		if (!st || ipam_setting_get(db, d->key, value, sizeof(value)) < 0) {
			json_decref(arr);
			return NULL;
		}
		ipam_bind_text(st, 1, d->key);
		set = ipam_query_int(db, st, 0);
		json_array_append_new(arr, json_pack("{sssssssbss}", "key", d->key,
			"value", value, "default", d->def, "set", set > 0,
			"help", d->help));
	}
	return arr;
}

int64_t ipam_setting_int(struct ipam *db, const char *key)
{
	char buf[32];

	if (ipam_setting_get(db, key, buf, sizeof(buf)) < 0)
		return 0;
	if (!strcmp(buf, "on"))
		return 1;
	return strtoll(buf, NULL, 10);	/* validated when it was set */
}

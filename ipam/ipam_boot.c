/*
 * Boot profiles, and machines as the boot server sees them. A profile names
 * what a machine boots (kernel, initrd, command line); racknet-tftpd asks
 * for a machine by the MAC or IP in a boot-file request and renders its
 * templates with what comes back. That lookup runs once per request, so it
 * is a handful of index seeks (schema version 5 adds the indexes it needs),
 * never a walk of the address table.
 */
#include "ipam_int.h"

#include <errno.h>
#include <string.h>

bool ipam_boot_profile_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
			return false;
	}
	return true;
}

/*
 * Profile values end up inside generated config files (pxelinux, GRUB,
 * iPXE), one directive per line: a newline or other control character
 * would add directives of its own, and a space in a path would split it.
 * So paths are printable ASCII without spaces, the command line printable
 * ASCII, and each fits struct ipam_machine's buffer.
 */
static int value_check(struct ipam *db, const char *what, const char *s,
		       size_t max, bool spaces)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n > max)
		return ipam_fail(db, -EINVAL, "%s is %zu bytes long, the most is "
				 "%zu", what, n, max);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || (c == ' ' && !spaces))
			return ipam_fail(db, -EINVAL, "%s must be printable "
					 "ASCII%s (byte %zu is not)", what,
					 spaces ? "" : " without spaces", i + 1);
	}
	return 0;
}

static int profile_check(struct ipam *db, const char *name,
			 const struct ipam_boot_profile_opts *o)
{
	struct ipam_machine *m = NULL;
	int r;

	if (!ipam_boot_profile_name_valid(name))
		return ipam_fail(db, -EINVAL, "boot profile name '%s' is invalid: "
				 "use " IPAM_PROFILE_RULE, name ? name : "");
	if ((r = value_check(db, "--kernel", o->kernel,
			     sizeof(m->kernel) - 1, false)) < 0 ||
	    (r = value_check(db, "--initrd", o->initrd,
			     sizeof(m->initrd) - 1, false)) < 0 ||
	    (r = value_check(db, "--cmdline", o->cmdline,
			     sizeof(m->cmdline) - 1, true)) < 0)
		return r;
	return 0;
}

static int64_t profile_id(struct ipam *db, const char *name)
{
	sqlite3_stmt *st = ipam_stmt(db,
		"SELECT id FROM boot_profile WHERE name = ?1");

	if (!st)
		return 0;
	ipam_bind_text(st, 1, name);
	return ipam_query_int(db, st, 0);
}

/* Apply o to profile id: NULL keeps a value, "" clears it. */
static int profile_apply(struct ipam *db, int64_t id,
			 const struct ipam_boot_profile_opts *o)
{
	static const char sql[] =
		"UPDATE boot_profile SET "
		"kernel = CASE WHEN ?2 IS NULL THEN kernel ELSE nullif(?2, '') END, "
		"initrd = CASE WHEN ?3 IS NULL THEN initrd ELSE nullif(?3, '') END, "
		"cmdline = CASE WHEN ?4 IS NULL THEN cmdline "
		"ELSE nullif(?4, '') END WHERE id = ?1";
	sqlite3_stmt *st = ipam_stmt(db, sql);

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	ipam_bind_text(st, 2, o->kernel);
	ipam_bind_text(st, 3, o->initrd);
	ipam_bind_text(st, 4, o->cmdline);
	return ipam_exec_stmt(db, st, "change boot profile");
}

int ipam_boot_profile_add(struct ipam *db, const char *name,
			  const struct ipam_boot_profile_opts *o)
{
	sqlite3_stmt *st;
	int r;

	if ((r = profile_check(db, name, o)) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	if (profile_id(db, name))
		return ipam_write_end(db, ipam_fail(db, -EEXIST, "boot profile "
				      "%s already exists", name));
	st = ipam_stmt(db, "INSERT INTO boot_profile (name, kernel, initrd, "
		       "cmdline) VALUES (?1, nullif(?2, ''), nullif(?3, ''), "
		       "nullif(?4, ''))");
	if (st) {
		ipam_bind_text(st, 1, name);
		ipam_bind_text(st, 2, o->kernel);
		ipam_bind_text(st, 3, o->initrd);
		ipam_bind_text(st, 4, o->cmdline);
	}
	return ipam_write_end(db, ipam_exec_stmt(db, st, "add boot profile"));
}

int ipam_boot_profile_set(struct ipam *db, const char *name,
			  const struct ipam_boot_profile_opts *o)
{
	int64_t id;
	int r;

	if ((r = profile_check(db, name, o)) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	id = profile_id(db, name);
	if (id == 0)
		r = ipam_fail(db, -ENOENT, "boot profile %s does not exist", name);
	else
		r = profile_apply(db, id, o);
	return ipam_write_end(db, r);
}

/* "a, b, c and 4 more": the hosts whose boot is name, for a refusal. */
static void hosts_naming(struct ipam *db, const char *name, int64_t n,
			 char *buf, size_t size)
{
	static const char sql[] =
		"SELECT hostname FROM host WHERE boot = ?1 ORDER BY hostname "
		"LIMIT 5";
	sqlite3_stmt *st = ipam_stmt(db, sql);
	size_t o = 0;
	int64_t k = 0;

	buf[0] = '\0';
	if (!st)
		return;
	ipam_bind_text(st, 1, name);
	while (o < size && sqlite3_step(st) == SQLITE_ROW) {
		k++;
		o += (size_t)snprintf(buf + o, size - o, "%s%s",
				      k == 1 ? "" : k == n ? " and " : ", ",
				      sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (o < size && n > k)
		snprintf(buf + o, size - o, " and %lld more", (long long)(n - k));
}

/*
 * Like `domain rm`: hosts that name the profile are a reason to refuse
 * (naming them); with force they are left without a boot profile, so
 * they get the boot-default-profile setting's, and *ret_removed counts
 * them as "unlinked_hosts".
 */
int ipam_boot_profile_rm(struct ipam *db, const char *name, bool force,
			 json_t **ret_removed)
{
	char what[96], hosts[256];
	sqlite3_stmt *st;
	int64_t id;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	id = profile_id(db, name);
	if (id == 0)
		return ipam_write_end(db, ipam_fail(db, -ENOENT, "boot profile "
				      "%s does not exist", name));
	struct ipam_child c[] = {
		{ "unlinked_hosts", "host left without a boot profile",
		  "hosts left without a boot profile", 0 },
	};
	st = ipam_stmt(db, "SELECT count(*) FROM host WHERE boot = ?1");
	if (!st)
		return ipam_write_end(db, -EIO);
	ipam_bind_text(st, 1, name);
	c[0].n = ipam_query_int(db, st, 0);
	if (c[0].n > 0 && !force) {
		hosts_naming(db, name, c[0].n, hosts, sizeof(hosts));
		return ipam_write_end(db, ipam_fail(db, -ENOTEMPTY, "boot "
				      "profile %s is the boot profile of host%s "
				      "%s: give %s another with `racknet host "
				      "set HOST --boot PROFILE`, or use --force "
				      "(%s then get the boot-default-profile)",
				      name, c[0].n == 1 ? "" : "s", hosts,
				      c[0].n == 1 ? "it" : "them",
				      c[0].n == 1 ? "it would" : "they would"));
	}
	st = ipam_stmt(db, "UPDATE host SET boot = NULL WHERE boot = ?1");
	if (st)
		ipam_bind_text(st, 1, name);
	r = ipam_exec_stmt(db, st, "unlink hosts from boot profile");
	snprintf(what, sizeof(what), "boot profile %s", name);
	if (r == 0)
		r = ipam_remove_with_children(db, what, c, 1, true,
					      "DELETE FROM boot_profile "
					      "WHERE id = ?1", id, ret_removed);
	return ipam_write_end(db, r);
}

json_t *ipam_boot_profile_list(struct ipam *db)
{
	return ipam_rows_json(db, ipam_stmt(db,
		"SELECT p.name AS name, p.kernel AS kernel, p.initrd AS initrd, "
		"p.cmdline AS cmdline, "
		"(SELECT count(*) FROM host h WHERE h.boot = p.name) AS hosts, "
		"p.bootfile AS bootfile "
		"FROM boot_profile p ORDER BY p.name"), NULL);
}

/*
 * Machine lookup. Each step is one seek on an index; the state they share
 * is the machine being filled, the subnet of its address (for the domain)
 * and the host's own boot profile, if it names one.
 */
struct lookup {
	struct ipam *db;
	struct ipam_machine *m;
	int64_t now;
	int64_t subnet_id;	/* the subnet of m->ip, 0 if unknown */
	char boot[64];		/* the host's boot, "" for none */
	char first_mac[MAC_STRLEN];	/* the host's first MAC */
};

/* A host and its domain; ?1 a MAC (the first) or a host id (the second). */
#define HOST_SELECT                                                         \
	"SELECT h.id, h.hostname, h.arch, h.boot, d.name, "                 \
	"(SELECT mac FROM host_mac WHERE host_id = h.id ORDER BY rowid "    \
	" LIMIT 1) FROM host h LEFT JOIN domain d ON d.id = h.domain_id "
static const char sql_host_by_mac[] = HOST_SELECT
	"WHERE h.id = (SELECT host_id FROM host_mac WHERE mac = ?1)";
static const char sql_host_by_id[] = HOST_SELECT "WHERE h.id = ?1";
#undef HOST_SELECT

/* The host's lowest static address, IPv4 first. */
static const char sql_static[] =
	"SELECT ip, subnet_id FROM address WHERE host_id = ?1 "
	"AND state = 'static' ORDER BY length(ip), ip LIMIT 1";
/* The MAC's sticky address, else its live lease that runs longest: one
 * seek on address_mac per subnet (dhcpd's index, which leads with the
 * subnet; an index on mac alone cost every new lease too much). */
static const char sql_live_by_mac[] =
	"SELECT ip, subnet_id, hostname FROM address INDEXED BY address_mac "
	"WHERE subnet_id IN (SELECT id FROM subnet) AND mac = ?1 AND "
	"(state = 'sticky' OR "
	"(state = 'lease' AND expiry > ?2)) "
	"ORDER BY state = 'lease', expiry DESC, length(ip), ip LIMIT 1";
/* Subnets do not overlap, so only the one with the greatest net <= ip of
 * the same family can hold ip: one seek on subnet_net. */
static const char sql_subnet_of[] =
	"SELECT id, net, prefix FROM subnet INDEXED BY subnet_net "
	"WHERE length(net) = ?2 AND net <= ?1 ORDER BY net DESC LIMIT 1";
static const char sql_addr_at[] =
	"SELECT state, mac, host_id, expiry, hostname FROM address "
	"WHERE subnet_id = ?1 AND ip = ?2";
static const char sql_subnet_domain[] =
	"SELECT d.name FROM subnet s JOIN domain d ON d.id = s.domain_id "
	"WHERE s.id = ?1";
static const char sql_profile[] =
	"SELECT kernel, initrd, cmdline, bootfile FROM boot_profile "
	"WHERE name = ?1";

/* Step st once: 1 with a row (the caller resets), 0 with none, -errno. */
static int step_row(struct ipam *db, sqlite3_stmt *st, const char *what)
{
	int rc;

	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : ipam_sqlfail(db, rc, what);
}

/* Copy a text column (NULL is ""); a value that does not fit is refused,
 * never cut: a truncated path or command line would boot the wrong thing. */
static int put_text(struct lookup *l, char *dst, size_t size,
		    sqlite3_stmt *st, int col, const char *what)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	size_t n = s ? strlen(s) : 0;

	if (n >= size)
		return ipam_fail(l->db, -EIO, "%s '%.32s...' is longer than the "
				 "boot server takes (%zu bytes)", what, s,
				 size - 1);
	memcpy(dst, s ? s : "", n);
	dst[n] = '\0';
	return 0;
}

/* Read a host row: 1 and *ret_id if there is one, 0 if not, or -errno. */
static int host_read(struct lookup *l, sqlite3_stmt *st, int64_t *ret_id)
{
	struct ipam_machine *m = l->m;
	int r = step_row(l->db, st, "look up host");

	if (r <= 0)
		return r;
	*ret_id = sqlite3_column_int64(st, 0);
	m->known = true;
	if ((r = put_text(l, m->hostname, sizeof(m->hostname), st, 1,
			  "hostname")) < 0 ||
	    (r = put_text(l, m->arch, sizeof(m->arch), st, 2, "arch")) < 0 ||
	    (r = put_text(l, l->boot, sizeof(l->boot), st, 3, "boot")) < 0 ||
	    (r = put_text(l, m->domain, sizeof(m->domain), st, 4,
			  "domain")) < 0 ||
	    (r = put_text(l, l->first_mac, sizeof(l->first_mac), st, 5,
			  "MAC")) < 0) {
		sqlite3_reset(st);
		return r;
	}
	sqlite3_reset(st);
	return 1;
}

static int host_by_mac(struct lookup *l, const char *mac, int64_t *ret_id)
{
	sqlite3_stmt *st = ipam_stmt(l->db, sql_host_by_mac);

	if (st)
		ipam_bind_text(st, 1, mac);
	return host_read(l, st, ret_id);
}

static int host_by_id(struct lookup *l, int64_t id)
{
	sqlite3_stmt *st = ipam_stmt(l->db, sql_host_by_id);
	int64_t same;

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return host_read(l, st, &same);
}

/* An address column into m->ip and its subnet into l->subnet_id. */
static int take_ip(struct lookup *l, sqlite3_stmt *st, int ip_col,
		   int subnet_col)
{
	if (ipam_column_ip(st, ip_col, &l->m->ip) < 0)
		return ipam_fail(l->db, -EIO, "an address row holds a corrupt "
				 "IP");
	l->m->has_ip = true;
	l->subnet_id = sqlite3_column_int64(st, subnet_col);
	return 0;
}

static int host_static(struct lookup *l, int64_t host_id)
{
	sqlite3_stmt *st = ipam_stmt(l->db, sql_static);
	int r;

	if (st)
		sqlite3_bind_int64(st, 1, host_id);
	r = step_row(l->db, st, "look up static address");
	if (r <= 0)
		return r;
	r = take_ip(l, st, 0, 1);
	sqlite3_reset(st);
	return r < 0 ? r : 1;
}

/* The MAC's sticky address or live lease; the lease's hostname for a
 * machine that is not a host. */
static int live_by_mac(struct lookup *l, const char *mac)
{
	sqlite3_stmt *st = ipam_stmt(l->db, sql_live_by_mac);
	int r;

	if (st) {
		ipam_bind_text(st, 1, mac);
		sqlite3_bind_int64(st, 2, l->now);
	}
	r = step_row(l->db, st, "look up lease");
	if (r <= 0)
		return r;
	r = take_ip(l, st, 0, 1);
	if (r == 0 && !l->m->known)
		r = put_text(l, l->m->hostname, sizeof(l->m->hostname), st, 2,
			     "lease hostname");
	sqlite3_reset(st);
	return r < 0 ? r : 1;
}

/* The subnet holding m->ip, into l->subnet_id (0 if none). */
static int subnet_of(struct lookup *l)
{
	sqlite3_stmt *st = ipam_stmt(l->db, sql_subnet_of);
	struct cidr c;
	int r;

	if (st) {
		ipam_bind_ip(st, 1, &l->m->ip);
		sqlite3_bind_int(st, 2, (int)ip_len(&l->m->ip));
	}
	r = step_row(l->db, st, "look up subnet");
	if (r <= 0)
		return r;
	if (ipam_column_ip(st, 1, &c.net) == 0) {
		c.prefix = (uint8_t)sqlite3_column_int(st, 2);
		if (cidr_contains(&c, &l->m->ip))
			l->subnet_id = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return 0;
}

/* The domain, if the host named none: its subnet's, else default-domain. */
static int finish_domain(struct lookup *l)
{
	struct ipam_machine *m = l->m;
	sqlite3_stmt *st;
	int r;

	if (m->domain[0])
		return 0;
	if (l->subnet_id) {
		st = ipam_stmt(l->db, sql_subnet_domain);
		if (st)
			sqlite3_bind_int64(st, 1, l->subnet_id);
		r = step_row(l->db, st, "look up domain");
		if (r < 0)
			return r;
		if (r > 0) {
			r = put_text(l, m->domain, sizeof(m->domain), st, 0,
				     "domain");
			sqlite3_reset(st);
			if (r < 0 || m->domain[0])
				return r;
		}
	}
	return ipam_setting_get(l->db, "default-domain", m->domain,
				sizeof(m->domain));
}

/* The profile: the host's, else the setting for known or unknown
 * machines; and its values if it exists. */
static int finish_profile(struct lookup *l)
{
	struct ipam_machine *m = l->m;
	sqlite3_stmt *st;
	int r;

	if (l->boot[0])
		snprintf(m->profile, sizeof(m->profile), "%s", l->boot);
	else if ((r = ipam_setting_get(l->db, m->known ? "boot-default-profile"
				       : "boot-unknown-profile", m->profile,
				       sizeof(m->profile))) < 0)
		return r;
	st = ipam_stmt(l->db, sql_profile);
	if (st)
		ipam_bind_text(st, 1, m->profile);
	r = step_row(l->db, st, "look up boot profile");
	if (r <= 0)
		return r;
	m->profile_found = true;
	if ((r = put_text(l, m->kernel, sizeof(m->kernel), st, 0,
			  "kernel")) == 0 &&
	    (r = put_text(l, m->initrd, sizeof(m->initrd), st, 1,
			  "initrd")) == 0)
		r = put_text(l, m->cmdline, sizeof(m->cmdline), st, 2,
			     "cmdline");
	if (r == 0)
		r = put_text(l, m->bootfile, sizeof(m->bootfile), st, 3,
			     "bootfile");
	sqlite3_reset(st);
	return r;
}

static int finish(struct lookup *l, int r)
{
	if (r >= 0)
		r = finish_domain(l);
	if (r >= 0)
		r = finish_profile(l);
	if (r < 0) {
		memset(l->m, 0, sizeof(*l->m));
		return r;
	}
	return l->m->known ? 1 : 0;
}

/* Fill m for this MAC's host, or for an unknown machine with that MAC;
 * m->ip is kept if it is already set (a lookup by IP). */
static int lookup_mac(struct lookup *l, const char *mac)
{
	struct ipam_machine *m = l->m;
	int64_t host_id = 0;
	int r;

	r = host_by_mac(l, mac, &host_id);
	if (r > 0 && !m->has_ip)
		r = host_static(l, host_id);
	if (r >= 0 && !m->has_ip)
		r = live_by_mac(l, mac);
	return r;
}

int ipam_machine_by_mac(struct ipam *db, const struct mac_addr *mac,
			int64_t now, struct ipam_machine *m)
{
	struct lookup l = { .db = db, .m = m, .now = now };
	char text[MAC_STRLEN];

	memset(m, 0, sizeof(*m));
	m->has_mac = true;
	m->mac = *mac;
	return finish(&l, lookup_mac(&l, mac_format(mac, text, sizeof(text))));
}

/*
 * By IP, the address row decides: a host's static address is that host;
 * a sticky address or live lease is whoever has its MAC (a host, or an
 * unknown machine with the row's hostname); anything else, or no row, is
 * an unknown machine at that IP. The IP stays the one asked for.
 */
static int lookup_ip(struct lookup *l)
{
	struct ipam_machine *m = l->m;
	sqlite3_stmt *st;
	char mac[MAC_STRLEN] = "", state[16] = "";
	int64_t host_id = 0, expiry = 0;
	int r;

	if ((r = subnet_of(l)) < 0 || l->subnet_id == 0)
		return r;
	st = ipam_stmt(l->db, sql_addr_at);
	if (st) {
		sqlite3_bind_int64(st, 1, l->subnet_id);
		ipam_bind_ip(st, 2, &m->ip);
	}
	r = step_row(l->db, st, "look up address");
	if (r <= 0)
		return r;
	if ((r = put_text(l, state, sizeof(state), st, 0, "state")) == 0 &&
	    (r = put_text(l, mac, sizeof(mac), st, 1, "MAC")) == 0) {
		host_id = sqlite3_column_int64(st, 2);
		expiry = sqlite3_column_int64(st, 3);
		r = put_text(l, m->hostname, sizeof(m->hostname), st, 4,
			     "hostname");
	}
	sqlite3_reset(st);
	if (r < 0)
		return r;
	if (host_id) {
		r = host_by_id(l, host_id);
		if (l->first_mac[0])	/* else the row's */
			snprintf(mac, sizeof(mac), "%s", l->first_mac);
	} else if (!strcmp(state, "sticky") ||
		   (!strcmp(state, "lease") && expiry > l->now)) {
		r = lookup_mac(l, mac);
	} else {
		m->hostname[0] = '\0';
		mac[0] = '\0';
	}
	if (r >= 0 && mac[0])
		m->has_mac = mac_parse(&m->mac, mac) == 0;
	return r;
}

int ipam_machine_by_ip(struct ipam *db, const struct ip_addr *ip,
		       int64_t now, struct ipam_machine *m)
{
	struct lookup l = { .db = db, .m = m, .now = now };

	memset(m, 0, sizeof(*m));
	m->has_ip = true;
	m->ip = *ip;
	return finish(&l, lookup_ip(&l));
}

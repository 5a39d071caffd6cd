/*
 * Boot files by architecture: the table dhcpd reads to tell a PXE, UEFI or
 * iPXE client what to load. One row per (architecture, subnet), the subnet
 * NULL for the global row; a subnet's row beats the global one, which
 * beats the built-in default. A boot profile may carry a bootfile of its
 * own (boot_profile.bootfile) that replaces the firmware's entry for its
 * machines.
 *
 * Every value is checked here, when it is set, against what dhcpd can send:
 * printable, no spaces, only ${server} and ${http}, and short enough for
 * the 128-byte BOOTP file field even when those expand to their longest.
 * dhcpd then never has to cut one short.
 */
#include "ipam_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char *const arch_names[IPAM_BOOT_ARCH_MAX] = {
	"bios", "uefi-x64", "uefi-arm64", "uefi-http", "ipxe",
};

/* What each architecture boots with no row: iPXE's own binaries from the
 * boot server's root (Debian's ipxe package ships them), the GRUB name
 * ARM64 firmware looks for, and racknet-tftpd's rendered iPXE script. */
static const char *const arch_defaults[IPAM_BOOT_ARCH_MAX] = {
	"undionly.kpxe", "ipxe.efi", "bootaa64.efi", "${http}/ipxe.efi",
	"${http}/boot.ipxe",
};

#define ARCH_LIST "bios, uefi-x64, uefi-arm64, uefi-http or ipxe"

/* The longest ${server} and ${http} can become: "255.255.255.255" and
 * "http://255.255.255.255:65535". */
#define SERVER_MAXLEN 15
#define HTTP_MAXLEN 28

const char *ipam_boot_arch_name(int arch)
{
	return arch >= 0 && arch < IPAM_BOOT_ARCH_MAX ? arch_names[arch] : NULL;
}

int ipam_boot_arch_parse(const char *name)
{
	for (int i = 0; name && i < IPAM_BOOT_ARCH_MAX; i++)
		if (!strcmp(arch_names[i], name))
			return i;
	return -1;
}

const char *ipam_bootfile_default(int arch)
{
	return arch >= 0 && arch < IPAM_BOOT_ARCH_MAX ? arch_defaults[arch] :
	       NULL;
}

int ipam_bootfile_check(struct ipam *db, const char *what, const char *value)
{
	size_t n = value ? strlen(value) : 0, longest = 0;

	if (n == 0)
		return ipam_fail(db, -EINVAL, "%s is empty", what);
	if (n > IPAM_BOOTFILE_MAX)
		return ipam_fail(db, -EINVAL, "%s is %zu bytes long, the most is "
				 "%d (the BOOTP file field)", what, n,
				 IPAM_BOOTFILE_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c <= 0x20 || c > 0x7e)
			return ipam_fail(db, -EINVAL, "%s must be printable "
					 "ASCII without spaces (byte %zu is "
					 "not)", what, i + 1);
		if (c != '$') {
			longest++;
		} else if (!strncmp(value + i, "${server}", 9)) {
			longest += SERVER_MAXLEN;
			i += 8;
		} else if (!strncmp(value + i, "${http}", 7)) {
			longest += HTTP_MAXLEN;
			i += 6;
		} else {
			return ipam_fail(db, -EINVAL, "%s: '$' at byte %zu does "
					 "not start ${server} or ${http}, the "
					 "only variables", what, i + 1);
		}
	}
	if (longest > IPAM_BOOTFILE_MAX)
		return ipam_fail(db, -EINVAL, "%s can grow to %zu bytes once "
				 "${server} and ${http} are filled in, the most "
				 "is %d (the BOOTP file field)", what, longest,
				 IPAM_BOOTFILE_MAX);
	return 0;
}

static int arch_check(struct ipam *db, const char *arch)
{
	int a = ipam_boot_arch_parse(arch);

	if (a < 0)
		return ipam_fail(db, -EINVAL, "unknown architecture '%s': use "
				 ARCH_LIST, arch ? arch : "");
	return a;
}

/* The id of the IPv4 subnet cidr into *ret_id (0 for NULL: global). */
static int scope_id(struct ipam *db, const char *cidr, int64_t *ret_id)
{
	struct cidr c;
	int r;

	*ret_id = 0;
	if (!cidr)
		return 0;
	r = ipam_subnet_id(db, cidr, ret_id, &c);
	if (r == 0 && c.net.family != AF_INET)
		r = ipam_fail(db, -EINVAL, "subnet %s is IPv6: boot files are "
			      "handed out by DHCPv4 only", cidr);
	return r;
}

static void bind_scope(sqlite3_stmt *st, int idx, int64_t subnet_id)
{
	if (subnet_id)
		sqlite3_bind_int64(st, idx, subnet_id);
	else
		sqlite3_bind_null(st, idx);
}

/* Set the row (arch, subnet_id) to value: change it, else add it. */
static int row_put(struct ipam *db, const char *arch, int64_t subnet_id,
		   const char *value)
{
	sqlite3_stmt *st = ipam_stmt(db, "UPDATE bootfile SET value = ?3 "
				     "WHERE arch = ?1 AND subnet_id IS ?2");
	int r;

	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, arch);
	bind_scope(st, 2, subnet_id);
	ipam_bind_text(st, 3, value);
	r = ipam_exec_stmt(db, st, "change boot file");
	if (r < 0 || sqlite3_changes(db->sql) > 0)
		return r;
	st = ipam_stmt(db, "INSERT INTO bootfile (arch, subnet_id, value) "
		       "VALUES (?1, ?2, ?3)");
	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, arch);
	bind_scope(st, 2, subnet_id);
	ipam_bind_text(st, 3, value);
	return ipam_exec_stmt(db, st, "add boot file");
}

int ipam_bootfile_set(struct ipam *db, const char *arch, const char *value,
		      const char *cidr)
{
	int64_t subnet_id;
	int r;

	if ((r = arch_check(db, arch)) < 0 ||
	    (r = ipam_bootfile_check(db, "the boot file", value)) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = scope_id(db, cidr, &subnet_id);
	if (r == 0)
		r = row_put(db, arch, subnet_id, value);
	return ipam_write_end(db, r);
}

int ipam_bootfile_rm(struct ipam *db, const char *arch, const char *cidr)
{
	sqlite3_stmt *st;
	int64_t subnet_id;
	int a, r;

	if ((a = arch_check(db, arch)) < 0)
		return a;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = scope_id(db, cidr, &subnet_id);
	st = r < 0 ? NULL : ipam_stmt(db, "DELETE FROM bootfile "
				      "WHERE arch = ?1 AND subnet_id IS ?2");
	if (st) {
		ipam_bind_text(st, 1, arch);
		bind_scope(st, 2, subnet_id);
		r = ipam_exec_stmt(db, st, "remove boot file");
	} else if (r == 0) {
		r = -EIO;
	}
	if (r == 0 && sqlite3_changes(db->sql) == 0) {
		if (cidr)
			r = ipam_fail(db, -ENOENT, "subnet %s has no boot file "
				      "of its own for %s (it uses the global "
				      "one)", cidr, arch);
		else
			r = ipam_fail(db, -ENOENT, "no global boot file is set "
				      "for %s (it uses the default, %s)", arch,
				      arch_defaults[a]);
	}
	return ipam_write_end(db, r);
}

/*
 * The list is read by dhcpd at start and at every reload, so a cached
 * statement would take one of the first slots of the statement cache,
 * which every lookup on the DHCP hot path searches in order. Prepared
 * per call instead: a reload can afford it, the DORA path pays nothing.
 */
static sqlite3_stmt *prepare_once(struct ipam *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc != SQLITE_OK) {
		ipam_sqlfail(db, rc, "prepare");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* The rows of one scope (subnet_id 0: global) into vals[arch]; NULL where
 * there is none. The strings live in arena, which holds them all. */
struct scope {
	const char *vals[IPAM_BOOT_ARCH_MAX];
	char arena[IPAM_BOOT_ARCH_MAX][IPAM_BOOTFILE_MAX + 1];
};

static int scope_read(struct ipam *db, int64_t subnet_id, struct scope *s)
{
	sqlite3_stmt *st = prepare_once(db, "SELECT arch, value FROM bootfile "
					"WHERE subnet_id IS ?1");
	int rc, r;

	memset(s->vals, 0, sizeof(s->vals));
	if (!st)
		return -EIO;
	bind_scope(st, 1, subnet_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int a = ipam_boot_arch_parse((const char *)
					     sqlite3_column_text(st, 0));
		const char *v = (const char *)sqlite3_column_text(st, 1);

		/* Rows written behind the library's back that dhcpd could
		 * not send are left out, as if they were not there. */
		if (a < 0 || !v || strlen(v) > IPAM_BOOTFILE_MAX)
			continue;
		snprintf(s->arena[a], sizeof(s->arena[a]), "%s", v);
		s->vals[a] = s->arena[a];
	}
	r = rc == SQLITE_DONE ? 0 : ipam_sqlfail(db, rc, "read boot files");
	sqlite3_finalize(st);
	return r;
}

/* Append the five entries of a scope: its own rows, else the fallback's
 * (global rows), else the defaults; each says where it came from. */
static int scope_rows(json_t *out, const char *cidr, const struct scope *own,
		      const struct scope *global)
{
	for (int a = 0; a < IPAM_BOOT_ARCH_MAX; a++) {
		const char *v = own->vals[a], *src = cidr ? "subnet" : "global";

		if (!v && global && global->vals[a]) {
			v = global->vals[a];
			src = "global";
		}
		if (!v) {
			v = arch_defaults[a];
			src = "default";
		}
		if (json_array_append_new(out, json_pack("{ssss?ssss}",
				"arch", arch_names[a], "subnet", cidr,
				"value", v, "source", src)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Every subnet with rows of its own, after the global entries: one walk
 * over the rows in subnet order, each subnet's five said when the next
 * subnet starts. */
static int subnets_rows(struct ipam *db, json_t *out, const struct scope *g)
{
	static const char sql[] =
		"SELECT s.cidr, b.arch, b.value FROM bootfile b "
		"JOIN subnet s ON s.id = b.subnet_id "
		"ORDER BY length(s.net), s.net";
	sqlite3_stmt *st = prepare_once(db, sql);
	struct scope own;
	char cidr[CIDR_STRLEN] = "";
	int rc = SQLITE_DONE, r = 0;

	if (!st)
		return -EIO;
	memset(own.vals, 0, sizeof(own.vals));
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 2);
		int a = ipam_boot_arch_parse((const char *)
					     sqlite3_column_text(st, 1));

		if (!c || strcmp(c, cidr)) {
			if (cidr[0])
				r = scope_rows(out, cidr, &own, g);
			memset(own.vals, 0, sizeof(own.vals));
			snprintf(cidr, sizeof(cidr), "%s", c ? c : "");
		}
		if (a < 0 || !v || strlen(v) > IPAM_BOOTFILE_MAX)
			continue;	/* as scope_read() does */
		snprintf(own.arena[a], sizeof(own.arena[a]), "%s", v);
		own.vals[a] = own.arena[a];
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ipam_sqlfail(db, rc, "list boot files");
	sqlite3_finalize(st);
	if (r == 0 && cidr[0])
		r = scope_rows(out, cidr, &own, g);
	return r;
}

json_t *ipam_bootfile_list(struct ipam *db, const char *cidr)
{
	struct scope global, own;
	json_t *out = json_array();
	int64_t subnet_id = 0;
	int r;

	if (!out) {
		ipam_fail(db, -ENOMEM, "out of memory");
		return NULL;
	}
	r = scope_read(db, 0, &global);
	if (r == 0 && cidr) {
		r = scope_id(db, cidr, &subnet_id);
		if (r == 0)
			r = scope_read(db, subnet_id, &own);
		if (r == 0)
			r = scope_rows(out, cidr, &own, &global);
	} else if (r == 0) {
		r = scope_rows(out, NULL, &global, NULL);
		if (r == 0)
			r = subnets_rows(db, out, &global);
	}
	if (r == -ENOMEM)
		ipam_fail(db, r, "out of memory");
	if (r < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

int ipam_boot_profile_bootfile_set(struct ipam *db, const char *name,
				   const char *value)
{
	sqlite3_stmt *st;
	int r;

	if (value && value[0] &&
	    (r = ipam_bootfile_check(db, "--bootfile", value)) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	st = ipam_stmt(db, "UPDATE boot_profile SET bootfile = nullif(?2, '') "
		       "WHERE name = ?1");
	if (st) {
		ipam_bind_text(st, 1, name);
		ipam_bind_text(st, 2, value ? value : "");
	}
	r = ipam_exec_stmt(db, st, "change boot profile");
	if (r == 0 && sqlite3_changes(db->sql) == 0)
		r = ipam_fail(db, -ENOENT, "boot profile %s does not exist",
			      name ? name : "");
	return ipam_write_end(db, r);
}

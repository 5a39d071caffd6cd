/*
 * Boot selection (dhcp_boot.h): from a parsed request to the boot file and
 * the options that carry it. Pure: the option slices are read through the
 * bounded reader, the answer is written through the bounded writer, and
 * nothing here knows about sockets or IPAM rows.
 */
#include "dhcp_boot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

enum cpu { CPU_NONE = -1, CPU_BIOS, CPU_X64, CPU_ARM64 };

/* An architecture type as (processor, HTTP boot); CPU_NONE if we have no
 * entry that runs there. */
static enum cpu arch_cpu(int type, bool *http)
{
	*http = type == DHCP_ARCH_X64_HTTP || type == DHCP_ARCH_ARM64_HTTP;
	switch (type) {
	case DHCP_ARCH_BIOS:
		return CPU_BIOS;
	case DHCP_ARCH_X64_UEFI:
	case DHCP_ARCH_EBC_OR_X64:	/* RFC 4578's table, errata 4624 */
	case DHCP_ARCH_X64_HTTP:
		return CPU_X64;
	case DHCP_ARCH_ARM64_UEFI:
	case DHCP_ARCH_ARM64_HTTP:
		return CPU_ARM64;
	default:
		return CPU_NONE;
	}
}

static bool starts(const struct dhcp_opt_data *o, const char *prefix)
{
	size_t n = strlen(prefix);

	return o->present && o->len >= n && !memcmp(o->p, prefix, n);
}

/* The first type of option 93 we can serve, else its first type (to say
 * what was not served); DHCP_ARCH_NONE without the option. The parser
 * has cleared an option 93 of odd length. */
static int arch_from_option(const struct dhcp_opt_data *o)
{
	struct wire_rd r;
	int first = DHCP_ARCH_NONE;
	bool http;

	if (!o->present || o->len == 0)
		return DHCP_ARCH_NONE;
	wire_rd_init(&r, o->p, o->len);
	while (wire_rd_left(&r) >= 2) {
		int type = wire_rd_u16(&r);

		if (arch_cpu(type, &http) != CPU_NONE)
			return type;
		if (first == DHCP_ARCH_NONE)
			first = type;
	}
	return first;
}

/* "PXEClient:Arch:00007:UNDI:003016": the five digits after "Arch:". */
static int arch_from_vendor(const struct dhcp_opt_data *o)
{
	static const char key[] = ":Arch:";
	struct wire_rd r;
	int type = 0;

	if (!o->present)
		return DHCP_ARCH_NONE;
	wire_rd_init(&r, o->p, o->len);
	while (wire_rd_left(&r) >= sizeof(key) - 1 + 5) {
		const uint8_t *p = r.p + r.off;

		if (memcmp(p, key, sizeof(key) - 1)) {
			wire_rd_skip(&r, 1);
			continue;
		}
		wire_rd_skip(&r, sizeof(key) - 1);
		for (int i = 0; i < 5; i++) {
			uint8_t d = wire_rd_u8(&r);

			if (d < '0' || d > '9')
				return DHCP_ARCH_NONE;
			type = type * 10 + (d - '0');
		}
		return type <= UINT16_MAX ? type : DHCP_ARCH_NONE;
	}
	return DHCP_ARCH_NONE;
}

/* User class 77 says iPXE: iPXE sends the bare string; RFC 3004 frames
 * each class as (length, data), which other firmware may do. */
static bool user_class_ipxe(const struct dhcp_opt_data *o)
{
	struct wire_rd r;

	if (!o->present)
		return false;
	if (o->len == 4 && !memcmp(o->p, "iPXE", 4))
		return true;
	wire_rd_init(&r, o->p, o->len);
	while (wire_rd_left(&r) > 0) {
		uint8_t n = wire_rd_u8(&r);
		const uint8_t *p = wire_rd_ptr(&r, n);

		if (!p || n == 0)
			return false;	/* not RFC 3004 framing */
		if (n == 4 && !memcmp(p, "iPXE", 4))
			return true;
	}
	return false;
}

void dhcp_boot_classify(const struct dhcp_msg *m, struct dhcp_boot_client *c)
{
	const struct dhcp_opt_data *vendor = &m->opt[DHO_VENDOR_CLASS];
	enum cpu cpu;
	bool http;

	memset(c, 0, sizeof(*c));
	c->arch_type = DHCP_ARCH_NONE;
	c->entry = -1;
	if (!dhcp_boot_maybe(m))
		return;
	c->pxe_class = starts(vendor, "PXEClient");
	c->http_class = starts(vendor, "HTTPClient");
	c->ipxe = m->opt[DHO_IPXE].present ||
		  user_class_ipxe(&m->opt[DHO_USER_CLASS]);
	c->arch_type = arch_from_option(&m->opt[DHO_CLIENT_ARCH]);
	if (c->arch_type == DHCP_ARCH_NONE && (c->pxe_class || c->http_class))
		c->arch_type = arch_from_vendor(vendor);
	if (c->arch_type == DHCP_ARCH_NONE && c->pxe_class)
		c->arch_type = DHCP_ARCH_BIOS;
	c->boot = c->pxe_class || c->http_class || c->ipxe ||
		  m->opt[DHO_CLIENT_ARCH].present;
	if (!c->boot)
		return;
	cpu = arch_cpu(c->arch_type, &http);
	c->http = http || c->http_class;
	if (c->ipxe)
		c->entry = IPAM_BOOT_IPXE;
	else if (c->http)
		c->entry = cpu == CPU_X64 ? IPAM_BOOT_UEFI_HTTP :
			   cpu == CPU_ARM64 ? IPAM_BOOT_UEFI_ARM64 : -1;
	else
		c->entry = cpu == CPU_BIOS ? IPAM_BOOT_BIOS :
			   cpu == CPU_X64 ? IPAM_BOOT_UEFI_X64 :
			   cpu == CPU_ARM64 ? IPAM_BOOT_UEFI_ARM64 : -1;
}

const char *dhcp_boot_describe(const struct dhcp_boot_client *c, char *buf,
			       size_t size)
{
	const char *name = ipam_boot_arch_name(c->entry);

	if (name && c->http && c->entry == IPAM_BOOT_UEFI_ARM64)
		snprintf(buf, size, "%s over http", name);
	else if (name)
		snprintf(buf, size, "%s", name);
	else if (c->arch_type != DHCP_ARCH_NONE)
		snprintf(buf, size, "arch %d%s", c->arch_type,
			 c->http ? " over http" : "");
	else
		snprintf(buf, size, "unknown arch");
	return buf;
}

static void put_ip(struct wire_wr *w, uint32_t ip)
{
	char a[16];
	int n = snprintf(a, sizeof(a), "%u.%u.%u.%u", ip >> 24,
			 (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);

	wire_wr_bytes(w, a, (size_t)n);
}

int dhcp_boot_expand(const char *tmpl, uint32_t server, uint16_t http_port,
		     char *out, size_t size)
{
	struct wire_wr w;
	size_t n = strlen(tmpl);

	if (size == 0)
		return -ENAMETOOLONG;
	out[0] = '\0';
	wire_wr_init(&w, out, size - 1);	/* room for the NUL */
	for (size_t i = 0; i < n && wire_wr_ok(&w); i++) {
		char port[8];

		if (tmpl[i] != '$') {
			wire_wr_u8(&w, (uint8_t)tmpl[i]);
		} else if (!strncmp(tmpl + i, "${server}", 9)) {
			put_ip(&w, server);
			i += 8;
		} else if (!strncmp(tmpl + i, "${http}", 7)) {
			wire_wr_bytes(&w, "http://", 7);
			put_ip(&w, server);
			if (http_port != 80) {
				int k = snprintf(port, sizeof(port), ":%u",
						 (unsigned)http_port);

				wire_wr_bytes(&w, port, (size_t)k);
			}
			i += 6;
		} else {
			out[0] = '\0';
			return -EINVAL;
		}
	}
	if (!wire_wr_ok(&w)) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	out[w.off] = '\0';
	return 0;
}

/* A value as an HTTP boot client needs it: a URL as it is, a file name
 * under racknet-tftpd's HTTP root as "${http}/NAME". */
static int as_url(const char *v, char *out, size_t size)
{
	int n;

	if (strstr(v, "://") || !strncmp(v, "${http}", 7))
		n = snprintf(out, size, "%s", v);
	else
		n = snprintf(out, size, "${http}/%s", v + (v[0] == '/'));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int dhcp_boot_file(const struct dhcp_boot_client *c,
		   const char *const table[IPAM_BOOT_ARCH_MAX],
		   const char *profile_file, uint32_t server,
		   uint16_t http_port, char *out, size_t size)
{
	/* Room for "${http}/" before the longest value. */
	char url[IPAM_BOOTFILE_MAX + 16];
	const char *v;
	int r;

	if (size)
		out[0] = '\0';
	if (c->entry < 0 || c->entry >= IPAM_BOOT_ARCH_MAX)
		return -ENOENT;
	v = table[c->entry];
	/* A profile's own file replaces what firmware loads, never the iPXE
	 * script: handing iPXE a binary again would loop. */
	if (profile_file && profile_file[0] && c->entry != IPAM_BOOT_IPXE)
		v = profile_file;
	if (!v || !v[0])
		return -ENOENT;
	if (c->http && c->entry != IPAM_BOOT_IPXE) {
		r = as_url(v, url, sizeof(url));
		if (r < 0)
			return r;
		v = url;
	}
	if (size > IPAM_BOOTFILE_MAX + 1)
		size = IPAM_BOOTFILE_MAX + 1;
	return dhcp_boot_expand(v, server, http_port, out, size);
}

void dhcp_boot_reply(struct dhcp_reply *r, struct dhcp_boot_opts *b,
		     const struct dhcp_boot_client *c, const char *file,
		     uint32_t server)
{
	struct wire_wr w;
	size_t n = strlen(file);

	snprintf(b->file, sizeof(b->file), "%s", file);
	n = n < sizeof(b->file) ? n : sizeof(b->file) - 1;
	wire_wr_init(&w, b->tftp, sizeof(b->tftp));
	put_ip(&w, server);
	r->siaddr = server;
	r->file = b->file;
	dhcp_reply_add(r, DHO_TFTP_SERVER, true, b->tftp, w.off);
	dhcp_reply_add(r, DHO_BOOTFILE, true, b->file, n);
	if (c->http)
		dhcp_reply_add(r, DHO_VENDOR_CLASS, true, "HTTPClient", 10);
	else if (c->pxe_class)
		dhcp_reply_add(r, DHO_VENDOR_CLASS, true, "PXEClient", 9);
	/* Every PXE firmware, not only BIOS ROMs: EDK2 (OVMF and most UEFI)
	 * takes a PXEClient offer without discovery options for a BINL one
	 * and asks port 4011 for its boot file, which nobody answers. */
	if (c->pxe_class && !c->ipxe && !c->http) {
		b->pxe[0] = DHCP_PXE_DISCOVERY_CONTROL;
		b->pxe[1] = 1;
		b->pxe[2] = DHCP_PXE_USE_BOOTFILE;
		b->pxe[3] = 255;		/* end of the PXE options */
		dhcp_reply_add(r, DHO_VENDOR_OPTS, true, b->pxe, 4);
	}
}

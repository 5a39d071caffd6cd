/*
 * Boot selection: what a network-booting client gets, decided from its
 * request alone. Pure code over a parsed message (no I/O, no IPAM, no
 * allocation): the handler (dhcp_server.c) asks IPAM only about clients
 * this says are booting, then calls dhcp_boot_file() and dhcp_boot_reply().
 *
 * A client boots when it says so: vendor class (60) "PXEClient..." or
 * "HTTPClient...", a client architecture (93, RFC 4578), or iPXE's marks
 * (user class 77 "iPXE", plain or RFC 3004 framed, or option 175). Which
 * table entry it gets:
 *
 *   iPXE already running              ipxe        (its script, not iPXE again)
 *   HTTP boot, x64 (16)               uefi-http
 *   HTTP boot, ARM64 (19)             uefi-arm64  (as a URL)
 *   x86 BIOS (0)                      bios
 *   x64 UEFI (7; 9, which old firmware sends for x64)   uefi-x64
 *   ARM64 UEFI (11)                   uefi-arm64
 *   anything else (IA32 UEFI 6, ARM32 10, ...)   none: no entry runs there
 *
 * The architecture is the first supported type of option 93, else the
 * "Arch:NNNNN" of the vendor class, else x86 BIOS for a PXEClient (PXE
 * 2.1 ROMs that predate option 93).
 */
#ifndef RACKNET_DHCP_BOOT_H
#define RACKNET_DHCP_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp_msg.h"
#include "ipam.h"

/* RFC 4578 / IANA processor architecture types we serve. */
enum {
	DHCP_ARCH_BIOS = 0, DHCP_ARCH_IA32_UEFI = 6, DHCP_ARCH_X64_UEFI = 7,
	DHCP_ARCH_EBC_OR_X64 = 9, DHCP_ARCH_ARM64_UEFI = 11,
	DHCP_ARCH_X64_HTTP = 16, DHCP_ARCH_ARM64_HTTP = 19,
	DHCP_ARCH_NONE = -1
};

/* PXE vendor option (43) PXE_DISCOVERY_CONTROL: bit 3, "use the boot
 * file name from the DHCP offer", so PXE firmware skips boot server
 * discovery and its menu (PXE 2.1, table 2-1). */
#define DHCP_PXE_DISCOVERY_CONTROL 6
#define DHCP_PXE_USE_BOOTFILE 8

struct dhcp_boot_client {
	bool boot;		/* a network-booting client */
	bool ipxe;		/* already running iPXE */
	bool http;		/* UEFI HTTP boot: needs a URL */
	bool pxe_class;		/* vendor class PXEClient... */
	bool http_class;	/* vendor class HTTPClient... */
	int arch_type;		/* the RFC 4578 type chosen, DHCP_ARCH_NONE */
	int entry;		/* enum ipam_boot_arch, -1 if none fits */
};

/* A cheap first look: could m be a boot client? False for clients that
 * send none of 60, 77, 93 and 175, which then cost nothing more. */
static inline bool dhcp_boot_maybe(const struct dhcp_msg *m)
{
	return m->opt[DHO_VENDOR_CLASS].present ||
	       m->opt[DHO_CLIENT_ARCH].present ||
	       m->opt[DHO_USER_CLASS].present || m->opt[DHO_IPXE].present;
}

/* What the request says about booting; c->boot false for other clients. */
void dhcp_boot_classify(const struct dhcp_msg *m, struct dhcp_boot_client *c);

/* "bios", ..., or "arch 6" for a type with no entry, into buf. */
const char *dhcp_boot_describe(const struct dhcp_boot_client *c, char *buf,
			       size_t size);

/*
 * The boot file for c, expanded into out (size bytes, at most
 * IPAM_BOOTFILE_MAX + 1 used): table[entry], or profile_file (a boot
 * profile's own, NULL or "" for none) in place of a firmware's entry but
 * never of the ipxe one. For an HTTP boot client a value that is not a
 * URL becomes "${http}/VALUE". ${server} is server (host byte order),
 * ${http} "http://SERVER" plus ":PORT" unless http_port is 80.
 * 0, -ENOENT when no entry fits the client's architecture, -EINVAL for a
 * value with an unknown variable, -ENAMETOOLONG when it does not fit;
 * out is "" on error.
 */
int dhcp_boot_file(const struct dhcp_boot_client *c,
		   const char *const table[IPAM_BOOT_ARCH_MAX],
		   const char *profile_file, uint32_t server,
		   uint16_t http_port, char *out, size_t size);

/* Expand ${server} and ${http} in tmpl into out; the errors above. */
int dhcp_boot_expand(const char *tmpl, uint32_t server, uint16_t http_port,
		     char *out, size_t size);

/* Option data for a boot reply; must live until dhcp_build(). */
struct dhcp_boot_opts {
	char file[IPAM_BOOTFILE_MAX + 1];
	char tftp[16];			/* option 66: our address as text */
	uint8_t pxe[4];			/* option 43 */
};

/*
 * Make r a boot reply for c with boot file `file` (already expanded, at
 * most IPAM_BOOTFILE_MAX bytes) from server: siaddr, the BOOTP file field
 * and option 67, option 66, option 60 "PXEClient" or "HTTPClient" echoed,
 * and option 43 PXE_DISCOVERY_CONTROL for PXE firmware (vendor class
 * PXEClient, not iPXE, not HTTP boot). All are sent
 * whether or not the client listed them: PXE ROMs do not always ask.
 * Filling the file field keeps the builder from overloading it (52).
 */
void dhcp_boot_reply(struct dhcp_reply *r, struct dhcp_boot_opts *b,
		     const struct dhcp_boot_client *c, const char *file,
		     uint32_t server);

#endif

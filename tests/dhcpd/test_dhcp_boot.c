/*
 * Boot selection, the pure part (dhcp_boot.c): which entry each kind of
 * client gets (the whole matrix of option 93 types, vendor classes and
 * iPXE's marks), ${server}/${http} expansion and its limits, the profile's
 * override, and the reply's boot fields as a client parses them back.
 */
#include <errno.h>

#include "dhcp_boot.h"
#include "dhcp_pkt.h"
#include "test.h"

#define SERVER IP(10, 0, 0, 1)

/* ---- requests, byte by byte ---- */


/* What a client puts in: vendor class, option 93 types, user class bytes,
 * option 175. */
struct boot_req {
	const char *vendor;
	const uint16_t *arch;
	size_t narch;
	const void *uclass;
	size_t uclass_len;
	bool ipxe175;
	uint8_t max_size_hi;		/* option 57 = hi * 256, 0: none */
};

static struct dhcp_msg msg;

static const struct dhcp_msg *parse(const struct boot_req *q)
{
	struct pkt p = pkt_request(0x4242, 1, DHCP_DISCOVER);
	const char *why = NULL;

	if (q->vendor)
		opt(&p, 60, q->vendor, strlen(q->vendor));
	if (q->narch) {
		uint8_t a[16];

		for (size_t i = 0; i < q->narch; i++) {
			a[2 * i] = (uint8_t)(q->arch[i] >> 8);
			a[2 * i + 1] = (uint8_t)q->arch[i];
		}
		opt(&p, 93, a, 2 * q->narch);
	}
	if (q->uclass)
		opt(&p, 77, q->uclass, q->uclass_len);
	if (q->ipxe175)
		opt(&p, 175, (uint8_t[]){ 0xb1, 1, 1 }, 3);
	if (q->max_size_hi)
		opt(&p, 57, (uint8_t[]){ q->max_size_hi, 0 }, 2);
	pkt_end(&p);
	CHECK_INT(dhcp_parse(&msg, p.b, p.len, &why), 0);
	return &msg;
}

static struct dhcp_boot_client classify(const struct boot_req *q)
{
	struct dhcp_boot_client c;

	dhcp_boot_classify(parse(q), &c);
	return c;
}

#define ARCH(...) .arch = (const uint16_t[]){ __VA_ARGS__ }, \
	.narch = sizeof((const uint16_t[]){ __VA_ARGS__ }) / sizeof(uint16_t)

/* ---- who boots, and with which entry ---- */

TEST(plain_clients_do_not_boot)
{
	struct dhcp_boot_client c;

	c = classify(&(struct boot_req){ 0 });
	CHECK(!c.boot);
	CHECK(!dhcp_boot_maybe(&msg));
	CHECK_INT(c.entry, -1);
	c = classify(&(struct boot_req){ .vendor = "udhcp 1.35.0" });
	CHECK(!c.boot);
	c = classify(&(struct boot_req){ .vendor = "MSFT 5.0" });
	CHECK(!c.boot);
	/* A user class that is not iPXE's. */
	c = classify(&(struct boot_req){ .uclass = "\003lab", .uclass_len = 4 });
	CHECK(!c.boot);
	/* "PXEClient" must start the vendor class. */
	c = classify(&(struct boot_req){ .vendor = "notPXEClient" });
	CHECK(!c.boot);
}

TEST(firmware_matrix)
{
	static const struct {
		const char *vendor;
		uint16_t arch;		/* 0xffff: no option 93 */
		int entry;
		bool http;
		int type;
	} cases[] = {
		/* BIOS PXE ROMs, with and without option 93. */
		{ "PXEClient:Arch:00000:UNDI:002001", 0, IPAM_BOOT_BIOS, false, 0 },
		{ "PXEClient", 0xffff, IPAM_BOOT_BIOS, false, 0 },
		{ "PXEClient:Arch:00000:UNDI:002001", 0xffff, IPAM_BOOT_BIOS,
		  false, 0 },
		/* x64 UEFI: 7 (IANA), and 9 (RFC 4578's table, what old
		 * firmware sends); the vendor class alone when 93 is missing. */
		{ "PXEClient:Arch:00007:UNDI:003016", 7, IPAM_BOOT_UEFI_X64,
		  false, 7 },
		{ "PXEClient:Arch:00009:UNDI:003016", 9, IPAM_BOOT_UEFI_X64,
		  false, 9 },
		{ "PXEClient:Arch:00007:UNDI:003016", 0xffff,
		  IPAM_BOOT_UEFI_X64, false, 7 },
		{ NULL, 7, IPAM_BOOT_UEFI_X64, false, 7 },
		/* ARM64 UEFI. */
		{ "PXEClient:Arch:00011:UNDI:003000", 11, IPAM_BOOT_UEFI_ARM64,
		  false, 11 },
		/* UEFI HTTP boot: x64 gets uefi-http, ARM64 its own entry as
		 * a URL; by vendor class or by type. */
		{ "HTTPClient:Arch:00016:UNDI:003001", 16, IPAM_BOOT_UEFI_HTTP,
		  true, 16 },
		{ "HTTPClient", 0xffff, -1, true, DHCP_ARCH_NONE },
		{ "HTTPClient:Arch:00016", 0xffff, IPAM_BOOT_UEFI_HTTP, true,
		  16 },
		{ NULL, 16, IPAM_BOOT_UEFI_HTTP, true, 16 },
		{ "HTTPClient:Arch:00019:UNDI:003001", 19, IPAM_BOOT_UEFI_ARM64,
		  true, 19 },
		/* No entry runs there: IA32 UEFI, ARM32, x86 HTTP, EBC-less
		 * oddities. Still a boot client, but nothing to send. */
		{ "PXEClient:Arch:00006:UNDI:003016", 6, -1, false, 6 },
		{ "PXEClient:Arch:00010:UNDI:003016", 10, -1, false, 10 },
		{ "HTTPClient:Arch:00015", 15, -1, true, 15 },
		{ "PXEClient:Arch:00099", 0xffff, -1, false, 99 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct boot_req q = { .vendor = cases[i].vendor };
		struct dhcp_boot_client c;

		if (cases[i].arch != 0xffff) {
			q.arch = &cases[i].arch;
			q.narch = 1;
		}
		c = classify(&q);
		if (!c.boot || c.entry != cases[i].entry ||
		    c.http != cases[i].http || c.arch_type != cases[i].type)
			fprintf(stderr, "case %zu: %s / %u\n", i,
				cases[i].vendor ? cases[i].vendor : "-",
				cases[i].arch);
		CHECK(c.boot);
		CHECK(!c.ipxe);
		CHECK_INT(c.entry, cases[i].entry);
		CHECK_INT(c.http, cases[i].http);
		CHECK_INT(c.arch_type, cases[i].type);
		CHECK_INT(c.pxe_class, cases[i].vendor &&
			  !strncmp(cases[i].vendor, "PXEClient", 9));
		CHECK_INT(c.http_class, cases[i].vendor &&
			  !strncmp(cases[i].vendor, "HTTPClient", 10));
	}
}

TEST(option_93_lists)
{
	struct dhcp_boot_client c;

	/* The first type we serve wins, wherever it stands. */
	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(6, 7) });
	CHECK_INT(c.entry, IPAM_BOOT_UEFI_X64);
	CHECK_INT(c.arch_type, 7);
	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(11, 0) });
	CHECK_INT(c.entry, IPAM_BOOT_UEFI_ARM64);
	/* None served: the first is what we say was asked. */
	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(6, 10) });
	CHECK_INT(c.entry, -1);
	CHECK_INT(c.arch_type, 6);
	/* Option 93 beats the vendor class's Arch. */
	c = classify(&(struct boot_req){ .vendor = "PXEClient:Arch:00000",
					 ARCH(7) });
	CHECK_INT(c.entry, IPAM_BOOT_UEFI_X64);
	/* A vendor class Arch that is not five digits says nothing. */
	c = classify(&(struct boot_req){ .vendor = "PXEClient:Arch:0001" });
	CHECK_INT(c.entry, IPAM_BOOT_BIOS);	/* too few digits: BIOS */
	c = classify(&(struct boot_req){ .vendor = "PXEClient:Arch:0x007" });
	CHECK_INT(c.entry, IPAM_BOOT_BIOS);
}

TEST(ipxe_marks)
{
	struct dhcp_boot_client c;

	/* iPXE sends the bare string, with its firmware's arch. */
	c = classify(&(struct boot_req){
		.vendor = "PXEClient:Arch:00000:UNDI:002001", ARCH(0),
		.uclass = "iPXE", .uclass_len = 4 });
	CHECK(c.boot);
	CHECK(c.ipxe);
	CHECK_INT(c.entry, IPAM_BOOT_IPXE);
	c = classify(&(struct boot_req){ ARCH(7), .uclass = "iPXE",
					 .uclass_len = 4 });
	CHECK_INT(c.entry, IPAM_BOOT_IPXE);
	/* RFC 3004 framing, alone or after another class. */
	c = classify(&(struct boot_req){ .uclass = "\004iPXE",
					 .uclass_len = 5 });
	CHECK(c.boot && c.ipxe);
	c = classify(&(struct boot_req){ .uclass = "\003lab\004iPXE",
					 .uclass_len = 9 });
	CHECK(c.ipxe);
	/* Near misses are not iPXE. */
	c = classify(&(struct boot_req){ .uclass = "iPXE2", .uclass_len = 5 });
	CHECK(!c.ipxe);
	CHECK(!c.boot);
	c = classify(&(struct boot_req){ .uclass = "ipxe", .uclass_len = 4 });
	CHECK(!c.ipxe);
	c = classify(&(struct boot_req){ .uclass = "\011iPXE", .uclass_len = 5 });
	CHECK(!c.ipxe);			/* the frame overruns the option */
	c = classify(&(struct boot_req){ .uclass = "\000\004iPXE",
					 .uclass_len = 6 });
	CHECK(!c.ipxe);			/* empty instance: not RFC 3004 */
	/* Option 175, iPXE's own, is enough. */
	c = classify(&(struct boot_req){ .ipxe175 = true });
	CHECK(c.boot && c.ipxe);
	CHECK_INT(c.entry, IPAM_BOOT_IPXE);
	/* An iPXE running as an HTTP client still gets its script. */
	c = classify(&(struct boot_req){ .vendor = "HTTPClient", ARCH(16),
					 .uclass = "iPXE", .uclass_len = 4 });
	CHECK_INT(c.entry, IPAM_BOOT_IPXE);
}

TEST(describe)
{
	struct dhcp_boot_client c;
	char b[32];

	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(0) });
	CHECK_STR(dhcp_boot_describe(&c, b, sizeof(b)), "bios");
	c = classify(&(struct boot_req){ .vendor = "HTTPClient", ARCH(19) });
	CHECK_STR(dhcp_boot_describe(&c, b, sizeof(b)),
		  "uefi-arm64 over http");
	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(6) });
	CHECK_STR(dhcp_boot_describe(&c, b, sizeof(b)), "arch 6");
	c = classify(&(struct boot_req){ .vendor = "HTTPClient" });
	CHECK_STR(dhcp_boot_describe(&c, b, sizeof(b)), "unknown arch");
}

/* ---- the file ---- */

TEST(expand)
{
	char out[IPAM_BOOTFILE_MAX + 1], big[200];

	CHECK_INT(dhcp_boot_expand("undionly.kpxe", SERVER, 80, out,
				   sizeof(out)), 0);
	CHECK_STR(out, "undionly.kpxe");
	CHECK_INT(dhcp_boot_expand("${http}/boot.ipxe", SERVER, 80, out,
				   sizeof(out)), 0);
	CHECK_STR(out, "http://10.0.0.1/boot.ipxe");
	CHECK_INT(dhcp_boot_expand("${http}/boot.ipxe", SERVER, 8080, out,
				   sizeof(out)), 0);
	CHECK_STR(out, "http://10.0.0.1:8080/boot.ipxe");
	CHECK_INT(dhcp_boot_expand("tftp://${server}/a/${server}", 0xffffffff,
				   80, out, sizeof(out)), 0);
	CHECK_STR(out, "tftp://255.255.255.255/a/255.255.255.255");
	CHECK_INT(dhcp_boot_expand("${nope}", SERVER, 80, out, sizeof(out)),
		  -EINVAL);
	CHECK_STR(out, "");
	CHECK_INT(dhcp_boot_expand("a$", SERVER, 80, out, sizeof(out)),
		  -EINVAL);
	CHECK_INT(dhcp_boot_expand("${serve", SERVER, 80, out, sizeof(out)),
		  -EINVAL);
	/* 127 fits the file field; 128 does not; the NUL is counted. */
	memset(big, 'x', 127);
	big[127] = '\0';
	CHECK_INT(dhcp_boot_expand(big, SERVER, 80, out, sizeof(out)), 0);
	CHECK_INT(strlen(out), 127);
	big[120] = '\0';
	strcat(big, "${server}");	/* 120 + 8 */
	CHECK_INT(dhcp_boot_expand(big, SERVER, 80, out, sizeof(out)),
		  -ENAMETOOLONG);
	CHECK_STR(out, "");
	CHECK_INT(dhcp_boot_expand("x", SERVER, 80, out, 1), -ENAMETOOLONG);
	CHECK_INT(dhcp_boot_expand("", SERVER, 80, out, 1), 0);
}

static const char *const table[IPAM_BOOT_ARCH_MAX] = {
	"undionly.kpxe", "ipxe.efi", "bootaa64.efi", "${http}/ipxe.efi",
	"${http}/boot.ipxe",
};

TEST(file_for_each_client)
{
	struct dhcp_boot_client c;
	char out[IPAM_BOOTFILE_MAX + 1];

	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(0) });
	CHECK_INT(dhcp_boot_file(&c, table, NULL, SERVER, 80, out,
				 sizeof(out)), 0);
	CHECK_STR(out, "undionly.kpxe");
	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(7) });
	CHECK_INT(dhcp_boot_file(&c, table, "", SERVER, 80, out, sizeof(out)),
		  0);
	CHECK_STR(out, "ipxe.efi");
	c = classify(&(struct boot_req){ .vendor = "HTTPClient", ARCH(16) });
	CHECK_INT(dhcp_boot_file(&c, table, NULL, SERVER, 8080, out,
				 sizeof(out)), 0);
	CHECK_STR(out, "http://10.0.0.1:8080/ipxe.efi");
	/* ARM64 HTTP boot: its file from racknet-tftpd's HTTP server. */
	c = classify(&(struct boot_req){ .vendor = "HTTPClient", ARCH(19) });
	CHECK_INT(dhcp_boot_file(&c, table, NULL, SERVER, 80, out,
				 sizeof(out)), 0);
	CHECK_STR(out, "http://10.0.0.1/bootaa64.efi");
	c = classify(&(struct boot_req){ .uclass = "iPXE", .uclass_len = 4 });
	CHECK_INT(dhcp_boot_file(&c, table, NULL, SERVER, 80, out,
				 sizeof(out)), 0);
	CHECK_STR(out, "http://10.0.0.1/boot.ipxe");
	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(6) });
	CHECK_INT(dhcp_boot_file(&c, table, NULL, SERVER, 80, out,
				 sizeof(out)), -ENOENT);
	CHECK_STR(out, "");
}

TEST(profile_file_replaces_firmware_entry_only)
{
	struct dhcp_boot_client c;
	char out[IPAM_BOOTFILE_MAX + 1];

	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(7) });
	CHECK_INT(dhcp_boot_file(&c, table, "shim/bootx64.efi", SERVER, 80,
				 out, sizeof(out)), 0);
	CHECK_STR(out, "shim/bootx64.efi");
	/* The iPXE client of that machine gets the script, not the binary
	 * again: chainloading must not loop. */
	c = classify(&(struct boot_req){ ARCH(7), .uclass = "iPXE",
					 .uclass_len = 4 });
	CHECK_INT(dhcp_boot_file(&c, table, "shim/bootx64.efi", SERVER, 80,
				 out, sizeof(out)), 0);
	CHECK_STR(out, "http://10.0.0.1/boot.ipxe");
	/* An HTTP client gets the profile's file as a URL; a URL stays. */
	c = classify(&(struct boot_req){ .vendor = "HTTPClient", ARCH(16) });
	CHECK_INT(dhcp_boot_file(&c, table, "/efi/grubx64.efi", SERVER, 80,
				 out, sizeof(out)), 0);
	CHECK_STR(out, "http://10.0.0.1/efi/grubx64.efi");
	CHECK_INT(dhcp_boot_file(&c, table, "https://boot.example/x.efi",
				 SERVER, 80, out, sizeof(out)), 0);
	CHECK_STR(out, "https://boot.example/x.efi");
}

TEST(file_limits)
{
	struct dhcp_boot_client c;
	const char *t[IPAM_BOOT_ARCH_MAX] = { 0 };
	char out[IPAM_BOOTFILE_MAX + 1], big[IPAM_BOOTFILE_MAX + 1];

	/* No value for the entry (a table with a hole): nothing. */
	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(0) });
	CHECK_INT(dhcp_boot_file(&c, t, NULL, SERVER, 80, out, sizeof(out)),
		  -ENOENT);
	t[IPAM_BOOT_BIOS] = "";
	CHECK_INT(dhcp_boot_file(&c, t, NULL, SERVER, 80, out, sizeof(out)),
		  -ENOENT);
	/* 127 bytes of file name fit; as a URL for an HTTP client they do
	 * not. */
	memset(big, 'a', IPAM_BOOTFILE_MAX);
	big[IPAM_BOOTFILE_MAX] = '\0';
	t[IPAM_BOOT_UEFI_HTTP] = big;
	t[IPAM_BOOT_BIOS] = big;
	CHECK_INT(dhcp_boot_file(&c, t, NULL, SERVER, 80, out, sizeof(out)),
		  0);
	CHECK_INT(strlen(out), IPAM_BOOTFILE_MAX);
	c = classify(&(struct boot_req){ .vendor = "HTTPClient", ARCH(16) });
	CHECK_INT(dhcp_boot_file(&c, t, NULL, SERVER, 80, out, sizeof(out)),
		  -ENAMETOOLONG);
	/* A bigger out buffer does not lift the file field's limit. */
	{
		char wide[400];

		c = classify(&(struct boot_req){ .vendor = "PXEClient",
						 ARCH(0) });
		big[100] = '\0';
		strcat(big, "${http}");		/* 100 + "http://10.0.0.1" */
		CHECK_INT(dhcp_boot_file(&c, t, NULL, SERVER, 80, wide,
					 sizeof(wide)), 0);
		CHECK_INT(dhcp_boot_file(&c, t, NULL, 0xffffffff, 65535, wide,
					 sizeof(wide)), -ENAMETOOLONG);
	}
}

/* ---- the reply, as the client reads it ---- */

static struct dhcp_msg back;

static void build_back(const struct dhcp_reply *r, const struct dhcp_msg *req,
		       size_t max)
{
	uint8_t buf[DHCP_MAX_LEN];
	const char *why = NULL;
	int len = dhcp_build(r, req, buf, max, NULL);

	CHECK(len > 0);
	if (len <= 0)
		return;
	buf[0] = 1;		/* read it with the request parser */
	CHECK_INT(dhcp_parse(&back, buf, (size_t)len, &why), 0);
}

static const char *opt_text(int code, char *buf, size_t size)
{
	const struct dhcp_opt_data *o = &back.opt[code];

	snprintf(buf, size, "%.*s", o->present ? (int)o->len : 0,
		 o->present ? (const char *)o->p : "");
	return buf;
}

TEST(reply_bios_pxe)
{
	struct dhcp_reply r = { .type = DHCP_OFFER, .yiaddr = IP(10, 0, 0, 9),
				.server_id = SERVER };
	struct dhcp_boot_opts b;
	struct dhcp_boot_client c;
	char t[256];

	c = classify(&(struct boot_req){
		.vendor = "PXEClient:Arch:00000:UNDI:002001", ARCH(0) });
	dhcp_boot_reply(&r, &b, &c, "undionly.kpxe", SERVER);
	build_back(&r, &msg, 576 - 28);
	CHECK_INT(back.siaddr, SERVER);
	CHECK_STR(back.file, "undionly.kpxe");
	CHECK_STR(opt_text(67, t, sizeof(t)), "undionly.kpxe");
	CHECK_STR(opt_text(66, t, sizeof(t)), "10.0.0.1");
	CHECK_STR(opt_text(60, t, sizeof(t)), "PXEClient");
	CHECK_INT(back.opt[43].len, 4);
	CHECK(back.opt[43].present &&
	      !memcmp(back.opt[43].p, "\006\001\010\377", 4));
}

TEST(reply_uefi_http_ipxe)
{
	struct dhcp_reply r = { .type = DHCP_ACK, .server_id = SERVER };
	struct dhcp_boot_opts b;
	struct dhcp_boot_client c;
	char t[256];

	c = classify(&(struct boot_req){ .vendor = "PXEClient:Arch:00007",
					 ARCH(7) });
	dhcp_boot_reply(&r, &b, &c, "ipxe.efi", SERVER);
	build_back(&r, &msg, 1400);
	CHECK_STR(back.file, "ipxe.efi");
	CHECK_STR(opt_text(60, t, sizeof(t)), "PXEClient");
	/* UEFI PXE (EDK2) needs it too, or it asks a BINL server. */
	CHECK(back.opt[43].present &&
	      !memcmp(back.opt[43].p, "\006\001\010\377", 4));

	memset(&r, 0, sizeof(r));
	r.type = DHCP_ACK;
	r.server_id = SERVER;
	c = classify(&(struct boot_req){ .vendor = "HTTPClient:Arch:00016",
					 ARCH(16) });
	dhcp_boot_reply(&r, &b, &c, "http://10.0.0.1/ipxe.efi", SERVER);
	build_back(&r, &msg, 1400);
	CHECK_STR(back.file, "http://10.0.0.1/ipxe.efi");
	CHECK_STR(opt_text(67, t, sizeof(t)), "http://10.0.0.1/ipxe.efi");
	CHECK_STR(opt_text(60, t, sizeof(t)), "HTTPClient");
	CHECK(!back.opt[43].present);

	memset(&r, 0, sizeof(r));
	r.type = DHCP_ACK;
	r.server_id = SERVER;
	c = classify(&(struct boot_req){
		.vendor = "PXEClient:Arch:00000:UNDI:002001", ARCH(0),
		.uclass = "iPXE", .uclass_len = 4 });
	dhcp_boot_reply(&r, &b, &c, "http://10.0.0.1/boot.ipxe", SERVER);
	build_back(&r, &msg, 1400);
	CHECK_STR(back.file, "http://10.0.0.1/boot.ipxe");
	CHECK(!back.opt[43].present);	/* iPXE needs no discovery hint */
	CHECK_STR(opt_text(60, t, sizeof(t)), "PXEClient");

	/* Neither class: nothing echoed. */
	memset(&r, 0, sizeof(r));
	r.type = DHCP_ACK;
	r.server_id = SERVER;
	c = classify(&(struct boot_req){ .ipxe175 = true });
	dhcp_boot_reply(&r, &b, &c, "boot.ipxe", SERVER);
	build_back(&r, &msg, 1400);
	CHECK(!back.opt[60].present);
	CHECK_STR(back.file, "boot.ipxe");
}

/* A small client (576 bytes) with many options: the builder may overload
 * sname, never the file field that holds the boot file. */
TEST(reply_file_field_is_not_overloaded)
{
	struct dhcp_reply r = { .type = DHCP_OFFER, .server_id = SERVER };
	static uint8_t filler[6][60];
	struct dhcp_boot_opts b;
	struct dhcp_boot_client c;
	char name[IPAM_BOOTFILE_MAX + 1], t[256];

	memset(name, 'f', IPAM_BOOTFILE_MAX);
	name[IPAM_BOOTFILE_MAX] = '\0';
	c = classify(&(struct boot_req){ .vendor = "PXEClient", ARCH(0),
					 .max_size_hi = 2 });
	dhcp_boot_reply(&r, &b, &c, name, SERVER);
	for (int i = 0; i < 6; i++) {
		memset(filler[i], 'a' + i, sizeof(filler[i]));
		dhcp_reply_add(&r, (uint8_t)(200 + i), true, filler[i],
			       sizeof(filler[i]));
	}
	build_back(&r, &msg, dhcp_max_reply(&msg, DHCP_MAX_LEN));
	CHECK_STR(back.file, name);
	CHECK_INT(back.overload & 1, 0);
	CHECK_STR(opt_text(67, t, sizeof(t)), name);
}

int main(void)
{
	RUN(plain_clients_do_not_boot);
	RUN(firmware_matrix);
	RUN(option_93_lists);
	RUN(ipxe_marks);
	RUN(describe);
	RUN(expand);
	RUN(file_for_each_client);
	RUN(profile_file_replaces_firmware_entry_only);
	RUN(file_limits);
	RUN(reply_bios_pxe);
	RUN(reply_uefi_http_ipxe);
	RUN(reply_file_field_is_not_overloaded);
	return test_done();
}

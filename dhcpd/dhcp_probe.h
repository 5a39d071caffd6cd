/*
 * Competing DHCP servers, the pure half: the DISCOVER racknet-dhcpd
 * broadcasts to find other servers, how a server recognises one, and what
 * a frame captured on the client port says about the server that sent
 * it. No I/O; tests/dhcpd/test_probe.c and fuzz/fuzz_dhcp_heard.c call
 * these directly.
 */
#ifndef RACKNET_DHCP_PROBE_H
#define RACKNET_DHCP_PROBE_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp_msg.h"

/* Option 60 of a probe: a racknet server offers without holding. */
#define DHCP_PROBE_VENDOR "racknet-probe"
#define DHCP_PROBE_FRAME_MAX 400	/* bytes of a probe frame */
#define DHCP_CAPTURE_FILTER_LEN 13	/* instructions */

/* The probe's MAC on an interface whose MAC is ifmac: locally
 * administered, unicast, the same on every run, never ifmac itself. */
void dhcp_probe_mac(const uint8_t ifmac[6], uint8_t out[6]);

/* A broadcast Ethernet frame from mac carrying a DISCOVER with the
 * broadcast flag and this xid, from UDP port cport to sport (the client
 * and server ports). Its length, or 0 if cap is too small. */
size_t dhcp_probe_frame(uint8_t *out, size_t cap, const uint8_t mac[6],
			uint32_t xid, uint16_t sport, uint16_t cport);

/* Whether a parsed DISCOVER is some racknet's probe. */
bool dhcp_probe_is(const struct dhcp_msg *m);

/* What a captured frame says about a server. Host byte order. */
struct dhcp_heard {
	int type;			/* DHCP_OFFER, DHCP_ACK or DHCP_NAK */
	uint32_t server_id;		/* option 54, else the IP source */
	uint32_t src_ip, yiaddr, xid;
	uint8_t src_mac[6];
	uint8_t chaddr[6];
};

/* An untagged Ethernet frame received on the client port cport: 0 with
 * *ret filled when it is a server's OFFER, ACK or NAK;
 * -EBADMSG with *why (static text, or m->errbuf) for anything else.
 * m is scratch space for the DHCP message. */
int dhcp_heard_parse(const uint8_t *frame, size_t len, uint16_t cport,
		     struct dhcp_msg *m, struct dhcp_heard *ret,
		     const char **why);

/* A classic BPF program for a packet socket (SOCK_RAW) that keeps only
 * untagged, unfragmented IPv4 UDP datagrams to port cport, so the capture
 * wakes for DHCP replies alone. Fills DHCP_CAPTURE_FILTER_LEN instructions. */
void dhcp_capture_filter(struct sock_filter out[DHCP_CAPTURE_FILTER_LEN],
			 uint16_t cport);

#endif

/*
 * Packets dhcpd builds below UDP: an IPv4+UDP datagram for the packet
 * socket (replies to clients that have no address yet, and broadcasts on
 * one chosen interface), and ICMP echo for the address check. Pure.
 */
#ifndef RACKNET_DHCP_IO_H
#define RACKNET_DHCP_IO_H

#include <stddef.h>
#include <stdint.h>

/* IPv4 header + UDP header + payload into out; the total length, or 0 if
 * cap is too small. Addresses in host byte order. */
size_t dhcp_udp4(uint8_t *out, size_t cap, uint32_t src, uint32_t dst,
		 uint16_t sport, uint16_t dport, const void *payload,
		 size_t len);

/* An ICMP echo request (no IP header) with this id and sequence. */
size_t dhcp_icmp_echo(uint8_t *out, size_t cap, uint16_t id, uint16_t seq);

/* From a raw IPPROTO_ICMP socket's datagram (IP header included): if it
 * is an echo reply, its source (host order), id and seq; else -1. */
int dhcp_icmp_reply(const uint8_t *p, size_t len, uint32_t *ret_src,
		    uint16_t *ret_id, uint16_t *ret_seq);

/* The Internet checksum (RFC 1071) of p, folded and complemented. */
uint16_t dhcp_csum(const void *p, size_t len, uint32_t sum);

#endif

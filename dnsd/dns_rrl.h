/*
 * Response rate limiting for UDP (pure): a token bucket per client
 * network (/24 for IPv4, /56 for IPv6, so one spoofed victim cannot be
 * hit from many of its addresses), in a fixed table: memory does not grow
 * with the number of sources, and networks that share a slot share a
 * budget (a flood can only cost its slot-mates some answers, never grow
 * the table). Over the rate, every second answer "slips" out truncated
 * (TC set, no records), so a real client retries over TCP, which a
 * spoofed source cannot; the others are dropped.
 */
#ifndef RACKNET_DNS_RRL_H
#define RACKNET_DNS_RRL_H

#include <stdint.h>

#include "addr.h"

#define DNS_RRL_SLOTS 4096

enum dns_rrl_verdict { DNS_RRL_SEND, DNS_RRL_SLIP, DNS_RRL_DROP };

struct dns_rrl_slot {
	uint32_t key;		/* hash of the network, 0 = empty */
	uint32_t tokens;	/* answers left, scaled by 1000 */
	int64_t last_ms;
	uint32_t over;		/* answers over the rate since it began */
};

struct dns_rrl {
	uint32_t rate;		/* answers per second; 0 = off */
	uint32_t seed;		/* per process, so slots are not guessable */
	struct dns_rrl_slot slot[DNS_RRL_SLOTS];
};

void dns_rrl_init(struct dns_rrl *r, uint32_t rate, uint32_t seed);
enum dns_rrl_verdict dns_rrl_check(struct dns_rrl *r, const struct ip_addr *src,
				   int64_t now_ms);

#endif

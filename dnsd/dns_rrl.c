/* Response rate limiting: see dns_rrl.h. */
#include "dns_rrl.h"

#include <string.h>
#include <sys/socket.h>

void dns_rrl_init(struct dns_rrl *r, uint32_t rate, uint32_t seed)
{
	memset(r, 0, sizeof(*r));
	r->rate = rate;
	r->seed = seed | 1;
}

/* FNV-1a over the network part, mixed with the seed; never 0. */
static uint32_t net_key(const struct dns_rrl *r, const struct ip_addr *a)
{
	size_t n = a->family == AF_INET ? 3 : 7;	/* /24, /56 */
	uint32_t h = 2166136261u ^ r->seed;

	h = (h ^ a->family) * 16777619u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h ? h : 1;
}

enum dns_rrl_verdict dns_rrl_check(struct dns_rrl *r, const struct ip_addr *src,
				   int64_t now_ms)
{
	uint32_t key, full;
	struct dns_rrl_slot *s;
	int64_t add;

	if (r->rate == 0)
		return DNS_RRL_SEND;
	key = net_key(r, src);
	s = &r->slot[key % DNS_RRL_SLOTS];
	full = r->rate * 1000u;		/* a second's worth of burst */
	if (s->key != key) {
		/* A newcomer takes the slot over with a full bucket. */
		s->key = key;
		s->tokens = full;
		s->last_ms = now_ms;
		s->over = 0;
	}
	add = (now_ms - s->last_ms) * (int64_t)r->rate;
	if (add > 0) {
		s->tokens = add >= (int64_t)(full - s->tokens) ? full :
			    s->tokens + (uint32_t)add;
		s->last_ms = now_ms;
	}
	if (s->tokens >= 1000) {
		s->tokens -= 1000;
		s->over = 0;
		return DNS_RRL_SEND;
	}
	return s->over++ % 2 == 0 ? DNS_RRL_SLIP : DNS_RRL_DROP;
}

/* The change feed: what readers see, pruning, and cheap polling. */
#include <errno.h>

#include "fixture.h"

static struct fixture fx;

struct seen {
	int n;
	struct ipam_change last[16];
};

static int collect(void *ctx, const struct ipam_change *c)
{
	struct seen *s = ctx;

	if (s->n < 16)
		s->last[s->n] = *c;
	s->n++;
	return 0;
}

static bool has(const struct seen *s, const char *table, const char *op,
		const char *key)
{
	for (int i = 0; i < s->n && i < 16; i++)
		if (!strcmp(s->last[i].table, table) && !strcmp(s->last[i].op, op) &&
		    !strcmp(s->last[i].key, key))
			return true;
	return false;
}

TEST(writes_appear_in_order)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_subnet_opts o = { .fabric = "lab", .vid = 0, .managed = -1 };
	struct ipam_client c = fx_client(1);
	struct ipam_lease l;
	struct seen s = { 0 };
	int64_t g0, g1, last = 0;

	fx_lab(db);
	g0 = ipam_feed_generation(db);
	CHECK(g0 > 0);
	CHECK_INT(ipam_subnet_add(db, "10.0.2.0/24", &o), 0);
	CHECK_INT(ipam_range_add(db, "10.0.2.0/24", "10.0.2.10", "10.0.2.20",
				 "dynamic", NULL), 0);
	CHECK_INT(ipam_lease_alloc(db, 2, &c, NULL, 60, 1000, 0, &l), 0);
	CHECK_INT(ipam_lease_alloc(db, 2, &c, NULL, 60, 1030, 0, &l), 0);
	/* A refused write adds nothing. */
	g1 = ipam_feed_generation(db);
	CHECK(ipam_fabric_add(db, "lab") < 0);
	CHECK_INT(ipam_feed_generation(db), g1);
	CHECK_INT(ipam_feed_since(db, g0, 100, collect, &s, &last), 0);
	CHECK_INT(s.n, 5);
	CHECK_INT(last, g1);
	CHECK(has(&s, "subnet", "insert", "10.0.2.0/24"));
	CHECK(has(&s, "subnet", "update", "10.0.2.0/24"));
	CHECK(has(&s, "iprange", "insert", "10.0.2.10"));
	CHECK(has(&s, "address", "insert", "10.0.2.10"));
	CHECK(has(&s, "address", "update", "10.0.2.10"));
	for (int i = 1; i < s.n; i++)
		CHECK(s.last[i].gen == s.last[i - 1].gen + 1);
	/* A limit cuts the walk; the next call resumes after it. */
	s.n = 0;
	CHECK_INT(ipam_feed_since(db, g0, 1, collect, &s, &last), 0);
	CHECK_INT(s.n, 1);
	CHECK_INT(last, g0 + 1);
	fx_close(&fx);
}

TEST(pruned_feed_says_reload)
{
	struct ipam *db = fx_open(&fx);
	struct seen s = { 0 };
	int64_t top;

	fx_lab(db);
	top = ipam_feed_generation(db);
	CHECK_INT(ipam_feed_prune(db, 2), 0);
	CHECK_FAILS(db, ipam_feed_since(db, 0, 100, collect, &s, NULL), -ESTALE,
		    "the change feed was pruned past generation 0: reload");
	CHECK_INT(ipam_feed_since(db, top - 2, 100, collect, &s, NULL), 0);
	CHECK_INT(s.n, 2);
	CHECK_INT(ipam_feed_prune(db, 0), 0);
	CHECK_FAILS(db, ipam_feed_since(db, top - 1, 100, collect, &s, NULL),
		    -ESTALE, "pruned past");
	s.n = 0;
	CHECK_INT(ipam_feed_since(db, top, 100, collect, &s, NULL), 0);
	CHECK_INT(s.n, 0);
	fx_close(&fx);
}

TEST(poll_sees_other_writers)
{
	struct ipam *db = fx_open(&fx), *other;
	char err[IPAM_ERRLEN];

	CHECK_INT(ipam_open(fx.path, 0, &other, err, sizeof(err)), 0);
	ipam_feed_poll(db);
	CHECK(!ipam_feed_poll(db));
	CHECK_INT(ipam_fabric_add(other, "lab"), 0);
	CHECK(ipam_feed_poll(db));
	CHECK(!ipam_feed_poll(db));
	ipam_close(other);
	fx_close(&fx);
}

int main(void)
{
	RUN(writes_appear_in_order);
	RUN(pruned_feed_says_reload);
	RUN(poll_sees_other_writers);
	return test_done();
}

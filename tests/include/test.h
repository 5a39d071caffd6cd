/*
 * A minimal unit-test harness: TEST() defines a case, RUN() runs it from
 * main(), CHECK*() record failures with file:line and carry on, and
 * test_done() returns the exit status ctest reads. No framework to learn.
 */
#ifndef RACKNET_TEST_H
#define RACKNET_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failures;
static const char *test_current;

#define TEST(name) static void name(void)
#define RUN(name)                                                         \
	do {                                                              \
		int before_ = test_failures;                              \
		test_current = #name;                                     \
		name();                                                   \
		printf("%s %s\n", test_failures == before_ ? "ok  " : "FAIL", \
		       #name);                                            \
	} while (0)

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n",  \
				__FILE__, __LINE__, test_current, #cond); \
			test_failures++;                                  \
		}                                                         \
	} while (0)

#define CHECK_INT(a, b)                                                   \
	do {                                                              \
		long long a_ = (long long)(a), b_ = (long long)(b);       \
		if (a_ != b_) {                                           \
			fprintf(stderr, "%s:%d: %s: %s == %lld, want %lld\n", \
				__FILE__, __LINE__, test_current, #a, a_, b_); \
			test_failures++;                                  \
		}                                                         \
	} while (0)

#define CHECK_STR(a, b)                                                   \
	do {                                                              \
		const char *a_ = (a), *b_ = (b);                          \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                  \
			fprintf(stderr, "%s:%d: %s: %s == \"%s\", want \"%s\"\n", \
				__FILE__, __LINE__, test_current, #a,     \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");  \
			test_failures++;                                  \
		}                                                         \
	} while (0)

/* The error text must contain needle: rules are tested by their message. */
#define CHECK_CONTAINS(hay, needle)                                       \
	do {                                                              \
		const char *h_ = (hay), *n_ = (needle);                   \
		if (!h_ || !strstr(h_, n_)) {                             \
			fprintf(stderr, "%s:%d: %s: \"%s\" lacks \"%s\"\n", \
				__FILE__, __LINE__, test_current,         \
				h_ ? h_ : "(null)", n_);                  \
			test_failures++;                                  \
		}                                                         \
	} while (0)

static inline int test_done(void)
{
	if (test_failures)
		fprintf(stderr, "%d check(s) failed\n", test_failures);
	return test_failures ? 1 : 0;
}

#endif

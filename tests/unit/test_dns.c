/* test_dns.c — unit tests for src/dns.c (to be written by its owner). */
#include "check.h"

static void
placeholder(void)
{
	CHECK(0 && "tests for dns not written yet");
}

static const struct test tests[] = {
	TEST(placeholder),
};

CHECK_MAIN(tests)

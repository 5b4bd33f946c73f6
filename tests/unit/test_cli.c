/* test_cli.c — unit tests for src/cli.c (to be written by its owner). */
#include "check.h"

static void
placeholder(void)
{
	CHECK(0 && "tests for cli not written yet");
}

static const struct test tests[] = {
	TEST(placeholder),
};

CHECK_MAIN(tests)

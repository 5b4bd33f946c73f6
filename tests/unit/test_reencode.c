/* test_reencode.c — unit tests for src/reencode.c (to be written by its owner). */
#include "check.h"

static void
placeholder(void)
{
	CHECK(0 && "tests for reencode not written yet");
}

static const struct test tests[] = {
	TEST(placeholder),
};

CHECK_MAIN(tests)

/* test_mime.c — unit tests for src/mime.c (to be written by its owner). */
#include "check.h"

static void
placeholder(void)
{
	CHECK(0 && "tests for mime not written yet");
}

static const struct test tests[] = {
	TEST(placeholder),
};

CHECK_MAIN(tests)

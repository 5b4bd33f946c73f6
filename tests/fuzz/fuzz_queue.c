/*
 * fuzz_queue.c — libFuzzer target for queuefile_env_parse(), the state file
 * parser of the queue (queue.h).
 *
 * Invariants checked: a state file that parses has an id that
 * queuefile_id_valid accepts and at least one recipient, each with a known
 * state; formatting it again and parsing the result succeeds and gives
 * the same text (the format is a fixed point: what postie writes it can
 * always read back, and nothing grows).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queuefile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_env q, again;
	struct buf one, two;
	struct err e;

	if (queuefile_env_parse(&q, (const char *)data, size, &e) == -1)
		return 0;
	if (!queuefile_id_valid(q.id) || q.nrcpts == 0 || q.from == NULL)
		abort();
	for (size_t i = 0; i < q.nrcpts; i++)
		if (q.rcpts[i].state > QR_FAILED || q.rcpts[i].addr == NULL)
			abort();
	buf_init(&one);
	buf_init(&two);
	queuefile_env_format(&q, &one);
	if (queuefile_env_parse(&again, one.data, one.len, &e) == -1)
		abort();
	queuefile_env_format(&again, &two);
	if (one.len != two.len || memcmp(one.data, two.data, one.len) != 0)
		abort();
	buf_free(&one);
	buf_free(&two);
	queuefile_env_free(&q);
	queuefile_env_free(&again);
	return 0;
}

/*
 * fuzz_drop.c — libFuzzer target for the system side's reading of a drop
 * entry (drop.h): drop_header_parse on the entry's first bytes, then
 * drop_state_parse on the state its "env" line announces, as drop_open
 * does once the file itself has passed its checks.  The owner is uid 1000
 * (the seeds' "uid" line).
 *
 * Invariants checked: a header that parses ends within what it was given
 * and announces no more than SYSMODE_ENV_MAX bytes of state; a state that
 * parses has at least one recipient, every one pending with an address,
 * and neither an account nor a configuration (the system side chooses).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drop.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long envlen;
	struct queue_env q;
	struct err e;
	char *copy;
	long hl;

	/* An exact-length copy: a read past the bytes given is ASan's. */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	hl = drop_header_parse(copy, size, 1000, &envlen, &e);
	if (hl == -1) {
		free(copy);
		return 0;
	}
	if (hl <= 0 || (size_t)hl > size || envlen > SYSMODE_ENV_MAX)
		abort();
	if (envlen <= size - (size_t)hl) {
		char *state = malloc(envlen ? envlen : 1);

		memcpy(state, copy + hl, envlen);
		if (drop_state_parse(state, envlen, &q, &e) == 0) {
			if (q.nrcpts == 0 || q.account != NULL ||
			    q.config != NULL)
				abort();
			for (size_t i = 0; i < q.nrcpts; i++)
				if (q.rcpts[i].state != QR_PENDING ||
				    q.rcpts[i].addr == NULL)
					abort();
			queuefile_env_free(&q);
		}
		free(state);
	}
	free(copy);
	return 0;
}

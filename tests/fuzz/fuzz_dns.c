/*
 * fuzz_dns.c — libFuzzer target for dns_parse_mx(), dns_order_mx() and
 * dns_parse_tlsa().
 *
 * The input is one DNS message, copied to an exact-size buffer so ASan
 * sees any read past its end.  Invariants checked: at most DNS_MX_MAX
 * hosts, each a NUL-terminated host name (letters, digits, '-', '_', '.')
 * no longer than DNS_NAME_MAX; a failure leaves no hosts and a sysexits
 * code; after ordering, preferences never decrease.  TLSA: at most
 * DNS_TLSA_MAX records, each data within DNS_TLSA_DATA_MAX (ASan checks
 * that its len octets are readable), a failure with no records left;
 * dane_format stays within its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dane.h"
#include "dns.h"

static void
check_name(const char *s)
{
	size_t n = strnlen(s, DNS_NAME_MAX + 1);

	if (n > DNS_NAME_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.",
		    s[i]) == NULL)
			abort();
}

static void
fuzz_tlsa(const unsigned char *msg, size_t size)
{
	struct tlsa_list l;
	struct err e;
	char out[64], cname[DNS_NAME_MAX + 1];
	unsigned sum = 0;
	int rc;

	err_clear(&e);
	rc = dns_parse_tlsa(msg, size, "_25._tcp.fuzz.test", &l, cname, &e);
	if (l.n > DNS_TLSA_MAX || (rc == -1 && (l.n != 0 || e.ex == 0)))
		abort();
	for (size_t i = 0; i < l.n; i++) {
		const struct tlsa_rr *r = &l.v[i];

		if (r->len > DNS_TLSA_DATA_MAX || (r->toolong && r->len != 0))
			abort();
		for (size_t j = 0; j < r->len; j++)
			sum += r->data[j];
		dane_format(r, out, sizeof(out));
		if (strlen(out) >= sizeof(out))
			abort();
	}
	check_name(cname);
	(void)sum;
	dns_tlsa_free(&l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *msg = malloc(size ? size : 1);
	struct mx_list l;
	struct err e;
	int rc;

	memcpy(msg, data, size);
	fuzz_tlsa(msg, size);
	err_clear(&e);
	rc = dns_parse_mx(msg, size, "fuzz.test", &l, &e);
	free(msg);
	if (l.n > DNS_MX_MAX)
		abort();
	if (rc == -1) {
		if (l.n != 0 || e.ex == 0 || e.msg[0] == '\0')
			abort();
		return 0;
	}
	check_name(l.cname);
	for (size_t i = 0; i < l.n; i++) {
		check_name(l.v[i].host);
		if (l.v[i].host[0] == '\0')
			abort();
	}
	dns_order_mx(&l);
	for (size_t i = 1; i < l.n; i++)
		if (l.v[i - 1].pref > l.v[i].pref)
			abort();
	return 0;
}

/*
 * aliases.c — the aliases file (see aliases.h).
 *
 *	# comment
 *	root: ops@example.com, "Jane Doe" <jane@example.com>,
 *	    admin@example.com
 *	default: catchall@example.com
 *
 * An entry is "name: list"; a line starting with a blank continues the
 * entry above; a line whose first non-blank character is '#' is a comment.
 * The list is split on commas outside "quotes" and <angle brackets>; an
 * item with <...> stands for the address inside them.  When a name is
 * listed twice, the later entry wins (as in sendmail's newaliases).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"

#define ALIASES_MAX_SIZE	(1024 * 1024)

struct alias {
	char		*name;
	struct strlist	 addrs;
};

struct aliases {
	struct alias	*v;
	size_t		 n, cap;
};

/* The address an item stands for: the text inside <...> if any (outside
 * quotes), else the item, blanks trimmed. */
static char *
item_address(const char *s, size_t n)
{
	bool q = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && q && i + 1 < n) {
			i++;
			continue;
		}
		if (s[i] == '"')
			q = !q;
		if (s[i] == '<' && !q) {
			const char *gt = memchr(s + i, '>', n - i);

			if (gt != NULL)
				return str_trim(xstrndup(s + i + 1,
				    (size_t)(gt - s) - i - 1));
		}
	}
	return str_trim(xstrndup(s, n));
}

/* Split list on commas outside quotes and angle brackets. */
static void
split_list(const char *list, struct strlist *out)
{
	const char *start = list;
	bool q = false;
	int angle = 0;

	for (const char *c = list;; c++) {
		if (*c == '\0' || (*c == ',' && !q && angle == 0)) {
			char *a = item_address(start, (size_t)(c - start));

			if (*a != '\0')
				strlist_take(out, a);
			else
				free(a);
			if (*c == '\0')
				return;
			start = c + 1;
		} else if (*c == '\\' && q && c[1] != '\0') {
			c++;
		} else if (*c == '"') {
			q = !q;
		} else if (*c == '<' && !q) {
			angle++;
		} else if (*c == '>' && !q && angle > 0) {
			angle--;
		}
	}
}

static int
add_entry(struct aliases *al, char *entry, const char *name, int line,
    struct err *e)
{
	char *colon = strchr(entry, ':');
	struct alias *a;

	if (colon == NULL)
		return err_set(e, EX_CONFIG, "%s:%d: expected \"name: "
		    "address, ...\"", name, line);
	*colon = '\0';
	str_trim(entry);
	if (*entry == '\0' || entry[strcspn(entry, " \t")] != '\0')
		return err_set(e, EX_CONFIG, "%s:%d: alias name \"%s\" is "
		    "empty or holds blanks", name, line, entry);
	if (al->n == al->cap) {
		al->cap = al->cap ? al->cap * 2 : 16;
		al->v = xreallocarray(al->v, al->cap, sizeof(*al->v));
	}
	a = &al->v[al->n];
	a->name = xstrdup(entry);
	strlist_init(&a->addrs);
	split_list(colon + 1, &a->addrs);
	al->n++;
	if (a->addrs.n == 0)
		return err_set(e, EX_CONFIG, "%s:%d: alias %s has no "
		    "addresses", name, line, a->name);
	return 0;
}

/* Hand the entry collected so far (if any) to add_entry. */
static int
flush_entry(struct aliases *al, struct buf *entry, const char *name,
    int line, struct err *e)
{
	int r = 0;

	if (entry->len > 0)
		r = add_entry(al, entry->data, name, line, e);
	buf_reset(entry);
	return r;
}

int
aliases_parse(struct aliases **out, const char *text, size_t len,
    const char *name, struct err *e)
{
	struct aliases *al = xcalloc(1, sizeof(*al));
	struct buf entry;
	size_t pos = 0;
	int line = 0, start = 0;

	*out = NULL;
	buf_init(&entry);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - text) - pos : len - pos;
		const char *l = text + pos;
		size_t skip = 0;

		line++;
		pos += n + (nl != NULL);
		if (memchr(l, '\0', n) != NULL) {
			err_set(e, EX_CONFIG, "%s:%d: NUL byte", name, line);
			goto fail;
		}
		while (skip < n && (l[skip] == ' ' || l[skip] == '\t' ||
		    l[skip] == '\r'))
			skip++;
		if (skip == n || l[skip] == '#')
			continue;	/* blank or comment */
		if (skip == 0) {	/* a new entry starts */
			if (flush_entry(al, &entry, name, start, e) < 0)
				goto fail;
			start = line;
		} else if (entry.len == 0) {
			err_set(e, EX_CONFIG, "%s:%d: continuation line "
			    "without an entry above", name, line);
			goto fail;
		}
		buf_addc(&entry, ' ');
		buf_add(&entry, l + skip, n - skip);
	}
	if (flush_entry(al, &entry, name, start, e) < 0)
		goto fail;
	buf_free(&entry);
	*out = al;
	return 0;
fail:
	buf_free(&entry);
	aliases_free(al);
	return -1;
}

int
aliases_load(struct aliases **out, const char *path, struct err *e)
{
	struct buf b;
	char chunk[8192];
	ssize_t n;
	int fd, r;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(e, EX_CONFIG, "cannot open aliases file %s",
		    path);
	buf_init(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, EX_CONFIG, "cannot read aliases file %s",
			    path);
			goto fail;
		}
		if (b.len + (size_t)n > ALIASES_MAX_SIZE) {
			err_set(e, EX_CONFIG, "aliases file %s: larger than "
			    "%d bytes", path, ALIASES_MAX_SIZE);
			goto fail;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	r = aliases_parse(out, b.data ? b.data : "", b.len, path, e);
	buf_free(&b);
	return r;
fail:
	close(fd);
	buf_free(&b);
	return -1;
}

void
aliases_free(struct aliases *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].name);
		strlist_free(&a->v[i].addrs);
	}
	free(a->v);
	free(a);
}

/* The last entry for name, ignoring case; NULL when there is none. */
static const struct alias *
aliases_find(const struct aliases *a, const char *name)
{
	for (size_t i = a->n; i > 0; i--)
		if (ascii_eq_ci(a->v[i - 1].name, name))
			return &a->v[i - 1];
	return NULL;
}

void
aliases_expand(const struct aliases *a, const char *addr,
    struct strlist *out)
{
	const struct alias *al = NULL;

	if (a != NULL && strchr(addr, '@') == NULL) {
		al = aliases_find(a, addr);
		if (al == NULL)
			al = aliases_find(a, "default");
	}
	if (al == NULL) {
		strlist_add(out, addr);
		return;
	}
	for (size_t i = 0; i < al->addrs.n; i++)
		strlist_add(out, al->addrs.v[i]);
}

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
	int		 line;		/* where its entry starts */
};

struct aliases {
	struct alias	*v;
	size_t		 n, cap;
	char		*path;		/* the file, for newaliases */
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
	a->line = line;
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
	al->path = xstrdup(name);
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
	int fd, r;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(e, EX_CONFIG, "cannot open aliases file %s",
		    path);
	buf_init(&b);
	if (read_all_max(fd, ALIASES_MAX_SIZE, &b) == -1) {
		if (errno == EFBIG)
			err_set(e, EX_CONFIG, "aliases file %s: larger than "
			    "%d bytes", path, ALIASES_MAX_SIZE);
		else
			err_sys(e, EX_CONFIG, "cannot read aliases file %s",
			    path);
		goto fail;
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
	free(a->path);
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

/* ---- expansion ---------------------------------------------------------- */

/* "a program" for "|cmd" (quoted or not), "a file" for "/path", or NULL. */
static const char *
target_kind(const char *item)
{
	const char *p = item + (item[0] == '"');

	if (*p == '|')
		return "a program";
	if (*p == '/')
		return "a file";
	return NULL;
}

static bool
is_include(const char *item)
{
	return ascii_prefix_ci(item, ":include:");
}

struct expansion {
	const struct aliases *a;
	struct strlist	*out;
	struct alias_refusals *refused;
	size_t		 first;		/* out->n on entry: this expansion's */
	const char	*chain[ALIASES_DEPTH_MAX];	/* names being expanded */
	int		 depth;
};

static void
refuse(struct expansion *x, const char *name, char *reason)
{
	struct alias_refusals *r = x->refused;

	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	r->v[r->n].name = xstrdup(name);
	r->v[r->n++].reason = reason;
}

/* Duplicates go in one pass at the end (aliases_expand): a check per
 * address made 45,000 recipients take seconds. */
static void
add_out(struct expansion *x, const char *addr)
{
	strlist_add(x->out, addr);
}

static void expand_name(struct expansion *x, const char *name, bool top);

/* The items of an :include: file: one or more addresses a line, '#'
 * comments.  Bounded like the aliases file.  -1 (errno) when it cannot
 * be read. */
static int
read_include(const char *path, struct strlist *items)
{
	struct buf b;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int saved;

	if (fd == -1)
		return -1;
	buf_init(&b);
	if (read_all_max(fd, ALIASES_MAX_SIZE, &b) == -1) {
		saved = errno;
		close(fd);
		buf_free(&b);
		errno = saved;
		return -1;
	}
	close(fd);
	for (char *line = b.data, *next; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line[strcspn(line, "#")] = '\0';
		split_list(line, items);
	}
	buf_free(&b);
	return 0;
}

static bool
in_chain(const struct expansion *x, const char *name)
{
	for (int i = 0; i < x->depth; i++)
		if (ascii_eq_ci(x->chain[i], name))
			return true;
	return false;
}

static void
expand_item(struct expansion *x, const char *owner, const char *item)
{
	const char *kind = target_kind(item);
	struct strlist items;

	if (kind != NULL) {
		refuse(x, owner, xasprintf("alias %s: %s is %s; postie only "
		    "hands mail to SMTP servers (deliver it on a machine that "
		    "runs a local MTA)", owner, item, kind));
		return;
	}
	if (!is_include(item)) {
		expand_name(x, item, false);
		return;
	}
	strlist_init(&items);
	if (in_chain(x, item))
		refuse(x, owner, xasprintf("alias %s: %s includes itself",
		    owner, item));
	else if (x->depth >= ALIASES_DEPTH_MAX)
		refuse(x, owner, xasprintf("alias %s: %s nested deeper than "
		    "%d levels", owner, item, ALIASES_DEPTH_MAX));
	else if (read_include(item + 9, &items) == -1)
		refuse(x, owner, xasprintf("alias %s: cannot read %s: %s",
		    owner, item + 9, strerror(errno)));
	else {
		x->chain[x->depth++] = item;
		for (size_t i = 0; i < items.n; i++)
			expand_item(x, owner, items.v[i]);
		x->depth--;
	}
	strlist_free(&items);
}


static void
expand_name(struct expansion *x, const char *name, bool top)
{
	const struct alias *al = NULL;

	if (x->a != NULL && strchr(name, '@') == NULL && !in_chain(x, name)) {
		al = aliases_find(x->a, name);
		if (al == NULL && top)
			al = aliases_find(x->a, "default");
	}
	if (al == NULL) {		/* an address, or the end of a loop */
		add_out(x, name);
		return;
	}
	if (x->depth >= ALIASES_DEPTH_MAX) {
		refuse(x, name, xasprintf("alias %s: aliases nested deeper "
		    "than %d levels", name, ALIASES_DEPTH_MAX));
		return;
	}
	x->chain[x->depth++] = name;
	for (size_t i = 0; i < al->addrs.n; i++)
		expand_item(x, al->name, al->addrs.v[i]);
	x->depth--;
}

void
aliases_expand(const struct aliases *a, const char *addr,
    struct strlist *out, struct alias_refusals *refused)
{
	struct expansion x = { .a = a, .out = out, .refused = refused,
	    .first = out->n };

	expand_name(&x, addr, true);
	strlist_dedup_ci_from(out, x.first);
}

void
alias_refusals_free(struct alias_refusals *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].reason);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

size_t
aliases_check(const struct aliases *a, struct buf *out)
{
	size_t bad = 0;

	for (size_t i = 0; a != NULL && i < a->n; i++) {
		struct alias_refusals r = { 0 };
		struct strlist sink;

		strlist_init(&sink);
		aliases_expand(a, a->v[i].name, &sink, &r);
		for (size_t j = 0; j < r.n; j++)
			if (ascii_eq_ci(r.v[j].name, a->v[i].name))
				buf_printf(out, "%s:%d: %s\n", a->path,
				    a->v[i].line, r.v[j].reason);
		for (size_t j = 0; j < r.n; j++)
			bad += ascii_eq_ci(r.v[j].name, a->v[i].name);
		alias_refusals_free(&r);
		strlist_free(&sink);
	}
	return bad;
}

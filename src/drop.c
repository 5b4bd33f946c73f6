/*
 * drop.c — hand an entry to the drop helper; open one the helper wrote
 * (see drop.h and sysmode.h).
 *
 * The user's end runs the helper by its compiled-in path with an empty
 * environment, so neither PATH nor LD_PRELOAD reach it (the kernel's
 * secure mode for a setgid program would drop the latter anyway).  The
 * helper's output (its entry's name, or one error line) comes back on
 * one pipe, read only after the entry is written: the helper prints only
 * once its input has ended, so neither side waits on the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drop.h"
#include "safefile.h"
#include "util.h"
#include "wire.h"

#define DROP_OUTPUT_MAX	512	/* the helper's name or error line */
#define DROP_HEADER_MAX	96	/* magic, uid and env lines */
#define DROP_CHUNK_MAX	65536	/* SYSMODE_CHUNK_MAX */

/* ---- the user's end ---- */

static pid_t
spawn_helper(int *to, int *from, struct err *e)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) == -1)
		return err_sys(e, EX_OSERR, "cannot run " SYSMODE_HELPER);
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(in[0]);
		close(in[1]);
		return err_sys(e, EX_OSERR, "cannot run " SYSMODE_HELPER);
	}
	if ((pid = fork()) == 0) {
		char *const argv[] = { "postie-drop", NULL };
		char *const envp[] = { NULL };

		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1 ||
		    dup2(out[1], 2) == -1)
			_exit(EX_OSERR);
		execve(SYSMODE_HELPER, argv, envp);
		dprintf(2, "cannot run %s: %s\n", SYSMODE_HELPER,
		    strerror(errno));
		_exit(EX_OSERR);
	}
	close(in[0]);
	close(out[1]);
	if (pid == -1) {
		close(in[1]);
		close(out[0]);
		return err_sys(e, EX_OSERR, "cannot run " SYSMODE_HELPER);
	}
	*to = in[1];
	*from = out[0];
	return pid;
}

/* The message in chunks ("N\n" and N bytes, "0\n" last): the helper
 * keeps an entry only when it has seen the last one, so a postie that
 * fails halfway never leaves half a message to be delivered. */
static int
feed_message(int fd, struct message *m, struct err *e)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = true };
	struct wire_reader *r;
	char chunk[DROP_CHUNK_MAX], head[32];
	ssize_t n;
	int rc = 0, hl;

	if (wire_reader_open(&r, m, &w, e) == -1)
		return -1;
	while (rc == 0 && (n = wire_reader_read(r, chunk, sizeof(chunk),
	    e)) != 0) {
		if (n < 0) {
			rc = -1;
			break;
		}
		hl = snprintf(head, sizeof(head), "%zd\n", n);
		if (write_all(fd, head, (size_t)hl) == -1 ||
		    write_all(fd, chunk, (size_t)n) == -1)
			rc = err_sys(e, EX_CANTCREAT, "writing to "
			    SYSMODE_HELPER);
	}
	wire_reader_close(r);
	if (rc == 0 && write_all(fd, "0\n", 2) == -1)
		rc = err_sys(e, EX_CANTCREAT, "writing to " SYSMODE_HELPER);
	return rc;
}

/* "env LEN", the state, the message; -1 with e when a write fails (the
 * helper's own words say more: see finish_helper). */
static int
feed_helper(int fd, const struct queue_env *q, struct message *m,
    struct err *e)
{
	struct buf b, env;
	int rc;

	buf_init(&env);
	queuefile_env_format(q, &env);
	buf_init(&b);
	buf_printf(&b, "env %zu\n", env.len);
	buf_add(&b, env.data, env.len);
	rc = write_all(fd, b.data, b.len);
	buf_free(&b);
	buf_free(&env);
	if (rc == -1)
		return err_sys(e, EX_CANTCREAT, "writing to " SYSMODE_HELPER);
	return feed_message(fd, m, e);
}

/* Wait for the helper; its output is the entry's name or its error. */
static int
finish_helper(pid_t pid, int from, int fed, char *name, struct err *e)
{
	char out[DROP_OUTPUT_MAX];
	size_t len = 0;
	ssize_t n;
	int status;

	while (len < sizeof(out) - 1 &&
	    ((n = read(from, out + len, sizeof(out) - 1 - len)) > 0 ||
	    (n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	out[len] = '\0';
	out[strcspn(out, "\n")] = '\0';
	close(from);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && fed == 0 &&
	    strlen(out) == SYSMODE_NAME_LEN &&
	    strspn(out, "0123456789abcdef") == SYSMODE_NAME_LEN) {
		memcpy(name, out, SYSMODE_NAME_LEN + 1);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return err_set(e, WEXITSTATUS(status), "the system queue did "
		    "not take the message: %s", out);
	if (fed == -1)
		return -1;		/* e says what failed first */
	return err_set(e, EX_OSERR, "the system queue did not take the "
	    "message: %s ended %s", SYSMODE_HELPER, WIFSIGNALED(status) ?
	    "by a signal" : "without naming the entry");
}

int
drop_send(struct queue_env *q, struct message *m, char *name,
    struct err *e)
{
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int to = -1, from = -1, fed;
	pid_t pid;

	snprintf(q->id, sizeof(q->id), "%08llX", (long long)time(NULL));
	q->created = (long long)time(NULL);
	if ((pid = spawn_helper(&to, &from, e)) == -1) {
		signal(SIGPIPE, old);
		return -1;
	}
	fed = feed_helper(to, q, m, e);
	close(to);
	signal(SIGPIPE, old);
	return finish_helper(pid, from, fed, name, e);
}

/* ---- the system account's end ---- */

/* One "key N" line of the header at *p (len bytes left); *p moves past
 * it.  -1 when it is not there or N is not a decimal number. */
static int
header_number(const char **p, size_t *len, const char *key,
    unsigned long long *n)
{
	size_t kl = strlen(key);
	const char *nl = memchr(*p, '\n', *len);
	char *end;

	if (nl == NULL || (size_t)(nl - *p) <= kl + 1 ||
	    strncmp(*p, key, kl) != 0 || (*p)[kl] != ' ' ||
	    (*p)[kl + 1] < '0' || (*p)[kl + 1] > '9')
		return -1;
	errno = 0;
	*n = strtoull(*p + kl + 1, &end, 10);
	if (errno != 0 || end != nl)
		return -1;
	*len -= (size_t)(nl + 1 - *p);
	*p = nl + 1;
	return 0;
}

long
drop_header_parse(const char *hdr, size_t len, uid_t owner,
    unsigned long long *envlen, struct err *e)
{
	const char *p = hdr;
	size_t ml = strlen(SYSMODE_DROP_MAGIC);
	unsigned long long uid;

	if (len > DROP_HEADER_MAX)
		len = DROP_HEADER_MAX;
	if (len <= ml || memcmp(hdr, SYSMODE_DROP_MAGIC, ml) != 0 ||
	    hdr[ml] != '\n')
		return err_set(e, EX_DATAERR, "not a drop entry (no \"%s\" "
		    "line)", SYSMODE_DROP_MAGIC);
	p += ml + 1;
	len -= ml + 1;
	if (header_number(&p, &len, "uid", &uid) == -1 ||
	    uid != (unsigned long long)owner)
		return err_set(e, EX_DATAERR, "its uid line does not name its "
		    "owner (uid %ju)", (uintmax_t)owner);
	if (header_number(&p, &len, "env", envlen) == -1 ||
	    *envlen > SYSMODE_ENV_MAX)
		return err_set(e, EX_DATAERR, "no valid \"env\" line");
	return (long)(p - hdr);
}

/* The three header lines, read from the file. */
static long
read_header(int fd, const struct stat *sb, unsigned long long *envlen,
    struct err *e)
{
	char hdr[DROP_HEADER_MAX];
	ssize_t n = pread(fd, hdr, sizeof(hdr), 0);

	if (n < 0)
		return err_sys(e, EX_IOERR, "cannot read it");
	return drop_header_parse(hdr, (size_t)n, sb->st_uid, envlen, e);
}

/* What the file itself must be, before a byte of it is read. */
static int
check_file(const struct stat *sb, gid_t gid, struct err *e)
{
	if (sb->st_gid != gid)
		return err_set(e, EX_DATAERR, "its group is gid %ju, not the "
		    "drop directory's (%ju)", (uintmax_t)sb->st_gid,
		    (uintmax_t)gid);
	if ((sb->st_mode & 07777) != SYSMODE_ENTRY_MODE)
		return err_set(e, EX_DATAERR, "mode %04o, not %04o",
		    (unsigned)(sb->st_mode & 07777), SYSMODE_ENTRY_MODE);
	if (sb->st_size > SYSMODE_DROP_MAX + DROP_HEADER_MAX)
		return err_set(e, EX_DATAERR, "larger than an entry can be");
	return 0;
}

int
drop_state_parse(const char *buf, size_t len, struct queue_env *q,
    struct err *e)
{
	if (queuefile_env_parse(q, buf, len, e) == -1)
		return err_prefix(e, "its envelope");
	for (size_t i = 0; i < q->nrcpts; i++)
		if (q->rcpts[i].state != QR_PENDING) {
			queuefile_env_free(q);
			return err_set(e, EX_DATAERR, "a recipient is not "
			    "pending");
		}
	free(q->account);
	free(q->config);
	q->account = q->config = NULL;
	return 0;
}

/* The state, read from the file. */
static int
read_state(int fd, off_t off, size_t len, struct queue_env *q,
    struct err *e)
{
	char *buf = xmalloc(len + 1);
	ssize_t n = pread(fd, buf, len, off);
	int rc;

	if (n != (ssize_t)len) {
		free(buf);
		return err_set(e, EX_DATAERR, "shorter than its \"env\" line "
		    "says");
	}
	rc = drop_state_parse(buf, len, q, e);
	free(buf);
	return rc;
}

int
drop_open(const char *dir, const char *name, gid_t gid,
    struct queue_env *q, uid_t *uid, int *fdp, struct err *e)
{
	char *path = xasprintf("%s/%s", dir, name);
	unsigned long long envlen;
	struct stat sb;
	long hl;
	int fd, rc = safefile_open(path, O_RDONLY, SAFEFILE_ANY_OWNER, &sb,
	    &fd, e);

	free(path);
	if (rc != 0)
		return rc;
	if (check_file(&sb, gid, e) == -1 ||
	    (hl = read_header(fd, &sb, &envlen, e)) == -1 ||
	    read_state(fd, (off_t)hl, (size_t)envlen, q, e) == -1)
		goto bad;
	if (lseek(fd, (off_t)hl + (off_t)envlen, SEEK_SET) == -1) {
		queuefile_env_free(q);
		err_sys(e, EX_IOERR, "cannot seek");
		goto bad;
	}
	/* Only the fd: the checks are about this file, not the name. */
	*uid = sb.st_uid;
	*fdp = fd;
	return 0;
bad:
	close(fd);
	return -1;
}

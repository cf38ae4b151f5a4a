/* lock.c - the run lock (lock.h).  The holder writes "PID SINCE WHAT" into the lock file so that
 * `mailer status` and the next run can say who holds it. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

struct nl_lock {
	int fd;       /* the lock file */
	int state_fd; /* the state's own file, or -1 when it did not exist yet */
};

/* `path` with its last component's symlinks followed (at most 40, as the kernel does), even when the
 * final target does not exist yet; then realpath(3) of what exists. */
static char *lock_resolve(const char *path)
{
	char *p = nl_xstrdup(path);
	for (int hops = 0; hops < 40; hops++) {
		char target[PATH_MAX];
		ssize_t n = readlink(p, target, sizeof target - 1);
		if (n < 0)
			break;
		target[n] = '\0';
		char *next;
		const char *slash = strrchr(p, '/');
		if (target[0] == '/' || !slash)
			next = nl_xstrdup(target);
		else
			next = nl_xasprintf("%.*s/%s", (int)(slash - p), p, target);
		free(p);
		p = next;
	}
	char *real = realpath(p, NULL);
	if (!real) { /* not created yet: its directory's real path, then its name */
		const char *slash = strrchr(p, '/');
		char *dir = !slash ? nl_xstrdup(".") : slash == p ? nl_xstrdup("/") : nl_xasprintf("%.*s", (int)(slash - p), p);
		const char *name = slash ? slash + 1 : p;
		char *rdir = realpath(dir, NULL);
		if (rdir)
			real = strcmp(rdir, "/") == 0 ? nl_xasprintf("/%s", name) : nl_xasprintf("%s/%s", rdir, name);
		free(rdir);
		free(dir);
	}
	if (real) {
		free(p);
		return real;
	}
	return p;
}

char *nl_lock_path(const char *state_path)
{
	char *real = lock_resolve(state_path);
	char *lock = nl_xasprintf("%s.lock", real);
	free(real);
	return lock;
}

static void lock_read_holder(int fd, struct nl_lock_holder *h)
{
	memset(h, 0, sizeof *h);
	char buf[128] = {0};
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return;
	long pid = 0;
	long long since = 0;
	char what[sizeof h->what] = "";
	if (sscanf(buf, "%ld %lld %31s", &pid, &since, what) >= 1) {
		h->pid = (pid_t)pid;
		h->since = (time_t)since;
		snprintf(h->what, sizeof h->what, "%s", what);
	}
}

/* Opens the lock file without following a symlink; refuses anything but a regular file. */
static int lock_open(const char *path, struct nl_error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int e = errno;
		nl_fail(err, NL_ERR_IO, "%s: %s%s", path, strerror(e),
		        e == ELOOP ? " (the lock is a symlink: refused)" : "");
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		nl_fail(err, NL_ERR_IO, "%s: the lock is not a regular file: refused", path);
		return -1;
	}
	return fd;
}

static enum nl_code lock_flock(int fd, const char *path, struct nl_error *err)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return NL_OK;
	if (errno == EWOULDBLOCK)
		return nl_fail(err, NL_ERR_LOCKED, "%s: another mailer run holds the lock", path);
	return nl_fail(err, NL_ERR_IO, "%s: %s", path, strerror(errno));
}

enum nl_code nl_lock_state(const char *state_path, const char *what, struct nl_lock **out,
                           struct nl_lock_holder *holder, struct nl_error *err)
{
	*out = NULL;
	if (holder)
		memset(holder, 0, sizeof *holder);
	char *path = nl_lock_path(state_path);
	int fd = lock_open(path, err);
	if (fd < 0) {
		free(path);
		return NL_ERR_IO;
	}
	enum nl_code rc = lock_flock(fd, path, err);
	int state_fd = -1;
	if (rc == NL_OK) {
		/* a hard link is another path to the same inode: lock the state's file as well */
		char *real = lock_resolve(state_path);
		state_fd = open(real, O_RDONLY | O_CLOEXEC);
		if (state_fd >= 0 && (rc = lock_flock(state_fd, state_path, err)) != NL_OK) {
			close(state_fd);
			state_fd = -1;
		}
		free(real);
	}
	if (rc != NL_OK) {
		if (rc == NL_ERR_LOCKED && holder)
			lock_read_holder(fd, holder);
		close(fd);
		free(path);
		return rc;
	}
	char rec[96];
	int n = snprintf(rec, sizeof rec, "%ld %lld %.31s\n", (long)getpid(), (long long)time(NULL),
	                 what && *what ? what : "-");
	if (ftruncate(fd, 0) == 0 && pwrite(fd, rec, (size_t)n, 0) != n) {
		/* the record is only informative; the flock is the lock */
	}
	free(path);
	struct nl_lock *lock = nl_xmalloc(sizeof *lock);
	lock->fd = fd;
	lock->state_fd = state_fd;
	*out = lock;
	return NL_OK;
}

void nl_lock_release(struct nl_lock *lock)
{
	if (!lock)
		return;
	if (lock->state_fd >= 0)
		close(lock->state_fd);
	close(lock->fd); /* closing the descriptors releases the flocks */
	free(lock);
}

bool nl_lock_state_held(const char *state_path, struct nl_lock_holder *holder)
{
	memset(holder, 0, sizeof *holder);
	char *path = nl_lock_path(state_path);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return false;
	bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	if (held)
		lock_read_holder(fd, holder);
	else
		flock(fd, LOCK_UN);
	close(fd);
	return held;
}

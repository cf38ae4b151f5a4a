/* lock.c - the run lock (flock on a file beside the state).  The holder writes its pid into the
 * file so `mailer status` can say who holds it. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"

struct nl_lock {
	int fd;
};

enum nl_code nl_lock_try(const char *path, struct nl_lock **out, struct nl_error *err)
{
	*out = NULL;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return nl_fail(err, NL_ERR_IO, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return nl_fail(err, NL_ERR_LOCKED, "%s: another mailer run holds the lock", path);
		return nl_fail(err, NL_ERR_IO, "%s: %s", path, strerror(e));
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n) {
		/* the pid is only informative; the flock is the lock */
	}
	struct nl_lock *lock = nl_xmalloc(sizeof *lock);
	lock->fd = fd;
	*out = lock;
	return NL_OK;
}

void nl_lock_release(struct nl_lock *lock)
{
	if (!lock)
		return;
	close(lock->fd); /* closing the descriptor releases the flock */
	free(lock);
}

bool nl_lock_held(const char *path, pid_t *pid)
{
	*pid = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	if (!held) {
		flock(fd, LOCK_UN);
	} else {
		char buf[32] = {0};
		if (read(fd, buf, sizeof buf - 1) > 0)
			*pid = (pid_t)strtol(buf, NULL, 10);
	}
	close(fd);
	return held;
}

/* lock.h - the run lock: an flock(2) on a file beside the state, so two runs never overlap.
 *
 * The kernel drops the lock when the process dies, so a crashed run never leaves a stale lock.
 */
#ifndef NL_LOCK_H
#define NL_LOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct nl_lock;

/* Tries to take the lock at `path` (created if missing) without waiting.  On success *out is the
 * held lock (release with nl_lock_release).  NL_ERR_LOCKED if another process holds it (*out NULL),
 * NL_ERR_IO if the file cannot be opened. */
enum nl_code nl_lock_try(const char *path, struct nl_lock **out, struct nl_error *err);
/* Releases and frees the lock; NULL accepted. */
void nl_lock_release(struct nl_lock *lock);
/* True if some process holds the lock at `path` now; *pid gets its pid when the file records it. */
bool nl_lock_held(const char *path, pid_t *pid);

#endif

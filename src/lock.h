/* lock.h - the run lock: an flock(2) that belongs to the state, so two runs never overlap.
 *
 * The lock is STATE.lock beside the state's real file (symlinks resolved), so every path to one
 * state (a symlink, "./state.db", "../dir/state.db") shares one lock; when the state exists its
 * own file is flocked too, so a hard link to it shares the lock as well.  (SQLite locks with
 * fcntl(2), which does not interact with flock(2) on Linux.)  The kernel drops both when the
 * process dies, so a crashed run never leaves a stale lock; a hung one holds it, and the lock file
 * records who holds it and since when, so the next run can say so.
 */
#ifndef NL_LOCK_H
#define NL_LOCK_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"

struct nl_lock;

/* Who holds a lock, as its file records it. */
struct nl_lock_holder {
	pid_t pid;     /* 0 when the file does not say */
	time_t since;  /* when it was taken; 0 when the file does not say */
	char what[32]; /* the command that took it ("run", "send", "collect"), or "" */
};

/* The lock file for the state at `state_path` (the caller frees it). */
char *nl_lock_path(const char *state_path);

/* Tries to take the lock of the state at `state_path` without waiting, for the command `what`.
 * On success *out is the held lock (release with nl_lock_release).  NL_ERR_LOCKED if another
 * process holds it (*out NULL; *holder, when not NULL, says who), NL_ERR_IO if the lock file cannot
 * be opened or is not a regular file (a planted symlink is refused, never followed). */
NL_MUST_USE enum nl_code nl_lock_state(const char *state_path, const char *what, struct nl_lock **out,
                           struct nl_lock_holder *holder, struct nl_error *err);
/* Releases and frees the lock; NULL accepted. */
void nl_lock_release(struct nl_lock *lock);
/* True if some process holds the lock of the state at `state_path` now; *holder says who. */
bool nl_lock_state_held(const char *state_path, struct nl_lock_holder *holder);

#endif

/* ratelimit.h - a token bucket that keeps a sender under a provider's cap ("30/m").
 *
 * The bucket holds at most `burst` tokens and gains `rate` tokens per second; sending a message
 * takes one.  With burst 1 no window of 1/rate seconds ever sees two messages, so no window of any
 * length ever sees more than rate × length of them: the limit holds even at the start of a run.
 * Time is a monotonic clock in seconds, passed in, so tests need no sleeping.
 */
#ifndef NL_RATELIMIT_H
#define NL_RATELIMIT_H

#include <stdbool.h>

struct nl_ratelimit {
	double rate;   /* tokens per second; 0 = unlimited */
	double burst;  /* bucket size, at least 1 */
	double tokens; /* tokens in the bucket at `stamp` */
	double stamp;  /* monotonic seconds of the last refill */
};

/* Sets up a full bucket at time `now` for `rate` messages per second (0 = no limit) and a bucket of
 * `burst` tokens (values below 1 mean 1). */
void nl_ratelimit_init(struct nl_ratelimit *rl, double rate, double burst, double now);
/* Takes one token if there is one at time `now` and returns true; false means not yet. */
bool nl_ratelimit_take(struct nl_ratelimit *rl, double now);
/* Seconds from `now` until a token will be there (0 if one is there now). */
double nl_ratelimit_wait(const struct nl_ratelimit *rl, double now);
/* A monotonic clock in seconds (CLOCK_MONOTONIC), for callers of the functions above. */
double nl_monotonic(void);

#endif

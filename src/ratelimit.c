/* ratelimit.c - a token bucket for the sending rate (see ratelimit.h).
 *
 * The bucket is refilled lazily from the elapsed monotonic time whenever it is asked; it never
 * holds more than `burst` tokens, so an idle period cannot be saved up into a burst.
 */
#include "ratelimit.h"

#include <time.h>

void nl_ratelimit_init(struct nl_ratelimit *rl, double rate, double burst, double now)
{
	rl->rate = rate > 0 ? rate : 0;
	rl->burst = burst >= 1 ? burst : 1;
	rl->tokens = rl->burst;
	rl->stamp = now;
}

static void ratelimit_refill(struct nl_ratelimit *rl, double now)
{
	if (now <= rl->stamp)
		return; /* a clock that did not move (or a caller's stale value) adds nothing */
	rl->tokens += (now - rl->stamp) * rl->rate;
	if (rl->tokens > rl->burst)
		rl->tokens = rl->burst;
	rl->stamp = now;
}

bool nl_ratelimit_take(struct nl_ratelimit *rl, double now)
{
	if (rl->rate <= 0)
		return true;
	ratelimit_refill(rl, now);
	/* A tiny epsilon absorbs floating-point residue (20 × 0.05 s is not exactly 1 token). */
	if (rl->tokens < 1.0 - 1e-9)
		return false;
	rl->tokens -= 1.0;
	return true;
}

double nl_ratelimit_wait(const struct nl_ratelimit *rl, double now)
{
	if (rl->rate <= 0)
		return 0;
	double tokens = rl->tokens;
	if (now > rl->stamp)
		tokens += (now - rl->stamp) * rl->rate;
	if (tokens >= 1.0 - 1e-9)
		return 0;
	return (1.0 - tokens) / rl->rate;
}

double nl_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* state_faults_helper.c - drives the state database (store.h) for tests/e2e/state_faults_test.sh,
 * as the sender does: deliveries written `sending` then `sent`, several per transaction.
 *
 *	state_faults_helper open DB                 open (create/migrate) and close
 *	state_faults_helper write DB FROM N [BATCH] deliveries d<FROM>..d<FROM+N-1>@example.test, each
 *	                                            started and finished `sent`, BATCH per transaction
 *	state_faults_helper kill-mid DB FROM N      begin, write N deliveries, then SIGKILL itself before
 *	                                            the commit (a run killed mid-transaction)
 *	state_faults_helper kill-after DB FROM N    write N in one committed transaction, then SIGKILL
 *	                                            itself before closing (the WAL is not checkpointed)
 *	state_faults_helper count DB                prints "sending=… sent=… total=…" for campaign c1
 *
 * Prints "rc=NAME detail" on failure and exits with the nl_code (0 = NL_OK).  Uses only the public
 * store API, so what it sees is what `mailer` sees.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static int helper_fail(enum nl_code rc, const struct nl_error *err)
{
	printf("rc=%d %s: %s\n", (int)rc, nl_strerror(rc), err->detail);
	fflush(stdout);
	return (int)rc;
}

static enum nl_code helper_one(struct nl_store *s, long i, struct nl_error *err)
{
	char email[64], token[NL_TOKEN_LEN + 1];
	snprintf(email, sizeof email, "d%ld@example.test", i);
	unsigned long v = (unsigned long)i;
	for (int k = 0; k < NL_TOKEN_LEN; k++, v /= 32) /* distinct, token-shaped */
		token[k] = "abcdefghijklmnopqrstuvwxyz234567"[v % 32];
	token[NL_TOKEN_LEN] = '\0';
	enum nl_code rc = nl_store_delivery_start(s, "c1", email, "D", token, err);
	if (rc == NL_OK)
		rc = nl_store_delivery_finish(s, "c1", email, NL_DELIVERY_SENT, "250 2.0.0 queued as X", 0, err);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: state_faults_helper open|write|kill-mid|kill-after|count DB [FROM N [BATCH]]\n");
		return 64;
	}
	const char *cmd = argv[1], *db = argv[2];
	long from = argc > 3 ? atol(argv[3]) : 0, n = argc > 4 ? atol(argv[4]) : 0;
	long batch = argc > 5 ? atol(argv[5]) : 50;
	struct nl_error err = {0};
	struct nl_store *s = NULL;
	enum nl_code rc = nl_store_open(db, &s, &err);
	if (rc != NL_OK)
		return helper_fail(rc, &err);
	if (strcmp(cmd, "open") != 0 && strcmp(cmd, "count") != 0) {
		rc = nl_store_campaign_ensure(s, "c1", "Subject", "articles/c1.md", "---\n", 1, &err);
		if (rc != NL_OK)
			goto out;
	}
	if (strcmp(cmd, "write") == 0) {
		for (long i = from; i < from + n && rc == NL_OK;) {
			if ((rc = nl_store_begin(s, &err)) != NL_OK)
				break;
			for (long k = 0; k < batch && i < from + n && rc == NL_OK; k++, i++)
				rc = helper_one(s, i, &err);
			if (rc == NL_OK)
				rc = nl_store_commit(s, &err);
			else
				nl_store_rollback(s);
		}
	} else if (strcmp(cmd, "kill-mid") == 0 || strcmp(cmd, "kill-after") == 0) {
		bool commit = strcmp(cmd, "kill-after") == 0;
		if ((rc = nl_store_begin(s, &err)) != NL_OK)
			goto out;
		for (long i = from; i < from + n && rc == NL_OK; i++)
			rc = helper_one(s, i, &err);
		if (rc == NL_OK && commit)
			rc = nl_store_commit(s, &err);
		if (rc == NL_OK) {
			fflush(stdout);
			raise(SIGKILL);
		}
	} else if (strcmp(cmd, "count") == 0) {
		long counts[NL_DELIVERY_STATES];
		rc = nl_store_delivery_counts(s, "c1", counts, &err);
		if (rc == NL_OK) {
			long total = 0;
			for (int i = 1; i < NL_DELIVERY_STATES; i++)
				total += counts[i];
			printf("sending=%ld sent=%ld total=%ld\n", counts[NL_DELIVERY_SENDING], counts[NL_DELIVERY_SENT], total);
		}
	} else if (strcmp(cmd, "open") != 0) {
		fprintf(stderr, "state_faults_helper: unknown command %s\n", cmd);
		nl_store_close(s);
		return 64;
	}
out:
	nl_store_close(s);
	return rc == NL_OK ? 0 : helper_fail(rc, &err);
}

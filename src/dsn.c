/* dsn.c - delivery reports and complaints: who bounced, why, and whether it is the address's fault.
 *
 * RFC 3464 (DSN fields), RFC 3463 (enhanced status codes), RFC 6522 (multipart/report), RFC 6533
 * (global DSN), RFC 5965 (ARF).  Real reports deviate (doc/RELIABILITY.md §2.2), and all of these are
 * accepted: no blank line between the per-message and per-recipient groups, several blank lines,
 * lower-case field names, "rfc822;addr" without a space, "Status: 5.0.0 (comment)", a missing
 * Action (inferred from the status class).  Bounces without a delivery-status part (qmail, Exim,
 * Sendmail, Postfix, Exchange, Domino, Gmail, Apache James, …) are recognised by their sender,
 * subject or wording (mail from a daemon address such as post_master@ is a bounce only with a bounce
 * subject, a bounce sentence or a quoted SMTP refusal, so a postmaster's own reply stays a reply), and
 * their recipients are the addresses named in the human-readable part before the returned message,
 * less our own, the daemon's and those on sender lines ("MAIL FROM:", "From:").
 *
 * The recipient is the address WE sent to, since collect maps a bounce without a token to a delivery
 * by it: the Original-Recipient when present, else the Final-Recipient unless it is an alias's
 * expansion whose local part matches exactly one address of the returned original's To/Cc.
 *
 * The reason comes from the diagnostic wording first (a "5.1.1" that says "mailbox full" is a full
 * mailbox) and from the status code second.  Hard = the address is dead (user or host unknown,
 * moved), which suppresses it at once; policy = about us (5.7.x, blocklists, reputation, rate
 * limits, authentication), which never counts against the recipient.
 *
 * Everything is bounded: only the first DSN_SCAN_MAX bytes of a body are scanned.
 */
#include "dsn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

#define DSN_SCAN_MAX (256 * 1024)
#define DSN_MAX_RECIPIENTS 100
#define DSN_CONTEXT_LINES 6

/* ---- text helpers ---- */

static char dsn_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive search of an ASCII needle; NULL if absent. */
static const char *dsn_find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0 || len < n)
		return NULL;
	char first = dsn_lower(needle[0]);
	for (size_t i = 0; i + n <= len; i++) {
		if (dsn_lower(hay[i]) != first)
			continue;
		if (nl_ascii_ncasecmp(hay + i, needle, n) == 0)
			return hay + i;
	}
	return NULL;
}

static bool dsn_has(const char *hay, size_t len, const char *needle)
{
	return dsn_find(hay, len, needle) != NULL;
}

static bool dsn_is_local_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+/=?^_`{|}~.-", c));
}

static bool dsn_is_domain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-';
}

/* The addr-spec around the '@' at s[at], lower-cased, or NULL. */
static char *dsn_addr_at(const char *s, size_t len, size_t at)
{
	size_t b = at, e = at + 1;
	while (b > 0 && at - b < 64 && dsn_is_local_char(s[b - 1]))
		b--;
	while (e < len && e - at < 255 && dsn_is_domain_char(s[e]))
		e++;
	while (b < at && (s[b] == '.' || s[b] == '\'' || s[b] == '=' || s[b] == '/'))
		b++;
	while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-'))
		e--;
	if (b == at || e <= at + 1)
		return NULL;
	if (!memchr(s + at + 1, '.', e - at - 1))
		return NULL;
	char *a = nl_xstrndup(s + b, e - b);
	return nl_ascii_lower(a);
}

/* The first addr-spec in s, or NULL. */
static char *dsn_first_addr(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '@')
			continue;
		char *a = dsn_addr_at(s, len, i);
		if (a)
			return a;
	}
	return NULL;
}

static bool dsn_daemon_local(const char *addr)
{
	static const char *const daemons[] = {
	    "mailer-daemon@", "postmaster@",  "post_master@",  "post-master@",
	    "mailer_daemon@", "mail-daemon@", "mailerdaemon@", "maildaemon@",
	    "mail.daemon@",   "mdaemon@",     "bounce@",       "bounces@",
	    "noreply@",       "no-reply@",    "daemon@",       NULL};
	for (size_t i = 0; daemons[i]; i++)
		if (nl_ascii_ncasecmp(addr, daemons[i], strlen(daemons[i])) == 0)
			return true;
	return false;
}

/* Finds an RFC 3463 status "c.s.d" (c in 2,4,5) in s; writes it into out[16]. */
static bool dsn_find_status(const char *s, size_t len, char out[16])
{
	for (size_t i = 0; i + 4 < len; i++) {
		char c = s[i];
		if (c != '2' && c != '4' && c != '5')
			continue;
		if (i > 0 && (s[i - 1] == '.' || (s[i - 1] >= '0' && s[i - 1] <= '9')))
			continue;
		if (s[i + 1] != '.')
			continue;
		size_t j = i + 2, d1 = 0, d2 = 0;
		while (j < len && s[j] >= '0' && s[j] <= '9' && d1 < 3) {
			j++;
			d1++;
		}
		if (d1 == 0 || j >= len || s[j] != '.')
			continue;
		j++;
		while (j < len && s[j] >= '0' && s[j] <= '9' && d2 < 3) {
			j++;
			d2++;
		}
		if (d2 == 0 ||
		    (j < len && ((s[j] >= '0' && s[j] <= '9') ||
		                 (s[j] == '.' && j + 1 < len && s[j + 1] >= '0' && s[j + 1] <= '9'))))
			continue;
		size_t n = j - i;
		if (n >= 16)
			continue;
		memcpy(out, s + i, n);
		out[n] = 0;
		return true;
	}
	return false;
}

/* An SMTP reply code (4xx/5xx) at a word boundary; 0 if none. */
static int dsn_find_smtp_code(const char *s, size_t len)
{
	for (size_t i = 0; i + 3 <= len; i++) {
		if ((s[i] != '4' && s[i] != '5') ||
		    (i > 0 && ((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.' || s[i - 1] == '#')))
			continue;
		if (s[i + 1] < '0' || s[i + 1] > '5' || s[i + 2] < '0' || s[i + 2] > '9')
			continue;
		if (i + 3 < len && ((s[i + 3] >= '0' && s[i + 3] <= '9') || s[i + 3] == '.'))
			continue;
		return (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	}
	return 0;
}

/* ---- reasons ---- */

struct dsn_rule {
	const char *text; /* lower-case substring of the diagnostic */
	const char *reason;
};

/* Order matters: the first match wins, so the more specific wording comes first. */
static const struct dsn_rule dsn_rules[] = {
    /* full mailboxes, sometimes reported with 5.1.1 */
    {"mailbox full", "mailboxfull"},
    {"mailbox is full", "mailboxfull"},
    {"mailbox has exceeded", "mailboxfull"},
    {"over quota", "mailboxfull"},
    {"overquota", "mailboxfull"},
    {"quota exceeded", "mailboxfull"},
    {"exceeded storage", "mailboxfull"},
    {"insufficient storage", "mailboxfull"},
    {"disk quota", "mailboxfull"},
    {"mailbox size", "mailboxfull"},
    {"exceeds quota", "mailboxfull"},
    {"quota", "mailboxfull"},
    {"mailbox exceeded", "mailboxfull"},
    {"storage space", "mailboxfull"},
    {"is full", "mailboxfull"},
    /* the message itself */
    {"message too large", "toobig"},
    {"message is too large", "toobig"},
    {"too big", "toobig"},
    {"size limit", "toobig"},
    {"message size exceeds", "toobig"},
    {"exceeds the maximum", "toobig"},
    {"message length exceeds", "toobig"},
    {"exceeded the max", "toobig"},
    /* about us: policy, reputation, authentication, our own name or address */
    {"access denied", "policy"},
    {"my name was rejected", "policy"},
    {"sender was rejected", "policy"},
    {"domain of sender", "policy"},
    {"sender address", "policy"},
    {"sender domain", "policy"},
    {"spamhaus", "policy"},
    {"blacklist", "policy"},
    {"blocklist", "policy"},
    {"block list", "policy"},
    {"black list", "policy"},
    {"blocked", "policy"},
    {"rbl", "policy"},
    {"reputation", "policy"},
    {"spam", "policy"},
    {"junk", "policy"},
    {"unsolicited", "policy"},
    {"not permitted", "policy"},
    {"relaying denied", "policy"},
    {"relay access denied", "policy"},
    {"relay not permitted", "policy"},
    {"not allowed to relay", "policy"},
    {"unable to relay", "policy"},
    {"relay denied", "policy"},
    {"reverse dns", "policy"},
    {"reverse lookup", "policy"},
    {"ptr record", "policy"},
    {"rdns", "policy"},
    {"spf", "policy"},
    {"dkim", "policy"},
    {"dmarc", "policy"},
    {"authentication", "policy"},
    {"too many connections", "policy"},
    {"rate limit", "policy"},
    {"ratelimit", "policy"},
    {"too many messages", "policy"},
    {"sender address rejected", "policy"},
    {"sender rejected", "policy"},
    {"policy", "policy"},
    {"security", "policy"},
    {"virus", "policy"},
    {"not accepted", "policy"},
    {"send mail as", "policy"},
    {"administrative prohibition", "policy"},
    {"content rejected", "policy"},
    {"filtered", "filtered"},
    {"rejected by the recipient", "filtered"},
    /* a broken DNS answer is not a missing domain */
    {"malformed or unexpected name server reply", "network"},
    {"server failure", "network"},
    /* the address is dead */
    {"has moved", "hasmoved"},
    {"moved permanently", "hasmoved"},
    {"address has changed", "hasmoved"},
    {"host not found", "hostunknown"},
    {"host unknown", "hostunknown"},
    {"unknown host", "hostunknown"},
    {"domain not found", "hostunknown"},
    {"no such domain", "hostunknown"},
    {"domain does not exist", "hostunknown"},
    {"name service error", "hostunknown"},
    {"host or domain name not found", "hostunknown"},
    {"unrouteable address", "hostunknown"},
    {"unroutable address", "hostunknown"},
    {"nxdomain", "hostunknown"},
    {"no mx", "hostunknown"},
    {"null mx", "hostunknown"},
    {"domain name not found", "hostunknown"},
    {"illegal host", "hostunknown"},
    {"unknown domain", "hostunknown"},
    {"user unknown", "userunknown"},
    {"unknown user", "userunknown"},
    {"no such user", "userunknown"},
    {"user not found", "userunknown"},
    {"unknown recipient", "userunknown"},
    {"recipient unknown", "userunknown"},
    {"no such recipient", "userunknown"},
    {"invalid recipient", "userunknown"},
    {"recipient not found", "userunknown"},
    {"mailbox not found", "userunknown"},
    {"no such mailbox", "userunknown"},
    {"mailbox unavailable", "userunknown"},
    {"does not exist", "userunknown"},
    {"doesn't exist", "userunknown"},
    {"not listed in", "userunknown"},
    {"no mailbox", "userunknown"},
    {"unknown address", "userunknown"},
    {"not a valid mailbox", "userunknown"},
    {"invalid mailbox", "userunknown"},
    {"account does not exist", "userunknown"},
    {"addressee unknown", "userunknown"},
    {"user is unknown", "userunknown"},
    {"bad destination mailbox", "userunknown"},
    {"no account", "userunknown"},
    {"user doesn't have", "userunknown"},
    {"invalid address", "userunknown"},
    {"address unknown", "userunknown"},
    {"user invalid", "userunknown"},
    {"unknown local part", "userunknown"},
    {"not found", "userunknown"},
    {"unknown or illegal alias", "userunknown"},
    {"recipient address rejected", "userunknown"},
    {"no valid recipients", "userunknown"},
    {"is not a valid", "userunknown"},
    /* the account exists but does not take mail */
    {"suspended", "suspend"},
    {"disabled", "suspend"},
    {"inactive", "suspend"},
    {"deactivated", "suspend"},
    {"not active", "suspend"},
    {"locked", "suspend"},
    {"expired account", "suspend"},
    /* transient trouble */
    {"retry timeout exceeded", "expired"},
    {"expired", "expired"},
    {"could not be delivered within", "expired"},
    {"too long", "expired"},
    {"timed out", "network"},
    {"connection refused", "network"},
    {"network", "network"},
    {"no route", "network"},
    {"host name lookup failure", "network"},
    {"temporar", "vague"},
    {"try again", "vague"},
    {NULL, NULL},
};

static const char *dsn_reason_from_status(const char *st)
{
	if (!st[0] || st[1] != '.')
		return "other";
	const char *sub = st + 2;
	if (strncmp(sub, "1.1", 3) == 0 && (sub[3] == 0))
		return "userunknown";
	if (strncmp(sub, "1.0", 3) == 0 && (sub[3] == 0))
		return "userunknown";
	if (strncmp(sub, "1.2", 3) == 0 && sub[3] == 0)
		return "hostunknown";
	if (strncmp(sub, "1.10", 4) == 0 && sub[4] == 0)
		return "hostunknown";
	if (strncmp(sub, "1.6", 3) == 0 && sub[3] == 0)
		return "hasmoved";
	if (strncmp(sub, "4.4", 3) == 0 && st[0] == '5')
		return "hostunknown";
	if (strncmp(sub, "2.2", 3) == 0 && sub[3] == 0)
		return "mailboxfull";
	if (strncmp(sub, "2.1", 3) == 0 && sub[3] == 0)
		return "suspend";
	if (strncmp(sub, "3.4", 3) == 0 && sub[3] == 0)
		return "toobig";
	if (strncmp(sub, "2.3", 3) == 0 && sub[3] == 0)
		return "toobig";
	if (sub[0] == '7' || strncmp(sub, "1.7", 3) == 0 || strncmp(sub, "1.8", 3) == 0)
		return "policy"; /* x.7.x security/policy, x.1.7/x.1.8 our sender address */
	if (sub[0] == '4')
		return "network";
	return "other";
}

/* A copy of the text with every addr-spec blanked out, so "filtered@example.jp" or
 * "userunknown@example.jp" says nothing about the reason. */
static char *dsn_blank_addresses(const char *text, size_t len)
{
	char *c = nl_xstrndup(text, len);
	for (size_t i = 0; i < len; i++) {
		if (c[i] != '@')
			continue;
		size_t b = i, e = i + 1;
		while (b > 0 && i - b < 64 && dsn_is_local_char(c[b - 1]))
			b--;
		while (e < len && e - i < 255 && dsn_is_domain_char(c[e]))
			e++;
		memset(c + b, ' ', e - b);
		i = e > i ? e - 1 : i;
	}
	return c;
}

/* The reason the wording gives, or NULL ("vague" for words that only say "later"). */
static const char *dsn_text_reason(const char *text, size_t len)
{
	if (!text || !len)
		return NULL;
	if (len > DSN_SCAN_MAX)
		len = DSN_SCAN_MAX;
	const char *reason = NULL;
	char *clean = dsn_blank_addresses(text, len);
	/* one lower-cased copy, then the C library's fast substring search per rule */
	for (size_t i = 0; i < len; i++)
		clean[i] = clean[i] == 0 ? ' ' : dsn_lower(clean[i]);
	for (size_t i = 0; dsn_rules[i].text && !reason; i++)
		if (strstr(clean, dsn_rules[i].text))
			reason = dsn_rules[i].reason;
	free(clean);
	return reason;
}

/* Sets reason, policy and hard from a reason name (NULL: from the status code alone). */
static void dsn_settle(struct nl_bounce *b, const char *reason)
{
	const char *by_status = dsn_reason_from_status(b->status);
	if (!reason)
		reason = by_status;
	else if (strcmp(reason, "vague") == 0)
		reason = strcmp(by_status, "other") != 0 ? by_status : "network";
	if (b->status[0] == '5' && b->status[2] == '7' && strcmp(reason, "mailboxfull") != 0)
		reason = "policy"; /* 5.7.x is about the sender (doc/RELIABILITY.md §2.2) */
	b->reason = reason;
	b->policy = strcmp(reason, "policy") == 0;
	bool permanent = b->status[0] == '5' || (!b->status[0] && b->action == NL_DSN_FAILED);
	b->hard = permanent && b->action == NL_DSN_FAILED &&
	          (strcmp(reason, "userunknown") == 0 || strcmp(reason, "hostunknown") == 0 ||
	           strcmp(reason, "hasmoved") == 0);
}

void nl_dsn_classify(struct nl_bounce *b, const char *text, size_t len)
{
	dsn_settle(b, dsn_text_reason(text, len));
}

/* Was this recipient refused in reply to DATA?  Then the address had been accepted at RCPT and the
 * "Unknown user" is a content filter speaking, not a dead address.  Looks at the paragraph that
 * names the address ("… (in reply to end of DATA command)") and at transcripts (">>> DATA" followed
 * by "<<< 550 … <addr>"). */
static bool dsn_data_stage(const char *t, size_t len, const char *addr)
{
	if (!t || !addr || !*addr)
		return false;
	if (len > DSN_SCAN_MAX)
		len = DSN_SCAN_MAX;
	const char *hit = dsn_find(t, len, addr);
	if (hit) {
		const char *end = hit;
		while (end < t + len && !(end[0] == '\n' && end + 1 < t + len && end[1] == '\n') &&
		       end - hit < 400)
			end++;
		if (dsn_has(hit, (size_t)(end - hit), "end of data") ||
		    dsn_has(hit, (size_t)(end - hit), "after data"))
			return true;
	}
	const char *p = t;
	while ((p = dsn_find(p, len - (size_t)(p - t), ">>> DATA")) != NULL) {
		const char *nl = memchr(p, '\n', len - (size_t)(p - t));
		if (!nl)
			break;
		const char *nl2 = memchr(nl + 1, '\n', len - (size_t)(nl + 1 - t));
		size_t n = nl2 ? (size_t)(nl2 - nl - 1) : len - (size_t)(nl + 1 - t);
		if (dsn_has(nl + 1, n, addr))
			return true;
		p = nl;
	}
	return false;
}

static void dsn_apply_data_stage(struct nl_bounce *b, const char *t, size_t len)
{
	/* an explicit 5.1.1 ("bad destination mailbox") stays a dead address even at DATA */
	if (strcmp(b->reason, "userunknown") == 0 && strcmp(b->status, "5.1.1") != 0 &&
	    dsn_data_stage(t, len, b->recipient)) {
		b->reason = "filtered";
		b->hard = false;
	}
}

/* ---- the reply's bounce list ---- */

static struct nl_bounce *dsn_add(struct nl_reply *r, const char *recipient)
{
	if (recipient) {
		for (size_t i = 0; i < r->n_bounces; i++)
			if (r->bounces[i].recipient && strcmp(r->bounces[i].recipient, recipient) == 0)
				return &r->bounces[i];
	}
	if (r->n_bounces >= DSN_MAX_RECIPIENTS)
		return NULL;
	r->bounces = nl_xrealloc(r->bounces, (r->n_bounces + 1) * sizeof *r->bounces);
	struct nl_bounce *b = &r->bounces[r->n_bounces++];
	memset(b, 0, sizeof *b);
	b->recipient = recipient ? nl_xstrdup(recipient) : NULL;
	b->action = NL_DSN_FAILED;
	b->reason = "other";
	return b;
}

static size_t dsn_human_end(const char *t, size_t len);
static char *dsn_field(const char *block, const char *name);
static bool dsn_is_ours(const struct nl_message *msg, const char *addr);

/* ---- RFC 3464 fields ---- */

#define DSN_MAX_RETURNED 32

/* The addresses of the returned original's To: and Cc: (its headers part, else the text after the
 * report's words), less our own; at most DSN_MAX_RETURNED, each owned by the caller. */
static size_t dsn_returned_addrs(const struct nl_message *msg, char **out)
{
	const char *block = msg->returned_headers;
	if (!block && msg->text) {
		size_t len = strlen(msg->text);
		size_t human = dsn_human_end(msg->text, len < DSN_SCAN_MAX ? len : DSN_SCAN_MAX);
		if (human < len)
			block = msg->text + human;
	}
	size_t n = 0;
	static const char *const names[] = {"To", "Cc", NULL};
	for (size_t f = 0; block && names[f]; f++) {
		char *v = dsn_field(block, names[f]);
		size_t vl = v ? strlen(v) : 0;
		for (size_t i = 0; i < vl && n < DSN_MAX_RETURNED; i++) {
			if (v[i] != '@')
				continue;
			char *a = dsn_addr_at(v, vl, i);
			if (a && !dsn_is_ours(msg, a))
				out[n++] = a;
			else
				free(a);
		}
		free(v);
	}
	return n;
}

/* The address we sent to, when the report names only where it ended: without an Original-Recipient
 * the Final-Recipient may be the alias's expansion on the receiving host ("kijitora@mailx-53.neko…"
 * for our "kijitora@neko…", Sendmail's "expanded from:").  If the returned original's To/Cc does not
 * hold the final address but holds exactly one address with its local part, that one is ours
 * (collect maps a bounce without a token to a delivery by this address).  NULL: keep the final. */
static char *dsn_sent_to(const struct nl_message *msg, const char *final)
{
	const char *at = strchr(final, '@');
	if (!at)
		return NULL;
	size_t local = (size_t)(at - final);
	char *addrs[DSN_MAX_RETURNED];
	size_t n = dsn_returned_addrs(msg, addrs);
	char *found = NULL;
	bool listed = false, ambiguous = false;
	for (size_t i = 0; i < n; i++) {
		if (nl_ascii_casecmp(addrs[i], final) == 0)
			listed = true;
		else if (strlen(addrs[i]) > local && addrs[i][local] == '@' &&
		         nl_ascii_ncasecmp(addrs[i], final, local) == 0) {
			if (found)
				ambiguous = true;
			else
				found = addrs[i], addrs[i] = NULL;
		}
		free(addrs[i]);
	}
	if (listed || ambiguous) {
		free(found);
		return NULL;
	}
	return found;
}

/* Does a line of the report say that the final delivery agent knows no such user, naming this
 * recipient by its bare local part ("mail.local: unknown user: kijitora", Sendmail's transcript)
 * or by its address?  Reads the report's words (t, len), at most DSN_SCAN_MAX bytes. */
static bool dsn_agent_unknown_user(const char *t, size_t len, const char *addr)
{
	const char *at = addr ? strchr(addr, '@') : NULL;
	if (!t || !at || at == addr)
		return false;
	size_t local = (size_t)(at - addr);
	if (len > DSN_SCAN_MAX)
		len = DSN_SCAN_MAX;
	static const char *const says[] = {"unknown user", "user unknown", "no such user", NULL};
	for (size_t w = 0; says[w]; w++) {
		const char *p = t;
		const char *hit;
		while ((hit = dsn_find(p, len - (size_t)(p - t), says[w])) != NULL) {
			const char *q = hit + strlen(says[w]);
			const char *eol = memchr(q, '\n', len - (size_t)(q - t));
			if (!eol)
				eol = t + len;
			for (; q + local <= eol; q++) {
				if ((q > t && dsn_is_local_char(q[-1])) ||
				    nl_ascii_ncasecmp(q, addr, local) != 0)
					continue;
				const char *e = q + local;
				if (e == eol || (!dsn_is_local_char(*e) && *e != '@'))
					return true; /* the bare local part */
				if (*e == '@' && (size_t)(eol - q) >= strlen(addr) &&
				    nl_ascii_ncasecmp(q, addr, strlen(addr)) == 0 &&
				    (q + strlen(addr) == eol || !dsn_is_domain_char(q[strlen(addr)])))
					return true; /* the whole address */
			}
			p = eol;
		}
	}
	return false;
}

struct dsn_rcpt {
	char *final, *original, *diag, *comment;
	bool xunix; /* the diagnostic comes from a local delivery program */
	char status[16];
	int action; /* -1 unknown */
	bool any;
};

static void dsn_rcpt_clear(struct dsn_rcpt *x)
{
	free(x->final);
	free(x->original);
	free(x->diag);
	free(x->comment);
	memset(x, 0, sizeof *x);
	x->action = -1;
}

static char *dsn_addr_value(const char *v, size_t n)
{
	/* "rfc822; user@example.com", "RFC822;<user@example.com>", "X-Notes; …" */
	const char *semi = memchr(v, ';', n);
	const char *p = semi ? semi + 1 : v;
	size_t m = (size_t)(v + n - p);
	return dsn_first_addr(p, m);
}

static int dsn_action_of(const char *v, size_t n)
{
	struct nl_span s = nl_span_trim((struct nl_span){v, n});
	static const char *const names[] = {"failed", "delayed", "deliver", "relayed", "expanded"};
	for (int i = 0; i < 5; i++) /* "deliver" also takes the old "deliverable" */
		if (s.len >= strlen(names[i]) && nl_ascii_ncasecmp(s.ptr, names[i], strlen(names[i])) == 0)
			return i;
	return -1;
}

/* Finishes one recipient group: adds it to r, classifies it. */
static void dsn_rcpt_flush(struct dsn_rcpt *x, struct nl_reply *r, const struct nl_message *msg)
{
	if (!x->any || (!x->final && !x->original && !x->status[0])) {
		dsn_rcpt_clear(x);
		return;
	}
	/* the address we sent to: Original-Recipient (ORCPT) when the MTA kept it, since the final one may
	 * be a local alias (RFC 3464 §2.3.1) */
	char *sent = !x->original && x->final ? dsn_sent_to(msg, x->final) : NULL;
	const char *addr = sent ? sent : x->original ? x->original : x->final;
	struct nl_bounce *b = dsn_add(r, addr);
	if (!b) {
		free(sent);
		dsn_rcpt_clear(x);
		return;
	}
	char specific[16];
	if (x->status[0])
		memcpy(b->status, x->status, sizeof b->status);
	/* "Status: 5.0.0" with "550 #5.1.0 Address rejected": the diagnostic's code is the precise one */
	if (x->status[0] && strcmp(x->status + 1, ".0.0") == 0 && x->diag &&
	    dsn_find_status(x->diag, strlen(x->diag), specific) && specific[0] == x->status[0])
		memcpy(b->status, specific, sizeof b->status);
	else if (x->status[0])
		;
	else if (x->diag && !dsn_find_status(x->diag, strlen(x->diag), b->status)) {
		int code = dsn_find_smtp_code(x->diag, strlen(x->diag));
		if (code >= 400)
			snprintf(b->status, sizeof b->status, "%d.0.0", code / 100);
	}
	if (x->action >= 0)
		b->action = (enum nl_dsn_action)x->action;
	else if (b->status[0] == '2')
		b->action = NL_DSN_DELIVERED;
	else if (b->status[0] == '4')
		b->action = NL_DSN_DELAYED;
	else
		b->action = NL_DSN_FAILED;
	/* "Status: 5.0.0" with the real reason only in words: the diagnostic, else the human part */
	struct nl_buf t = NL_BUF_INIT;
	if (x->diag)
		nl_buf_puts(&t, x->diag);
	if (x->diag) {
		free(b->diagnostic);
		b->diagnostic = nl_xstrdup(x->diag);
	}
	nl_dsn_classify(b, t.data, t.len);
	if (x->xunix && !b->policy) {
		/* procmail or another local program failed: not a verdict on the address */
		b->reason = "mailererror";
		b->hard = false;
	}
	const char *said = x->comment ? dsn_text_reason(x->comment, strlen(x->comment)) : NULL;
	if (said && strcmp(said, "vague") != 0) /* "Status: 5.2.1 (mailbox disabled, …)": the MTA's words */
		dsn_settle(b, said);
	if ((strcmp(b->reason, "other") == 0 || !x->diag) && msg->text && addr && !x->xunix && !said) {
		/* the human-readable part's sentence about this recipient */
		size_t len = strlen(msg->text);
		if (len > DSN_SCAN_MAX)
			len = DSN_SCAN_MAX;
		const char *hit = dsn_find(msg->text, len, addr);
		if (hit) {
			const char *end = hit;
			int lines = 0;
			while (end < msg->text + len && lines < DSN_CONTEXT_LINES) {
				if (*end == '\n') {
					lines++;
					if (end + 1 < msg->text + len && end[1] == '\n')
						break;
				}
				end++;
			}
			struct nl_buf ctx = NL_BUF_INIT;
			nl_buf_append(&ctx, hit, (size_t)(end - hit));
			if (x->diag)
				nl_buf_puts(&ctx, x->diag);
			nl_dsn_classify(b, ctx.data, ctx.len);
			nl_buf_free(&ctx);
		}
	}
	if (msg->text && strcmp(b->reason, "other") == 0 && !x->xunix && !said) {
		/* "Status: 5.5.0" and a transcript whose local delivery agent knows no such user */
		size_t human = dsn_human_end(msg->text, strlen(msg->text));
		if (dsn_agent_unknown_user(msg->text, human, addr) ||
		    (x->final && addr != x->final && dsn_agent_unknown_user(msg->text, human, x->final)))
			dsn_settle(b, "userunknown");
	}
	if (msg->text)
		dsn_apply_data_stage(b, msg->text, dsn_human_end(msg->text, strlen(msg->text)));
	if (x->diag && strcmp(b->reason, "userunknown") == 0 && strcmp(b->status, "5.1.1") != 0 &&
	    (dsn_has(x->diag, strlen(x->diag), "end of data") ||
	     dsn_has(x->diag, strlen(x->diag), "after data"))) {
		b->reason = "filtered";
		b->hard = false;
	}
	nl_buf_free(&t);
	free(sent);
	dsn_rcpt_clear(x);
}

/* Parses the fields of a message/delivery-status body. */
static void dsn_parse_fields(const char *ds, size_t len, struct nl_reply *r, const struct nl_message *msg)
{
	struct dsn_rcpt x;
	memset(&x, 0, sizeof x);
	x.action = -1;
	bool after_blank = false;
	size_t i = 0;
	if (len > DSN_SCAN_MAX)
		len = DSN_SCAN_MAX;
	while (i < len) {
		size_t s = i;
		while (i < len && ds[i] != '\n')
			i++;
		size_t e = i;
		if (i < len)
			i++;
		/* unfold continuation lines */
		struct nl_buf val = NL_BUF_INIT;
		while (i < len && (ds[i] == ' ' || ds[i] == '\t')) {
			size_t cs = i;
			while (i < len && ds[i] != '\n')
				i++;
			if (!val.data)
				nl_buf_puts(&val, "");
			nl_buf_putc(&val, ' ');
			nl_buf_append(&val, ds + cs, i - cs);
			if (i < len)
				i++;
		}
		while (e > s && (ds[e - 1] == '\r' || ds[e - 1] == ' '))
			e--;
		if (e == s) {
			after_blank = true;
			nl_buf_free(&val);
			continue;
		}
		const char *colon = memchr(ds + s, ':', e - s);
		if (!colon) {
			nl_buf_free(&val);
			continue;
		}
		struct nl_span name = nl_span_trim((struct nl_span){ds + s, (size_t)(colon - (ds + s))});
		struct nl_buf full = NL_BUF_INIT;
		nl_buf_append(&full, colon + 1, (size_t)(ds + e - colon - 1));
		if (val.len)
			nl_buf_append(&full, val.data, val.len);
		nl_buf_free(&val);
		const char *v = nl_buf_cstr(&full);
		size_t vl = full.len;
		if (nl_span_ieq(name, "Final-Recipient")) {
			if (x.final || (after_blank && x.any))
				dsn_rcpt_flush(&x, r, msg);
			x.final = dsn_addr_value(v, vl);
			x.any = true;
		} else if (nl_span_ieq(name, "Original-Recipient")) {
			if (x.original || (after_blank && x.any))
				dsn_rcpt_flush(&x, r, msg);
			x.original = dsn_addr_value(v, vl);
			x.any = true;
		} else if (nl_span_ieq(name, "Action")) {
			if (x.action >= 0 && after_blank)
				dsn_rcpt_flush(&x, r, msg);
			x.action = dsn_action_of(v, vl);
			x.any = true;
		} else if (nl_span_ieq(name, "Status")) {
			if (x.status[0] && after_blank)
				dsn_rcpt_flush(&x, r, msg);
			if (!dsn_find_status(v, vl, x.status))
				x.status[0] = 0;
			const char *open = memchr(v, '(', vl);
			const char *close = open ? memchr(open, ')', (size_t)(v + vl - open)) : NULL;
			free(x.comment);
			x.comment = open && close && close > open + 1
			                ? nl_xstrndup(open + 1, (size_t)(close - open - 1))
			                : NULL;
			x.any = true;
		} else if (nl_span_ieq(name, "Diagnostic-Code")) {
			struct nl_span d = nl_span_trim((struct nl_span){v, vl});
			const char *semi = memchr(d.ptr, ';', d.len < 12 ? d.len : 12);
			x.xunix = d.len > 6 && nl_ascii_ncasecmp(d.ptr, "x-unix", 6) == 0;
			if (semi)
				d = nl_span_trim(
				    (struct nl_span){semi + 1, (size_t)(d.ptr + d.len - semi - 1)});
			free(x.diag);
			x.diag = nl_xstrndup(d.ptr, d.len);
		}
		after_blank = false;
		nl_buf_free(&full);
	}
	dsn_rcpt_flush(&x, r, msg);
}

/* ---- non-standard bounces ---- */

static const char *const dsn_subjects[] = {
    "undeliver",
    "undelivered mail",
    "returned mail",
    "failure notice",
    "mail delivery failed",
    "delivery status notification",
    "delivery failure",
    "mail delivery failure",
    "non-delivery",
    "nondeliverable",
    "non remis",
    "unzustellbar",
    "delivery has failed",
    "mail system error",
    "could not be delivered",
    "returned to sender",
    "delivery notification",
    "message not delivered",
    "mail could not be delivered",
    "permanent error",
    "rejected:",
    "delivery problem",
    "warning: could not send",
    "mail delivery system",
    "bounce",
    NULL,
};

static const char *const dsn_markers[] = {
    "this is the qmail-send program",
    "created automatically by mail delivery software",
    "could not be delivered to",
    "the following addresses had permanent fatal errors",
    "the following addresses had delivery problems",
    "delivery to the following recipient",
    "your message could not be delivered",
    "message could not be delivered",
    "your message did not reach some or all of the intended recipients",
    "delivery has failed to these",
    "was not delivered to",
    "i'm afraid i wasn't able to deliver",
    "this is the mail system at host",
    "unable to deliver your message",
    "the following recipient(s) cannot be reached",
    "message not delivered",
    "address not found",
    "your message wasn't delivered",
    "has not been delivered",
    "delivery to the following recipients failed",
    "the original message was received at",
    "smtp error from remote mail server",
    "transcript of session follows",
    "undeliverable",
    "mail delivery failed",
    "this message was undeliverable",
    "your mail could not be delivered",
    NULL,
};

/* Where the returned original begins in a plain-text bounce (or len). */
static size_t dsn_human_end(const char *t, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t s = i;
		while (i < len && t[i] != '\n')
			i++;
		struct nl_span ln = {t + s, i - s};
		if (i < len)
			i++;
		if (s > 0 && (nl_ascii_ncasecmp(ln.ptr, "Return-Path:", 12) == 0 ||
		              nl_ascii_ncasecmp(ln.ptr, "Received: ", 10) == 0 ||
		              nl_ascii_ncasecmp(ln.ptr, "Content-Type: message/rfc822", 28) == 0))
			return s;
		if (ln.len < 200 && (dsn_has(ln.ptr, ln.len, "copy of the message") ||
		                     dsn_has(ln.ptr, ln.len, "original message follows") ||
		                     dsn_has(ln.ptr, ln.len, "original message headers") ||
		                     dsn_has(ln.ptr, ln.len, "header of the original message") ||
		                     dsn_has(ln.ptr, ln.len, "original message ---") ||
		                     dsn_has(ln.ptr, ln.len, "undelivered message follows") ||
		                     dsn_has(ln.ptr, ln.len, "message headers follow") ||
		                     dsn_has(ln.ptr, ln.len, "bounced e-mail:") ||
		                     dsn_has(ln.ptr, ln.len, "bounced email:") ||
		                     dsn_has(ln.ptr, ln.len, "----- returned message") ||
		                     dsn_has(ln.ptr, ln.len, "original message:")))
			return s;
	}
	return len;
}

static bool dsn_is_ours(const struct nl_message *msg, const char *addr)
{
	if (msg->from_address && strcmp(msg->from_address, addr) == 0)
		return true;
	/* our addresses come first (To, Delivered-To); a bound keeps hostile headers linear */
	for (size_t i = 0; i < msg->n_recipients && i < 64; i++)
		if (msg->recipients[i] && nl_ascii_casecmp(msg->recipients[i], addr) == 0)
			return true;
	if (msg->return_path && dsn_has(msg->return_path, strlen(msg->return_path), addr))
		return true;
	return dsn_daemon_local(addr);
}

/* The sentence about one recipient: from its first mention to a blank line (at most a few lines). */
static void dsn_context(const char *t, size_t len, const char *hit, struct nl_buf *out)
{
	const char *end = hit;
	int lines = 0;
	while (end < t + len && lines < DSN_CONTEXT_LINES) {
		if (*end == '\n') {
			lines++;
			const char *nx = end + 1;
			while (nx < t + len && (*nx == ' ' || *nx == '\t' || *nx == '\r'))
				nx++;
			if (nx >= t + len || *nx == '\n')
				break;
			/* the next recipient starts a new sentence */
			if (*nx == '<' && lines > 1)
				break;
		}
		end++;
	}
	nl_buf_append(out, hit, (size_t)(end - hit));
}

/* Is the '@' at t[at] on a line that names the sender, not a recipient ("  MAIL FROM: …",
 * "From: …", "Sender: …" in a bounce's summary of the message)?  Looks back at most 200 bytes. */
static bool dsn_sender_line(const char *t, size_t at)
{
	size_t s = at;
	while (s > 0 && t[s - 1] != '\n' && at - s < 200)
		s--;
	if (s > 0 && t[s - 1] != '\n')
		return false;
	while (s < at && (t[s] == ' ' || t[s] == '\t'))
		s++;
	static const char *const names[] = {
	    "from:", "mail from:", "sender:", "return-path:", "reply-to:", "envelope-from:", NULL};
	for (size_t i = 0; names[i]; i++) {
		size_t n = strlen(names[i]);
		if (at - s >= n && nl_ascii_ncasecmp(t + s, names[i], n) == 0)
			return true;
	}
	return false;
}

static void dsn_read_plain(const struct nl_message *msg, struct nl_reply *r)
{
	const char *t = msg->text ? msg->text : "";
	size_t len = strlen(t);
	if (len > DSN_SCAN_MAX)
		len = DSN_SCAN_MAX;
	size_t human = dsn_human_end(t, len);
	const char *whole_reason = NULL;
	bool whole_done = false;
	bool permanent = dsn_has(t, human, "permanent") || dsn_has(t, human, "fatal");
	bool temporary =
	    !permanent && (dsn_has(t, human, "will retry") || dsn_has(t, human, "still trying") ||
	                   dsn_has(t, human, "delayed") || dsn_has(t, human, "has not yet been delivered") ||
	                   dsn_has(t, human, "temporary"));
	for (size_t i = 0; i < human; i++) {
		if (t[i] != '@')
			continue;
		char *a = dsn_addr_at(t, human, i);
		if (!a)
			continue;
		bool skip = dsn_is_ours(msg, a);
		/* Message-IDs and URLs are not recipients */
		size_t k = i;
		while (k > 0 && t[k - 1] != ' ' && t[k - 1] != '\n' && t[k - 1] != '<' && t[k - 1] != '(' &&
		       t[k - 1] != '"' && t[k - 1] != ':' && i - k < 80)
			k--;
		if (k > 0 && t[k - 1] == ':' && k >= 3 && (t[k - 2] == 'p' || t[k - 2] == 's'))
			skip = true; /* http://… https://… */
		if (!skip)
			skip = dsn_sender_line(t, i);
		bool known = false;
		for (size_t j = 0; j < r->n_bounces; j++)
			known |= r->bounces[j].recipient && strcmp(r->bounces[j].recipient, a) == 0;
		if (skip || known) {
			free(a);
			continue;
		}
		const char *hit = dsn_find(t, human, a);
		struct nl_bounce *b = dsn_add(r, a);
		free(a);
		if (!b)
			break;
		struct nl_buf ctx = NL_BUF_INIT;
		dsn_context(t, human, hit ? hit : t + i, &ctx);
		if (!dsn_find_status(ctx.data, ctx.len, b->status)) {
			int code = dsn_find_smtp_code(ctx.data, ctx.len);
			if (code >= 400)
				snprintf(b->status, sizeof b->status, "%d.0.0", code / 100);
			else if (temporary)
				memcpy(b->status, "4.0.0", 6);
			else
				memcpy(b->status, "5.0.0", 6);
		}
		b->action = b->status[0] == '4' && !permanent ? NL_DSN_DELAYED : NL_DSN_FAILED;
		struct nl_span d = nl_span_trim((struct nl_span){ctx.data, ctx.len});
		b->diagnostic = nl_xstrndup(d.ptr, d.len < 500 ? d.len : 500);
		/* the sentence, else the whole human part, gives the reason */
		nl_dsn_classify(b, ctx.data, ctx.len);
		if (strcmp(b->reason, "other") == 0 || (strcmp(b->reason, "network") == 0 && permanent)) {
			/* read the whole human part once, however many recipients ask (linear time) */
			if (!whole_done) {
				whole_reason = dsn_text_reason(t, human);
				whole_done = true;
			}
			dsn_settle(b, whole_reason);
		}
		dsn_apply_data_stage(b, t, human);
		nl_buf_free(&ctx);
	}
}

static char *dsn_field(const char *block, const char *name);

/* The first address of the returned message's To: (its headers part, or the text after the
 * bounce's own words). */
static char *dsn_returned_to(const struct nl_message *msg)
{
	char *v = dsn_field(msg->returned_headers, "To");
	if (!v && msg->text) {
		size_t len = strlen(msg->text);
		if (len > DSN_SCAN_MAX)
			len = DSN_SCAN_MAX;
		size_t human = dsn_human_end(msg->text, len);
		v = dsn_field(msg->text + human, "To");
	}
	if (!v)
		return NULL;
	char *a = dsn_first_addr(v, strlen(v));
	free(v);
	if (a && dsn_is_ours(msg, a)) {
		free(a);
		return NULL;
	}
	return a;
}

static bool dsn_subject_says_bounce(const char *subject)
{
	if (!subject)
		return false;
	size_t len = strlen(subject);
	for (size_t i = 0; dsn_subjects[i]; i++)
		if (dsn_has(subject, len, dsn_subjects[i]))
			return true;
	return false;
}

static bool dsn_text_says_bounce(const char *text)
{
	if (!text)
		return false;
	size_t len = strlen(text);
	if (len > 8192)
		len = 8192;
	for (size_t i = 0; dsn_markers[i]; i++)
		if (dsn_has(text, len, dsn_markers[i]))
			return true;
	return false;
}

/* Does the text quote a server's refusal: a line that starts with an SMTP reply code 4xx/5xx
 * ("550 - Requested action not taken: no such user here", "554-5.1.1 …") and whose words give a
 * reason (a dead address, a full mailbox, a policy, …)?  Only asked of mail from a daemon address:
 * a postmaster's own reply ("Re: …", no such line) stays a person's reply. */
static bool dsn_text_quotes_refusal(const char *text)
{
	if (!text)
		return false;
	size_t len = strlen(text);
	if (len > 8192)
		len = 8192;
	size_t i = 0;
	while (i < len) {
		size_t s = i;
		while (i < len && text[i] != '\n')
			i++;
		size_t e = i;
		if (i < len)
			i++;
		while (s < e && (text[s] == ' ' || text[s] == '\t'))
			s++;
		if (e - s < 8 || e - s > 500 || (text[s] != '4' && text[s] != '5') || text[s + 1] < '0' ||
		    text[s + 1] > '5' || text[s + 2] < '0' || text[s + 2] > '9' ||
		    (text[s + 3] != ' ' && text[s + 3] != '-'))
			continue;
		const char *why = dsn_text_reason(text + s + 4, e - s - 4);
		if (why && strcmp(why, "vague") != 0)
			return true;
	}
	return false;
}

bool nl_dsn_read(const struct nl_message *msg, struct nl_reply *r)
{
	bool report = msg->report_type && (strcmp(msg->report_type, "delivery-status") == 0 ||
	                                   strcmp(msg->report_type, "global-delivery-status") == 0);
	bool has_ds = msg->delivery_status && msg->delivery_status[0];
	bool daemon = msg->from_address && dsn_daemon_local(msg->from_address) &&
	              nl_ascii_ncasecmp(msg->from_address, "noreply@", 8) != 0 &&
	              nl_ascii_ncasecmp(msg->from_address, "no-reply@", 9) != 0;
	bool null_sender =
	    msg->return_path && (msg->return_path[0] == 0 || strcmp(msg->return_path, "<>") == 0);
	bool subject = dsn_subject_says_bounce(msg->subject);
	/* the wording is only read when the sender or subject already suggest a bounce (cheap first); a
	 * daemon's mail is a bounce with a bounce subject, a bounce sentence or a quoted refusal (Apache
	 * James: From post_master@, Subject "Re:…", "550 - Requested action not taken: no such user") */
	if (!has_ds && !report &&
	    !((daemon || null_sender || subject) && ((daemon && subject) || dsn_text_says_bounce(msg->text) ||
	                                             (daemon && dsn_text_quotes_refusal(msg->text)))))
		return false;
	if (has_ds)
		dsn_parse_fields(msg->delivery_status, strlen(msg->delivery_status), r, msg);
	if (r->n_bounces == 0 && msg->text) {
		/* a report whose status part is missing or empty, or a plain-text bounce; the fields
		 * sometimes sit in the text itself */
		const char *t = msg->text;
		size_t len = strlen(t);
		if (dsn_has(t, len < DSN_SCAN_MAX ? len : DSN_SCAN_MAX, "\nFinal-Recipient:"))
			dsn_parse_fields(t, len, r, msg);
		if (r->n_bounces == 0)
			dsn_read_plain(msg, r);
	}
	if (r->n_bounces == 0) {
		/* no recipient in the report's words: the returned original's To: */
		char *to = dsn_returned_to(msg);
		if (to) {
			struct nl_bounce *b = dsn_add(r, to);
			if (b) {
				const char *t = msg->text ? msg->text : "";
				size_t len = strlen(t);
				size_t human = dsn_human_end(t, len < DSN_SCAN_MAX ? len : DSN_SCAN_MAX);
				if (!dsn_find_status(t, human, b->status))
					memcpy(b->status, "5.0.0", 6);
				b->action = b->status[0] == '4' ? NL_DSN_DELAYED : NL_DSN_FAILED;
				nl_dsn_classify(b, t, human);
			}
			free(to);
		}
	}
	size_t failed = 0, other = 0;
	for (size_t i = 0; i < r->n_bounces; i++) {
		if (r->bounces[i].action == NL_DSN_FAILED)
			failed++;
		else
			other++;
	}
	free(r->reason);
	if (failed) {
		r->kind = NL_REPLY_BOUNCE;
		const struct nl_bounce *b = NULL;
		for (size_t i = 0; i < r->n_bounces && !b; i++)
			if (r->bounces[i].action == NL_DSN_FAILED)
				b = &r->bounces[i];
		r->reason = nl_xasprintf("delivery failed for %zu recipient%s: %s %s (%s%s)", failed,
		                         failed == 1 ? "" : "s", b->recipient ? b->recipient : "(unknown)",
		                         b->status[0] ? b->status : "-", b->reason,
		                         b->hard     ? ", hard"
		                         : b->policy ? ", policy"
		                                     : ", soft");
	} else if (other) {
		r->kind = NL_REPLY_IGNORED;
		r->reason = nl_xasprintf("delivery report without failure (%s)",
		                         r->bounces[0].action == NL_DSN_DELAYED     ? "delayed"
		                         : r->bounces[0].action == NL_DSN_DELIVERED ? "delivered"
		                                                                    : "relayed");
	} else {
		r->kind = NL_REPLY_BOUNCE;
		r->reason = nl_xstrdup("delivery report naming no recipient");
	}
	return true;
}

/* ---- ARF (RFC 5965) ---- */

static char *dsn_field(const char *block, const char *name)
{
	if (!block)
		return NULL;
	size_t len = strlen(block), n = strlen(name);
	if (len > DSN_SCAN_MAX)
		len = DSN_SCAN_MAX;
	for (size_t i = 0; i + n < len; i++) {
		if ((i == 0 || block[i - 1] == '\n') && nl_ascii_ncasecmp(block + i, name, n) == 0 &&
		    block[i + n] == ':') {
			const char *v = block + i + n + 1;
			const char *e = strchr(v, '\n');
			size_t vl = e ? (size_t)(e - v) : strlen(v);
			struct nl_span s = nl_span_trim((struct nl_span){v, vl});
			return nl_xstrndup(s.ptr, s.len);
		}
	}
	return NULL;
}

bool nl_dsn_read_arf(const struct nl_message *msg, struct nl_reply *r)
{
	bool arf = (msg->report_type && strcmp(msg->report_type, "feedback-report") == 0) ||
	           (msg->feedback_report && msg->feedback_report[0]);
	if (!arf)
		return false;
	const char *fb = msg->feedback_report;
	char *type = dsn_field(fb, "Feedback-Type");
	if (!type && msg->text)
		type = dsn_field(msg->text, "Feedback-Type");
	r->kind = NL_REPLY_COMPLAINT;
	free(r->feedback_type);
	r->feedback_type = type ? nl_ascii_lower(type) : nl_xstrdup("abuse");
	char *who = NULL;
	const char *fields[] = {"Original-Rcpt-To", "Removal-Recipient", NULL};
	for (size_t i = 0; fields[i] && !who; i++) {
		char *v = dsn_field(fb, fields[i]);
		if (v) {
			who = dsn_first_addr(v, strlen(v));
			free(v);
		}
	}
	if (!who && msg->returned_headers) {
		char *v = dsn_field(msg->returned_headers, "To");
		if (v) {
			who = dsn_first_addr(v, strlen(v));
			free(v);
		}
	}
	if (!who && msg->text) {
		/* some feedback loops put the original inline after the report */
		const char *t = msg->text;
		const char *to = dsn_find(t, strlen(t) < DSN_SCAN_MAX ? strlen(t) : DSN_SCAN_MAX, "\nTo:");
		if (to) {
			const char *e = strchr(to + 4, '\n');
			who = dsn_first_addr(to + 4, e ? (size_t)(e - to - 4) : strlen(to + 4));
		}
	}
	struct nl_bounce *b = dsn_add(r, who);
	if (b) {
		b->reason = "complaint";
		b->status[0] = 0;
		b->hard = false;
		b->policy = false;
	}
	free(r->reason);
	r->reason = nl_xasprintf("complaint (ARF feedback-type %s) about %s", r->feedback_type,
	                         who ? who : "(unknown)");
	free(who);
	return true;
}

/* collect_fixture.c - test helper (not installed): seeds a state with the example campaign and N
 * sent deliveries, and writes N inbound messages into a Maildir, one per subscriber, cycling through
 * the shapes real clients produce, with answers whose expected values are known:
 *
 *   i % 11 == 0  Gmail plain text, top-posted answers, plus-address To        work=career sat=4 consult=yes
 *             1  Outlook HTML only, In-Reply-To only, divRplyFwdMsg quote      work=job    sat=3 consult=no
 *             2  Thunderbird format=flowed "1) …" answers, References only     work=career sat=5 consult=yes
 *             3  Android base64 UTF-8, number words                            work=not sure sat=2 consult=no
 *             4  Windows-1252 quoted-printable, From address only (weaker)     work=job sat=2 consult=no
 *             5  mailto answer button (subject format), empty body             work=career
 *             6  interleaved answers under the quoted questions                work=job sat=1 consult=yes
 *             7  unsubscribe request to the tokened address
 *             8  RFC 3464 hard bounce whose returned headers carry our Message-ID
 *             9  vacation auto-reply (Auto-Submitted: auto-replied)
 *            10  a stranger (no token, unknown sender)
 *
 * usage: collect_fixture STATE ARTICLE MAILDIR N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "article.h"
#include "buf.h"
#include "store.h"
#include "token.h"
#include "util.h"

static const char *fx_domain = "news.example.test";

static void fx_die(const char *what, const struct nl_error *err)
{
	fprintf(stderr, "collect_fixture: %s: %s\n", what, err ? err->detail : strerror(errno));
	exit(1);
}

static void fx_b64(struct nl_buf *out, const char *s)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), col = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
		             i + 2 < n ? tab[v & 63] : '='};
		nl_buf_append(out, q, 4);
		if ((col += 4) >= 76) {
			nl_buf_puts(out, "\r\n");
			col = 0;
		}
	}
	nl_buf_puts(out, "\r\n");
}

static const char *fx_quote = "> Four signs that tell them apart.\r\n"
                              ">\r\n"
                              "> 1. Is your work today a job or a career? (job, career, not sure)\r\n"
                              "> 2. How satisfied are you with where it is heading? (1-5)\r\n"
                              "> 3. Would you like a free 15-minute consultation? (yes/no)\r\n"
                              "> 4. What one thing would you change about your work?\r\n"
                              ">\r\n"
                              "> Example: 1 career\r\n";

static void fx_message(struct nl_buf *m, size_t i, const char *campaign, const char *token, const char *email,
                       const char *subject)
{
	char msgid[128], plus[128];
	snprintf(msgid, sizeof msgid, "<%s.%s@%s>", token, campaign, fx_domain);
	snprintf(plus, sizeof plus, "replies+%s@%s", token, fx_domain);
	nl_buf_reset(m);
	nl_buf_printf(m,
	              "Return-Path: <%s>\r\nMessage-ID: <reply-%zu.%.6s@client.example.test>\r\n"
	              "Date: Tue, 01 Dec 2026 %02zu:%02zu:00 +0000\r\nMIME-Version: 1.0\r\n",
	              i % 11 == 8 ? "" : email, i, token, (i / 60) % 24, i % 60);
	switch (i % 11) {
	case 0:
		nl_buf_printf(m,
		              "From: Reader %zu <%s>\r\nTo: Career Notes <%s>\r\nSubject: Re: %s\r\n"
		              "In-Reply-To: %s\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
		              "1 career\r\n2 4\r\n3 yes\r\n4 More time for my own projects\r\n\r\n"
		              "On Mon, 30 Nov 2026 at 10:00, Career Notes <news@%s> wrote:\r\n%s",
		              i, email, plus, subject, msgid, fx_domain, fx_quote);
		break;
	case 1:
		nl_buf_printf(
		    m,
		    "From: \"Reader, %zu\" <%s>\r\nTo: replies@%s\r\nSubject: RE: %s\r\n"
		    "In-Reply-To: %s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
		    "<html><head><style>p{margin:0}</style></head><body><div class=WordSection1>"
		    "<p class=MsoNormal>1: job<o:p></o:p></p><p class=MsoNormal>2: 3</p>"
		    "<p class=MsoNormal>3: no</p><p class=MsoNormal>4: Fewer pointless meetings</p>"
		    "<p class=MsoNormal>&nbsp;</p><div style='border:none;border-top:solid #E1E1E1 1.0pt'>"
		    "<p class=MsoNormal><b>From:</b> Career Notes &lt;news@%s&gt;<br><b>Sent:</b> Monday"
		    "<br><b>Subject:</b> %s</p></div><p>1. Is your work today a job or a career?</p>"
		    "<p>Example: 1 career</p></div></body></html>\r\n",
		    i, email, fx_domain, subject, msgid, fx_domain, subject);
		break;
	case 2:
		nl_buf_printf(m,
		              "From: %s\r\nTo: replies@%s\r\nSubject: Re: %s\r\nReferences: <x@y> %s\r\n"
		              "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n\r\n"
		              "1) Career\r\n2) 5 out of 5\r\n3) Sure\r\n4) A shorter commute and less \r\n"
		              "time in traffic\r\n\r\nOn 30/11/2026 10:00, Career Notes wrote:\r\n%s",
		              email, fx_domain, subject, msgid, fx_quote);
		break;
	case 3: {
		nl_buf_printf(
		    m,
		    "From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n",
		    email, plus, subject);
		char body[600];
		snprintf(body, sizeof body,
		         "1 not sure\n2 two\n3 nope\n4 Être mieux payé\n\n"
		         "30.11.2026 10:00 пользователь Career Notes написал:\n> 1. Is your work "
		         "today a job or a career?\n");
		fx_b64(m, body);
		break;
	}
	case 4:
		nl_buf_printf(m,
		              "From: %s\r\nTo: replies@%s\r\nSubject: Re: %s\r\n"
		              "Content-Type: text/plain; charset=\"iso-8859-1\"\r\n"
		              "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		              "1 job\r\n2 2\r\n3 no\r\n4 Moins de r=E9unions =96 vraiment\r\n\r\n"
		              "-----Original Message-----\r\nFrom: Career Notes\r\nSent: Monday\r\n%s",
		              email, fx_domain, subject, fx_quote);
		break;
	case 5:
		nl_buf_printf(m,
		              "From: %s\r\nTo: %s\r\nSubject: Re: %s [survey %s 1=career]\r\n"
		              "Content-Type: text/plain; charset=utf-8\r\n\r\n1 career\r\n",
		              email, plus, subject, token);
		break;
	case 6:
		nl_buf_printf(
		    m,
		    "From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nIn-Reply-To: %s\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		    "Hi! Answers below.\r\n\r\n> 1. Is your work today a job or a career?\r\njob\r\n"
		    "> 2. How satisfied are you with where it is heading?\r\n1\r\n"
		    "> 3. Would you like a free 15-minute consultation?\r\nyes please\r\n"
		    "> 4. What one thing would you change about your work?\r\nMy manager\r\n",
		    email, plus, subject, msgid);
		break;
	case 7:
		nl_buf_printf(m,
		              "From: %s\r\nTo: %s\r\nSubject: unsubscribe\r\n"
		              "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease remove me.\r\n",
		              email, plus);
		break;
	case 8:
		nl_buf_printf(
		    m,
		    "From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\r\nTo: %s\r\n"
		    "Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n"
		    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B%zu\"\r\n\r\n"
		    "--B%zu\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
		    "--B%zu\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
		    "mx.example.test\r\n"
		    "\r\nFinal-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: 5.1.1\r\n"
		    "Diagnostic-Code: smtp; 550 5.1.1 <%s>: Recipient address rejected: User unknown\r\n"
		    "--B%zu\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: %s\r\nFrom: news@%s\r\n"
		    "To: %s\r\nSubject: %s\r\n--B%zu--\r\n",
		    plus, i, i, i, email, email, i, msgid, fx_domain, email, subject, i);
		break;
	case 9:
		nl_buf_printf(
		    m,
		    "From: %s\r\nTo: %s\r\nSubject: Out of office: %s\r\nAuto-Submitted: auto-replied\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		    "I am away until Monday. 1 career 2 5\r\n",
		    email, plus, subject);
		break;
	default:
		nl_buf_printf(m,
		              "From: Someone Else <stranger%zu@elsewhere.example.test>\r\nTo: replies@%s\r\n"
		              "Subject: Hello\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n1 career\r\n",
		              i, fx_domain);
		break;
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: collect_fixture STATE ARTICLE MAILDIR N\n");
		return 64;
	}
	size_t n = strtoul(argv[4], NULL, 10);
	struct nl_error err = {0};
	struct nl_store *store = NULL;
	struct nl_article *a = NULL;
	if (nl_store_open(argv[1], &store, &err) != NL_OK)
		fx_die("state", &err);
	if (nl_article_load(argv[2], &a, &err) != NL_OK)
		fx_die("article", &err);
	unsigned char secret[NL_SECRET_LEN];
	if (nl_store_secret(store, secret, &err) != NL_OK)
		fx_die("secret", &err);
	if (nl_store_campaign_ensure(store, a->campaign, a->subject, a->path, a->source, a->date, &err) !=
	    NL_OK)
		fx_die("campaign", &err);
	char dirs[3][1024];
	snprintf(dirs[0], sizeof dirs[0], "%s", argv[3]);
	if (nl_mkdirs(dirs[0], &err) != NL_OK)
		fx_die("maildir", &err);
	static const char *subs[] = {"new", "cur", "tmp"};
	for (int s = 0; s < 3; s++) {
		char *d = nl_xasprintf("%s/%s", argv[3], subs[s]);
		if (nl_mkdirs(d, &err) != NL_OK)
			fx_die("maildir", &err);
		free(d);
	}
	struct nl_buf m = NL_BUF_INIT;
	if (nl_store_begin(store, &err) != NL_OK)
		fx_die("begin", &err);
	for (size_t i = 0; i < n; i++) {
		char email[64], token[NL_TOKEN_LEN + 1];
		snprintf(email, sizeof email, "reader%zu@example.test", i);
		nl_token_make(secret, a->campaign, email, token);
		char name[32];
		snprintf(name, sizeof name, "Reader %zu", i);
		if (nl_store_delivery_start(store, a->campaign, email, name, token, &err) != NL_OK ||
		    nl_store_delivery_finish(store, a->campaign, email, NL_DELIVERY_SENT, "250 2.0.0 Ok", 0,
		                             &err) != NL_OK)
			fx_die("delivery", &err);
		fx_message(&m, i, a->campaign, token, email, a->subject);
		char *path = nl_xasprintf("%s/new/%010zu.fixture.example.test", argv[3], i);
		FILE *f =
		    fopen(path, "wb"); /* no fsync: 20,000 of them would dominate the benchmark's setup */
		if (!f || fwrite(m.data, 1, m.len, f) != m.len || fclose(f) != 0)
			fx_die(path, NULL);
		free(path);
	}
	if (nl_store_commit(store, &err) != NL_OK)
		fx_die("commit", &err);
	nl_buf_free(&m);
	nl_article_free(a);
	nl_store_close(store);
	return 0;
}

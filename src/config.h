/* config.h - the INI configuration (doc/DESIGN.md §3) and its defaults.
 *
 * Paths in the file are resolved relative to the file itself.  Every string is owned by the
 * struct and freed by nl_config_free().  The password is never stored here: it comes from
 * password_cmd or the environment when the transport needs it.
 */
#ifndef NL_CONFIG_H
#define NL_CONFIG_H

#include <stdbool.h>

#include "error.h"

enum nl_starttls { NL_STARTTLS_AUTO = 0, NL_STARTTLS_REQUIRED, NL_STARTTLS_NEVER };
enum nl_inbox_after { NL_AFTER_KEEP = 0, NL_AFTER_SEEN, NL_AFTER_MOVE };

/* The longest timeout accepted (seconds): longer would hide a hung server from cron for hours. */
#define NL_CONFIG_MAX_TIMEOUT 3600

struct nl_config {
	char *path; /* the file read, or NULL when only defaults are in use */
	/* [newsletter] */
	char *from;               /* "Career Notes <news@example.test>" */
	char *reply_to;           /* base address; the token goes after a '+' in its local part */
	char *list_id;            /* "career-notes.example.test" */
	char *unsubscribe_mailto; /* "mailto:unsubscribe@…" (defaults from reply_to) */
	char *unsubscribe_https;  /* optional https:// URL; enables RFC 8058 one-click */
	char *state;              /* SQLite file, default "state.db" */
	char *templates;          /* directory, default "templates" */
	char *subscribers;        /* CSV file, default "subscribers/subscribers.csv" */
	char *articles;           /* directory, default "articles" */
	char *reports;            /* directory, default "reports" */
	char *report_to;          /* optional address for the closing report */
	long report_after;        /* seconds after sending that collection closes, default 7 days */
	long stale_lock;          /* a run holding the lock longer is reported as hung, default 12 h */
	/* [smtp] */
	char *smtp_url; /* default "outbox:outbox" */
	char *smtp_user;
	char *smtp_password_cmd;
	bool smtp_has_password; /* `password` was set in the file (only allowed when not group/world readable)
	                         */
	char *smtp_password;    /* only when smtp_has_password */
	enum nl_starttls smtp_starttls;
	char *smtp_ca_file;
	bool smtp_insecure;   /* `tls_verify = off-i-know-what-i-am-doing`: loudly named, warned every run */
	int smtp_connections; /* default 4 */
	double smtp_rate;     /* messages per second, 0 = unlimited */
	long smtp_timeout;    /* seconds, default 60, at most NL_CONFIG_MAX_TIMEOUT */
	/* [inbox] */
	char *inbox_url; /* imap://, imaps://, maildir:DIR, mbox:FILE; NULL = none configured */
	char *inbox_user;
	char *inbox_password_cmd;
	char *inbox_ca_file; /* a private CA for the IMAP server; default: [smtp] ca_file */
	enum nl_inbox_after inbox_after;
	char *inbox_move_to; /* with NL_AFTER_MOVE */
	long inbox_timeout;  /* seconds: no answer that long, or a step taking longer, ends it; 60 */
};

/* Fills `cfg` with the defaults, then reads `path` over them.  A missing file is an error only if
 * `must_exist`.  Returns NL_OK or NL_ERR_CONFIG with the file, line and key in the detail. */
NL_MUST_USE enum nl_code nl_config_load(struct nl_config *cfg, const char *path, bool must_exist, struct nl_error *err);
/* Defaults only, as if paths were relative to `base_dir`. */
void nl_config_defaults(struct nl_config *cfg, const char *base_dir);
void nl_config_free(struct nl_config *cfg);
/* The path of template `file` ("newsletter.html"): the one in the publisher's templates directory
 * when it exists there, else the installed default (NL_DEFAULT_TEMPLATES, set at build time), so a
 * publisher overrides only the templates they change.  The caller frees the result. */
char *nl_config_template_path(const struct nl_config *cfg, const char *file);
/* Parses "30/m", "2/s", "100/h", "5" (per second) into messages per second. */
bool nl_config_parse_rate(const char *s, double *per_second);
/* Parses "7d", "12h", "30m", "45s", "90" (seconds). */
bool nl_config_parse_duration(const char *s, long *seconds);

#endif

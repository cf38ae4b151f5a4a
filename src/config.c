/* config.c - the INI configuration (inih) and its defaults (doc/DESIGN.md §3).
 *
 * Paths are resolved relative to the configuration file.  Unknown sections and keys are errors,
 * so a typo is not silently ignored.  The password itself is only accepted from a file that no
 * one else can read (checked by the transport, which knows whether it needs it).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "util.h"

/* A configuration is a few dozen lines; anything much larger is not one. */
#define CONFIG_MAX_FILE (1u << 20)

struct config_parse {
	struct nl_config *cfg;
	struct nl_error *err;
	const char *file;
	bool failed;
	bool unsubscribe_given;
	char what[256]; /* "[section] key: problem" of the first bad line; ini_parse returns its number */
};

static void config_set(char **slot, const char *value)
{
	free(*slot);
	*slot = nl_xstrdup(value);
}

static void config_set_path(const struct nl_config *cfg, char **slot, const char *value)
{
	free(*slot);
	*slot = cfg->path ? nl_path_relative_to(cfg->path, value) : nl_xstrdup(value);
}

void nl_config_defaults(struct nl_config *cfg, const char *base_dir)
{
	memset(cfg, 0, sizeof *cfg);
	char *anchor = nl_xasprintf("%s/x", base_dir && *base_dir ? base_dir : ".");
	cfg->from = nl_xstrdup("Career Notes <news@example.test>");
	cfg->reply_to = nl_xstrdup("replies@example.test");
	cfg->list_id = nl_xstrdup("career-notes.example.test");
	cfg->unsubscribe_mailto = nl_xstrdup("mailto:replies@example.test?subject=unsubscribe");
	cfg->state = nl_path_relative_to(anchor, "state.db");
	cfg->templates = nl_path_relative_to(anchor, "templates");
	cfg->subscribers = nl_path_relative_to(anchor, "subscribers/subscribers.csv");
	cfg->articles = nl_path_relative_to(anchor, "articles");
	cfg->reports = nl_path_relative_to(anchor, "reports");
	cfg->report_after = 7 * 86400L;
	cfg->stale_lock = 12 * 3600L;
	char *outbox = nl_path_relative_to(anchor, "outbox");
	cfg->smtp_url = nl_xasprintf("outbox:%s", outbox);
	free(outbox);
	cfg->smtp_starttls = NL_STARTTLS_AUTO;
	cfg->smtp_connections = 4;
	cfg->smtp_timeout = 60;
	cfg->inbox_after = NL_AFTER_KEEP;
	cfg->inbox_timeout = 60;
	free(anchor);
}

bool nl_config_parse_rate(const char *s, double *per_second)
{
	char *end;
	errno = 0;
	double n = strtod(s, &end);
	if (errno || end == s || n < 0)
		return false;
	while (*end == ' ')
		end++;
	double unit = 1;
	if (*end == '/') {
		end++;
		while (*end == ' ')
			end++;
		if (*end == 's' && (!end[1] || strcmp(end, "sec") == 0 || strcmp(end, "second") == 0))
			unit = 1;
		else if (*end == 'm' && (!end[1] || strcmp(end, "min") == 0 || strcmp(end, "minute") == 0))
			unit = 60;
		else if (*end == 'h' && (!end[1] || strcmp(end, "hour") == 0))
			unit = 3600;
		else
			return false;
	} else if (*end) {
		return false;
	}
	*per_second = n / unit;
	return true;
}

bool nl_config_parse_duration(const char *s, long *seconds)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || end == s || n < 0)
		return false;
	long unit = 1;
	switch (*end) {
	case '\0':
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		return false;
	}
	if ((*end && end[1]) || n > LONG_MAX / unit)
		return false;
	*seconds = n * unit;
	return true;
}

static bool config_bool(const char *v, bool *out)
{
	if (!nl_ascii_casecmp(v, "yes") || !nl_ascii_casecmp(v, "true") || !nl_ascii_casecmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = true;
	else if (!nl_ascii_casecmp(v, "no") || !nl_ascii_casecmp(v, "false") || !nl_ascii_casecmp(v, "off") ||
	         !strcmp(v, "0"))
		*out = false;
	else
		return false;
	return true;
}

/* Returns NULL on success or a description of what is wrong with the value. */
static const char *config_newsletter(struct nl_config *cfg, const char *key, const char *value)
{
	if (!strcmp(key, "from"))
		config_set(&cfg->from, value);
	else if (!strcmp(key, "reply_to"))
		config_set(&cfg->reply_to, value);
	else if (!strcmp(key, "list_id"))
		config_set(&cfg->list_id, value);
	else if (!strcmp(key, "unsubscribe")) {
		/* one or two URIs, separated by commas or spaces: mailto: and optionally https: */
		char *copy = nl_xstrdup(value);
		const char *problem = NULL;
		for (char *tok = strtok(copy, ", \t"); tok; tok = strtok(NULL, ", \t")) {
			if (!nl_ascii_ncasecmp(tok, "mailto:", 7))
				config_set(&cfg->unsubscribe_mailto, tok);
			else if (!nl_ascii_ncasecmp(tok, "https://", 8))
				config_set(&cfg->unsubscribe_https, tok);
			else
				problem = "expected mailto: and optionally https:// URIs";
		}
		free(copy);
		return problem;
	} else if (!strcmp(key, "state"))
		config_set_path(cfg, &cfg->state, value);
	else if (!strcmp(key, "templates"))
		config_set_path(cfg, &cfg->templates, value);
	else if (!strcmp(key, "subscribers"))
		config_set_path(cfg, &cfg->subscribers, value);
	else if (!strcmp(key, "articles"))
		config_set_path(cfg, &cfg->articles, value);
	else if (!strcmp(key, "reports"))
		config_set_path(cfg, &cfg->reports, value);
	else if (!strcmp(key, "report_to"))
		config_set(&cfg->report_to, value);
	else if (!strcmp(key, "report_after")) {
		if (!nl_config_parse_duration(value, &cfg->report_after))
			return "expected a duration such as 7d, 12h or 30m";
	} else if (!strcmp(key, "stale_lock")) {
		if (!nl_config_parse_duration(value, &cfg->stale_lock) || cfg->stale_lock <= 0)
			return "expected a duration such as 12h or 30m";
	} else
		return "unknown key";
	return NULL;
}

static const char *config_smtp(struct nl_config *cfg, const char *key, const char *value)
{
	if (!strcmp(key, "url")) {
		if (!nl_ascii_ncasecmp(value, "outbox:", 7)) {
			char *dir =
			    cfg->path ? nl_path_relative_to(cfg->path, value + 7) : nl_xstrdup(value + 7);
			free(cfg->smtp_url);
			cfg->smtp_url = nl_xasprintf("outbox:%s", dir);
			free(dir);
		} else if (!nl_ascii_ncasecmp(value, "smtp://", 7) ||
		           !nl_ascii_ncasecmp(value, "smtps://", 8)) {
			config_set(&cfg->smtp_url, value);
		} else {
			return "expected smtp://, smtps:// or outbox:DIR";
		}
	} else if (!strcmp(key, "user"))
		config_set(&cfg->smtp_user, value);
	else if (!strcmp(key, "password_cmd"))
		config_set(&cfg->smtp_password_cmd, value);
	else if (!strcmp(key, "password")) {
		config_set(&cfg->smtp_password, value);
		cfg->smtp_has_password = true;
	} else if (!strcmp(key, "starttls")) {
		bool on;
		if (!nl_ascii_casecmp(value, "never"))
			cfg->smtp_starttls = NL_STARTTLS_NEVER;
		else if (!nl_ascii_casecmp(value, "auto"))
			cfg->smtp_starttls = NL_STARTTLS_AUTO;
		else if (!nl_ascii_casecmp(value, "required") || (config_bool(value, &on) && on))
			cfg->smtp_starttls = NL_STARTTLS_REQUIRED;
		else
			return "expected required, auto or never";
	} else if (!strcmp(key, "ca_file"))
		config_set_path(cfg, &cfg->smtp_ca_file, value);
	else if (!strcmp(key, "tls_verify")) {
		if (!strcmp(value, "off-i-know-what-i-am-doing"))
			cfg->smtp_insecure = true;
		else if (!nl_ascii_casecmp(value, "on") || !nl_ascii_casecmp(value, "yes"))
			cfg->smtp_insecure = false;
		else
			return "expected on, or off-i-know-what-i-am-doing";
	} else if (!strcmp(key, "connections")) {
		char *end;
		long n = strtol(value, &end, 10);
		if (*end || n < 1 || n > 64)
			return "expected a number from 1 to 64";
		cfg->smtp_connections = (int)n;
	} else if (!strcmp(key, "rate")) {
		if (!nl_config_parse_rate(value, &cfg->smtp_rate))
			return "expected a rate such as 30/m, 2/s or 500/h";
	} else if (!strcmp(key, "timeout")) {
		if (!nl_config_parse_duration(value, &cfg->smtp_timeout) || cfg->smtp_timeout < 1 ||
		    cfg->smtp_timeout > NL_CONFIG_MAX_TIMEOUT)
			return "expected seconds from 1 to 3600, or a duration such as 2m";
	} else
		return "unknown key";
	return NULL;
}

static const char *config_inbox(struct nl_config *cfg, const char *key, const char *value)
{
	if (!strcmp(key, "url")) {
		if (!nl_ascii_ncasecmp(value, "maildir:", 8) || !nl_ascii_ncasecmp(value, "mbox:", 5)) {
			size_t skip = value[0] == 'm' && value[1] == 'b' ? 5 : 8;
			char *path = cfg->path ? nl_path_relative_to(cfg->path, value + skip)
			                       : nl_xstrdup(value + skip);
			free(cfg->inbox_url);
			cfg->inbox_url = nl_xasprintf("%.*s%s", (int)skip, value, path);
			free(path);
		} else if (!nl_ascii_ncasecmp(value, "imap://", 7) ||
		           !nl_ascii_ncasecmp(value, "imaps://", 8)) {
			config_set(&cfg->inbox_url, value);
		} else {
			return "expected imap://, imaps://, maildir:DIR or mbox:FILE";
		}
	} else if (!strcmp(key, "user"))
		config_set(&cfg->inbox_user, value);
	else if (!strcmp(key, "password_cmd"))
		config_set(&cfg->inbox_password_cmd, value);
	else if (!strcmp(key, "ca_file"))
		config_set_path(cfg, &cfg->inbox_ca_file, value);
	else if (!strcmp(key, "timeout")) {
		if (!nl_config_parse_duration(value, &cfg->inbox_timeout) || cfg->inbox_timeout < 1 ||
		    cfg->inbox_timeout > NL_CONFIG_MAX_TIMEOUT)
			return "expected seconds from 1 to 3600, or a duration such as 2m";
	} else if (!strcmp(key, "after")) {
		if (!strcmp(value, "keep"))
			cfg->inbox_after = NL_AFTER_KEEP;
		else if (!strcmp(value, "seen"))
			cfg->inbox_after = NL_AFTER_SEEN;
		else if (!strncmp(value, "move:", 5) && value[5]) {
			cfg->inbox_after = NL_AFTER_MOVE;
			config_set(&cfg->inbox_move_to, value + 5);
		} else
			return "expected keep, seen or move:FOLDER";
	} else
		return "unknown key";
	return NULL;
}

static int config_handler(void *user, const char *section, const char *key, const char *value)
{
	struct config_parse *p = user;
	const char *problem;
	if (!strcmp(section, "newsletter") && !strcmp(key, "unsubscribe"))
		p->unsubscribe_given = true;
	if (!strcmp(section, "newsletter"))
		problem = config_newsletter(p->cfg, key, value);
	else if (!strcmp(section, "smtp"))
		problem = config_smtp(p->cfg, key, value);
	else if (!strcmp(section, "inbox"))
		problem = config_inbox(p->cfg, key, value);
	else
		problem = "unknown section (expected [newsletter], [smtp] or [inbox])";
	if (problem && !p->failed) {
		p->failed = true;
		snprintf(p->what, sizeof p->what, "[%s] %s: %s", section, key, problem);
	}
	return !problem;
}

enum nl_code nl_config_load(struct nl_config *cfg, const char *path, bool must_exist, struct nl_error *err)
{
	char *dir = nl_path_relative_to(path, ".");
	nl_config_defaults(cfg, dir);
	free(dir);
	struct stat st;
	if (stat(path, &st) != 0) {
		if (!must_exist && errno == ENOENT)
			return NL_OK;
		return nl_fail(err, NL_ERR_CONFIG, "%s: %s", path, strerror(errno));
	}
	/* a device or a FIFO (`-c /dev/zero`) would be read for ever */
	if (!S_ISREG(st.st_mode))
		return nl_fail(err, NL_ERR_CONFIG, "%s: not a regular file", path);
	struct nl_buf text = NL_BUF_INIT;
	if (nl_read_file(path, CONFIG_MAX_FILE, &text, err) != NL_OK) {
		nl_buf_free(&text);
		return nl_recode(err, NL_ERR_CONFIG);
	}
	if (memchr(nl_buf_cstr(&text), '\0', text.len)) {
		nl_buf_free(&text);
		return nl_fail(err, NL_ERR_CONFIG, "%s: contains a NUL byte (not a text file)", path);
	}
	/* inih cuts longer lines in two and reads the rest as a line of its own */
	size_t line = 1;
	for (const char *s = nl_buf_cstr(&text), *end = s + text.len; s < end; line++) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		size_t len = (size_t)((eol ? eol : end) - s);
		if (len && s[len - 1] == '\r')
			len--;
		if (len > INI_MAX_LINE - 1) {
			nl_buf_free(&text);
			return nl_fail(err, NL_ERR_CONFIG, "%s:%zu: a line longer than %d characters", path, line,
			               INI_MAX_LINE - 1);
		}
		s = eol ? eol + 1 : end;
	}
	cfg->path = nl_xstrdup(path);
	struct config_parse p = {.cfg = cfg, .err = err, .file = path};
	int rc = ini_parse_string(nl_buf_cstr(&text), config_handler, &p);
	nl_buf_free(&text);
	if (rc < 0)
		return nl_fail(err, NL_ERR_CONFIG, "%s: cannot read", path);
	if (p.failed)
		return nl_fail(err, NL_ERR_CONFIG, "%s:%d: %s", path, rc, p.what);
	if (rc > 0)
		return nl_fail(err, NL_ERR_CONFIG, "%s:%d: syntax error (expected [section] or key = value)",
		               path, rc);
	if (!p.unsubscribe_given) {
		/* default: the reply address with an "unsubscribe" subject, read by `collect` */
		free(cfg->unsubscribe_mailto);
		cfg->unsubscribe_mailto = nl_xasprintf("mailto:%s?subject=unsubscribe", cfg->reply_to);
	}
	return NL_OK;
}

char *nl_config_template_path(const struct nl_config *cfg, const char *file)
{
	char *own = nl_xasprintf("%s/%s", cfg->templates ? cfg->templates : "templates", file);
#ifdef NL_DEFAULT_TEMPLATES
	struct stat st;
	if (stat(own, &st) != 0 && errno == ENOENT) {
		char *fallback = nl_xasprintf("%s/%s", NL_DEFAULT_TEMPLATES, file);
		if (stat(fallback, &st) == 0) {
			free(own);
			return fallback;
		}
		free(fallback);
	}
#endif
	return own; /* a missing file is reported under the publisher's own path */
}

void nl_config_free(struct nl_config *cfg)
{
	if (!cfg)
		return;
	char **strings[] = {&cfg->path,
	                    &cfg->from,
	                    &cfg->reply_to,
	                    &cfg->list_id,
	                    &cfg->unsubscribe_mailto,
	                    &cfg->unsubscribe_https,
	                    &cfg->state,
	                    &cfg->templates,
	                    &cfg->subscribers,
	                    &cfg->articles,
	                    &cfg->reports,
	                    &cfg->report_to,
	                    &cfg->smtp_url,
	                    &cfg->smtp_user,
	                    &cfg->smtp_password_cmd,
	                    &cfg->smtp_password,
	                    &cfg->smtp_ca_file,
	                    &cfg->inbox_url,
	                    &cfg->inbox_user,
	                    &cfg->inbox_password_cmd,
	                    &cfg->inbox_ca_file,
	                    &cfg->inbox_move_to};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
}

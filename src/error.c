/* error.c - error codes and their detail. */
#include "error.h"

#include <stdio.h>

const char *nl_strerror(enum nl_code code)
{
	switch (code) {
	case NL_OK:
		return "success";
	case NL_ERR_IO:
		return "input/output error";
	case NL_ERR_USAGE:
		return "invalid use";
	case NL_ERR_CONFIG:
		return "configuration error";
	case NL_ERR_ARTICLE:
		return "article error";
	case NL_ERR_TEMPLATE:
		return "template error";
	case NL_ERR_SUBSCRIBER:
		return "bad subscriber row";
	case NL_ERR_LIST:
		return "subscriber list error";
	case NL_ERR_SMTP_TEMP:
		return "SMTP temporary failure";
	case NL_ERR_SMTP_PERM:
		return "SMTP permanent failure";
	case NL_ERR_SMTP_CONNECT:
		return "SMTP server unreachable";
	case NL_ERR_SMTP_UNKNOWN:
		return "SMTP outcome unknown";
	case NL_ERR_TLS:
		return "TLS error";
	case NL_ERR_AUTH:
		return "authentication failed";
	case NL_ERR_STATE:
		return "state database error";
	case NL_ERR_LOCKED:
		return "locked by another process";
	case NL_ERR_INBOX:
		return "mailbox error";
	case NL_ERR_MESSAGE:
		return "unreadable message";
	case NL_ERR_LIMIT:
		return "input over a limit";
	case NL_ERR_NOT_FOUND:
		return "not found";
	case NL_ERR_INTERNAL:
		return "internal error";
	}
	return "unknown error";
}

enum nl_code nl_vfail(struct nl_error *err, enum nl_code code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->detail, sizeof err->detail, fmt, ap);
	}
	return code;
}

enum nl_code nl_fail(struct nl_error *err, enum nl_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	nl_vfail(err, code, fmt, ap);
	va_end(ap);
	return code;
}

enum nl_code nl_recode(struct nl_error *err, enum nl_code code)
{
	if (err)
		err->code = code;
	return code;
}

void nl_error_clear(struct nl_error *err)
{
	if (err) {
		err->code = NL_OK;
		err->detail[0] = '\0';
	}
}

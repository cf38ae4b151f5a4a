/* util.c - the clock, files, paths, ASCII and UTF-8 helpers, password_cmd. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static time_t util_pinned_now;

time_t nl_now(void)
{
	return util_pinned_now ? util_pinned_now : time(NULL);
}

void nl_now_set(time_t t)
{
	util_pinned_now = t;
}

static bool util_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long util_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool nl_parse_iso8601(const char *s, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (strlen(s) < 10 || !util_digits(s, 4, &y) || s[4] != '-' || !util_digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !util_digits(s + 8, 2, &d))
		return false;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return false;
	const char *p = s + 10;
	long offset = 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (!util_digits(p + 1, 2, &h) || p[3] != ':' || !util_digits(p + 4, 2, &mi))
			return false;
		p += 6;
		if (*p == ':') {
			if (!util_digits(p + 1, 2, &sec))
				return false;
			p += 3;
			if (*p == '.') /* fractional seconds are accepted and ignored */
				for (p++; *p >= '0' && *p <= '9'; p++)
					;
		}
		if (h > 23 || mi > 59 || sec > 60)
			return false;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (!util_digits(p + 1, 2, &oh) || p[3] != ':' || !util_digits(p + 4, 2, &om) ||
			    oh > 23 || om > 59)
				return false;
			offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
			p += 6;
		}
	}
	if (*p != '\0')
		return false;
	long long t = util_days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + sec - offset;
	*out = (time_t)t;
	return true;
}

void nl_format_rfc5322_date(time_t t, char out[40])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
	         months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void nl_format_iso8601(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reads fd to its end into out (nl_read_file); `regular`: a short read is the end, so no read
 * that returns 0 is needed, and an EAGAIN (a FIFO put in the file's place) is an empty end. */
static enum nl_code util_read_fd(int fd, const char *path, size_t max, bool regular, struct nl_buf *out,
                                 struct nl_error *err)
{
	char chunk[65536];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (regular && errno == EAGAIN)
				break;
			return nl_fail(err, NL_ERR_IO, "%s: %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (max && total > max)
			return nl_fail(err, NL_ERR_LIMIT, "%s: larger than %zu bytes", path, max);
		nl_buf_append(out, chunk, (size_t)n);
		if (regular && (size_t)n < sizeof chunk)
			break;
	}
	return NL_OK;
}

enum nl_code nl_read_file(const char *path, size_t max, struct nl_buf *out, struct nl_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nl_fail(err, errno == ENOENT ? NL_ERR_NOT_FOUND : NL_ERR_IO, "%s: %s", path, strerror(errno));
	enum nl_code rc = util_read_fd(fd, path, max, false, out, err);
	close(fd);
	return rc;
}

enum nl_code nl_read_regular_file(const char *path, size_t max, struct nl_buf *out, struct nl_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return nl_fail(err, errno == ENOENT ? NL_ERR_NOT_FOUND : NL_ERR_IO, "%s: %s", path, strerror(errno));
	enum nl_code rc = util_read_fd(fd, path, max, true, out, err);
	close(fd);
	return rc;
}

enum nl_code nl_write_file_atomic(const char *path, const void *data, size_t len, struct nl_error *err)
{
	enum nl_code rc = NL_OK;
	/* A new name made by mkstemp (O_CREAT|O_EXCL, mode 0600) in the target's directory: a name
	 * someone planted there (a symlink to another file) is never written through. */
	char *tmp = nl_xasprintf("%s.XXXXXX", path);
	char *dir = nl_path_relative_to(path, ".");
	int fd = mkstemp(tmp);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (fd < 0) {
		rc = nl_fail(err, NL_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = nl_fail(err, NL_ERR_IO, "%s: %s", tmp, strerror(errno));
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (rc == NL_OK && fsync(fd) != 0)
		rc = nl_fail(err, NL_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == NL_OK)
		rc = nl_fail(err, NL_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (rc == NL_OK && rename(tmp, path) != 0)
		rc = nl_fail(err, NL_ERR_IO, "%s: %s", path, strerror(errno));
	if (rc != NL_OK) {
		unlink(tmp);
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) { /* the rename itself must survive a crash */
		fsync(dfd);
		close(dfd);
	}
out:
	free(tmp);
	free(dir);
	return rc;
}

char *nl_path_relative_to(const char *file, const char *rel)
{
	if (rel[0] == '/')
		return nl_xstrdup(rel);
	const char *slash = strrchr(file, '/');
	if (!slash)
		return nl_xstrdup(rel);
	if (strcmp(rel, ".") == 0)
		return nl_xstrndup(file, (size_t)(slash - file) + (slash == file));
	return nl_xasprintf("%.*s/%s", (int)(slash - file), file, rel);
}

enum nl_code nl_mkdirs(const char *dir, struct nl_error *err)
{
	char *path = nl_xstrdup(dir);
	enum nl_code rc = NL_OK;
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) { /* reports, previews, the outbox: private */
			rc = nl_fail(err, NL_ERR_IO, "%s: %s", path, strerror(errno));
			break;
		}
		*p = saved;
		if (!saved)
			break;
	}
	free(path);
	return rc;
}

int nl_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int util_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int nl_ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int d = util_lower((unsigned char)*a) - util_lower((unsigned char)*b);
		if (d || !*a)
			return d;
	}
}

int nl_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int d = util_lower((unsigned char)a[i]) - util_lower((unsigned char)b[i]);
		if (d || !a[i])
			return d;
	}
	return 0;
}

char *nl_ascii_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)util_lower((unsigned char)*p);
	return s;
}

size_t nl_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--; /* s[max] continues a character: cut before the character starts */
	return max;
}

size_t nl_utf8_decode(const char *str, size_t len, unsigned *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2, min = 0x80, c &= 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, min = 0x800, c &= 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

bool nl_utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = nl_utf8_decode(s + i, len - i, &cp);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

size_t nl_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int util_cp_width(unsigned cp)
{
	if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || cp == 0xFE0F ||
	    (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x20D0 && cp <= 0x20FF))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
	    (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
		return 2;
	return 1;
}

size_t nl_utf8_width(const char *s, size_t len)
{
	size_t width = 0;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = nl_utf8_decode(s + i, len - i, &cp);
		if (!n) {
			width++;
			i++;
			continue;
		}
		width += (size_t)util_cp_width(cp);
		i += n;
	}
	return width;
}

/* ---- password_cmd ---- */

/* Starts `/bin/sh -c cmd` with its stdout on a pipe, whose read end goes to *out_fd.  SIGPIPE is put
 * back to its default in the child: mailer collect ignores it, an ignored signal stays ignored
 * across exec, and a command that prints too much must die when the pipe is closed rather than
 * write on for ever.  Returns 0 or an errno. */
static int util_spawn_reader(const char *cmd, pid_t *pid, int *out_fd)
{
	int fds[2];
	if (pipe(fds) != 0)
		return errno;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	/* With stdout closed the write end may be fd 1 itself: then dup2 is a no-op and it must stay
	 * open across exec. */
	if (fds[1] != STDOUT_FILENO)
		fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t sigpipe;
	sigemptyset(&sigpipe);
	sigaddset(&sigpipe, SIGPIPE);
	int rc = posix_spawn_file_actions_init(&actions);
	if (rc == 0) {
		rc = posix_spawnattr_init(&attr);
		if (rc == 0) {
			char *argv[] = {NL_UNCONST("/bin/sh"), NL_UNCONST("-c"), NL_UNCONST(cmd), NULL};
			if (fds[1] != STDOUT_FILENO)
				rc = posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
			if (rc == 0)
				rc = posix_spawnattr_setsigdefault(&attr, &sigpipe);
			if (rc == 0)
				rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
			if (rc == 0)
				rc = posix_spawn(pid, "/bin/sh", &actions, &attr, argv, environ);
			posix_spawnattr_destroy(&attr);
		}
		posix_spawn_file_actions_destroy(&actions);
	}
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return rc;
	}
	*out_fd = fds[0];
	return 0;
}

/* Reads fd into buf (room for max + 1 bytes) until its end or until it holds more than max bytes;
 * *len is how much it holds.  read(2), not stdio: no buffer of libc's keeps a copy of the password.
 * Returns 0 or an errno. */
static int util_read_bounded(int fd, char *buf, size_t max, size_t *len)
{
	*len = 0;
	while (*len <= max) {
		ssize_t n = read(fd, buf + *len, max + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

enum nl_code nl_password_from_command(const char *section, const char *cmd, char **out, struct nl_error *err)
{
	*out = NULL;
	pid_t pid;
	int fd;
	int spawn_errno = util_spawn_reader(cmd, &pid, &fd);
	if (spawn_errno != 0)
		return nl_fail(err, NL_ERR_CONFIG, "[%s] password_cmd: cannot run it: %s", section,
		               strerror(spawn_errno));
	char *buf = nl_xmalloc(NL_PASSWORD_OUTPUT_MAX + 1);
	size_t len;
	int read_errno = util_read_bounded(fd, buf, NL_PASSWORD_OUTPUT_MAX, &len);
	close(fd); /* before the wait: a command still printing gets SIGPIPE instead of blocking us */
	int status = 0;
	pid_t waited;
	while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	int wait_errno = waited < 0 ? errno : 0;
	const char *newline = memchr(buf, '\n', len);
	size_t line_len = newline ? (size_t)(newline - buf) : len;
	while (line_len > 0 && buf[line_len - 1] == '\r')
		line_len--;
	enum nl_code code = NL_ERR_CONFIG;
	/* Never the output itself in a message: it may be the password. */
	if (read_errno != 0)
		nl_fail(err, code, "[%s] password_cmd: cannot read its output: %s", section,
		        strerror(read_errno));
	else if (len > NL_PASSWORD_OUTPUT_MAX)
		nl_fail(err, code,
		        "[%s] password_cmd printed more than %d bytes; it should print the password alone",
		        section, NL_PASSWORD_OUTPUT_MAX);
	else if (wait_errno != 0)
		nl_fail(err, code, "[%s] password_cmd: cannot wait for it: %s", section,
		        strerror(wait_errno));
	else if (WIFSIGNALED(status))
		nl_fail(err, code, "[%s] password_cmd was killed by signal %d", section, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0) /* not signalled, so it exited */
		nl_fail(err, code, "[%s] password_cmd exited with status %d", section, WEXITSTATUS(status));
	else if (line_len == 0)
		nl_fail(err, code, "[%s] password_cmd printed no password", section);
	else if (memchr(buf, '\0', line_len))
		nl_fail(err, code, "[%s] password_cmd printed a password with a NUL byte in it", section);
	else {
		*out = nl_xstrndup(buf, line_len);
		code = NL_OK;
	}
	explicit_bzero(buf, NL_PASSWORD_OUTPUT_MAX + 1);
	free(buf);
	return code;
}

void nl_password_free(char *password)
{
	if (!password)
		return;
	explicit_bzero(password, strlen(password));
	free(password);
}

int nl_thread_start(pthread_t *thread, void *(*run)(void *), void *arg)
{
	/* the new thread starts with every signal blocked: they stay with the main thread, whose
	 * handlers expect them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(thread, NULL, run, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* store.c - the SQLite state (doc/DESIGN.md §5).
 *
 * One file in WAL mode with synchronous=FULL, so a commit is on disk before the call returns.  The
 * sender defers that sync (nl_store_defer_sync: NORMAL, plus an fdatasync of the WAL on its own
 * descriptor from another thread) so that the fsync overlaps its network work; it acts on a commit
 * only once that sync has returned, so "sent" is still durable before the connection that produced
 * it may complete another message.  The schema version is SQLite's user_version; store_migrate()
 * brings any earlier version up to date inside one transaction (a failed step leaves the file as it
 * was).  Statements are prepared once and
 * cached: the sender calls a few of them per message.  Addresses compare case-insensitively
 * (COLLATE NOCASE: ASCII, as RFC 5321 domains are; local parts are in practice treated the same by
 * every provider we send to).
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "sha256.h"
#include "util.h"

#define STORE_STMT_CACHE 48
#define STORE_BUSY_TIMEOUT_MS 5000

struct nl_store {
	sqlite3 *db;
	char *path;
	struct {
		const char *sql; /* cache key: the address of a static string */
		sqlite3_stmt *stmt;
	} cache[STORE_STMT_CACHE];
	size_t n_cache;
	int wal_fd;     /* with deferred syncs: the WAL, for nl_store_sync; -1 otherwise */
	char *wal_path; /* and its name */
	int forgotten;  /* addresses forgotten by keyed hash: -1 not looked yet, 0 none, 1 some */
};

/* Schema version 1.  Each later version appends a migration step to store_migrations. */
static const char store_schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB);"
    "CREATE TABLE campaigns(id TEXT PRIMARY KEY, subject TEXT, article_path TEXT, source TEXT,"
    " due INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, completed INTEGER NOT NULL DEFAULT 0,"
    " report_mailed INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE deliveries(campaign TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE, name TEXT,"
    " token TEXT NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt INTEGER NOT NULL DEFAULT 0, reply TEXT, updated INTEGER NOT NULL,"
    " PRIMARY KEY(campaign, email));"
    "CREATE UNIQUE INDEX deliveries_token ON deliveries(token);"
    "CREATE INDEX deliveries_email ON deliveries(email, updated);"
    "CREATE TABLE suppressions(email TEXT PRIMARY KEY COLLATE NOCASE, reason INTEGER NOT NULL, detail TEXT,"
    " at INTEGER NOT NULL);"
    "CREATE TABLE inbound(id INTEGER PRIMARY KEY, source TEXT, location TEXT, message_id TEXT,"
    " hash TEXT NOT NULL, class INTEGER NOT NULL, match INTEGER NOT NULL DEFAULT 0, campaign TEXT,"
    " email TEXT COLLATE NOCASE, from_address TEXT, subject TEXT, reason TEXT, answers INTEGER NOT NULL "
    "DEFAULT 0,"
    " received INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX inbound_hash ON inbound(hash);"
    "CREATE INDEX inbound_message_id ON inbound(message_id);"
    "CREATE INDEX inbound_campaign ON inbound(campaign, class);"
    "CREATE TABLE answers(campaign TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE, question TEXT NOT NULL,"
    " readable INTEGER NOT NULL, value TEXT, raw TEXT, match INTEGER NOT NULL, inbound_id INTEGER,"
    " answered INTEGER NOT NULL, PRIMARY KEY(campaign, email, question));"
    "CREATE TABLE bounces(id INTEGER PRIMARY KEY, campaign TEXT, email TEXT NOT NULL COLLATE NOCASE,"
    " status TEXT, hard INTEGER NOT NULL, inbound_id INTEGER, at INTEGER NOT NULL);"
    "CREATE INDEX bounces_email ON bounces(email);"
    "CREATE TABLE cursors(mailbox TEXT PRIMARY KEY, uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT "
    "NULL);";

/* Version 2 (issue 12): the parsed survey and title with the campaign, a reply's own words with
 * its message, and the level and rule of each answer.  Columns are added, never rewritten: a
 * version-1 row reads as "not kept" (NULL) and "no" (0). */
static const char store_schema_v2[] =
    "ALTER TABLE campaigns ADD COLUMN survey TEXT;"
    "ALTER TABLE campaigns ADD COLUMN title TEXT;"
    "ALTER TABLE inbound ADD COLUMN own_words TEXT;"
    "ALTER TABLE inbound ADD COLUMN contact TEXT;"
    "ALTER TABLE inbound ADD COLUMN unread_words INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE answers ADD COLUMN likely INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE answers ADD COLUMN rule TEXT;"
    "ALTER TABLE answers ADD COLUMN settled INTEGER NOT NULL DEFAULT 0;";

static const char *const store_migrations[] = {
    store_schema_v1, /* 0 -> 1 */
    store_schema_v2, /* 1 -> 2 */
};
_Static_assert(sizeof store_migrations / sizeof *store_migrations == NL_STORE_SCHEMA_VERSION,
               "one migration step per schema version");

/* ---- errors and statements ---- */

static enum nl_code store_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return NL_ERR_LOCKED;
	default:
		return NL_ERR_STATE;
	}
}

static enum nl_code store_fail(struct nl_store *s, int rc, struct nl_error *err, const char *what)
{
	const char *hint = "";
	switch (rc & 0xff) {
	case SQLITE_READONLY:
		hint = " (the state file or its directory is read-only)";
		break;
	case SQLITE_FULL:
		hint = " (the disk is full: nothing was written)";
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		hint = " (the file is not a mailer state database, or it is corrupt)";
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		hint = " (another mailer process holds the state)";
		break;
	case SQLITE_CANTOPEN:
		hint = " (cannot open the file)";
		break;
	}
	const char *msg = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	return nl_fail(err, store_code(rc), "%s: %s: %s%s", s && s->path ? s->path : "state", what, msg,
	               hint);
}

/* The cached prepared statement for `sql` (a static string), reset and unbound. */
static sqlite3_stmt *store_stmt(struct nl_store *s, const char *sql, struct nl_error *err)
{
	for (size_t i = 0; i < s->n_cache; i++) {
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].stmt);
			sqlite3_clear_bindings(s->cache[i].stmt);
			return s->cache[i].stmt;
		}
	}
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, err, "prepare");
		return NULL;
	}
	if (s->n_cache < STORE_STMT_CACHE) {
		s->cache[s->n_cache].sql = sql;
		s->cache[s->n_cache].stmt = stmt;
		s->n_cache++;
	}
	/* A full cache is a bug in this file (more distinct statements than slots); the statement
	 * still works but leaks until close, so the cache size is checked by the unit test. */
	return stmt;
}

static void store_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static char *store_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return v ? nl_xstrdup((const char *)v) : NULL;
}

/* Runs a statement that returns no rows. */
static enum nl_code store_done(struct nl_store *s, sqlite3_stmt *st, struct nl_error *err, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, err, what);
	return NL_OK;
}

static enum nl_code store_exec(struct nl_store *s, const char *sql, struct nl_error *err, const char *what)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, err, what);
	return NL_OK;
}

/* ---- open, migrate, close ---- */

static enum nl_code store_make_secret(struct nl_store *s, struct nl_error *err)
{
	unsigned char secret[NL_SECRET_LEN];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, secret, sizeof secret) != (ssize_t)sizeof secret) {
		if (fd >= 0)
			close(fd);
		return nl_fail(err, NL_ERR_IO, "/dev/urandom: %s", strerror(errno));
	}
	close(fd);
	static const char sql[] = "INSERT INTO meta(key, value) VALUES('secret', ?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	sqlite3_bind_blob(st, 1, secret, sizeof secret, SQLITE_TRANSIENT);
	return store_done(s, st, err, "creating the token secret");
}

/* True if the file already holds tables: version 0 with tables is someone else's database. */
static bool store_has_tables(struct nl_store *s)
{
	sqlite3_stmt *st = NULL;
	bool any = true; /* when in doubt, touch nothing */
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		any = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return any;
}

static enum nl_code store_migrate(struct nl_store *s, struct nl_error *err)
{
	int version = nl_store_schema_version(s);
	if (version < 0)
		return store_fail(s, SQLITE_NOTADB, err, "reading the schema version");
	if (version > NL_STORE_SCHEMA_VERSION)
		return nl_fail(err, NL_ERR_STATE,
		               "%s: schema version %d is newer than this mailer understands (%d)", s->path,
		               version, NL_STORE_SCHEMA_VERSION);
	if (version == NL_STORE_SCHEMA_VERSION)
		return NL_OK;
	enum nl_code rc = nl_store_begin(s, err);
	if (rc != NL_OK)
		return rc;
	for (int v = version; v < NL_STORE_SCHEMA_VERSION && rc == NL_OK; v++)
		rc = store_exec(s, store_migrations[v], err, "migrating the schema");
	if (rc == NL_OK && version == 0)
		rc = store_make_secret(s, err);
	if (rc == NL_OK) {
		char *sql = nl_xasprintf("PRAGMA user_version = %d", NL_STORE_SCHEMA_VERSION);
		rc = store_exec(s, sql, err, "setting the schema version");
		free(sql);
	}
	if (rc == NL_OK)
		return nl_store_commit(s, err);
	nl_store_rollback(s);
	return rc;
}

/* A state that others may read (made under umask 022 before mailer set its own, or copied):
 * others could read the subscribers' replies and forge tokens with its secret.  Made 0600 with
 * its journals, and said once on stderr (the next open finds it private), as msmtp and mbsync
 * warn about their secrets. */
static void store_tighten(const char *path, int fd, mode_t mode)
{
	if (fchmod(fd, mode & 0700) != 0) {
		fprintf(
		    stderr,
		    "mailer: warning: %s is readable by others (mode %04o) and cannot be made private: %s\n",
		    path, (unsigned)(mode & 07777), strerror(errno));
		return;
	}
	static const char *const journals[] = {"-wal", "-shm", ".lock"};
	for (size_t i = 0; i < 3; i++) {
		char *j = nl_xasprintf("%s%s", path, journals[i]);
		struct stat st;
		if (lstat(j, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
			(void)chmod(j, st.st_mode & 0700);
		free(j);
	}
	fprintf(stderr, "mailer: warning: %s was readable by others (mode %04o); it is now %04o\n", path,
	        (unsigned)(mode & 07777), (unsigned)(mode & 0700));
}

/* Before SQLite sees the file: SQLite takes an empty file for a new database, and opens a truncated
 * one until a query reaches a missing page.  Ours is never empty (the first open writes the header
 * before anything else), so an empty or cut state is a damaged one (a full disk, a bad copy, a
 * `> state.db`), and starting afresh over it would mail every issue again with a new secret. */
static enum nl_code store_check_file(const char *path, struct nl_error *err)
{
	static const char advice[] = "restore it from a backup, or remove it to start afresh on purpose";
	/* SQLite makes its journals itself, following a symlink: one planted in a shared directory
	 * would have it write the state's pages into another file */
	static const char *const journals[] = {"-wal", "-shm"};
	for (size_t i = 0; i < 2; i++) {
		char *j = nl_xasprintf("%s%s", path, journals[i]);
		struct stat jst;
		bool bad = lstat(j, &jst) == 0 && !S_ISREG(jst.st_mode);
		enum nl_code jrc =
		    bad ? nl_fail(err, NL_ERR_STATE, "%s: the state's journal is %s, not a file: refused", j,
		                  S_ISLNK(jst.st_mode) ? "a symlink" : "something else")
		        : NL_OK;
		free(j);
		if (jrc != NL_OK)
			return jrc;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NL_OK; /* missing: a new state; unreadable: SQLite says why */
	struct stat st, wal;
	unsigned char h[100];
	enum nl_code rc = NL_OK;
	char *wal_path = nl_xasprintf("%s-wal", path);
	/* Pages not yet checkpointed live in the WAL, and a checkpoint cut short (a full disk) leaves
	 * the file shorter than its header says: SQLite completes it from the WAL. */
	bool pending = stat(wal_path, &wal) == 0 && wal.st_size > 0;
	free(wal_path);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
		store_tighten(path, fd, st.st_mode);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || pending) {
		/* not a file (SQLite refuses it), or the WAL has the rest */
	} else if (st.st_size == 0) {
		rc = nl_fail(err, NL_ERR_STATE,
		             "%s: the state is empty (0 bytes): damaged, not new; refusing to start a new "
		             "one over it, which would send everything again (%s)",
		             path, advice);
	} else if (pread(fd, h, sizeof h, 0) == (ssize_t)sizeof h && memcmp(h, "SQLite format 3", 16) == 0) {
		/* the header's page size (1 means 65536) times its page count: the file is at least that */
		unsigned long page = (unsigned long)h[16] << 8 | h[17];
		if (page == 1)
			page = 65536;
		unsigned long pages = (unsigned long)h[28] << 24 | (unsigned long)h[29] << 16 |
		                      (unsigned long)h[30] << 8 | h[31];
		if ((unsigned long long)st.st_size < (unsigned long long)page * pages)
			rc = nl_fail(err, NL_ERR_STATE,
			             "%s: the state is cut short (%lld bytes; its header says %llu): damaged; "
			             "refusing to use it (%s)",
			             path, (long long)st.st_size, (unsigned long long)page * pages, advice);
	}
	close(fd);
	return rc;
}

enum nl_code nl_store_open(const char *path, struct nl_store **out, struct nl_error *err)
{
	*out = NULL;
	struct nl_store *s = nl_xcalloc(1, sizeof *s);
	s->path = nl_xstrdup(path);
	s->wal_fd = -1;
	s->forgotten = -1;
	enum nl_code rc;
	/* SQLite takes an empty file for a new database.  Ours never is one (the first open writes the
	 * header before anything else), so an empty state is a damaged one — a full disk, a bad copy, a
	 * `> state.db` — and starting afresh would mail every issue again with a new secret. */
	if ((rc = store_check_file(path, err)) != NL_OK)
		goto fail;
	int src = sqlite3_open_v2(path, &s->db,
	                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK) {
		rc = store_fail(s, src, err, "open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	/* Someone else's SQLite file is refused before anything (even the journal mode) changes it. */
	if (nl_store_schema_version(s) == 0 && store_has_tables(s)) {
		rc = nl_fail(err, NL_ERR_STATE,
		             "%s: an SQLite database of something else, not a mailer state "
		             "database; refusing to change it",
		             s->path);
		goto fail;
	}
	/* WAL survives a crash of this process with every committed row; FULL makes it survive a
	 * crash of the machine too. */
	if ((rc = store_exec(s, "PRAGMA journal_mode=WAL", err, "enabling WAL")) != NL_OK ||
	    (rc = store_exec(s, "PRAGMA synchronous=FULL", err, "setting synchronous")) != NL_OK ||
	    (rc = store_exec(s, "PRAGMA foreign_keys=ON", err, "enabling foreign keys")) != NL_OK)
		goto fail;
	if ((rc = store_migrate(s, err)) != NL_OK)
		goto fail;
	*out = s;
	return NL_OK;
fail:
	nl_store_close(s);
	return rc;
}

void nl_store_close(struct nl_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_cache; i++)
		sqlite3_finalize(s->cache[i].stmt);
	sqlite3_close(s->db);
	if (s->wal_fd >= 0)
		close(s->wal_fd);
	free(s->wal_path);
	free(s->path);
	free(s);
}

int nl_store_schema_version(struct nl_store *s)
{
	sqlite3_stmt *st = NULL;
	int version = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

enum nl_code nl_store_secret(struct nl_store *s, unsigned char out[NL_SECRET_LEN], struct nl_error *err)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = 'secret'";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || sqlite3_column_bytes(st, 0) != NL_SECRET_LEN) {
		sqlite3_reset(st);
		return nl_fail(err, NL_ERR_STATE, "%s: the token secret is missing or damaged", s->path);
	}
	memcpy(out, sqlite3_column_blob(st, 0), NL_SECRET_LEN);
	sqlite3_reset(st);
	return NL_OK;
}

enum nl_code nl_store_begin(struct nl_store *s, struct nl_error *err)
{
	return store_exec(s, "BEGIN IMMEDIATE", err, "begin");
}

enum nl_code nl_store_begin_read(struct nl_store *s, struct nl_error *err)
{
	return store_exec(s, "BEGIN", err, "begin reading");
}

enum nl_code nl_store_commit(struct nl_store *s, struct nl_error *err)
{
	enum nl_code rc = store_exec(s, "COMMIT", err, "commit");
	if (rc != NL_OK)
		nl_store_rollback(s);
	return rc;
}

/* True if the WAL's name no longer leads to the file our descriptor syncs. */
static bool store_wal_replaced(const struct nl_store *s)
{
	struct stat ours, now;
	return fstat(s->wal_fd, &ours) != 0 || stat(s->wal_path, &now) != 0 || ours.st_dev != now.st_dev ||
	       ours.st_ino != now.st_ino;
}

enum nl_code nl_store_defer_sync(struct nl_store *s, bool on, struct nl_error *err)
{
	if (!on) {
		if (s->wal_fd < 0)
			return NL_OK;
		/* SQLite keeps its WAL while this connection is open, so our descriptor cannot lose it;
		 * should that ever happen, the syncs were worthless, and it is said here.  Checked once,
		 * not at every sync: a stat next to each fdatasync made the fdatasync about 60 us
		 * slower (ext4). */
		bool replaced = store_wal_replaced(s);
		/* Until the pragma holds, syncs stay possible (it fails inside a transaction). */
		enum nl_code rc = store_exec(s, "PRAGMA synchronous=FULL", err, "setting synchronous");
		if (rc != NL_OK)
			return rc;
		close(s->wal_fd);
		s->wal_fd = -1;
		if (replaced)
			rc = nl_fail(err, NL_ERR_STATE,
			             "%s: the journal was replaced while its syncs were deferred; the last "
			             "commits may not be durable",
			             s->wal_path);
		free(s->wal_path);
		s->wal_path = NULL;
		return rc;
	}
	if (s->wal_fd >= 0)
		return NL_OK;
	/* SQLite's own name for the WAL (beside the real file when the state is a symbolic link).  It
	 * exists while this connection is open (SQLite removes it only when the last one closes);
	 * turning deferral off checks that it still was the same file. */
	const char *db_file = sqlite3_db_filename(s->db, "main");
	const char *wal_name = db_file && *db_file ? sqlite3_filename_wal(db_file) : NULL;
	if (!wal_name || !*wal_name)
		return nl_fail(err, NL_ERR_STATE, "%s: SQLite names no journal file", s->path);
	char *wal = nl_xstrdup(wal_name);
	int fd = open(wal, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		enum nl_code rc =
		    nl_fail(err, NL_ERR_STATE, "%s: cannot open the journal: %s", wal, strerror(errno));
		free(wal);
		return rc;
	}
	/* In WAL mode NORMAL leaves out one sync of FULL, the WAL's at each commit (checkpoints and the
	 * header of a restarted WAL are still synced), which nl_store_sync does.  That is all FULL
	 * adds as long as SQLite assumes powersafe overwrite (its default, never turned off here);
	 * otherwise FULL would also pad each commit to a sector. */
	enum nl_code rc = store_exec(s, "PRAGMA synchronous=NORMAL", err, "setting synchronous");
	if (rc != NL_OK) {
		close(fd);
		free(wal);
		return rc;
	}
	s->wal_fd = fd;
	s->wal_path = wal;
	return NL_OK;
}

enum nl_code nl_store_sync(struct nl_store *s, struct nl_error *err)
{
	if (s->wal_fd < 0)
		return NL_OK; /* every commit synced itself */
	if (fdatasync(s->wal_fd) != 0)
		return nl_fail(err, NL_ERR_STATE, "%s: cannot make the journal durable: %s", s->wal_path,
		               strerror(errno));
	return NL_OK;
}

void nl_store_rollback(struct nl_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- campaigns ---- */

void nl_campaign_clear(struct nl_campaign *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->subject);
	free(c->article_path);
	free(c->source);
	free(c->survey);
	free(c->title);
	memset(c, 0, sizeof *c);
}

#define STORE_CAMPAIGN_COLS                                                                                  \
	"id, subject, article_path, source, due, created, completed, report_mailed, survey, title"

static void store_read_campaign(sqlite3_stmt *st, struct nl_campaign *c)
{
	c->id = store_col_text(st, 0);
	c->subject = store_col_text(st, 1);
	c->article_path = store_col_text(st, 2);
	c->source = store_col_text(st, 3);
	c->due = (time_t)sqlite3_column_int64(st, 4);
	c->created = (time_t)sqlite3_column_int64(st, 5);
	c->completed = (time_t)sqlite3_column_int64(st, 6);
	c->report_mailed = (time_t)sqlite3_column_int64(st, 7);
	c->survey = store_col_text(st, 8);
	c->title = store_col_text(st, 9);
}

enum nl_code nl_store_campaign_ensure(struct nl_store *s, const char *id, const char *subject,
                                      const char *article_path, const char *source, time_t due,
                                      struct nl_error *err)
{
	static const char sql[] =
	    "INSERT INTO campaigns(id, subject, article_path, source, due, created) VALUES(?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT(id) DO UPDATE SET subject = excluded.subject, article_path = excluded.article_path,"
	    " source = excluded.source, due = excluded.due";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, id);
	store_text(st, 2, subject);
	store_text(st, 3, article_path);
	store_text(st, 4, source);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)due);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)nl_now());
	return store_done(s, st, err, "recording the campaign");
}

enum nl_code nl_store_campaign_set_survey(struct nl_store *s, const char *id, const char *survey_text,
                                          const char *title, struct nl_error *err)
{
	static const char sql[] = "UPDATE campaigns SET survey = ?, title = ? WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, survey_text);
	store_text(st, 2, title);
	store_text(st, 3, id);
	enum nl_code rc = store_done(s, st, err, "recording the campaign's survey");
	if (rc == NL_OK && sqlite3_changes(s->db) == 0)
		rc = nl_fail(err, NL_ERR_NOT_FOUND, "%s: no campaign '%s'", s->path, id);
	return rc;
}

static enum nl_code store_campaign_one(struct nl_store *s, sqlite3_stmt *st, struct nl_campaign *out,
                                       const char *what, struct nl_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = sqlite3_step(st);
	enum nl_code code = NL_OK;
	if (rc == SQLITE_ROW)
		store_read_campaign(st, out);
	else if (rc == SQLITE_DONE)
		code = nl_fail(err, NL_ERR_NOT_FOUND, "%s: no campaign %s", s->path, what);
	else
		code = store_fail(s, rc, err, "reading a campaign");
	sqlite3_reset(st);
	return code;
}

enum nl_code nl_store_campaign_get(struct nl_store *s, const char *id, struct nl_campaign *out,
                                   struct nl_error *err)
{
	static const char sql[] = "SELECT " STORE_CAMPAIGN_COLS " FROM campaigns WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, id);
	char what[300];
	snprintf(what, sizeof what, "'%s'", id);
	return store_campaign_one(s, st, out, what, err);
}

enum nl_code nl_store_campaign_latest(struct nl_store *s, struct nl_campaign *out, struct nl_error *err)
{
	static const char sql[] =
	    "SELECT " STORE_CAMPAIGN_COLS " FROM campaigns ORDER BY created DESC, rowid DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	return store_campaign_one(s, st, out, "yet (nothing has been sent)", err);
}

enum nl_code nl_store_campaign_each(struct nl_store *s, bool (*fn)(const struct nl_campaign *, void *),
                                    void *ud, struct nl_error *err)
{
	/* Not cached: the callback may call back into the store. */
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    s->db, "SELECT " STORE_CAMPAIGN_COLS " FROM campaigns ORDER BY created, rowid", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, err, "listing campaigns");
	enum nl_code code = NL_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct nl_campaign c = {0};
		store_read_campaign(st, &c);
		bool more = fn(&c, ud);
		nl_campaign_clear(&c);
		if (!more)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		code = store_fail(s, rc, err, "listing campaigns");
	sqlite3_finalize(st);
	return code;
}

enum nl_code nl_store_campaign_set_completed(struct nl_store *s, const char *id, time_t when,
                                             struct nl_error *err)
{
	static const char sql[] = "UPDATE campaigns SET completed = ? WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)when);
	store_text(st, 2, id);
	return store_done(s, st, err, "marking the campaign complete");
}

enum nl_code nl_store_campaign_set_report_mailed(struct nl_store *s, const char *id, time_t when,
                                                 struct nl_error *err)
{
	static const char sql[] = "UPDATE campaigns SET report_mailed = ? WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)when);
	store_text(st, 2, id);
	return store_done(s, st, err, "recording the mailed report");
}

/* ---- deliveries ---- */

const char *nl_delivery_state_name(enum nl_delivery_state state)
{
	switch (state) {
	case NL_DELIVERY_NONE:
		return "none";
	case NL_DELIVERY_SENDING:
		return "sending";
	case NL_DELIVERY_SENT:
		return "sent";
	case NL_DELIVERY_DEFERRED:
		return "deferred";
	case NL_DELIVERY_FAILED:
		return "failed";
	case NL_DELIVERY_UNKNOWN:
		return "unknown";
	}
	return "invalid";
}

void nl_delivery_clear(struct nl_delivery *d)
{
	if (!d)
		return;
	free(d->campaign);
	free(d->email);
	free(d->name);
	free(d->reply);
	memset(d, 0, sizeof *d);
}

#define STORE_DELIVERY_COLS "campaign, email, name, token, state, attempts, next_attempt, reply, updated"

static void store_read_delivery(sqlite3_stmt *st, struct nl_delivery *d)
{
	d->campaign = store_col_text(st, 0);
	d->email = store_col_text(st, 1);
	d->name = store_col_text(st, 2);
	const unsigned char *token = sqlite3_column_text(st, 3);
	snprintf(d->token, sizeof d->token, "%s", token ? (const char *)token : "");
	d->state = (enum nl_delivery_state)sqlite3_column_int(st, 4);
	d->attempts = sqlite3_column_int(st, 5);
	d->next_attempt = (time_t)sqlite3_column_int64(st, 6);
	d->reply = store_col_text(st, 7);
	d->updated = (time_t)sqlite3_column_int64(st, 8);
}

/* Runs a query for at most one delivery; NL_ERR_NOT_FOUND (with no detail) when there is none. */
static enum nl_code store_delivery_one(struct nl_store *s, sqlite3_stmt *st, struct nl_delivery *out,
                                       struct nl_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = sqlite3_step(st);
	enum nl_code code = NL_OK;
	if (rc == SQLITE_ROW)
		store_read_delivery(st, out);
	else if (rc == SQLITE_DONE)
		code = NL_ERR_NOT_FOUND;
	else
		code = store_fail(s, rc, err, "reading a delivery");
	sqlite3_reset(st);
	return code;
}

enum nl_code nl_store_delivery_get(struct nl_store *s, const char *campaign, const char *email,
                                   struct nl_delivery *out, struct nl_error *err)
{
	static const char sql[] =
	    "SELECT " STORE_DELIVERY_COLS " FROM deliveries WHERE campaign = ? AND email = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, campaign);
	store_text(st, 2, email);
	enum nl_code rc = store_delivery_one(s, st, out, err);
	return rc == NL_ERR_NOT_FOUND ? NL_OK : rc; /* state NONE */
}

enum nl_code nl_store_delivery_start(struct nl_store *s, const char *campaign, const char *email,
                                     const char *name, const char *token, struct nl_error *err)
{
	static const char sql[] =
	    "INSERT INTO deliveries(campaign, email, name, token, state, attempts, updated) VALUES(?, ?, ?, "
	    "?, 1, 1, ?)"
	    " ON CONFLICT(campaign, email) DO UPDATE SET state = 1, attempts = attempts + 1,"
	    " name = excluded.name, updated = excluded.updated";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, campaign);
	store_text(st, 2, email);
	store_text(st, 3, name);
	store_text(st, 4, token);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)nl_now());
	return store_done(s, st, err, "recording the delivery start");
}

enum nl_code nl_store_delivery_finish(struct nl_store *s, const char *campaign, const char *email,
                                      enum nl_delivery_state state, const char *reply, time_t next_attempt,
                                      struct nl_error *err)
{
	static const char sql[] = "UPDATE deliveries SET state = ?, reply = ?, next_attempt = ?, updated = ? "
	                          "WHERE campaign = ? AND email = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	sqlite3_bind_int(st, 1, (int)state);
	store_text(st, 2, reply);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)next_attempt);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)nl_now());
	store_text(st, 5, campaign);
	store_text(st, 6, email);
	enum nl_code rc = store_done(s, st, err, "recording the delivery outcome");
	if (rc == NL_OK && sqlite3_changes(s->db) != 1)
		return nl_fail(err, NL_ERR_INTERNAL, "%s: no delivery of %s to %s was started", s->path,
		               campaign, email);
	return rc;
}

enum nl_code nl_store_delivery_counts(struct nl_store *s, const char *campaign,
                                      long counts[NL_DELIVERY_STATES], struct nl_error *err)
{
	static const char sql[] = "SELECT state, count(*) FROM deliveries WHERE campaign = ? GROUP BY state";
	for (int i = 0; i < NL_DELIVERY_STATES; i++)
		counts[i] = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, campaign);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int state = sqlite3_column_int(st, 0);
		if (state >= 0 && state < NL_DELIVERY_STATES)
			counts[state] = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? NL_OK : store_fail(s, rc, err, "counting deliveries");
}

enum nl_code nl_store_delivery_by_token(struct nl_store *s, const char *token, struct nl_delivery *out,
                                        struct nl_error *err)
{
	static const char sql[] = "SELECT " STORE_DELIVERY_COLS " FROM deliveries WHERE token = ?";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, token);
	return store_delivery_one(s, st, out, err);
}

enum nl_code nl_store_delivery_by_email(struct nl_store *s, const char *email, struct nl_delivery *out,
                                        struct nl_error *err)
{
	static const char sql[] =
	    "SELECT " STORE_DELIVERY_COLS " FROM deliveries WHERE email = ? AND state = 2"
	    " ORDER BY updated DESC, rowid DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, email);
	return store_delivery_one(s, st, out, err);
}

enum nl_code nl_store_delivery_each(struct nl_store *s, const char *campaign, enum nl_delivery_state state,
                                    bool (*fn)(const struct nl_delivery *, void *), void *ud,
                                    struct nl_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
	                            "SELECT " STORE_DELIVERY_COLS " FROM deliveries WHERE campaign = ?1"
	                            " AND (?2 = 0 OR state = ?2) ORDER BY rowid",
	                            -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, err, "listing deliveries");
	store_text(st, 1, campaign);
	sqlite3_bind_int(st, 2, (int)state);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct nl_delivery d = {0};
		store_read_delivery(st, &d);
		bool more = fn(&d, ud);
		nl_delivery_clear(&d);
		if (!more)
			break;
	}
	enum nl_code code =
	    rc == SQLITE_ROW || rc == SQLITE_DONE ? NL_OK : store_fail(s, rc, err, "listing deliveries");
	sqlite3_finalize(st);
	return code;
}

/* ---- suppressions ---- */

const char *nl_suppress_reason_name(enum nl_suppress_reason reason)
{
	switch (reason) {
	case NL_SUPPRESS_UNSUBSCRIBED:
		return "unsubscribed";
	case NL_SUPPRESS_BOUNCED:
		return "bounced";
	case NL_SUPPRESS_COMPLAINED:
		return "complained";
	case NL_SUPPRESS_FORGOTTEN:
		return "forgotten";
	}
	return "unknown";
}

/* The suppression key of a forgotten address: "forgotten:" and the hex of an HMAC of it under the
 * state's secret, so the state no longer holds the address, only what recognises it.  out[80]. */
static enum nl_code store_forgotten_key(struct nl_store *s, const char *email, char out[80],
                                        struct nl_error *err)
{
	unsigned char secret[NL_SECRET_LEN], mac[NL_SHA256_LEN];
	enum nl_code rc = nl_store_secret(s, secret, err);
	if (rc != NL_OK)
		return rc;
	char *msg = nl_ascii_lower(nl_xasprintf("forget\n%s", email));
	nl_hmac_sha256(secret, sizeof secret, msg, strlen(msg), mac);
	free(msg);
	memcpy(out, "forgotten:", 10);
	nl_hex(mac, sizeof mac, out + 10);
	return NL_OK;
}

/* Whether any address was forgotten by keyed hash (looked up once per open). */
static bool store_any_forgotten(struct nl_store *s)
{
	if (s->forgotten < 0) {
		sqlite3_stmt *st = NULL;
		s->forgotten = 0;
		if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM suppressions WHERE reason = 4 LIMIT 1", -1, &st,
		                       NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			s->forgotten = 1;
		sqlite3_finalize(st);
	}
	return s->forgotten == 1;
}

enum nl_code nl_store_is_suppressed(struct nl_store *s, const char *email, bool *out, struct nl_error *err)
{
	static const char sql[] = "SELECT 1 FROM suppressions WHERE email = ?1 OR email = ?2";
	*out = false;
	char key[80] = "";
	if (store_any_forgotten(s) && store_forgotten_key(s, email, key, err) != NL_OK)
		return NL_ERR_STATE;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, email);
	store_text(st, 2, key[0] ? key : NULL);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		*out = true;
	else if (rc != SQLITE_DONE)
		return store_fail(s, rc, err, "checking suppressions");
	return NL_OK;
}

enum nl_code nl_store_suppress(struct nl_store *s, const char *email, enum nl_suppress_reason reason,
                               const char *detail, struct nl_error *err)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO suppressions(email, reason, detail, at) VALUES(?, ?, ?, ?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, email);
	sqlite3_bind_int(st, 2, (int)reason);
	store_text(st, 3, detail);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)nl_now());
	return store_done(s, st, err, "suppressing an address");
}

enum nl_code nl_store_suppress_counts(struct nl_store *s, long counts[4], struct nl_error *err)
{
	static const char sql[] = "SELECT reason, count(*) FROM suppressions GROUP BY reason";
	for (int i = 0; i < 4; i++)
		counts[i] = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int reason = sqlite3_column_int(st, 0);
		if (reason > 0 && reason < 4)
			counts[reason] = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? NL_OK : store_fail(s, rc, err, "counting suppressions");
}

/* ---- inbound ---- */

const char *nl_inbound_class_name(enum nl_inbound_class c)
{
	switch (c) {
	case NL_INBOUND_ANSWER:
		return "reply";
	case NL_INBOUND_UNSUBSCRIBE:
		return "unsubscribe";
	case NL_INBOUND_BOUNCE:
		return "bounce";
	case NL_INBOUND_COMPLAINT:
		return "complaint";
	case NL_INBOUND_AUTO_REPLY:
		return "auto-reply";
	case NL_INBOUND_STRANGER:
		return "stranger";
	case NL_INBOUND_UNREADABLE:
		return "unreadable";
	case NL_INBOUND_IGNORED:
		return "ignored";
	}
	return "unknown";
}

void nl_inbound_clear(struct nl_inbound *in)
{
	if (!in)
		return;
	free(in->source);
	free(in->location);
	free(in->message_id);
	free(in->campaign);
	free(in->email);
	free(in->from_address);
	free(in->subject);
	free(in->reason);
	free(in->own_words);
	free(in->contact);
	memset(in, 0, sizeof *in);
}

enum nl_code nl_store_inbound_known(struct nl_store *s, const char *message_id, const char *hash, bool *out,
                                    struct nl_error *err)
{
	static const char sql[] =
	    "SELECT 1 FROM inbound WHERE hash = ?1 OR (?2 IS NOT NULL AND message_id = ?2) LIMIT 1";
	*out = false;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, hash);
	store_text(st, 2, message_id && *message_id ? message_id : NULL);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		*out = true;
	else if (rc != SQLITE_DONE)
		return store_fail(s, rc, err, "looking up a message");
	return NL_OK;
}

enum nl_code nl_store_inbound_add(struct nl_store *s, const struct nl_inbound *in, int64_t *id_out,
                                  struct nl_error *err)
{
	static const char sql[] =
	    "INSERT INTO inbound(source, location, message_id, hash, class, match, campaign, email, "
	    "from_address,"
	    " subject, reason, answers, received, own_words, contact, unread_words)"
	    " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, in->source);
	store_text(st, 2, in->location);
	store_text(st, 3, in->message_id);
	store_text(st, 4, in->hash);
	sqlite3_bind_int(st, 5, (int)in->cls);
	sqlite3_bind_int(st, 6, (int)in->match);
	store_text(st, 7, in->campaign);
	store_text(st, 8, in->email);
	store_text(st, 9, in->from_address);
	store_text(st, 10, in->subject);
	store_text(st, 11, in->reason);
	sqlite3_bind_int(st, 12, in->answers);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)(in->received ? in->received : nl_now()));
	store_text(st, 14, in->own_words);
	store_text(st, 15, in->contact);
	sqlite3_bind_int(st, 16, in->unread_words);
	enum nl_code rc = store_done(s, st, err, "recording an inbound message");
	if (rc == NL_OK && id_out)
		*id_out = (int64_t)sqlite3_last_insert_rowid(s->db);
	return rc;
}

enum nl_code nl_store_inbound_each(struct nl_store *s, const char *campaign,
                                   bool (*fn)(const struct nl_inbound *, void *), void *ud,
                                   struct nl_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    sqlite3_prepare_v2(s->db,
	                       "SELECT source, location, message_id, hash, class, match, campaign, email,"
	                       " from_address, subject, reason, answers, received, own_words, contact,"
	                       " unread_words, id FROM inbound"
	                       " WHERE campaign IS ?1 ORDER BY id",
	                       -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, err, "listing inbound messages");
	store_text(st, 1, campaign);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct nl_inbound in = {0};
		in.source = store_col_text(st, 0);
		in.location = store_col_text(st, 1);
		in.message_id = store_col_text(st, 2);
		const unsigned char *hash = sqlite3_column_text(st, 3);
		snprintf(in.hash, sizeof in.hash, "%s", hash ? (const char *)hash : "");
		in.cls = (enum nl_inbound_class)sqlite3_column_int(st, 4);
		in.match = (enum nl_match)sqlite3_column_int(st, 5);
		in.campaign = store_col_text(st, 6);
		in.email = store_col_text(st, 7);
		in.from_address = store_col_text(st, 8);
		in.subject = store_col_text(st, 9);
		in.reason = store_col_text(st, 10);
		in.answers = sqlite3_column_int(st, 11);
		in.received = (time_t)sqlite3_column_int64(st, 12);
		in.own_words = store_col_text(st, 13);
		in.contact = store_col_text(st, 14);
		in.unread_words = sqlite3_column_int(st, 15) != 0;
		in.id = sqlite3_column_int64(st, 16);
		bool more = fn(&in, ud);
		nl_inbound_clear(&in);
		if (!more)
			break;
	}
	enum nl_code code = rc == SQLITE_ROW || rc == SQLITE_DONE
	                        ? NL_OK
	                        : store_fail(s, rc, err, "listing inbound messages");
	sqlite3_finalize(st);
	return code;
}

enum nl_code nl_store_inbound_counts(struct nl_store *s, const char *campaign, long counts[9],
                                     struct nl_error *err)
{
	static const char sql[] = "SELECT class, count(*) FROM inbound WHERE campaign IS ? GROUP BY class";
	for (int i = 0; i < 9; i++)
		counts[i] = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, campaign);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int c = sqlite3_column_int(st, 0);
		if (c > 0 && c < 9)
			counts[c] = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? NL_OK : store_fail(s, rc, err, "counting inbound messages");
}

enum nl_code nl_store_cursor_get(struct nl_store *s, const char *mailbox, uint32_t *uidvalidity,
                                 uint32_t *last_uid, struct nl_error *err)
{
	static const char sql[] = "SELECT uidvalidity, last_uid FROM cursors WHERE mailbox = ?";
	*uidvalidity = 0;
	*last_uid = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, mailbox);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*uidvalidity = (uint32_t)sqlite3_column_int64(st, 0);
		*last_uid = (uint32_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? NL_OK
	                                             : store_fail(s, rc, err, "reading the mailbox cursor");
}

enum nl_code nl_store_cursor_set(struct nl_store *s, const char *mailbox, uint32_t uidvalidity,
                                 uint32_t last_uid, struct nl_error *err)
{
	static const char sql[] = "INSERT INTO cursors(mailbox, uidvalidity, last_uid) VALUES(?, ?, ?)"
	                          " ON CONFLICT(mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
	                          " last_uid = excluded.last_uid";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, mailbox);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, last_uid);
	return store_done(s, st, err, "recording the mailbox cursor");
}

enum nl_code nl_store_last_collect(struct nl_store *s, time_t *out, struct nl_error *err)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = 'last_collect'";
	*out = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? NL_OK
	                                             : store_fail(s, rc, err, "reading the last collection");
}

enum nl_code nl_store_set_last_collect(struct nl_store *s, time_t when, struct nl_error *err)
{
	static const char sql[] = "INSERT OR REPLACE INTO meta(key, value) VALUES('last_collect', ?)";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)when);
	return store_done(s, st, err, "recording the last collection");
}

/* ---- answers ---- */

void nl_stored_answer_clear(struct nl_stored_answer *a)
{
	if (!a)
		return;
	free(a->campaign);
	free(a->email);
	free(a->name);
	free(a->question);
	free(a->value);
	free(a->raw);
	free(a->rule);
	memset(a, 0, sizeof *a);
}

enum nl_code nl_store_answer_put(struct nl_store *s, const struct nl_stored_answer *a, struct nl_error *err)
{
	/* One person, one voice: the answer from the message that reached us later wins, in the
	 * order we collected them (our own clock, then the inbound row: UID or file order), never the
	 * sender's Date:, which anyone can write.  A From-only answer never replaces one that came with
	 * a token: a forger who knows an address cannot overwrite what its owner answered. */
	static const char sql[] =
	    "INSERT INTO answers(campaign, email, question, readable, value, raw, match, inbound_id,"
	    " answered, likely, rule, settled) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT(campaign, email, question) DO UPDATE SET readable = excluded.readable,"
	    " value = excluded.value, raw = excluded.raw, match = excluded.match,"
	    " inbound_id = excluded.inbound_id, answered = excluded.answered, likely = excluded.likely,"
	    " rule = excluded.rule, settled = excluded.settled"
	    " WHERE (excluded.match != 2 OR answers.match = 2)" /* 2: NL_MATCH_FROM */
	    " AND (excluded.answered > answers.answered"
	    " OR (excluded.answered = answers.answered AND excluded.inbound_id >= answers.inbound_id))";
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, a->campaign);
	store_text(st, 2, a->email);
	store_text(st, 3, a->question);
	sqlite3_bind_int(st, 4, a->readable);
	store_text(st, 5, a->value);
	store_text(st, 6, a->raw);
	sqlite3_bind_int(st, 7, (int)a->match);
	sqlite3_bind_int64(st, 8, a->inbound_id);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)(a->answered ? a->answered : nl_now()));
	sqlite3_bind_int(st, 10, a->likely);
	store_text(st, 11, a->rule);
	sqlite3_bind_int(st, 12, a->settled);
	return store_done(s, st, err, "recording an answer");
}

enum nl_code nl_store_answer_confirm(struct nl_store *s, const char *campaign, const char *email,
                                     long *n_confirmed, struct nl_error *err)
{
	/* The same test as the level "likely" (store.h): a proposed value that is not tallied. */
	static const char sql[] =
	    "UPDATE answers SET readable = 1, settled = 1 WHERE campaign = ? AND email = ?"
	    " AND readable = 0 AND likely != 0 AND value IS NOT NULL";
	if (n_confirmed)
		*n_confirmed = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, campaign);
	store_text(st, 2, email);
	enum nl_code rc = store_done(s, st, err, "confirming likely answers");
	if (rc == NL_OK && n_confirmed)
		*n_confirmed = (long)sqlite3_changes(s->db);
	return rc;
}

enum nl_code nl_store_answer_each(struct nl_store *s, const char *campaign,
                                  bool (*fn)(const struct nl_stored_answer *, void *), void *ud,
                                  struct nl_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT a.campaign, a.email, d.name, a.question, a.readable, a.value, a.raw, a.match,"
	    " a.inbound_id, a.answered, a.likely, a.rule, a.settled FROM answers a LEFT JOIN deliveries d"
	    " ON d.campaign = a.campaign AND d.email = a.email"
	    " WHERE a.campaign = ? ORDER BY a.question, a.email",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, err, "listing answers");
	store_text(st, 1, campaign);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct nl_stored_answer a = {0};
		a.campaign = store_col_text(st, 0);
		a.email = store_col_text(st, 1);
		a.name = store_col_text(st, 2);
		a.question = store_col_text(st, 3);
		a.readable = sqlite3_column_int(st, 4) != 0;
		a.value = store_col_text(st, 5);
		a.raw = store_col_text(st, 6);
		a.match = (enum nl_match)sqlite3_column_int(st, 7);
		a.inbound_id = (int64_t)sqlite3_column_int64(st, 8);
		a.answered = (time_t)sqlite3_column_int64(st, 9);
		a.likely = sqlite3_column_int(st, 10) != 0;
		a.rule = store_col_text(st, 11);
		a.settled = sqlite3_column_int(st, 12) != 0;
		bool more = fn(&a, ud);
		nl_stored_answer_clear(&a);
		if (!more)
			break;
	}
	enum nl_code code =
	    rc == SQLITE_ROW || rc == SQLITE_DONE ? NL_OK : store_fail(s, rc, err, "listing answers");
	sqlite3_finalize(st);
	return code;
}

/* ---- bounces ---- */

enum nl_code nl_store_bounce_add(struct nl_store *s, const char *campaign, const char *email,
                                 const char *status, bool hard, int64_t inbound_id, int *soft_in_a_row,
                                 struct nl_error *err)
{
	static const char insert[] =
	    "INSERT INTO bounces(campaign, email, status, hard, inbound_id, at) VALUES(?, ?, ?, ?, ?, ?)";
	/* "In a row": campaigns with a soft bounce since the last reply from that person. */
	static const char count[] =
	    "SELECT count(DISTINCT ifnull(campaign, '')) FROM bounces WHERE email = ?1 AND hard = 0 AND at >="
	    " ifnull((SELECT max(received) FROM inbound WHERE from_address = ?1 AND class = 1), 0)";
	sqlite3_stmt *st = store_stmt(s, insert, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, campaign);
	store_text(st, 2, email);
	store_text(st, 3, status);
	sqlite3_bind_int(st, 4, hard);
	sqlite3_bind_int64(st, 5, inbound_id);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)nl_now());
	enum nl_code rc = store_done(s, st, err, "recording a bounce");
	if (rc != NL_OK || !soft_in_a_row)
		return rc;
	*soft_in_a_row = 0;
	if (hard)
		return NL_OK;
	st = store_stmt(s, count, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, email);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*soft_in_a_row = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return src == SQLITE_ROW ? NL_OK : store_fail(s, src, err, "counting bounces");
}

enum nl_code nl_store_bounce_count(struct nl_store *s, const char *campaign, long *out, struct nl_error *err)
{
	static const char sql[] = "SELECT count(DISTINCT email) FROM bounces WHERE campaign = ?";
	*out = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return NL_ERR_STATE;
	store_text(st, 1, campaign);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? NL_OK : store_fail(s, rc, err, "counting bounces");
}

/* ---- A person's data ---- */

/* The rows of one query about a person, as text: `sql` binds the address as ?1 (and the keyed
 * hash of a forgotten address as ?2). */
static enum nl_code store_person_rows(struct nl_store *s, const char *table, const char *sql,
                                      const char *email, const char *key,
                                      void (*fn)(const struct nl_person_row *, void *), void *ud, long *rows,
                                      struct nl_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, err, "reading a person's data");
	store_text(st, 1, email);
	if (sqlite3_bind_parameter_count(st) >= 2)
		store_text(st, 2, key && *key ? key : NULL);
	size_t n = (size_t)sqlite3_column_count(st);
	const char **names = nl_xcalloc(n ? n : 1, sizeof *names);
	const char **values = nl_xcalloc(n ? n : 1, sizeof *values);
	bool *is_int = nl_xcalloc(n ? n : 1, sizeof *is_int);
	for (size_t i = 0; i < n; i++)
		names[i] = sqlite3_column_name(st, (int)i);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t i = 0; i < n; i++) {
			is_int[i] = sqlite3_column_type(st, (int)i) == SQLITE_INTEGER;
			values[i] = (const char *)sqlite3_column_text(st, (int)i);
		}
		struct nl_person_row row = {table, n, names, values, is_int};
		fn(&row, ud);
		(*rows)++;
	}
	free(names);
	free(values);
	free(is_int);
	enum nl_code code = rc == SQLITE_DONE ? NL_OK : store_fail(s, rc, err, "reading a person's data");
	sqlite3_finalize(st);
	return code;
}

enum nl_code nl_store_person_each(struct nl_store *s, const char *email,
                                  void (*fn)(const struct nl_person_row *, void *), void *ud, long *rows,
                                  struct nl_error *err)
{
	static const struct {
		const char *table, *sql;
	} queries[] = {
	    {"deliveries", "SELECT campaign, name, token, state, attempts, next_attempt, reply, updated"
	                   " FROM deliveries WHERE email = ?1 ORDER BY updated, campaign"},
	    {"replies", "SELECT id, received, source, location, message_id, class, match, campaign,"
	                " from_address, subject, reason, own_words, contact FROM inbound"
	                " WHERE email = ?1 OR from_address = ?1 COLLATE NOCASE ORDER BY received, id"},
	    {"answers", "SELECT campaign, question, value, raw, CASE WHEN readable THEN 'sure'"
	                " WHEN likely AND value IS NOT NULL THEN 'likely' ELSE 'unreadable' END AS level,"
	                " settled, rule, match, answered, inbound_id FROM answers WHERE email = ?1"
	                " ORDER BY campaign, question"},
	    {"bounces", "SELECT campaign, status, hard, at, inbound_id FROM bounces WHERE email = ?1"
	                " ORDER BY at, id"},
	    {"suppression", "SELECT reason, detail, at FROM suppressions WHERE email = ?1 OR email = ?2"},
	};
	*rows = 0;
	char key[80] = "";
	if (store_any_forgotten(s) && store_forgotten_key(s, email, key, err) != NL_OK)
		return NL_ERR_STATE;
	for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
		enum nl_code rc =
		    store_person_rows(s, queries[q].table, queries[q].sql, email, key, fn, ud, rows, err);
		if (rc != NL_OK)
			return rc;
	}
	return NL_OK;
}

/* Runs `sql` with the address as ?1 (and `key` as ?2); *changed gets the rows it changed. */
static enum nl_code store_forget_step(struct nl_store *s, const char *sql, const char *email, const char *key,
                                      long *changed, struct nl_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, err, "forgetting an address");
	store_text(st, 1, email);
	if (sqlite3_bind_parameter_count(st) >= 2)
		store_text(st, 2, key);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)nl_now());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, err, "forgetting an address");
	if (changed)
		*changed = (long)sqlite3_changes(s->db);
	return NL_OK;
}

enum nl_code nl_store_forget(struct nl_store *s, const char *email, bool allow_resubscribe,
                             struct nl_forgotten *out, struct nl_error *err)
{
	memset(out, 0, sizeof *out);
	char key[80];
	enum nl_code rc = store_forgotten_key(s, email, key, err);
	if (rc != NL_OK || (rc = nl_store_begin(s, err)) != NL_OK)
		return rc;
	long hashes = 0;
	/* what they sent stays as what it was and its hash, so collecting it again changes nothing;
	 * a bounce or a complaint that named them is cleared the same way */
	if ((rc = store_forget_step(s, "DELETE FROM deliveries WHERE email = ?1", email, NULL,
	                            &out->deliveries, err)) != NL_OK ||
	    (rc = store_forget_step(s, "DELETE FROM answers WHERE email = ?1", email, NULL, &out->answers,
	                            err)) != NL_OK ||
	    (rc = store_forget_step(s, "DELETE FROM bounces WHERE email = ?1", email, NULL, &out->bounces,
	                            err)) != NL_OK ||
	    (rc = store_forget_step(s,
	                            "UPDATE inbound SET email = NULL, from_address = NULL, subject = NULL,"
	                            " message_id = NULL, reason = NULL, own_words = NULL, contact = NULL"
	                            " WHERE email = ?1 OR from_address = ?1 COLLATE NOCASE",
	                            email, NULL, &out->replies, err)) != NL_OK ||
	    (rc = store_forget_step(s, "DELETE FROM suppressions WHERE email = ?1", email, NULL,
	                            &out->suppressions, err)) != NL_OK ||
	    (rc = store_forget_step(s, "DELETE FROM suppressions WHERE email = ?2 AND ?1 IS NOT NULL", email,
	                            key, &hashes, err)) != NL_OK)
		goto fail;
	if (!allow_resubscribe) {
		if ((rc = store_forget_step(s,
		                            "INSERT INTO suppressions(email, reason, detail, at)"
		                            " SELECT ?2, 4, NULL, ?3 WHERE ?1 IS NOT NULL",
		                            email, key, NULL, err)) != NL_OK)
			goto fail;
		out->hash_kept = true;
		s->forgotten = 1;
	} else if (hashes) {
		out->suppressions += hashes; /* the hash of an earlier forget goes too */
	}
	if ((rc = nl_store_commit(s, err)) != NL_OK)
		goto fail;
	return NL_OK;
fail:
	nl_store_rollback(s);
	return rc;
}

/*
 * query.c - `taskmap query`: user SQL, strictly read-only.
 *
 * Two independent guards: the connection is opened SQLITE_OPEN_READONLY, and
 * an authorizer allows only reading (SELECT, reads, functions other than
 * load_extension, read-only PRAGMAs and those describing the schema,
 * recursive CTEs). Extension loading is
 * never enabled on any connection.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* is_introspection_pragma - a pragma whose argument names what to describe. */
static int is_introspection_pragma(const char *pragma)
{
	static const char *const names[] = {
		"table_info", "table_xinfo", "table_list", "index_list", "index_info",
		"index_xinfo", "foreign_key_list", "foreign_key_check", "integrity_check",
		"quick_check",
	};

	for (size_t i = 0; pragma && i < sizeof(names) / sizeof(names[0]); i++)
		if (sqlite3_stricmp(pragma, names[i]) == 0)
			return 1;
	return 0;
}

static int authorize_read_only(void *context, int action, const char *arg1,
			       const char *arg2, const char *database,
			       const char *trigger)
{
	(void)context; (void)database; (void)trigger;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		/* arg2 is the function name */
		if (arg2 && sqlite3_stricmp(arg2, "load_extension") == 0)
			return SQLITE_DENY;
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		/*
		 * arg1 is the pragma, arg2 its argument: an argument may write
		 * (journal_mode=DELETE), except for the pragmas that describe
		 * the schema, which users need to find the columns
		 * (PRAGMA table_info(runs)). The table-valued forms
		 * (pragma_table_info('runs')) stay refused: preparing them
		 * asks to update sqlite_schema.
		 */
		if (arg2)
			return is_introspection_pragma(arg1) ? SQLITE_OK : SQLITE_DENY;
		return sqlite3_stricmp(arg1, "wal_checkpoint") == 0 ? SQLITE_DENY : SQLITE_OK;
	default:
		return SQLITE_DENY;
	}
}

static int announce_columns(sqlite3_stmt *stmt,
			    int (*fn)(void *, const struct tm_query_row *),
			    void *context, const char **names)
{
	struct tm_query_row row;
	int n = sqlite3_column_count(stmt);

	for (int i = 0; i < n; i++)
		names[i] = sqlite3_column_name(stmt, i);
	row.n_columns = n;
	row.names = names;
	row.values = NULL;
	row.is_number = NULL;
	return fn(context, &row);
}

/* emit_row - format one row as text and hand it to @fn. */
static int emit_row(sqlite3_stmt *stmt, int (*fn)(void *, const struct tm_query_row *),
		    void *context, const char **names, const char **values,
		    int *is_number, char (*numbers)[32])
{
	struct tm_query_row row;
	int n = sqlite3_column_count(stmt);

	for (int i = 0; i < n; i++) {
		int type = sqlite3_column_type(stmt, i);

		is_number[i] = type == SQLITE_INTEGER || type == SQLITE_FLOAT;
		if (type == SQLITE_FLOAT) {
			snprintf(numbers[i], sizeof(numbers[i]), "%.17g",
				 sqlite3_column_double(stmt, i));
			values[i] = numbers[i];
		} else if (type == SQLITE_BLOB) {
			snprintf(numbers[i], sizeof(numbers[i]), "<blob %d bytes>",
				 sqlite3_column_bytes(stmt, i));
			values[i] = numbers[i];
		} else {
			values[i] = (const char *)sqlite3_column_text(stmt, i);
		}
	}
	row.n_columns = n;
	row.names = names;
	row.values = values;
	row.is_number = is_number;
	return fn(context, &row);
}

/* run_statement - step one prepared statement through all of its rows. */
static int run_statement(struct tm_store *store, sqlite3_stmt *stmt,
			 int (*fn)(void *, const struct tm_query_row *),
			 void *context, struct tm_error *err)
{
	int n = sqlite3_column_count(stmt), rc = 0, step;
	const char **names = calloc((size_t)n + 1, sizeof(*names));
	const char **values = calloc((size_t)n + 1, sizeof(*values));
	int *is_number = calloc((size_t)n + 1, sizeof(*is_number));
	char (*numbers)[32] = calloc((size_t)n + 1, sizeof(*numbers));

	if (!names || !values || !is_number || !numbers) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (n > 0 && (rc = announce_columns(stmt, fn, context, names)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
		if ((rc = emit_row(stmt, fn, context, names, values, is_number, numbers)) != 0)
			goto out;
	if (step != SQLITE_DONE)
		rc = store_db_error(store, err, "query failed");
out:
	free(names);
	free(values);
	free(is_number);
	free(numbers);
	return rc;
}

int tm_store_query(struct tm_store *store, const char *sql,
		   int (*fn)(void *context, const struct tm_query_row *row),
		   void *context, struct tm_error *err)
{
	const char *next = sql;
	int rc = 0;

	if (!(store->flags & TM_STORE_READONLY))
		return tm_error_set(err, TM_ERR_USAGE,
				    "tm_store_query needs a store opened read-only");
	sqlite3_set_authorizer(store->db, authorize_read_only, NULL);
	while (rc == 0 && next && *next) {
		sqlite3_stmt *stmt = NULL;

		if (sqlite3_prepare_v2(store->db, next, -1, &stmt, &next) != SQLITE_OK) {
			const char *message = sqlite3_errmsg(store->db);

			rc = tm_error_set(err, strstr(message, "not authorized") ? TM_ERR_DENIED : TM_ERR_USAGE,
					  "query refused: %s%s", message,
					  strstr(message, "not authorized")
					  ? " (taskmap query is read-only)" : "");
			break;
		}
		if (!stmt) /* whitespace or a comment */
			continue;
		if (!sqlite3_stmt_readonly(stmt))
			rc = tm_error_set(err, TM_ERR_DENIED,
					  "query refused: only reading statements are allowed (taskmap query is read-only)");
		else
			rc = run_statement(store, stmt, fn, context, err);
		sqlite3_finalize(stmt);
	}
	sqlite3_set_authorizer(store->db, NULL, NULL);
	return rc;
}

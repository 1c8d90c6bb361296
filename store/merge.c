/*
 * merge.c - `taskmap merge`: copy the datasets, runs and results of other
 * taskmap databases into this one, in one transaction.
 *
 * Each input is checked by opening it read-only with tm_store_open (a
 * taskmap database at this schema version), then ATTACHed read-only to the
 * writer connection, and every table is copied with one INSERT ... SELECT:
 * SQLite moves the rows, BLOBs included, without a C loop per row. Ids are
 * renumbered by adding a per-input, per-table offset (new = old + max id in
 * the output - min id in the input + 1), which keeps them unique and keeps
 * the rows' order. Which columns hold ids is read from the schema itself: a
 * table's single INTEGER PRIMARY KEY is its id, and a column declared
 * REFERENCES follows the column it references. So a table or column added
 * by a later migration is copied without touching this file, as long as
 * tm_store_merge_check_schema accepts it: the table must be listed in
 * `reviewed_tables` below (after checking that copying it row by row with
 * renumbered ids is right), and every column named "id" or "..._id" must be
 * renumbered. Ids inside JSON are listed in `json_ids`.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Every table of the schema, reviewed for merging. All of them are copied
 * row by row with renumbered ids; the only special cases are runs (a name
 * must be new; "running" runs of dead processes become "interrupted") and
 * evaluations.config (json_ids).
 */
static const char *const reviewed_tables[] = {
	"datasets", "runs", "tasks", "run_samples", "epochs", "task_metrics",
	"dynamics", "dynamics_summaries", "checkpoints", "analyses",
	"datamap_tasks", "datamap_samples", "matrices", "matrix_entries",
	"groupings", "grouping_members", "merge_steps", "k_scores",
	"evaluations", "evaluation_results", "run_labels",
};

/* Ids stored inside JSON columns: renumbered like the id they name. */
static const struct {
	const char *table, *column, *path, *target; /* target: the table of the id */
} json_ids[] = {
	{ "evaluations", "config", "$.recipe_run_id", "runs" },
};

#define STOPPED_MESSAGE "the process stopped before the run finished"

struct column_info {
	char *name;
	int is_pk;        /* part of the primary key */
	int own_id;       /* the table's single INTEGER PRIMARY KEY */
	char *fk_table;   /* REFERENCES table, or NULL */
	char *fk_column;  /* REFERENCES column, NULL for the parent's primary key */
	int renumber;     /* resolved: index of the table whose offset applies, or -1 */
};

struct table_info {
	char *name;
	struct column_info *columns;
	size_t n_columns;
	int id_column;  /* the own id column, or -1 */
	int64_t offset; /* for the input being merged */
};

struct schema_info {
	struct table_info *tables;
	size_t n_tables;
};

static void schema_release(struct schema_info *schema)
{
	for (size_t t = 0; t < schema->n_tables; t++) {
		struct table_info *table = &schema->tables[t];

		for (size_t c = 0; c < table->n_columns; c++) {
			free(table->columns[c].name);
			free(table->columns[c].fk_table);
			free(table->columns[c].fk_column);
		}
		free(table->columns);
		free(table->name);
	}
	free(schema->tables);
	schema->tables = NULL;
	schema->n_tables = 0;
}

static char *copy_text(const unsigned char *text)
{
	return text ? strdup((const char *)text) : NULL;
}

static int find_table(const struct schema_info *schema, const char *name)
{
	for (size_t t = 0; t < schema->n_tables; t++)
		if (strcmp(schema->tables[t].name, name) == 0)
			return (int)t;
	return -1;
}

static int find_column(const struct table_info *table, const char *name)
{
	for (size_t c = 0; c < table->n_columns; c++)
		if (strcmp(table->columns[c].name, name) == 0)
			return (int)c;
	return -1;
}

/* read_columns - columns, primary key and foreign keys of one table of main. */
static int read_columns(struct tm_store *store, struct table_info *table, struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;
	size_t n_pk = 0, capacity = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(store->db,
			       "SELECT name, upper(type), pk FROM pragma_table_info(?1, 'main') ORDER BY cid",
			       -1, &stmt, NULL) != SQLITE_OK)
		return store_db_error(store, err, "cannot read the schema");
	sqlite3_bind_text(stmt, 1, table->name, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct column_info *column;

		if (table->n_columns == capacity) {
			size_t grown = capacity ? 2 * capacity : 16;
			void *bigger = realloc(table->columns, grown * sizeof(*table->columns));

			if (!bigger) {
				rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
				goto out;
			}
			table->columns = bigger;
			capacity = grown;
		}
		column = &table->columns[table->n_columns];
		memset(column, 0, sizeof(*column));
		column->renumber = -1;
		if (!(column->name = copy_text(sqlite3_column_text(stmt, 0)))) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
			goto out;
		}
		table->n_columns++;
		column->is_pk = sqlite3_column_int(stmt, 2) > 0;
		if (column->is_pk) {
			n_pk++;
			if (strcmp((const char *)sqlite3_column_text(stmt, 1), "INTEGER") == 0)
				table->id_column = (int)table->n_columns - 1;
		}
	}
	if (step != SQLITE_DONE) {
		rc = store_db_error(store, err, "cannot read the schema");
		goto out;
	}
	if (n_pk != 1)
		table->id_column = -1;
	sqlite3_finalize(stmt);
	if (sqlite3_prepare_v2(store->db,
			       "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1, 'main')",
			       -1, &stmt, NULL) != SQLITE_OK)
		return store_db_error(store, err, "cannot read the schema");
	sqlite3_bind_text(stmt, 1, table->name, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		int c = find_column(table, (const char *)sqlite3_column_text(stmt, 0));

		if (c < 0 || table->columns[c].fk_table)
			continue;
		table->columns[c].fk_table = copy_text(sqlite3_column_text(stmt, 1));
		table->columns[c].fk_column = copy_text(sqlite3_column_text(stmt, 2));
		if (!table->columns[c].fk_table) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (step != SQLITE_DONE)
		rc = store_db_error(store, err, "cannot read the schema");
out:
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * resolve - which table's offset renumbers column @c of table @t: its own
 * id, or transitively what the column it references resolves to. -1 when
 * the value is copied unchanged.
 */
static int resolve(const struct schema_info *schema, int t, int c, int depth)
{
	const struct table_info *table = &schema->tables[t];
	const struct column_info *column = &table->columns[c];
	const struct table_info *parent;
	int p, pc = -1;

	if (depth > 16)
		return -1;
	if (!column->fk_table)
		return table->id_column == c ? t : -1;
	if ((p = find_table(schema, column->fk_table)) < 0)
		return -1;
	parent = &schema->tables[p];
	if (column->fk_column) {
		pc = find_column(parent, column->fk_column);
	} else {
		for (size_t i = 0; i < parent->n_columns && pc < 0; i++)
			if (parent->columns[i].is_pk)
				pc = (int)i;
	}
	return pc < 0 ? -1 : resolve(schema, p, pc, depth + 1);
}

static int is_reviewed(const char *name)
{
	for (size_t i = 0; i < sizeof(reviewed_tables) / sizeof(reviewed_tables[0]); i++)
		if (strcmp(reviewed_tables[i], name) == 0)
			return 1;
	return 0;
}

static int looks_like_id(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "id") == 0 || (n > 3 && strcmp(name + n - 3, "_id") == 0);
}

/* read_schema - the tables of main, in creation order, with renumbering resolved. */
static int read_schema(struct tm_store *store, struct schema_info *schema, struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;
	size_t capacity = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(store->db,
			       "SELECT name FROM main.sqlite_schema WHERE type = 'table'"
			       " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
			       -1, &stmt, NULL) != SQLITE_OK)
		return store_db_error(store, err, "cannot read the schema");
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (schema->n_tables == capacity) {
			size_t grown = capacity ? 2 * capacity : 32;
			void *bigger = realloc(schema->tables, grown * sizeof(*schema->tables));

			if (!bigger) {
				rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
				goto out;
			}
			schema->tables = bigger;
			capacity = grown;
		}
		memset(&schema->tables[schema->n_tables], 0, sizeof(*schema->tables));
		schema->tables[schema->n_tables].id_column = -1;
		if (!(schema->tables[schema->n_tables].name = copy_text(sqlite3_column_text(stmt, 0)))) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
			goto out;
		}
		schema->n_tables++;
	}
	if (step != SQLITE_DONE) {
		rc = store_db_error(store, err, "cannot read the schema");
		goto out;
	}
	for (size_t t = 0; t < schema->n_tables; t++)
		if ((rc = read_columns(store, &schema->tables[t], err)) < 0)
			goto out;
	for (size_t t = 0; t < schema->n_tables; t++)
		for (size_t c = 0; c < schema->tables[t].n_columns; c++)
			schema->tables[t].columns[c].renumber = resolve(schema, (int)t, (int)c, 0);
out:
	sqlite3_finalize(stmt);
	return rc;
}

/* check_schema - the rules of tm_store_merge_check_schema on a read schema. */
static int check_schema(const struct schema_info *schema, struct tm_error *err)
{
	for (size_t i = 0; i < sizeof(reviewed_tables) / sizeof(reviewed_tables[0]); i++)
		if (find_table(schema, reviewed_tables[i]) < 0)
			return tm_error_set(err, TM_ERR_DB,
					    "merge: reviewed table '%s' is not in the schema (update store/merge.c)",
					    reviewed_tables[i]);
	for (size_t t = 0; t < schema->n_tables; t++) {
		const struct table_info *table = &schema->tables[t];

		if (!is_reviewed(table->name))
			return tm_error_set(err, TM_ERR_DB,
					    "merge: table '%s' is not known to merge (review it and list it in store/merge.c)",
					    table->name);
		for (size_t c = 0; c < table->n_columns; c++)
			if (looks_like_id(table->columns[c].name) && table->columns[c].renumber < 0)
				return tm_error_set(err, TM_ERR_DB,
						    "merge: column %s.%s looks like an id but is neither its table's INTEGER PRIMARY KEY nor declared REFERENCES (merge would copy it unchanged)",
						    table->name, table->columns[c].name);
	}
	for (size_t i = 0; i < sizeof(json_ids) / sizeof(json_ids[0]); i++) {
		int t = find_table(schema, json_ids[i].table), target = find_table(schema, json_ids[i].target);

		if (t < 0 || target < 0 || find_column(&schema->tables[t], json_ids[i].column) < 0 ||
		    schema->tables[target].id_column < 0)
			return tm_error_set(err, TM_ERR_DB, "merge: JSON id %s.%s %s no longer fits the schema",
					    json_ids[i].table, json_ids[i].column, json_ids[i].path);
	}
	return 0;
}

int tm_store_merge_check_schema(struct tm_store *store, struct tm_error *err)
{
	struct schema_info schema = { 0 };
	int rc = read_schema(store, &schema, err);

	if (rc == 0)
		rc = check_schema(&schema, err);
	schema_release(&schema);
	return rc;
}

int tm_store_merge_max_inputs(const struct tm_store *store)
{
	return sqlite3_limit(store->db, SQLITE_LIMIT_ATTACHED, -1);
}

/* ---- the copy ------------------------------------------------------------ */

/* query_int64 - the first column of the first row of @sql (0 for no row or NULL). */
static int query_int64(struct tm_store *store, const char *sql, int64_t *value,
		       struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int step;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return store_db_error(store, err, "merge: cannot read");
	step = sqlite3_step(stmt);
	*value = step == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_db_error(store, err, "merge: cannot read");
	return 0;
}

/*
 * attach_uri - "file:PATH?mode=ro" with the characters URIs reserve
 * escaped, so the input is opened read-only whatever its name.
 */
static char *attach_uri(const char *path)
{
	sqlite3_str *uri = sqlite3_str_new(NULL);

	if (!sqlite3_compileoption_used("USE_URI")) {
		/* URIs off in this SQLite: plain path; merge still only reads it */
		sqlite3_str_appendall(uri, path);
		return sqlite3_str_finish(uri);
	}
	sqlite3_str_appendall(uri, path[0] == '/' ? "file://" : "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f)
			sqlite3_str_appendf(uri, "%%%02X", *p);
		else
			sqlite3_str_appendchar(uri, 1, (char)*p);
	}
	sqlite3_str_appendall(uri, "?mode=ro");
	return sqlite3_str_finish(uri);
}

static int attach_input(struct tm_store *store, const char *path, size_t index,
			struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;
	char sql[64], *uri = attach_uri(path);
	int64_t version = 0, application_id = 0;
	int rc = 0;

	if (!uri)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	snprintf(sql, sizeof(sql), "ATTACH DATABASE ?1 AS input%zu", index);
	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 1, uri, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_DONE) {
		rc = store_db_error(store, err, "merge: cannot attach the input");
		tm_error_prefix(err, "'%s'", path);
	}
	sqlite3_finalize(stmt);
	sqlite3_free(uri);
	if (rc < 0)
		return rc;
	/* the file checked by tm_store_open may have been replaced since */
	snprintf(sql, sizeof(sql), "PRAGMA input%zu.user_version", index);
	if ((rc = query_int64(store, sql, &version, err)) < 0)
		return rc;
	snprintf(sql, sizeof(sql), "PRAGMA input%zu.application_id", index);
	if ((rc = query_int64(store, sql, &application_id, err)) < 0)
		return rc;
	if (version != store_schema_current() || application_id != TM_STORE_APPLICATION_ID)
		return tm_error_set(err, TM_ERR_INPUT,
				    "'%s' changed while being merged: it is no longer a taskmap database at schema version %d",
				    path, store_schema_current());
	return 0;
}

/* exec_counted - run one generated statement; add the rows it inserted. */
static int exec_counted(struct tm_store *store, const char *sql, int64_t *rows,
			struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int step;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return store_db_error(store, err, "merge: cannot prepare a copy");
	step = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (step != SQLITE_DONE)
		return store_db_error(store, err, "merge: cannot copy rows");
	*rows += sqlite3_changes64(store->db);
	return 0;
}

/*
 * column_expression - what one column's new value is, as SQL over the
 * input's row: the old value plus an offset for ids, the JSON rewrites, and
 * "running" → "interrupted" for runs (refused before when still alive).
 */
static void column_expression(sqlite3_str *sql, const struct schema_info *schema,
			      const struct table_info *table, const struct column_info *column)
{
	if (column->renumber >= 0) {
		sqlite3_str_appendf(sql, "\"%w\" + %lld", column->name,
				    (long long)schema->tables[column->renumber].offset);
		return;
	}
	for (size_t i = 0; i < sizeof(json_ids) / sizeof(json_ids[0]); i++) {
		if (strcmp(json_ids[i].table, table->name) == 0 &&
		    strcmp(json_ids[i].column, column->name) == 0) {
			int target = find_table(schema, json_ids[i].target);

			sqlite3_str_appendf(sql,
					    "CASE WHEN json_type(\"%w\", %Q) = 'integer'"
					    " THEN json_set(\"%w\", %Q, json_extract(\"%w\", %Q) + %lld)"
					    " ELSE \"%w\" END",
					    column->name, json_ids[i].path, column->name, json_ids[i].path,
					    column->name, json_ids[i].path,
					    (long long)schema->tables[target].offset, column->name);
			return;
		}
	}
	if (strcmp(table->name, "runs") == 0) {
		if (strcmp(column->name, "status") == 0) {
			sqlite3_str_appendall(sql, "CASE status WHEN 'running' THEN 'interrupted' ELSE status END");
			return;
		}
		if (strcmp(column->name, "message") == 0) {
			sqlite3_str_appendall(sql, "CASE status WHEN 'running' THEN coalesce(message, '"
					      STOPPED_MESSAGE "') ELSE message END");
			return;
		}
		if (strcmp(column->name, "finished_at") == 0) {
			sqlite3_str_appendall(sql, "CASE status WHEN 'running' THEN coalesce(finished_at,"
					      " strftime('%Y-%m-%dT%H:%M:%SZ','now')) ELSE finished_at END");
			return;
		}
	}
	sqlite3_str_appendf(sql, "\"%w\"", column->name);
}

/* copy_table - INSERT INTO main.T SELECT ... FROM inputN.T, renumbered. */
static int copy_table(struct tm_store *store, const struct schema_info *schema,
		      const struct table_info *table, size_t index, int64_t *rows,
		      struct tm_error *err)
{
	sqlite3_str *sql = sqlite3_str_new(store->db);
	char *text;
	int rc;

	sqlite3_str_appendf(sql, "INSERT INTO main.\"%w\" (", table->name);
	for (size_t c = 0; c < table->n_columns; c++)
		sqlite3_str_appendf(sql, "%s\"%w\"", c ? ", " : "", table->columns[c].name);
	sqlite3_str_appendall(sql, ") SELECT ");
	for (size_t c = 0; c < table->n_columns; c++) {
		if (c)
			sqlite3_str_appendall(sql, ", ");
		column_expression(sql, schema, table, &table->columns[c]);
	}
	sqlite3_str_appendf(sql, " FROM input%d.\"%w\"", (int)index, table->name);
	if (table->id_column >= 0)
		sqlite3_str_appendf(sql, " ORDER BY \"%w\"", table->columns[table->id_column].name);
	if (!(text = sqlite3_str_finish(sql)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	rc = exec_counted(store, text, rows, err);
	sqlite3_free(text);
	if (rc < 0)
		tm_error_prefix(err, "table %s", table->name);
	return rc;
}

/* set_offsets - per table with its own id: max(id in main) - min(id in input) + 1. */
static int set_offsets(struct tm_store *store, struct schema_info *schema, size_t index,
		       struct tm_error *err)
{
	for (size_t t = 0; t < schema->n_tables; t++) {
		struct table_info *table = &schema->tables[t];
		int64_t max_out = 0, min_in = 1;
		char *sql;
		int rc;

		table->offset = 0;
		if (table->id_column < 0)
			continue;
		sql = sqlite3_mprintf("SELECT coalesce(max(\"%w\"), 0) FROM main.\"%w\"",
				      table->columns[table->id_column].name, table->name);
		rc = sql ? query_int64(store, sql, &max_out, err)
			: tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		sqlite3_free(sql);
		if (rc < 0)
			return rc;
		sql = sqlite3_mprintf("SELECT coalesce(min(\"%w\"), 1) FROM input%d.\"%w\"",
				      table->columns[table->id_column].name, (int)index, table->name);
		rc = sql ? query_int64(store, sql, &min_in, err)
			: tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		sqlite3_free(sql);
		if (rc < 0)
			return rc;
		table->offset = max_out - min_in + 1;
	}
	return 0;
}

/* Where each input's runs landed, to name the origin of a clashing name. */
struct merge_state {
	const char *const *inputs;
	int64_t first_new_run_id; /* ids above the output's own runs */
	int64_t *last_run_id;     /* per merged input: the highest run id after it */
};

static const char *origin_of_run(const struct merge_state *state, size_t n_merged,
				 int64_t run_id, const char *out_path)
{
	if (run_id < state->first_new_run_id)
		return out_path;
	for (size_t i = 0; i < n_merged; i++)
		if (run_id <= state->last_run_id[i])
			return state->inputs[i];
	return out_path;
}

/* check_runs - refuse names already taken and runs still being trained. */
static int check_runs(struct tm_store *store, struct tm_store *input, size_t index,
		      const struct merge_state *state, struct tm_merge_counts *counts,
		      struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;
	char *sql;
	int rc = 0, step;

	sql = sqlite3_mprintf("SELECT s.name, o.id FROM input%d.runs s JOIN main.runs o ON o.name = s.name"
			      " ORDER BY s.id LIMIT 1", (int)index);
	if (!sql)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		rc = store_db_error(store, err, "merge: cannot read runs");
		goto out;
	}
	if ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *origin = origin_of_run(state, index, sqlite3_column_int64(stmt, 1),
						   tm_store_path(store));

		if (origin == tm_store_path(store))
			rc = tm_error_set(err, TM_ERR_INPUT,
					  "run '%s' of '%s' exists already in '%s' (run names must be unique; nothing merged)",
					  sqlite3_column_text(stmt, 0), state->inputs[index], origin);
		else
			rc = tm_error_set(err, TM_ERR_INPUT,
					  "run '%s' is in both '%s' and '%s' (run names must be unique; nothing merged)",
					  sqlite3_column_text(stmt, 0), origin, state->inputs[index]);
		goto out;
	} else if (step != SQLITE_DONE) {
		rc = store_db_error(store, err, "merge: cannot read runs");
		goto out;
	}
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
	sql = sqlite3_mprintf("SELECT id, name FROM input%d.runs WHERE status = 'running'", (int)index);
	if (!sql)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		rc = store_db_error(store, err, "merge: cannot read runs");
		goto out;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (store_run_alive(input, sqlite3_column_int64(stmt, 0))) {
			rc = tm_error_set(err, TM_ERR_DENIED,
					  "run '%s' of '%s' is being trained right now: merge when it has finished or stop it (nothing merged)",
					  sqlite3_column_text(stmt, 1), state->inputs[index]);
			goto out;
		}
		counts->interrupted++;
	}
	if (step != SQLITE_DONE)
		rc = store_db_error(store, err, "merge: cannot read runs");
out:
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
	return rc;
}

/* merge_input - copy every table of input @index into main. */
static int merge_input(struct tm_store *store, struct tm_store *input, size_t index,
		       struct schema_info *schema, struct merge_state *state,
		       struct tm_merge_counts *counts, struct tm_error *err)
{
	int64_t rows;
	int rc;

	if ((rc = check_runs(store, input, index, state, counts, err)) < 0 ||
	    (rc = set_offsets(store, schema, index, err)) < 0)
		return rc;
	for (size_t t = 0; t < schema->n_tables; t++) {
		rows = 0;
		if ((rc = copy_table(store, schema, &schema->tables[t], index, &rows, err)) < 0)
			return tm_error_prefix(err, "cannot merge '%s'", state->inputs[index]);
		counts->rows += rows;
		if (strcmp(schema->tables[t].name, "runs") == 0)
			counts->runs = rows;
		else if (strcmp(schema->tables[t].name, "datasets") == 0)
			counts->datasets = rows;
	}
	return query_int64(store, "SELECT coalesce(max(id), 0) FROM main.runs",
			   &state->last_run_id[index], err);
}

/* open_inputs - distinct files, none of them the output; each a taskmap database. */
static int open_inputs(struct tm_store *store, const char *const *inputs, size_t n_inputs,
		       struct tm_store **opened, struct tm_error *err)
{
	struct stat out_info, *info = calloc(n_inputs, sizeof(*info));
	int have_out = stat(store->path, &out_info) == 0, rc = 0;

	if (!info)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n_inputs; i++) {
		if ((rc = tm_store_open(&opened[i], inputs[i], TM_STORE_READONLY, err)) < 0)
			goto out;
		if (stat(inputs[i], &info[i]) != 0) {
			rc = tm_error_set(err, TM_ERR_IO, "cannot open database '%s': %s", inputs[i],
					  strerror(errno));
			goto out;
		}
		if (have_out && info[i].st_dev == out_info.st_dev && info[i].st_ino == out_info.st_ino) {
			rc = tm_error_set(err, TM_ERR_USAGE,
					  "'%s' is the output database: it cannot also be an input", inputs[i]);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (info[i].st_dev == info[j].st_dev && info[i].st_ino == info[j].st_ino) {
				rc = tm_error_set(err, TM_ERR_USAGE, "'%s' is given twice (as '%s')",
						  inputs[i], inputs[j]);
				goto out;
			}
		}
	}
out:
	free(info);
	return rc;
}

int tm_store_merge(struct tm_store *store, const char *const *inputs, size_t n_inputs,
		   const struct tm_progress *progress, struct tm_merge_counts *counts,
		   struct tm_error *err)
{
	struct schema_info schema = { 0 };
	struct merge_state state = { .inputs = inputs };
	struct tm_merge_counts *mine = NULL;
	struct tm_store **opened = NULL;
	size_t n_attached = 0;
	int rc = 0;

	if (store->flags & TM_STORE_READONLY)
		return tm_error_set(err, TM_ERR_USAGE, "merge needs a database opened for writing");
	if (store->in_transaction)
		return tm_error_set(err, TM_ERR_USAGE, "merge cannot run inside a transaction");
	if (n_inputs > (size_t)tm_store_merge_max_inputs(store))
		return tm_error_set(err, TM_ERR_USAGE,
				    "at most %d databases can be merged at once: merge the others in a second step",
				    tm_store_merge_max_inputs(store));
	if (counts)
		memset(counts, 0, n_inputs * sizeof(*counts));
	if (!(opened = calloc(n_inputs + 1, sizeof(*opened))) ||
	    !(mine = calloc(n_inputs + 1, sizeof(*mine))) ||
	    !(state.last_run_id = calloc(n_inputs + 1, sizeof(*state.last_run_id)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = read_schema(store, &schema, err)) < 0 || (rc = check_schema(&schema, err)) < 0 ||
	    (rc = open_inputs(store, inputs, n_inputs, opened, err)) < 0)
		goto out;
	for (; n_attached < n_inputs; n_attached++)
		if ((rc = attach_input(store, inputs[n_attached], n_attached, err)) < 0)
			goto out;
	if ((rc = tm_store_begin(store, err)) < 0)
		goto out;
	/* rows are copied parents first, but checking references at commit is simpler */
	if ((rc = store_exec(store, "PRAGMA defer_foreign_keys = ON", err)) < 0 ||
	    (rc = query_int64(store, "SELECT coalesce(max(id), 0) + 1 FROM main.runs",
			      &state.first_new_run_id, err)) < 0)
		goto out;
	for (size_t i = 0; i < n_inputs; i++) {
		char message[160];

		if ((rc = merge_input(store, opened[i], i, &schema, &state, &mine[i], err)) < 0)
			goto out;
		snprintf(message, sizeof(message), "%s: %lld run(s), %lld dataset(s), %lld rows",
			 inputs[i], (long long)mine[i].runs, (long long)mine[i].datasets,
			 (long long)mine[i].rows);
		if (tm_progress_report(progress, "merge", (double)(i + 1), (double)n_inputs, message)) {
			rc = tm_error_set(err, TM_ERR_INTERRUPTED, "merge interrupted: nothing merged");
			goto out;
		}
	}
	if ((rc = tm_store_commit(store, err)) < 0) {
		tm_error_prefix(err, "cannot commit the merge (nothing merged)");
		goto out;
	}
	if (counts)
		memcpy(counts, mine, n_inputs * sizeof(*counts));
out:
	tm_store_rollback(store);
	for (size_t i = 0; i < n_attached; i++) {
		char detach[48];

		snprintf(detach, sizeof(detach), "DETACH DATABASE input%zu", i);
		sqlite3_exec(store->db, detach, NULL, NULL, NULL);
	}
	for (size_t i = 0; opened && i < n_inputs; i++)
		tm_store_close(opened[i]);
	free(opened);
	free(mine);
	free(state.last_run_id);
	schema_release(&schema);
	return rc;
}

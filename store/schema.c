/*
 * schema.c - the database schema and its migrations.
 *
 * Each entry of `migrations` takes the schema from version i to i + 1; it
 * runs with the PRAGMA user_version bump in one transaction, so a database is
 * always at exactly one version. Never edit a released migration: append.
 * The tables are a public interface; docs/schema.md describes every column.
 */
#include "internal.h"

#include <stdio.h>

static const char *const migrations[] = {
	/* 0 -> 1: the whole first schema */
	"CREATE TABLE datasets ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  source_path TEXT,"
	"  sha256 TEXT,"
	"  format TEXT,"
	"  n_samples INTEGER NOT NULL,"
	"  n_features INTEGER NOT NULL,"
	"  n_tasks INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  dataset_id INTEGER REFERENCES datasets(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('train','import','evaluate')),"
	"  status TEXT NOT NULL CHECK (status IN ('running','done','failed','interrupted')),"
	"  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),"
	"  seed INTEGER,"
	"  n_epochs INTEGER,"
	"  epochs_done INTEGER NOT NULL DEFAULT 0,"
	"  n_train_samples INTEGER,"
	"  taskmap_version TEXT NOT NULL,"
	"  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  finished_at TEXT,"
	"  message TEXT"
	");"
	"CREATE TABLE tasks ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  task_index INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  positives INTEGER,"
	"  labelled INTEGER,"
	"  excluded TEXT,"
	"  PRIMARY KEY (run_id, task_index)"
	") WITHOUT ROWID;"
	"CREATE TABLE run_samples ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  split TEXT NOT NULL CHECK (split IN ('train','valid','test')),"
	"  position INTEGER NOT NULL,"
	"  sample_index INTEGER NOT NULL,"
	"  sample_name TEXT,"
	"  PRIMARY KEY (run_id, split, position)"
	") WITHOUT ROWID;"
	"CREATE TABLE epochs ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  epoch INTEGER NOT NULL,"
	"  train_loss REAL,"
	"  valid_loss REAL,"
	"  seconds REAL,"
	"  samples_per_second REAL,"
	"  committed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  PRIMARY KEY (run_id, epoch)"
	") WITHOUT ROWID;"
	"CREATE TABLE task_metrics ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  epoch INTEGER NOT NULL,"
	"  task_index INTEGER NOT NULL,"
	"  split TEXT NOT NULL CHECK (split IN ('train','valid','test')),"
	"  loss REAL,"
	"  accuracy REAL,"
	"  roc_auc REAL,"
	"  PRIMARY KEY (run_id, epoch, task_index, split)"
	") WITHOUT ROWID;"
	"CREATE TABLE dynamics ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  task_index INTEGER NOT NULL,"
	"  epoch INTEGER NOT NULL,"
	"  n_samples INTEGER NOT NULL,"
	"  encoding TEXT NOT NULL DEFAULT 'u16le',"
	"  probabilities BLOB NOT NULL,"
	"  UNIQUE (run_id, task_index, epoch)"
	");"
	"CREATE TABLE dynamics_summaries ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  task_index INTEGER NOT NULL,"
	"  n_epochs INTEGER NOT NULL,"
	"  n_samples INTEGER NOT NULL,"
	"  mean BLOB NOT NULL,"
	"  m2 BLOB NOT NULL,"
	"  correct BLOB NOT NULL,"
	"  PRIMARY KEY (run_id, task_index)"
	");"
	"CREATE TABLE checkpoints ("
	"  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
	"  epoch INTEGER NOT NULL,"
	"  parameters BLOB NOT NULL,"
	"  optimizer BLOB,"
	"  extra BLOB"
	");"
	"CREATE TABLE analyses ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  epoch_from INTEGER NOT NULL,"
	"  epoch_to INTEGER NOT NULL,"
	"  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE datamap_tasks ("
	"  analysis_id INTEGER NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,"
	"  task_index INTEGER NOT NULL,"
	"  confidence REAL,"
	"  variability REAL,"
	"  correctness REAL,"
	"  easy_fraction REAL,"
	"  ambiguous_fraction REAL,"
	"  hard_fraction REAL,"
	"  PRIMARY KEY (analysis_id, task_index)"
	") WITHOUT ROWID;"
	"CREATE TABLE datamap_samples ("
	"  analysis_id INTEGER NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,"
	"  task_index INTEGER NOT NULL,"
	"  position INTEGER NOT NULL,"
	"  confidence REAL NOT NULL,"
	"  variability REAL NOT NULL,"
	"  correctness REAL NOT NULL,"
	"  region TEXT CHECK (region IN ('easy','ambiguous','hard')),"
	"  PRIMARY KEY (analysis_id, task_index, position)"
	") WITHOUT ROWID;"
	"CREATE TABLE matrices ("
	"  id INTEGER PRIMARY KEY,"
	"  analysis_id INTEGER REFERENCES analyses(id) ON DELETE CASCADE,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  estimator TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('similarity','distance','affinity')),"
	"  symmetric INTEGER NOT NULL DEFAULT 1,"
	"  n_tasks INTEGER NOT NULL,"
	"  params TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params))"
	");"
	"CREATE TABLE matrix_entries ("
	"  matrix_id INTEGER NOT NULL REFERENCES matrices(id) ON DELETE CASCADE,"
	"  task_i INTEGER NOT NULL,"
	"  task_j INTEGER NOT NULL,"
	"  value REAL,"
	"  PRIMARY KEY (matrix_id, task_i, task_j)"
	") WITHOUT ROWID;"
	"CREATE TABLE groupings ("
	"  id INTEGER PRIMARY KEY,"
	"  analysis_id INTEGER REFERENCES analyses(id) ON DELETE CASCADE,"
	"  matrix_id INTEGER REFERENCES matrices(id) ON DELETE CASCADE,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  source TEXT NOT NULL DEFAULT 'analysis',"
	"  clustering TEXT NOT NULL,"
	"  k INTEGER NOT NULL,"
	"  k_criterion TEXT,"
	"  stability REAL,"
	"  unstable INTEGER NOT NULL DEFAULT 0,"
	"  recommended INTEGER NOT NULL DEFAULT 0,"
	"  params TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE grouping_members ("
	"  grouping_id INTEGER NOT NULL REFERENCES groupings(id) ON DELETE CASCADE,"
	"  task_index INTEGER NOT NULL,"
	"  group_index INTEGER NOT NULL,"
	"  membership REAL NOT NULL,"
	"  assigned INTEGER NOT NULL DEFAULT 0,"
	"  stability REAL,"
	"  PRIMARY KEY (grouping_id, task_index, group_index)"
	") WITHOUT ROWID;"
	"CREATE TABLE merge_steps ("
	"  grouping_id INTEGER NOT NULL REFERENCES groupings(id) ON DELETE CASCADE,"
	"  step INTEGER NOT NULL,"
	"  left_node INTEGER NOT NULL,"
	"  right_node INTEGER NOT NULL,"
	"  height REAL NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  PRIMARY KEY (grouping_id, step)"
	") WITHOUT ROWID;"
	"CREATE TABLE k_scores ("
	"  analysis_id INTEGER NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,"
	"  matrix_id INTEGER REFERENCES matrices(id) ON DELETE CASCADE,"
	"  clustering TEXT NOT NULL,"
	"  criterion TEXT NOT NULL,"
	"  k INTEGER NOT NULL,"
	"  score REAL,"
	"  PRIMARY KEY (analysis_id, matrix_id, clustering, criterion, k)"
	");"
	"CREATE TABLE evaluations ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  grouping_id INTEGER REFERENCES groupings(id) ON DELETE SET NULL,"
	"  label TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  groups TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(groups)),"
	"  n_seeds INTEGER NOT NULL,"
	"  models_trained INTEGER,"
	"  parameter_updates INTEGER,"
	"  seconds REAL,"
	"  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE evaluation_results ("
	"  evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,"
	"  seed INTEGER NOT NULL,"
	"  task_index INTEGER NOT NULL,"
	"  roc_auc REAL,"
	"  f1 REAL,"
	"  accuracy REAL,"
	"  PRIMARY KEY (evaluation_id, seed, task_index)"
	") WITHOUT ROWID;"
	"CREATE INDEX runs_by_dataset ON runs(dataset_id);"
	"CREATE INDEX analyses_by_run ON analyses(run_id);"
	"CREATE INDEX matrices_by_analysis ON matrices(analysis_id);"
	"CREATE INDEX groupings_by_analysis ON groupings(analysis_id);"
	"CREATE INDEX groupings_by_run ON groupings(run_id);"
	"CREATE INDEX evaluations_by_run ON evaluations(run_id);",
	/* 1 -> 2: the gold labels of a run's training samples (analyzers) */
	"CREATE TABLE run_labels ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  task_index INTEGER NOT NULL,"
	"  n_samples INTEGER NOT NULL,"
	"  encoding TEXT NOT NULL DEFAULT 'i8',"
	"  labels BLOB NOT NULL,"
	"  PRIMARY KEY (run_id, task_index)"
	");",
	/* 2 -> 3: what `taskmap evaluate` computes beside the per-task results */
	"ALTER TABLE evaluations ADD COLUMN reference_id INTEGER"
	"  REFERENCES evaluations(id) ON DELETE SET NULL;"
	"ALTER TABLE evaluations ADD COLUMN delta_m REAL;"
	"ALTER TABLE evaluations ADD COLUMN negative_transfer INTEGER;"
	"ALTER TABLE evaluation_results ADD COLUMN threshold REAL;"
	"ALTER TABLE evaluation_results ADD COLUMN valid_roc_auc REAL;",
	/*
	 * 3 -> 4: a run's checkpoint keyed by (run, epoch), so that an epoch
	 * inserts its own before deleting the previous one (store/dynamics.c,
	 * write_checkpoint) instead of replacing it in place
	 */
	"CREATE TABLE checkpoints_4 ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  epoch INTEGER NOT NULL,"
	"  parameters BLOB NOT NULL,"
	"  optimizer BLOB,"
	"  extra BLOB,"
	"  PRIMARY KEY (run_id, epoch)"
	");"
	"INSERT INTO checkpoints_4 (run_id, epoch, parameters, optimizer, extra)"
	"  SELECT run_id, epoch, parameters, optimizer, extra FROM checkpoints;"
	"DROP TABLE checkpoints;"
	"ALTER TABLE checkpoints_4 RENAME TO checkpoints;",
};

int store_schema_current(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

static int read_user_version(struct tm_store *store, int *version,
			     struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &stmt, NULL);

	if (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
		*version = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
		return 0;
	}
	sqlite3_finalize(stmt);
	return store_db_error(store, err, "cannot read the schema version");
}

/*
 * apply_next_migration - under the write lock, re-read the version (another
 * process may have migrated meanwhile) and apply one step if still needed.
 * Sets *@done when the schema is current.
 */
static int apply_next_migration(struct tm_store *store, int *done,
				struct tm_error *err)
{
	char bump[96];
	int version = 0, rc;

	if ((rc = store_exec(store, "BEGIN IMMEDIATE", err)) < 0)
		return rc;
	if ((rc = read_user_version(store, &version, err)) < 0)
		goto fail;
	*done = version >= store_schema_current();
	if (!*done) {
		snprintf(bump, sizeof(bump),
			 "PRAGMA application_id = %d; PRAGMA user_version = %d",
			 TM_STORE_APPLICATION_ID, version + 1);
		if ((rc = store_exec(store, migrations[version], err)) < 0 ||
		    (rc = store_exec(store, bump, err)) < 0) {
			tm_error_prefix(err, "cannot upgrade the schema to version %d",
					version + 1);
			goto fail;
		}
	}
	if ((rc = store_exec(store, "COMMIT", err)) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_migrate(struct tm_store *store, struct tm_error *err)
{
	int version = 0, done = 0, rc;

	if ((rc = read_user_version(store, &version, err)) < 0)
		return rc;
	if (version > store_schema_current())
		return tm_error_set(err, TM_ERR_IO,
				    "database schema version %d is newer than this taskmap (%d): upgrade taskmap",
				    version, store_schema_current());
	if (version == store_schema_current())
		return 0;
	if (store->flags & TM_STORE_READONLY)
		return tm_error_set(err, TM_ERR_IO,
				    "database schema version %d is older than this taskmap (%d): open it once with a writing command to upgrade it",
				    version, store_schema_current());
	while (!done)
		if ((rc = apply_next_migration(store, &done, err)) < 0)
			return rc;
	return 0;
}

/*
 * store-labels.c - bench helper: store the gold labels of a run's training
 * samples (tm_store_write_labels) from its data file, for runs made before
 * the trainer recorded them. Usage: store-labels DB RUN DATA [LABELS.xml]
 */
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "dataset.h"
#include "store.h"

static int store_labels(struct tm_store *store, int64_t run_id, const struct tm_dataset *data,
			struct tm_error *err)
{
	int64_t *rows = NULL;
	int8_t *column = NULL;
	size_t n = 0;
	int rc;

	if ((rc = tm_store_read_samples(store, run_id, "train", &rows, &n, err)) < 0)
		return rc;
	if (!(column = malloc(n ? n : 1))) {
		free(rows);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	if ((rc = tm_store_begin(store, err)) == 0) {
		for (size_t t = 0; t < data->n_tasks && rc == 0; t++) {
			for (size_t i = 0; i < n; i++)
				column[i] = (int8_t)tm_dataset_label(data, (size_t)rows[i], t);
			rc = tm_store_write_labels(store, run_id, (int64_t)t, column, n, err);
		}
		rc = rc == 0 ? tm_store_commit(store, err) : (tm_store_rollback(store), rc);
	}
	free(rows);
	free(column);
	return rc;
}

int main(int argc, char **argv)
{
	struct tm_read_options options = { 0 };
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	struct tm_dataset *data = NULL;
	int64_t run_id = 0;
	int rc;

	gsl_set_error_handler_off();
	if (argc < 4) {
		fprintf(stderr, "usage: store-labels DB RUN DATA [LABELS.xml]\n");
		return 2;
	}
	options.xml_path = argc > 4 ? argv[4] : NULL;
	if ((rc = tm_store_open(&store, argv[1], 0, &err)) == 0 &&
	    (rc = tm_store_run_id(store, argv[2], &run_id, &err)) == 0 &&
	    (rc = tm_dataset_read(&data, argv[3], &options, &err)) == 0)
		rc = store_labels(store, run_id, data, &err);
	if (rc < 0)
		fprintf(stderr, "store-labels: %s\n", err.message);
	tm_dataset_destroy(data);
	tm_store_close(store);
	return rc < 0;
}

/*
 * arff-write.c - writing a dataset as ARFF that this reader, MEKA and Weka
 * read back: features as numeric attributes, labels last as {0,1}
 * nominals, "-C -L" in @relation, dense or sparse rows as stored, numbers
 * as "%.9g" (exact for float32), '?' for missing. The file is written under
 * a temporary name in the same directory and renamed, so a failure never
 * leaves a half-written file at @path.
 */
#include "dataset-internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Write @name quoted with '...' when it holds anything ARFF treats specially. */
static void put_name(FILE *file, const char *name)
{
	if (*name && strpbrk(name, " \t,{}'\"%\\\r\n") == NULL) {
		fputs(name, file);
		return;
	}
	fputc('\'', file);
	for (const char *p = name; *p; p++) {
		if (*p == '\'' || *p == '\\')
			fputc('\\', file);
		if (*p == '\n')
			fputs("\\n", file);
		else if (*p == '\r')
			fputs("\\r", file);
		else if (*p == '\t')
			fputs("\\t", file);
		else
			fputc(*p, file);
	}
	fputc('\'', file);
}

static void put_value(FILE *file, float value)
{
	if (isnan(value))
		fputc('?', file);
	else
		fprintf(file, "%.9g", (double)value);
}

static void put_label(FILE *file, int label)
{
	fputc(label == TM_LABEL_MISSING ? '?' : label == TM_LABEL_POSITIVE ? '1' : '0', file);
}

static void write_body(FILE *file, const struct tm_dataset *dataset)
{
	const struct tm_features *x = &dataset->x;
	size_t d = dataset->n_features, L = dataset->n_tasks;

	fputs("@relation ", file);
	{
		char relation[TM_ERROR_MAX];

		snprintf(relation, sizeof(relation), "%s: -C -%zu",
			 dataset->name ? dataset->name : "dataset", L);
		put_name(file, relation);
	}
	fputs("\n\n", file);
	for (size_t f = 0; f < d; f++) {
		fputs("@attribute ", file);
		put_name(file, dataset->feature_names[f] ? dataset->feature_names[f] : "");
		fputs(" numeric\n", file);
	}
	for (size_t t = 0; t < L; t++) {
		fputs("@attribute ", file);
		put_name(file, dataset->task_names[t] ? dataset->task_names[t] : "");
		fputs(" {0,1}\n", file);
	}
	fputs("\n@data\n", file);
	for (size_t r = 0; r < dataset->n_samples; r++) {
		const int8_t *labels = dataset->labels + r * L;

		if (x->is_sparse) {
			int first = 1;

			fputc('{', file);
			for (size_t k = x->row_start[r]; k < x->row_start[r + 1]; k++) {
				fprintf(file, first ? "%u " : ",%u ", (unsigned)x->col_index[k]);
				put_value(file, x->values[k]);
				first = 0;
			}
			for (size_t t = 0; t < L; t++) {
				if (labels[t] == TM_LABEL_NEGATIVE)
					continue;
				fprintf(file, first ? "%zu " : ",%zu ", d + t);
				put_label(file, labels[t]);
				first = 0;
			}
			fputs("}\n", file);
		} else {
			const float *row = x->dense + r * d;

			for (size_t f = 0; f < d; f++) {
				put_value(file, row[f]);
				fputc(',', file);
			}
			for (size_t t = 0; t < L; t++) {
				put_label(file, labels[t]);
				fputc(t + 1 < L ? ',' : '\n', file);
			}
		}
	}
}

int tm_dataset_write_arff(const struct tm_dataset *dataset, const char *path,
			  struct tm_error *err)
{
	char *temporary = NULL;
	FILE *file = NULL;
	int fd = -1, rc = 0;
	size_t length = strlen(path);

	if (dataset->n_tasks == 0)
		return tm_error_set(err, TM_ERR_USAGE, "cannot write '%s': the dataset has no tasks",
				    path);
	if ((rc = tm_check_replaceable(path, err)) < 0)
		return rc;
	if (!(temporary = malloc(length + 16)))
		return tm_error_set(err, TM_ERR_NOMEM, "cannot write '%s': out of memory", path);
	snprintf(temporary, length + 16, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(temporary)) < 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot create a temporary file for '%s': %s", path,
				  strerror(errno));
		goto out;
	}
	/* mkstemp makes the file private; a dataset is an ordinary file */
	if (fchmod(fd, 0644) != 0 || !(file = fdopen(fd, "w"))) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", temporary, strerror(errno));
		close(fd);
		unlink(temporary);
		goto out;
	}
	write_body(file, dataset);
	if (fflush(file) != 0 || ferror(file) || fsync(fileno(file)) != 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", temporary, strerror(errno));
		fclose(file);
		unlink(temporary);
		goto out;
	}
	if (fclose(file) != 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", temporary, strerror(errno));
		unlink(temporary);
		goto out;
	}
	if (rename(temporary, path) != 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot rename '%s' to '%s': %s", temporary, path,
				  strerror(errno));
		unlink(temporary);
	}
out:
	free(temporary);
	return rc;
}

/*
 * test-dataset.c - the dataset part of the trainer module: golden reads of
 * small hand-written files in every format (tests/data/), one test per
 * class of input error (code and FILE:LINE message), hostile input
 * (truncation at every byte, garbage, a 10 MB line, CRLF, BOM, broken
 * compressed streams), the generator (determinism, planted structure,
 * ARFF round trip, truth JSON), splits, task checks, append and impute.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bzlib.h>
#include <jansson.h>
#include <lzma.h>
#include <zlib.h>

#include "dataset.h"
#include "test-helpers.h"

Suite *dataset_suite(void);

/* ---- fixtures and helpers ------------------------------------------------- */

static char *tmpdir;

static void make_tmpdir(void)
{
	tmpdir = test_tmpdir();
	ck_assert_ptr_nonnull(tmpdir);
}

static void remove_tmpdir(void)
{
	test_remove_tree(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
}

/* A path under tests/data of the source tree. */
static const char *data_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/tests/data/%s", test_source_root(), name);
	return path;
}

/* A path in the test's temporary directory; two alternating buffers. */
static const char *tmp_path(const char *name)
{
	static char paths[2][512];
	static int which;

	which = !which;
	snprintf(paths[which], sizeof(paths[which]), "%s/%s", tmpdir, name);
	return paths[which];
}

static void write_bytes(const char *path, const void *bytes, size_t length)
{
	FILE *file = fopen(path, "wb");

	ck_assert_ptr_nonnull(file);
	ck_assert_uint_eq(fwrite(bytes, 1, length, file), length);
	ck_assert_int_eq(fclose(file), 0);
}

static const char *write_text(const char *name, const char *text)
{
	const char *path = tmp_path(name);

	write_bytes(path, text, strlen(text));
	return path;
}

static char *read_all(const char *path, size_t *length)
{
	FILE *file = fopen(path, "rb");
	char *bytes;
	long size;

	ck_assert_msg(file != NULL, "cannot open %s", path);
	fseek(file, 0, SEEK_END);
	size = ftell(file);
	fseek(file, 0, SEEK_SET);
	bytes = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(bytes);
	ck_assert_uint_eq(fread(bytes, 1, (size_t)size, file), (size_t)size);
	fclose(file);
	bytes[size] = '\0';
	*length = (size_t)size;
	return bytes;
}

/* Read @path expecting failure with @code and @text in the message. */
static void expect_error(const char *path, const struct tm_read_options *options, int code,
			 const char *text)
{
	struct tm_dataset *dataset = (struct tm_dataset *)1;
	struct tm_error err = { 0 };
	int rc = tm_dataset_read(&dataset, path, options, &err);

	ck_assert_msg(rc == code, "%s: expected %s, got %d (%s)", path, tm_err_name(code), rc,
		      err.message);
	ck_assert_ptr_null(dataset);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(strstr(err.message, text) != NULL, "message '%s' lacks '%s'", err.message,
		      text);
}

static struct tm_dataset *read_ok(const char *path, const struct tm_read_options *options)
{
	struct tm_dataset *dataset = NULL;
	struct tm_error err = { 0 };
	int rc = tm_dataset_read(&dataset, path, options, &err);

	ck_assert_msg(rc == 0, "%s: %s", path, err.message);
	ck_assert_ptr_nonnull(dataset);
	return dataset;
}

/* The stored value of (row, column), dense or sparse. */
static float feature(const struct tm_dataset *d, size_t row, size_t column)
{
	if (!d->x.is_sparse)
		return d->x.dense[row * d->n_features + column];
	for (size_t k = d->x.row_start[row]; k < d->x.row_start[row + 1]; k++)
		if (d->x.col_index[k] == column)
			return d->x.values[k];
	return 0.0f;
}

static void assert_same_dataset(const struct tm_dataset *a, const struct tm_dataset *b)
{
	ck_assert_uint_eq(a->n_samples, b->n_samples);
	ck_assert_uint_eq(a->n_features, b->n_features);
	ck_assert_uint_eq(a->n_tasks, b->n_tasks);
	for (size_t t = 0; t < a->n_tasks; t++)
		ck_assert_str_eq(a->task_names[t], b->task_names[t]);
	for (size_t f = 0; f < a->n_features; f++)
		ck_assert_str_eq(a->feature_names[f], b->feature_names[f]);
	ck_assert_mem_eq(a->labels, b->labels, a->n_samples * a->n_tasks);
	for (size_t r = 0; r < a->n_samples; r++)
		for (size_t f = 0; f < a->n_features; f++) {
			float x = feature(a, r, f), y = feature(b, r, f);

			if (isnan(x))
				ck_assert(isnan(y));
			else
				ck_assert_float_eq(x, y); /* %.9g round-trips float32 exactly */
		}
}

/* ---- golden reads ----------------------------------------------------------- */

START_TEST(test_dense_arff)
{
	struct tm_dataset *d = read_ok(data_path("dense.arff"), NULL);
	static const float expected[3][4] = { { 1.5f, 2.0f, 0.0f, 1.0f },
					      { -0.3f, NAN, 2.0f, 0.0f },
					      { 0.0f, 4.25f, 1.0f, 0.0f } };
	static const int8_t labels[3][2] = { { 1, 0 }, { 0, -1 }, { -1, 1 } };

	ck_assert_str_eq(d->name, "tiny dense");
	ck_assert_str_eq(d->format, "arff");
	ck_assert_uint_eq(d->n_samples, 3);
	ck_assert_uint_eq(d->n_features, 4);
	ck_assert_uint_eq(d->n_tasks, 2);
	ck_assert(!d->x.is_sparse);
	ck_assert_str_eq(d->feature_names[0], "width cm");
	ck_assert_str_eq(d->feature_names[1], "height");
	ck_assert_str_eq(d->feature_names[3], "motif");
	ck_assert_str_eq(d->task_names[0], "label one");
	ck_assert_str_eq(d->task_names[1], "label_two");
	for (size_t r = 0; r < 3; r++) {
		for (size_t f = 0; f < 4; f++) {
			if (isnan(expected[r][f]))
				ck_assert(isnan(feature(d, r, f)));
			else
				ck_assert_float_eq_tol(feature(d, r, f), expected[r][f], 1e-7);
		}
		for (size_t t = 0; t < 2; t++)
			ck_assert_int_eq(tm_dataset_label(d, r, t), labels[r][t]);
	}
	ck_assert_uint_eq(d->n_missing_features, 1);
	ck_assert_uint_eq(d->n_missing_labels, 2);
	ck_assert_uint_eq(d->n_notes, 1);
	ck_assert_ptr_nonnull(strstr(d->notes[0], "note"));
	ck_assert_uint_gt(tm_dataset_memory_bytes(d), 3 * 4 * sizeof(float));
	tm_dataset_destroy(d);
}
END_TEST

START_TEST(test_sparse_arff)
{
	struct tm_dataset *d = read_ok(data_path("sparse.arff"), NULL);

	ck_assert_str_eq(d->name, "tiny sparse");
	ck_assert_uint_eq(d->n_samples, 4);
	ck_assert_uint_eq(d->n_features, 4);
	ck_assert_uint_eq(d->n_tasks, 2);
	ck_assert(d->x.is_sparse);
	ck_assert_ptr_null(d->x.dense);
	ck_assert_uint_eq(d->x.nnz, 4);
	ck_assert_str_eq(d->task_names[0], "A");
	ck_assert_str_eq(d->feature_names[0], "w0");
	ck_assert_float_eq(feature(d, 0, 0), 1.0f);
	ck_assert_float_eq(feature(d, 0, 2), 0.5f);
	ck_assert_uint_eq(d->x.row_start[2] - d->x.row_start[1], 0);
	/* row 2 was listed out of order: stored sorted */
	ck_assert_uint_eq(d->x.col_index[d->x.row_start[2]], 1);
	ck_assert_uint_eq(d->x.col_index[d->x.row_start[2] + 1], 3);
	ck_assert(isnan(feature(d, 2, 1)));
	ck_assert_float_eq(feature(d, 2, 3), 2.0f);
	ck_assert_int_eq(tm_dataset_label(d, 0, 0), 1);
	ck_assert_int_eq(tm_dataset_label(d, 0, 1), 0);
	ck_assert_int_eq(tm_dataset_label(d, 1, 0), 0);
	ck_assert_int_eq(tm_dataset_label(d, 2, 1), 1);
	ck_assert_int_eq(tm_dataset_label(d, 3, 1), TM_LABEL_MISSING);
	ck_assert_uint_eq(d->n_missing_features, 1);
	ck_assert_uint_eq(d->n_missing_labels, 1);
	tm_dataset_destroy(d);
}
END_TEST

START_TEST(test_mulan_xml_wins_over_relation)
{
	struct tm_read_options options = { .xml_path = NULL };
	struct tm_dataset *d;
	char xml[4096];

	snprintf(xml, sizeof(xml), "%s", data_path("mulan.xml"));
	options.xml_path = xml;
	d = read_ok(data_path("mulan.arff"), &options);
	ck_assert_uint_eq(d->n_samples, 2);
	ck_assert_uint_eq(d->n_features, 3);
	ck_assert_uint_eq(d->n_tasks, 2);
	/* tasks in attribute order, whatever the XML order */
	ck_assert_str_eq(d->task_names[0], "lab1");
	ck_assert_str_eq(d->task_names[1], "lab2");
	ck_assert_str_eq(d->feature_names[2], "f3");
	ck_assert_float_eq(feature(d, 1, 1), 5.0f);
	ck_assert_int_eq(tm_dataset_label(d, 0, 0), 0);
	ck_assert_int_eq(tm_dataset_label(d, 0, 1), 1);
	ck_assert_int_eq(tm_dataset_label(d, 1, 0), 1);
	tm_dataset_destroy(d);
	/* without the XML the stale -C 3 is used and the "label" f2 = 2 is refused */
	expect_error(data_path("mulan.arff"), NULL, TM_ERR_INPUT, "mulan.arff:10:3: label 'f2'");
}
END_TEST

START_TEST(test_xml_errors)
{
	struct tm_read_options options = { 0 };

	options.xml_path = write_text("bad.xml", "<labels><label name=\"nope\"/></labels>\n");
	expect_error(data_path("mulan.arff"), &options, TM_ERR_INPUT,
		     "label 'nope' named in");
	options.xml_path = write_text("empty.xml", "<labels></labels>\n");
	expect_error(data_path("mulan.arff"), &options, TM_ERR_INPUT, "no <label");
	options.xml_path = write_text("broken.xml", "<labels><label name=\"lab1\n");
	expect_error(data_path("mulan.arff"), &options, TM_ERR_INPUT, "malformed XML");
	options.xml_path = tmp_path("missing.xml");
	expect_error(data_path("mulan.arff"), &options, TM_ERR_IO, "cannot open");
}
END_TEST

START_TEST(test_drop_attribute)
{
	const char *drop[] = { "colour" };
	struct tm_read_options options = { .drop = drop, .n_drop = 1 };
	struct tm_dataset *d = read_ok(data_path("dense.arff"), &options);

	ck_assert_uint_eq(d->n_features, 3);
	ck_assert_str_eq(d->feature_names[2], "motif");
	ck_assert_float_eq(feature(d, 0, 2), 1.0f);
	tm_dataset_destroy(d);
	drop[0] = "absent";
	expect_error(data_path("dense.arff"), &options, TM_ERR_INPUT, "cannot drop 'absent'");
	drop[0] = "label_two";
	expect_error(data_path("dense.arff"), &options, TM_ERR_INPUT, "it is a label");
}
END_TEST

START_TEST(test_csv)
{
	const char *drop[] = { "id" };
	struct tm_read_options options = { .label_prefix = "y_", .drop = drop, .n_drop = 1 };
	struct tm_dataset *d = read_ok(data_path("small.csv"), &options);

	ck_assert_str_eq(d->format, "csv");
	ck_assert_str_eq(d->name, "small");
	ck_assert_uint_eq(d->n_samples, 2);
	ck_assert_uint_eq(d->n_features, 2);
	ck_assert_uint_eq(d->n_tasks, 2);
	ck_assert_str_eq(d->feature_names[1], "x 2");
	ck_assert_str_eq(d->task_names[0], "y_a");
	ck_assert_float_eq(feature(d, 0, 0), 0.5f);
	ck_assert(isnan(feature(d, 1, 0)));
	ck_assert_int_eq(tm_dataset_label(d, 0, 0), 1);
	ck_assert_int_eq(tm_dataset_label(d, 1, 1), TM_LABEL_MISSING);
	tm_dataset_destroy(d);

	/* named label columns, and id kept as a feature */
	options = (struct tm_read_options){ .labels = "y_b,y_a" };
	d = read_ok(data_path("small.csv"), &options);
	ck_assert_uint_eq(d->n_features, 3);
	ck_assert_str_eq(d->task_names[0], "y_a");
	tm_dataset_destroy(d);

	options = (struct tm_read_options){ .labels = "y_c" };
	expect_error(data_path("small.csv"), &options, TM_ERR_INPUT, "label column 'y_c'");
	expect_error(data_path("small.csv"), NULL, TM_ERR_INPUT, "no labels found");
}
END_TEST

START_TEST(test_tsv)
{
	struct tm_read_options options = { .labels = "y" };
	const char *path = write_text("t.tsv", "a\tb\ty\n1\t2\t1\n3\t4\t0\n");
	struct tm_dataset *d = read_ok(path, &options);

	ck_assert_uint_eq(d->n_samples, 2);
	ck_assert_uint_eq(d->n_features, 2);
	ck_assert_float_eq(feature(d, 1, 1), 4.0f);
	tm_dataset_destroy(d);
}
END_TEST

START_TEST(test_libsvm)
{
	struct tm_dataset *d = read_ok(data_path("small.svm"), NULL);

	ck_assert_str_eq(d->format, "libsvm");
	ck_assert(d->x.is_sparse);
	ck_assert_uint_eq(d->n_samples, 4);
	ck_assert_uint_eq(d->n_tasks, 3);
	ck_assert_uint_eq(d->n_features, 5);
	ck_assert_uint_eq(d->x.nnz, 5);
	ck_assert_float_eq(feature(d, 0, 0), 1.5f);
	ck_assert_float_eq(feature(d, 0, 3), 2.0f);
	ck_assert_float_eq(feature(d, 1, 1), 1.0f);
	ck_assert_uint_eq(d->x.col_index[d->x.row_start[3]], 2);
	ck_assert_float_eq(feature(d, 3, 4), 0.25f);
	ck_assert_int_eq(tm_dataset_label(d, 0, 0), 1);
	ck_assert_int_eq(tm_dataset_label(d, 0, 1), 0);
	ck_assert_int_eq(tm_dataset_label(d, 0, 2), 1);
	ck_assert_int_eq(tm_dataset_label(d, 1, 0), 0);
	ck_assert_int_eq(tm_dataset_label(d, 2, 1), 1);
	ck_assert_str_eq(d->task_names[2], "label_2");
	tm_dataset_destroy(d);

	d = read_ok(data_path("header.svm"), NULL);
	ck_assert_uint_eq(d->n_samples, 3);
	ck_assert_uint_eq(d->n_features, 6);
	ck_assert_uint_eq(d->n_tasks, 4);
	ck_assert_int_eq(tm_dataset_label(d, 1, 3), 1);
	ck_assert_float_eq(feature(d, 2, 2), 3.0f);
	tm_dataset_destroy(d);
}
END_TEST

static void gzip_file(const char *from, const char *to)
{
	size_t length;
	char *bytes = read_all(from, &length);
	gzFile gz = gzopen(to, "wb");

	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzwrite(gz, bytes, (unsigned)length), (int)length);
	ck_assert_int_eq(gzclose(gz), Z_OK);
	free(bytes);
}

static void xz_file(const char *from, const char *to)
{
	size_t length, written = 0;
	char *bytes = read_all(from, &length);
	size_t capacity = length + 1024;
	uint8_t *packed = malloc(capacity);

	ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, (uint8_t *)bytes,
						 length, packed, &written, capacity), LZMA_OK);
	write_bytes(to, packed, written);
	free(packed);
	free(bytes);
}

static void bzip2_file(const char *from, const char *to)
{
	size_t length;
	char *bytes = read_all(from, &length);
	unsigned int packed_length = (unsigned)(length + length / 100 + 700);
	char *packed = malloc(packed_length);

	ck_assert_int_eq(BZ2_bzBuffToBuffCompress(packed, &packed_length, bytes, (unsigned)length,
						  9, 0, 0), BZ_OK);
	write_bytes(to, packed, packed_length);
	free(packed);
	free(bytes);
}

START_TEST(test_compressed_same_as_plain)
{
	struct tm_dataset *plain = read_ok(data_path("sparse.arff"), NULL), *packed;
	const char *gz = tmp_path("sparse.arff.gz"), *xz = tmp_path("sparse.arff.xz");

	gzip_file(data_path("sparse.arff"), gz);
	packed = read_ok(gz, NULL);
	assert_same_dataset(plain, packed);
	tm_dataset_destroy(packed);
	xz_file(data_path("sparse.arff"), xz);
	packed = read_ok(xz, NULL);
	assert_same_dataset(plain, packed);
	tm_dataset_destroy(packed);
	bzip2_file(data_path("sparse.arff"), tmp_path("sparse.arff.bz2"));
	packed = read_ok(tmp_path("sparse.arff.bz2"), NULL);
	assert_same_dataset(plain, packed);
	tm_dataset_destroy(packed);
	tm_dataset_destroy(plain);
}
END_TEST

/* A compressed file cut short must be reported, never read as shorter data. */
START_TEST(test_truncated_compressed)
{
	static const char *const names[] = { "d.arff.gz", "d.arff.xz", "d.arff.bz2" };
	const char *path;
	size_t length;
	char *bytes;

	gzip_file(data_path("dense.arff"), tmp_path(names[0]));
	xz_file(data_path("dense.arff"), tmp_path(names[1]));
	bzip2_file(data_path("dense.arff"), tmp_path(names[2]));
	for (size_t i = 0; i < 3; i++) {
		path = tmp_path(names[i]);
		bytes = read_all(path, &length);
		/* every cut point, including just before the trailer */
		for (size_t cut = 1; cut < length; cut += 1 + cut / 8) {
			struct tm_dataset *d = NULL;
			struct tm_error err = { 0 };
			int rc;

			write_bytes(tmp_path("cut.arff"), bytes, cut);
			rc = tm_dataset_read(&d, tmp_path("cut.arff"), NULL, &err);
			ck_assert_msg(rc == TM_ERR_INPUT, "%s cut at %zu: rc %d", names[i], cut, rc);
			ck_assert_ptr_null(d);
		}
		write_bytes(tmp_path("cut.arff"), bytes, length - 1);
		expect_error(tmp_path("cut.arff"), NULL, TM_ERR_INPUT, "truncated");
		/* a flipped byte in the middle: corrupt data */
		bytes[length / 2] ^= 0x55;
		write_bytes(tmp_path("flip.arff"), bytes, length);
		{
			struct tm_dataset *d = NULL;
			struct tm_error err = { 0 };

			ck_assert_int_ne(tm_dataset_read(&d, tmp_path("flip.arff"), NULL, &err), 0);
			ck_assert_ptr_null(d);
		}
		free(bytes);
	}
}
END_TEST

START_TEST(test_crlf_and_bom)
{
	struct tm_dataset *plain = read_ok(data_path("dense.arff"), NULL), *windows;
	size_t length, used = 3;
	char *bytes = read_all(data_path("dense.arff"), &length);
	char *converted = malloc(2 * length + 4);

	memcpy(converted, "\xef\xbb\xbf", 3);
	for (size_t i = 0; i < length; i++) {
		if (bytes[i] == '\n')
			converted[used++] = '\r';
		converted[used++] = bytes[i];
	}
	write_bytes(tmp_path("windows.arff"), converted, used);
	windows = read_ok(tmp_path("windows.arff"), NULL);
	assert_same_dataset(plain, windows);
	ck_assert_str_eq(windows->name, "tiny dense");
	tm_dataset_destroy(windows);
	tm_dataset_destroy(plain);
	free(bytes);
	free(converted);
}
END_TEST

/* ---- errors: one per class, FILE:LINE[:FIELD] and what was expected ------------ */

#define HEADER "@relation 'e: -C -1'\n@attribute a numeric\n@attribute b numeric\n" \
	       "@attribute y {0,1}\n@data\n"

START_TEST(test_error_unknown_type)
{
	expect_error(write_text("e.arff", "@relation r\n@attribute x bogus\n@data\n"), NULL,
		     TM_ERR_INPUT, "e.arff:2: unknown attribute type 'bogus' for 'x'");
}
END_TEST

START_TEST(test_error_field_count)
{
	expect_error(write_text("e.arff", HEADER "1,2,0\n1,2\n"), NULL, TM_ERR_INPUT,
		     "e.arff:7: wrong number of values: expected 3, found 2");
	expect_error(write_text("e.arff", HEADER "1,2,0,4,5\n"), NULL, TM_ERR_INPUT,
		     "e.arff:6: wrong number of values: expected 3, found 5");
	expect_error(write_text("e.csv", "a,y\n1,0\n1,0,3\n"),
		     &(struct tm_read_options){ .labels = "y" }, TM_ERR_INPUT,
		     "e.csv:3: wrong number of fields: expected 2");
}
END_TEST

START_TEST(test_error_non_numeric)
{
	expect_error(write_text("e.arff", HEADER "1,abc,0\n"), NULL, TM_ERR_INPUT,
		     "e.arff:6:2: non-numeric value 'abc' for numeric attribute 'b'");
	expect_error(write_text("e.arff", HEADER "1,2x,0\n"), NULL, TM_ERR_INPUT,
		     "e.arff:6:2: non-numeric value '2x'");
	expect_error(write_text("e.csv", "a,y\n1,0\nz,1\n"),
		     &(struct tm_read_options){ .labels = "y" }, TM_ERR_INPUT,
		     "e.csv:3:1: non-numeric value 'z'");
	expect_error(write_text("e.svm", "0 1:x\n"), NULL, TM_ERR_INPUT,
		     "e.svm:1: non-numeric value 'x'");
	expect_error(write_text("e.arff", HEADER "1,2,maybe\n"), NULL, TM_ERR_INPUT,
		     "e.arff:6:3: label 'y' is 'maybe': expected 0, 1 or ?");
}
END_TEST

START_TEST(test_error_label_value)
{
	expect_error(write_text("e.arff", "@relation 'e: -C 1'\n@attribute y numeric\n"
					  "@attribute a numeric\n@data\n0,1\n2,1\n"),
		     NULL, TM_ERR_INPUT, "e.arff:6:1: label 'y' is 2: expected 0, 1 or ?");
	expect_error(write_text("e.csv", "a,y\n1,0.5\n"), &(struct tm_read_options){ .labels = "y" },
		     TM_ERR_INPUT, "e.csv:2:2: label 'y' is '0.5'");
	expect_error(write_text("e.arff", "@relation 'e: -C 1'\n@attribute y {a,b,c}\n"
					  "@attribute a numeric\n@data\na,1\n"),
		     NULL, TM_ERR_INPUT, "label 'y' must be numeric 0/1 or a nominal with 2 values");
}
END_TEST

START_TEST(test_error_sparse_index)
{
	expect_error(write_text("e.arff", HEADER "{0 1,3 1}\n"), NULL, TM_ERR_INPUT,
		     "e.arff:6: sparse index 3 out of range: 3 attributes");
	expect_error(write_text("e.arff", HEADER "{0 1,99999999999999999999999 1}\n"), NULL,
		     TM_ERR_INPUT, "out of range");
	expect_error(write_text("e.arff", HEADER "{1 1,0 2,1 3}\n"), NULL, TM_ERR_INPUT,
		     "e.arff:6:2: sparse index 1 repeated");
	expect_error(write_text("e.arff", HEADER "{0 1,1 2\n"), NULL, TM_ERR_INPUT,
		     "e.arff:6: sparse row not closed");
	expect_error(write_text("e.svm", "2 6 2\n0 1:1 1:2\n1 0:1\n"), NULL, TM_ERR_INPUT,
		     "e.svm:2: feature index 1 repeated");
	expect_error(write_text("e.svm", "2 6 2\n0 6:1\n"), NULL, TM_ERR_INPUT,
		     "e.svm:2: feature index 6 out of range");
	expect_error(write_text("e.svm", "1 6 2\n2 1:1\n"), NULL, TM_ERR_INPUT,
		     "e.svm:2: label 2 out of range");
	expect_error(write_text("e.svm", "0 3:1 1:1 3:2\n"), NULL, TM_ERR_INPUT,
		     "e.svm:1: feature index 3 repeated");
}
END_TEST

START_TEST(test_error_truncated)
{
	expect_error(write_text("e.arff", "@relation r\n@attribute a numeric\n"), NULL,
		     TM_ERR_INPUT, "e.arff:2: unexpected end of file: no @data section");
	/* the last row cut in the middle */
	expect_error(write_text("e.arff", HEADER "1,2,0\n1,2"), NULL, TM_ERR_INPUT,
		     "e.arff:7: wrong number of values");
	expect_error(write_text("e.arff", "@relation r\n@attribute 'a numeric\n"), NULL,
		     TM_ERR_INPUT, "e.arff:2: unterminated quoted text");
	expect_error(write_text("e.svm", "3 4 2\n0 1:1\n"), NULL, TM_ERR_INPUT,
		     "the header says 3 samples but there are 1");
}
END_TEST

START_TEST(test_error_empty_data)
{
	expect_error(write_text("e.arff", HEADER "% nothing\n\n"), NULL, TM_ERR_INPUT,
		     "e.arff:7: empty data section");
	expect_error(write_text("e.csv", "a,y\n"), &(struct tm_read_options){ .labels = "y" },
		     TM_ERR_INPUT, "e.csv:1: empty data section");
	expect_error(write_text("e.svm", ""), NULL, TM_ERR_INPUT, "empty file");
	expect_error(write_text("e.arff", ""), NULL, TM_ERR_INPUT, "no @data");
}
END_TEST

START_TEST(test_error_no_labels)
{
	expect_error(write_text("e.arff", "@relation plain\n@attribute a numeric\n@data\n1\n"), NULL,
		     TM_ERR_INPUT, "no labels found: give Mulan's label file (--xml");
	expect_error(write_text("e.arff", "@relation 'r: -C 5'\n@attribute a numeric\n@data\n1\n"),
		     NULL, TM_ERR_INPUT, "-C 5 but there are only 1 attributes");
	expect_error(write_text("e.svm", "0:1\n 1:1\n"), NULL, TM_ERR_INPUT, "no labels found");
}
END_TEST

START_TEST(test_error_nan_inf)
{
	expect_error(write_text("e.arff", HEADER "1,nan,0\n"), NULL, TM_ERR_INPUT,
		     "e.arff:6:2: NaN or infinite value for 'b'");
	expect_error(write_text("e.arff", HEADER "1e39,1,0\n"), NULL, TM_ERR_INPUT,
		     "e.arff:6:1: NaN or infinite");
	expect_error(write_text("e.csv", "a,y\n-inf,1\n"), &(struct tm_read_options){ .labels = "y" },
		     TM_ERR_INPUT, "e.csv:2:1: NaN or infinite");
	expect_error(write_text("e.svm", "0 0:inf\n"), NULL, TM_ERR_INPUT, "e.svm:1: NaN or infinite");
}
END_TEST

START_TEST(test_error_misc)
{
	expect_error(write_text("e.arff", "@relation r\n@attribut a numeric\n"), NULL, TM_ERR_INPUT,
		     "e.arff:2: unknown keyword '@attribut'");
	expect_error(write_text("e.arff", "hello\n"), NULL, TM_ERR_INPUT,
		     "e.arff:1: expected @relation");
	expect_error(write_text("e.arff", "@relation 'r: -C 1'\n@attribute y {0,1}\n"
					  "@attribute c {a,b,c}\n@data\n1,d\n"),
		     NULL, TM_ERR_INPUT, "e.arff:5:2: value 'd' is not one of the values declared");
	expect_error(write_text("e.data", "x"), NULL, TM_ERR_USAGE, "cannot tell the format");
	expect_error(tmp_path("absent.arff"), NULL, TM_ERR_IO, "cannot open");
	expect_error(data_path("dense.arff"), &(struct tm_read_options){ .format = "xls" },
		     TM_ERR_USAGE, "unknown format 'xls'");
}
END_TEST

START_TEST(test_absurd_sizes_refused)
{
	/* a header declaring 10^12 samples x 10^9 labels: refused before allocating */
	expect_error(write_text("e.svm", "1000000000000 1000000000 1000000000\n0 0:1\n"), NULL,
		     TM_ERR_INPUT, "too large");
	/* an index of 4e9 without a header: the feature names alone exceed the limit */
	expect_error(write_text("e.svm", "0 4000000000:1\n"), NULL, TM_ERR_INPUT, "too large");
	/* the estimate from the header against a small limit */
	{
		char header[64 * 1024] = "@relation 'r: -C 1'\n@attribute y {0,1}\n";

		for (int i = 0; i < 1000; i++)
			snprintf(header + strlen(header), sizeof(header) - strlen(header),
				 "@attribute a%d numeric\n", i);
		strcat(header, "@data\n");
		expect_error(write_text("e.arff", header),
			     &(struct tm_read_options){ .memory_limit = 2000 }, TM_ERR_INPUT,
			     "dataset too large");
	}
}
END_TEST

/* ---- hostile input ------------------------------------------------------------ */

static void read_anything(const char *path, const struct tm_read_options *options)
{
	struct tm_dataset *d = NULL;
	struct tm_error err = { 0 };
	int rc = tm_dataset_read(&d, path, options, &err);

	if (rc == 0) {
		ck_assert_ptr_nonnull(d);
		tm_dataset_destroy(d);
	} else {
		ck_assert_ptr_null(d);
		ck_assert(rc == TM_ERR_INPUT || rc == TM_ERR_USAGE);
		ck_assert(err.message[0] != '\0');
	}
}

/* Every prefix of every golden file reads or fails cleanly. */
START_TEST(test_every_truncation)
{
	static const char *const names[] = { "dense.arff", "sparse.arff", "small.csv",
					     "small.svm", "header.svm", "mulan.arff" };
	struct tm_read_options csv = { .label_prefix = "y_" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t length;
		char *bytes = read_all(data_path(names[i]), &length);
		const char *cut = tmp_path(names[i]);

		for (size_t n = 0; n <= length; n++) {
			write_bytes(cut, bytes, n);
			read_anything(cut, strstr(names[i], ".csv") ? &csv : NULL);
		}
		free(bytes);
	}
}
END_TEST

/* Random byte changes (fixed seed) never crash the readers. */
START_TEST(test_mutations)
{
	static const char *const names[] = { "dense.arff", "sparse.arff", "small.svm", "small.csv" };
	struct tm_read_options csv = { .label_prefix = "y_" };
	gsl_rng *rng = tm_rng_create(7);
	static const char alphabet[] = "{},?'\" \t\n\r%@0123456789.-e:x\\";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t length;
		char *bytes = read_all(data_path(names[i]), &length);
		char *copy = malloc(length);

		for (int round = 0; round < 300; round++) {
			memcpy(copy, bytes, length);
			for (int k = 0; k < 3; k++) {
				size_t at = gsl_rng_uniform_int(rng, length);

				copy[at] = gsl_rng_uniform(rng) < 0.8
						   ? alphabet[gsl_rng_uniform_int(rng, sizeof(alphabet) - 1)]
						   : (char)gsl_rng_uniform_int(rng, 256);
			}
			write_bytes(tmp_path(names[i]), copy, length);
			read_anything(tmp_path(names[i]), strstr(names[i], ".csv") ? &csv : NULL);
		}
		free(copy);
		free(bytes);
	}
	gsl_rng_free(rng);
}
END_TEST

START_TEST(test_binary_garbage)
{
	gsl_rng *rng = tm_rng_create(11);
	unsigned char garbage[65536];

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)gsl_rng_uniform_int(rng, 256);
	write_bytes(tmp_path("g.arff"), garbage, sizeof(garbage));
	read_anything(tmp_path("g.arff"), NULL);
	write_bytes(tmp_path("g.svm"), garbage, sizeof(garbage));
	read_anything(tmp_path("g.svm"), NULL);
	write_bytes(tmp_path("g.csv"), garbage, sizeof(garbage));
	read_anything(tmp_path("g.csv"), &(struct tm_read_options){ .labels = "y" });
	/* garbage behind a gzip magic: corrupt stream */
	garbage[0] = 0x1f;
	garbage[1] = 0x8b;
	write_bytes(tmp_path("g.arff.gz"), garbage, sizeof(garbage));
	expect_error(tmp_path("g.arff.gz"), NULL, TM_ERR_INPUT, "gzip");
	/* a NUL byte in an otherwise valid file */
	expect_error(write_text("n.arff", "@relation r\n@attri\001bute\n"), NULL, TM_ERR_INPUT,
		     "n.arff:2: unknown keyword");
	write_bytes(tmp_path("z.arff"), "@relation r\n@attr\0ibute\n", 24);
	expect_error(tmp_path("z.arff"), NULL, TM_ERR_INPUT, "z.arff:2: NUL byte");
	gsl_rng_free(rng);
}
END_TEST

START_TEST(test_huge_lines)
{
	size_t big = 10u << 20;
	char *text = malloc(big + 256);
	struct tm_dataset *d;
	size_t used;

	/* a 10 MB comment line in a valid file: read correctly */
	used = (size_t)sprintf(text, HEADER);
	text[used++] = '%';
	memset(text + used, 'x', big);
	used += big;
	used += (size_t)sprintf(text + used, "\n1,2,1\n");
	write_bytes(tmp_path("long.arff"), text, used);
	d = read_ok(tmp_path("long.arff"), NULL);
	ck_assert_uint_eq(d->n_samples, 1);
	ck_assert_int_eq(tm_dataset_label(d, 0, 0), 1);
	tm_dataset_destroy(d);
	/* a 10 MB data row of too many values: a clean error */
	used = (size_t)sprintf(text, HEADER);
	for (size_t i = 0; i < big / 2; i++) {
		text[used++] = '1';
		text[used++] = ',';
	}
	text[used++] = '0';
	text[used++] = '\n';
	write_bytes(tmp_path("long.arff"), text, used);
	expect_error(tmp_path("long.arff"), NULL, TM_ERR_INPUT, "long.arff:6: wrong number of values");
	/* a valid 10 MB LIBSVM line of ~1.2 million features */
	used = (size_t)sprintf(text, "0");
	for (size_t i = 0; used < big; i++)
		used += (size_t)sprintf(text + used, " %zu:1", i);
	text[used++] = '\n';
	write_bytes(tmp_path("long.svm"), text, used);
	d = read_ok(tmp_path("long.svm"), NULL);
	ck_assert_uint_eq(d->n_samples, 1);
	ck_assert_uint_eq(d->n_features, d->x.nnz);
	ck_assert_uint_gt(d->n_features, 1000000);
	tm_dataset_destroy(d);
	free(text);
}
END_TEST

/* ---- append, impute, task checks ------------------------------------------------ */

START_TEST(test_append)
{
	struct tm_dataset *a = read_ok(data_path("sparse.arff"), NULL);
	struct tm_dataset *b = read_ok(data_path("sparse.arff"), NULL);
	struct tm_dataset *c = read_ok(data_path("dense.arff"), NULL);
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_dataset_append(a, b, &err), 0);
	ck_assert_uint_eq(a->n_samples, 8);
	ck_assert_uint_eq(a->x.nnz, 8);
	ck_assert_uint_eq(a->n_missing_labels, 2);
	ck_assert_float_eq(feature(a, 6, 3), 2.0f);
	ck_assert_int_eq(tm_dataset_label(a, 6, 1), 1);
	ck_assert_int_eq(tm_dataset_append(a, c, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "cannot append"));
	ck_assert_uint_eq(a->n_samples, 8);
	tm_dataset_destroy(a);
	tm_dataset_destroy(b);
	tm_dataset_destroy(c);
}
END_TEST

START_TEST(test_impute)
{
	struct tm_dataset *d = read_ok(data_path("dense.arff"), NULL);
	size_t rows[] = { 0, 2 }, all[] = { 0, 1, 2 };

	/* column 1 (height): NaN in row 1; mean over rows 0 and 2 = (2 + 4.25) / 2 */
	ck_assert_uint_eq(tm_dataset_impute(d, rows, 2), 1);
	ck_assert_float_eq_tol(feature(d, 1, 1), 3.125f, 1e-6);
	ck_assert_uint_eq(tm_dataset_impute(d, all, 3), 0);
	tm_dataset_destroy(d);
	d = read_ok(data_path("sparse.arff"), NULL);
	/* sparse column w1: NaN in row 2, absent (0) elsewhere: mean 0 over rows 0, 1, 3 */
	{
		size_t others[] = { 0, 1, 3 };

		ck_assert_uint_eq(tm_dataset_impute(d, others, 3), 1);
		ck_assert_float_eq(feature(d, 2, 1), 0.0f);
	}
	tm_dataset_destroy(d);
}
END_TEST

/* Rows kept by test_keep_rows, per data file: every row, some, one, none. */
static const struct {
	const char *file;
	size_t rows[4];
	size_t n_rows;
} keep_cases[] = {
	{ "dense.arff", { 0, 1, 2 }, 3 },
	{ "dense.arff", { 1, 2 }, 2 }, /* the NaN feature and both missing labels */
	{ "dense.arff", { 2 }, 1 },
	{ "dense.arff", { 0 }, 0 },
	{ "sparse.arff", { 0, 1, 2, 3 }, 4 },
	{ "sparse.arff", { 1, 3 }, 2 },     /* an empty row, a missing label */
	{ "sparse.arff", { 0, 2, 3 }, 3 },  /* a NaN stored value, a row listed out of order */
	{ "sparse.arff", { 3 }, 1 },
};

/* assert_rows_of - row i of @part is row rows[i] of @whole: features (NaN too) and labels. */
static void assert_rows_of(const struct tm_dataset *part, const struct tm_dataset *whole,
			   const size_t *rows, size_t n)
{
	ck_assert_uint_eq(part->n_samples, n);
	ck_assert_uint_eq(part->n_features, whole->n_features);
	ck_assert_uint_eq(part->n_tasks, whole->n_tasks);
	ck_assert_int_eq(part->x.is_sparse, whole->x.is_sparse);
	for (size_t i = 0; i < n; i++) {
		for (size_t f = 0; f < whole->n_features; f++) {
			float x = feature(whole, rows[i], f), y = feature(part, i, f);

			if (isnan(x))
				ck_assert(isnan(y));
			else
				ck_assert_float_eq(x, y);
		}
		for (size_t t = 0; t < whole->n_tasks; t++)
			ck_assert_int_eq(tm_dataset_label(part, i, t), tm_dataset_label(whole, rows[i], t));
	}
}

START_TEST(test_keep_rows)
{
	struct tm_dataset *whole = read_ok(data_path(keep_cases[_i].file), NULL);
	struct tm_dataset *kept = read_ok(data_path(keep_cases[_i].file), NULL);
	const size_t *rows = keep_cases[_i].rows, n = keep_cases[_i].n_rows;
	struct tm_error err = { 0 };
	size_t nnz = 0;

	ck_assert_int_eq(tm_dataset_keep_rows(kept, rows, n, &err), 0);
	ck_assert_uint_eq(kept->x.n_rows, n);
	assert_rows_of(kept, whole, rows, n);
	for (size_t i = 0; whole->x.is_sparse && i < n; i++)
		nnz += whole->x.row_start[rows[i] + 1] - whole->x.row_start[rows[i]];
	if (whole->x.is_sparse) {
		ck_assert_uint_eq(kept->x.nnz, nnz);
		ck_assert_uint_eq(kept->x.row_start[n], nnz);
	}
	/* what the file said stays: names and the counts of missing values */
	ck_assert_uint_eq(kept->n_missing_features, whole->n_missing_features);
	ck_assert_uint_eq(kept->n_missing_labels, whole->n_missing_labels);
	ck_assert_str_eq(kept->task_names[whole->n_tasks - 1], whole->task_names[whole->n_tasks - 1]);
	tm_dataset_destroy(whole);
	tm_dataset_destroy(kept);
}
END_TEST

START_TEST(test_keep_rows_refused)
{
	struct tm_dataset *d = read_ok(data_path("sparse.arff"), NULL);
	struct tm_dataset *same = read_ok(data_path("sparse.arff"), NULL);
	static const size_t unordered[] = { 2, 1 }, repeated[] = { 1, 1 }, beyond[] = { 0, 4 };
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_dataset_keep_rows(d, unordered, 2, &err), TM_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "increasing"));
	ck_assert_int_eq(tm_dataset_keep_rows(d, repeated, 2, &err), TM_ERR_USAGE);
	ck_assert_int_eq(tm_dataset_keep_rows(d, beyond, 2, &err), TM_ERR_USAGE);
	assert_same_dataset(d, same); /* refused: nothing changed */
	tm_dataset_destroy(d);
	tm_dataset_destroy(same);
}
END_TEST

/* unpack_copy - tm_dataset_unpack of a copy of @length bytes (unpack takes its bytes over). */
static int unpack_copy(struct tm_dataset **out, const void *bytes, size_t length,
		       struct tm_error *err)
{
	void *copy = malloc(length ? length : 1);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, bytes, length);
	return tm_dataset_unpack(out, copy, length, err);
}

START_TEST(test_pack_rows)
{
	struct tm_dataset *whole = read_ok(data_path(keep_cases[_i].file), NULL), *part = NULL;
	const size_t *rows = keep_cases[_i].rows, n = keep_cases[_i].n_rows;
	size_t reversed[4], n_bytes;
	struct tm_error err = { 0 };
	void *bytes = NULL;

	ck_assert_int_eq(tm_dataset_pack_rows(whole, rows, n, &bytes, &n_bytes, &err), 0);
	ck_assert_int_eq(tm_dataset_unpack(&part, bytes, n_bytes, &err), 0); /* takes bytes */
	assert_rows_of(part, whole, rows, n);
	for (size_t t = 0; t < whole->n_tasks; t++)
		ck_assert_str_eq(part->task_names[t], whole->task_names[t]);
	tm_dataset_destroy(part);
	/* any order */
	for (size_t i = 0; i < n; i++)
		reversed[i] = rows[n - 1 - i];
	ck_assert_int_eq(tm_dataset_pack_rows(whole, reversed, n, &bytes, &n_bytes, &err), 0);
	ck_assert_int_eq(tm_dataset_unpack(&part, bytes, n_bytes, &err), 0);
	assert_rows_of(part, whole, reversed, n);
	tm_dataset_destroy(part);
	tm_dataset_destroy(whole);
}
END_TEST

START_TEST(test_unpack_malformed)
{
	struct tm_dataset *d = read_ok(data_path(_i ? "sparse.arff" : "dense.arff"), NULL);
	struct tm_dataset *part = NULL;
	static const size_t rows[] = { 0, 2 }, beyond[] = { 9 };
	struct tm_error err = { 0 };
	size_t n_bytes;
	char *bytes = NULL;

	ck_assert_int_eq(tm_dataset_pack_rows(d, beyond, 1, (void **)&bytes, &n_bytes, &err),
			 TM_ERR_USAGE);
	ck_assert_int_eq(tm_dataset_pack_rows(d, rows, 2, (void **)&bytes, &n_bytes, &err), 0);
	/* every truncation, one byte too many, and a flipped magic number */
	for (size_t length = 0; length < n_bytes; length++) {
		ck_assert_int_eq(unpack_copy(&part, bytes, length, &err), TM_ERR_INPUT);
		ck_assert_ptr_null(part);
	}
	bytes = realloc(bytes, n_bytes + 1);
	ck_assert_ptr_nonnull(bytes);
	bytes[n_bytes] = 'x';
	ck_assert_int_eq(unpack_copy(&part, bytes, n_bytes + 1, &err), TM_ERR_INPUT);
	ck_assert_int_eq(unpack_copy(&part, bytes, n_bytes, &err), 0); /* the bytes are fine */
	ck_assert_uint_eq(part->n_samples, 2);
	tm_dataset_destroy(part);
	bytes[0] ^= 1;
	ck_assert_int_eq(unpack_copy(&part, bytes, n_bytes, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "malformed"));
	free(bytes);
	tm_dataset_destroy(d);
}
END_TEST

START_TEST(test_check_tasks)
{
	const char *path = write_text("c.csv", "a,y_pos,y_neg,y_few,y_ok\n"
					       "1,1,0,1,1\n2,1,0,,0\n3,1,0,,1\n4,1,0,0,0\n");
	struct tm_read_options options = { .label_prefix = "y_" };
	struct tm_dataset *d = read_ok(path, &options);
	struct tm_task_check checks[4];
	size_t rows[] = { 0, 1, 2, 3 };

	ck_assert_uint_eq(tm_dataset_check_tasks(d, rows, 4, 3, checks), 3);
	ck_assert_str_eq(checks[0].excluded, "no negative sample in the training split");
	ck_assert_str_eq(checks[1].excluded, "no positive sample in the training split");
	ck_assert_ptr_nonnull(strstr(checks[2].excluded, "too few labelled samples"));
	ck_assert_uint_eq(checks[2].labelled, 2);
	ck_assert_uint_eq(checks[2].positives, 1);
	ck_assert_ptr_null(checks[3].excluded);
	ck_assert_uint_eq(checks[3].positives, 2);
	ck_assert_uint_eq(tm_dataset_check_tasks(d, rows, 4, 2, checks), 2);
	tm_dataset_destroy(d);
}
END_TEST

/* ---- splits ----------------------------------------------------------------------- */

static void assert_partition(const struct tm_split *s, size_t n)
{
	char *seen = calloc(n, 1);
	const size_t *parts[] = { s->train, s->valid, s->test };
	size_t counts[] = { s->n_train, s->n_valid, s->n_test };

	ck_assert_uint_eq(s->n_train + s->n_valid + s->n_test, n);
	for (int p = 0; p < 3; p++)
		for (size_t i = 0; i < counts[p]; i++) {
			ck_assert_uint_lt(parts[p][i], n);
			ck_assert(!seen[parts[p][i]]);
			seen[parts[p][i]] = 1;
			if (i)
				ck_assert_uint_lt(parts[p][i - 1], parts[p][i]);
		}
	free(seen);
}

START_TEST(test_split_random)
{
	struct tm_split a, b, c;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_split_random(&a, 1000, 0.1, 0.2, 42, &err), 0);
	ck_assert_uint_eq(a.n_test, 200);
	ck_assert_uint_eq(a.n_valid, 100);
	ck_assert_uint_eq(a.n_train, 700);
	assert_partition(&a, 1000);
	ck_assert_int_eq(tm_split_random(&b, 1000, 0.1, 0.2, 42, &err), 0);
	ck_assert_mem_eq(a.test, b.test, a.n_test * sizeof(size_t));
	ck_assert_mem_eq(a.valid, b.valid, a.n_valid * sizeof(size_t));
	ck_assert_int_eq(tm_split_random(&c, 1000, 0.1, 0.2, 43, &err), 0);
	ck_assert(memcmp(a.test, c.test, a.n_test * sizeof(size_t)) != 0);
	tm_split_release(&a);
	tm_split_release(&b);
	tm_split_release(&c);
	ck_assert_int_eq(tm_split_random(&a, 10, 0.0, 0.0, 1, &err), 0);
	ck_assert_uint_eq(a.n_train, 10);
	tm_split_release(&a);
	ck_assert_int_eq(tm_split_random(&a, 10, 0.5, 0.5, 1, &err), TM_ERR_USAGE);
	ck_assert_int_eq(tm_split_random(&a, 10, -0.1, 0.2, 1, &err), TM_ERR_USAGE);
	ck_assert_int_eq(tm_split_random(&a, 10, 0.2, NAN, 1, &err), TM_ERR_USAGE);
	ck_assert_int_eq(tm_split_random(&a, 1, 0.0, 0.6, 1, &err), TM_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "no training row"));
	tm_split_release(&a);
	tm_split_release(NULL);
}
END_TEST

START_TEST(test_split_fixed_test)
{
	struct tm_split s, t;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_split_fixed_test(&s, 100, 60, 0.25, 5, &err), 0);
	ck_assert_uint_eq(s.n_test, 40);
	ck_assert_uint_eq(s.n_valid, 15);
	ck_assert_uint_eq(s.n_train, 45);
	ck_assert_uint_eq(s.test[0], 60);
	ck_assert_uint_eq(s.test[39], 99);
	for (size_t i = 0; i < s.n_valid; i++)
		ck_assert_uint_lt(s.valid[i], 60);
	assert_partition(&s, 100);
	ck_assert_int_eq(tm_split_fixed_test(&t, 100, 60, 0.25, 5, &err), 0);
	ck_assert_mem_eq(s.valid, t.valid, s.n_valid * sizeof(size_t));
	tm_split_release(&s);
	tm_split_release(&t);
	ck_assert_int_eq(tm_split_fixed_test(&s, 100, 101, 0.1, 5, &err), TM_ERR_USAGE);
	ck_assert_int_eq(tm_split_fixed_test(&s, 100, 0, 0.1, 5, &err), TM_ERR_USAGE);
	ck_assert_int_eq(tm_split_fixed_test(&s, 100, 60, 1.0, 5, &err), TM_ERR_USAGE);
}
END_TEST

/* ---- generator ---------------------------------------------------------------------- */

static struct tm_dataset *generate(const struct tm_synth_options *options, size_t **groups)
{
	struct tm_dataset *d = NULL;
	struct tm_error err = { 0 };

	ck_assert_msg(tm_synth_generate(&d, groups, options, &err) == 0, "%s", err.message);
	return d;
}

START_TEST(test_synth_deterministic)
{
	struct tm_synth_options options;
	struct tm_dataset *a, *b, *c;
	size_t *ga, *gb, *gc;

	tm_synth_defaults(&options);
	options.n_samples = 300;
	options.missing_fraction = 0.1;
	for (int structure = 0; structure < 2; structure++) {
		options.structure = structure ? TM_SYNTH_HIERARCHY : TM_SYNTH_LATENT;
		options.seed = 9;
		a = generate(&options, &ga);
		b = generate(&options, &gb);
		options.seed = 10;
		c = generate(&options, &gc);
		ck_assert_uint_eq(a->n_samples, 300);
		ck_assert_uint_eq(a->n_tasks, 16);
		ck_assert_uint_eq(a->n_features, 32);
		ck_assert_str_eq(a->format, "synth");
		ck_assert_ptr_null(a->source_path);
		ck_assert_mem_eq(a->x.dense, b->x.dense, 300 * 32 * sizeof(float));
		ck_assert_mem_eq(a->labels, b->labels, 300 * 16);
		ck_assert_mem_eq(ga, gb, 16 * sizeof(size_t));
		ck_assert(memcmp(a->x.dense, c->x.dense, 300 * 32 * sizeof(float)) != 0);
		ck_assert_str_eq(a->task_names[0], "task_00");
		ck_assert_str_eq(a->task_names[15], "task_15");
		ck_assert_uint_gt(a->n_missing_labels, 300 * 16 / 20);
		ck_assert_uint_lt(a->n_missing_labels, 300 * 16 * 3 / 20);
		tm_dataset_destroy(a);
		tm_dataset_destroy(b);
		tm_dataset_destroy(c);
		free(ga);
		free(gb);
		free(gc);
	}
}
END_TEST

/* phi correlation of two tasks' labels */
static double label_correlation(const struct tm_dataset *d, size_t s, size_t t)
{
	double n = (double)d->n_samples, a = 0, b = 0, ab = 0;

	for (size_t i = 0; i < d->n_samples; i++) {
		int x = tm_dataset_label(d, i, s) == 1, y = tm_dataset_label(d, i, t) == 1;

		a += x;
		b += y;
		ab += x && y;
	}
	return (ab / n - (a / n) * (b / n)) /
	       sqrt((a / n) * (1 - a / n) * (b / n) * (1 - b / n));
}

START_TEST(test_synth_latent_structure)
{
	struct tm_synth_options options;
	struct tm_dataset *d;
	size_t *groups, count[4] = { 0 };
	double within = 0, across = 0;
	size_t n_within = 0, n_across = 0, contiguous = 1;

	tm_synth_defaults(&options);
	options.seed = 3;
	d = generate(&options, &groups);
	for (size_t t = 0; t < d->n_tasks; t++) {
		size_t positives = 0;

		ck_assert_uint_lt(groups[t], 4);
		count[groups[t]]++;
		if (t && groups[t] < groups[t - 1])
			contiguous = 0;
		for (size_t i = 0; i < d->n_samples; i++)
			positives += tm_dataset_label(d, i, t) == 1;
		/* rates in [0.1, 0.4], moved by at most the 5 % flips */
		ck_assert_double_ge((double)positives / d->n_samples, 0.1 * 0.95 + 0.05 * 0.9 - 0.03);
		ck_assert_double_le((double)positives / d->n_samples, 0.4 * 0.95 + 0.05 * 0.6 + 0.03);
		for (size_t s = 0; s < t; s++) {
			double r = label_correlation(d, s, t);

			if (groups[s] == groups[t]) {
				within += r;
				n_within++;
			} else {
				across += r;
				n_across++;
			}
		}
	}
	for (int g = 0; g < 4; g++)
		ck_assert_uint_eq(count[g], 4);
	ck_assert(!contiguous);
	within /= (double)n_within;
	across /= (double)n_across;
	ck_assert_msg(within > across + 0.2, "within %g across %g", within, across);
	tm_dataset_destroy(d);
	free(groups);
}
END_TEST

START_TEST(test_synth_hierarchy_structure)
{
	struct tm_synth_options options;
	struct tm_dataset *d;
	size_t *groups;

	tm_synth_defaults(&options);
	options.structure = TM_SYNTH_HIERARCHY;
	options.n_groups = 5;
	options.tasks_per_group = 3;
	options.label_noise = 0.0;
	d = generate(&options, &groups);
	ck_assert_uint_eq(d->n_tasks, 15);
	for (size_t i = 0; i < d->n_samples; i++) {
		int positives = 0;

		for (size_t t = 0; t < d->n_tasks; t++)
			positives += tm_dataset_label(d, i, t) == 1;
		ck_assert_int_eq(positives, 1);
	}
	tm_dataset_destroy(d);
	free(groups);
}
END_TEST

START_TEST(test_synth_bad_options)
{
	struct tm_synth_options options;
	struct tm_dataset *d = NULL;
	size_t *groups = NULL;
	struct tm_error err = { 0 };

	tm_synth_defaults(&options);
	options.n_groups = 0;
	ck_assert_int_eq(tm_synth_generate(&d, &groups, &options, &err), TM_ERR_USAGE);
	tm_synth_defaults(&options);
	options.positive_rate_max = 1.0;
	ck_assert_int_eq(tm_synth_generate(&d, &groups, &options, &err), TM_ERR_USAGE);
	tm_synth_defaults(&options);
	options.n_samples = SIZE_MAX / 2;
	ck_assert_int_eq(tm_synth_generate(&d, &groups, &options, &err), TM_ERR_USAGE);
	tm_synth_defaults(&options);
	options.label_noise = 0.7;
	ck_assert_int_eq(tm_synth_generate(&d, &groups, &options, &err), TM_ERR_USAGE);
	ck_assert_ptr_null(d);
	ck_assert_ptr_null(groups);
}
END_TEST

START_TEST(test_synth_arff_round_trip)
{
	struct tm_synth_options options;
	struct tm_dataset *d, *back;
	size_t *groups;
	struct tm_error err = { 0 };
	struct stat info;

	tm_synth_defaults(&options);
	options.n_samples = 500;
	options.missing_fraction = 0.05;
	for (int structure = 0; structure < 2; structure++) {
		options.structure = structure ? TM_SYNTH_HIERARCHY : TM_SYNTH_LATENT;
		d = generate(&options, &groups);
		ck_assert_int_eq(tm_dataset_write_arff(d, tmp_path("synth.arff"), &err), 0);
		back = read_ok(tmp_path("synth.arff"), NULL);
		assert_same_dataset(d, back);
		ck_assert_str_eq(back->name, d->name);
		ck_assert_uint_eq(back->n_missing_labels, d->n_missing_labels);
		tm_dataset_destroy(back);
		tm_dataset_destroy(d);
		free(groups);
	}
	/* sparse stays sparse; NaN and missing labels survive */
	d = read_ok(data_path("sparse.arff"), NULL);
	ck_assert_int_eq(tm_dataset_write_arff(d, tmp_path("sparse-out.arff"), &err), 0);
	back = read_ok(tmp_path("sparse-out.arff"), NULL);
	ck_assert(back->x.is_sparse);
	ck_assert_uint_eq(back->x.nnz, d->x.nnz);
	assert_same_dataset(d, back);
	tm_dataset_destroy(back);
	/* quoted names survive */
	tm_dataset_destroy(d);
	d = read_ok(data_path("dense.arff"), NULL);
	ck_assert_int_eq(tm_dataset_write_arff(d, tmp_path("dense-out.arff"), &err), 0);
	back = read_ok(tmp_path("dense-out.arff"), NULL);
	assert_same_dataset(d, back);
	tm_dataset_destroy(back);
	/* a failed write leaves nothing behind */
	ck_assert_int_eq(tm_dataset_write_arff(d, tmp_path("no-such-dir/x.arff"), &err), TM_ERR_IO);
	ck_assert_int_ne(stat(tmp_path("no-such-dir"), &info), 0);
	tm_dataset_destroy(d);
}
END_TEST

START_TEST(test_synth_truth_json)
{
	struct tm_synth_options options;
	struct tm_dataset *d;
	size_t *groups;
	struct tm_error err = { 0 };
	json_error_t json_error;
	json_t *root, *list;

	tm_synth_defaults(&options);
	options.n_samples = 50;
	d = generate(&options, &groups);
	ck_assert_int_eq(tm_synth_write_truth(d, groups, 4, tmp_path("truth.json"), &err), 0);
	root = json_load_file(tmp_path("truth.json"), 0, &json_error);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "k")), 4);
	ck_assert_str_eq(json_string_value(json_object_get(root, "method")), "planted");
	list = json_object_get(root, "groups");
	ck_assert_uint_eq(json_array_size(list), 4);
	for (size_t g = 0; g < 4; g++) {
		json_t *tasks = json_object_get(json_array_get(list, g), "tasks");

		ck_assert_uint_eq(json_array_size(tasks), 4);
		for (size_t i = 0; i < 4; i++) {
			const char *name = json_string_value(json_array_get(tasks, i));
			size_t t = 0;

			while (t < d->n_tasks && strcmp(d->task_names[t], name) != 0)
				t++;
			ck_assert_uint_lt(t, d->n_tasks);
			ck_assert_uint_eq(groups[t], g);
		}
	}
	json_decref(root);
	ck_assert_int_eq(tm_synth_write_truth(d, groups, 2, tmp_path("bad.json"), &err), TM_ERR_USAGE);
	tm_dataset_destroy(d);
	free(groups);
}
END_TEST

Suite *dataset_suite(void)
{
	Suite *suite = suite_create("dataset");
	TCase *golden = tcase_create("golden");
	TCase *errors = tcase_create("errors");
	TCase *hostile = tcase_create("hostile");
	TCase *operations = tcase_create("operations");
	TCase *synth = tcase_create("synth");
	TCase *cases[] = { golden, errors, hostile, operations, synth };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_checked_fixture(cases[i], make_tmpdir, remove_tmpdir);
		tcase_set_timeout(cases[i], 120);
		suite_add_tcase(suite, cases[i]);
	}
	tcase_add_test(golden, test_dense_arff);
	tcase_add_test(golden, test_sparse_arff);
	tcase_add_test(golden, test_mulan_xml_wins_over_relation);
	tcase_add_test(golden, test_xml_errors);
	tcase_add_test(golden, test_drop_attribute);
	tcase_add_test(golden, test_csv);
	tcase_add_test(golden, test_tsv);
	tcase_add_test(golden, test_libsvm);
	tcase_add_test(golden, test_compressed_same_as_plain);
	tcase_add_test(golden, test_crlf_and_bom);

	tcase_add_test(errors, test_error_unknown_type);
	tcase_add_test(errors, test_error_field_count);
	tcase_add_test(errors, test_error_non_numeric);
	tcase_add_test(errors, test_error_label_value);
	tcase_add_test(errors, test_error_sparse_index);
	tcase_add_test(errors, test_error_truncated);
	tcase_add_test(errors, test_error_empty_data);
	tcase_add_test(errors, test_error_no_labels);
	tcase_add_test(errors, test_error_nan_inf);
	tcase_add_test(errors, test_error_misc);
	tcase_add_test(errors, test_absurd_sizes_refused);

	tcase_add_test(hostile, test_truncated_compressed);
	tcase_add_test(hostile, test_every_truncation);
	tcase_add_test(hostile, test_mutations);
	tcase_add_test(hostile, test_binary_garbage);
	tcase_add_test(hostile, test_huge_lines);

	tcase_add_test(operations, test_append);
	tcase_add_test(operations, test_impute);
	tcase_add_loop_test(operations, test_keep_rows, 0,
			    (int)(sizeof(keep_cases) / sizeof(keep_cases[0])));
	tcase_add_test(operations, test_keep_rows_refused);
	tcase_add_loop_test(operations, test_pack_rows, 0,
			    (int)(sizeof(keep_cases) / sizeof(keep_cases[0])));
	tcase_add_loop_test(operations, test_unpack_malformed, 0, 2);
	tcase_add_test(operations, test_check_tasks);
	tcase_add_test(operations, test_split_random);
	tcase_add_test(operations, test_split_fixed_test);

	tcase_add_test(synth, test_synth_deterministic);
	tcase_add_test(synth, test_synth_latent_structure);
	tcase_add_test(synth, test_synth_hierarchy_structure);
	tcase_add_test(synth, test_synth_bad_options);
	tcase_add_test(synth, test_synth_arff_round_trip);
	tcase_add_test(synth, test_synth_truth_json);
	return suite;
}

/*
 * test-import.c - the importers (trainer/import.h): the strict .npy header
 * parser over a table of good and bad headers, the CSV importer's
 * validation (each bad file refused with its location and nothing
 * written), the values a CSV and a cartography import record, and the
 * dynamics writer's missing-pair check.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "test-helpers.h"

Suite *import_suite(void);

/* ---- .npy headers ------------------------------------------------------------ */

struct header_case {
	const char *dict;
	int ok;
	const char *message_part; /* expected in the error, or the type name when ok */
	size_t n_dims, shape0;
	int fortran;
};

static const struct header_case header_cases[] = {
	{ "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 5), }", 1, NULL, 3, 3, 0 },
	{ "{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", 1, NULL, 1, 2, 1 },
	{ "{'descr': '|b1', 'fortran_order': False, 'shape': (7, 2)}", 1, NULL, 2, 7, 0 },
	{ "{\"shape\": (), \"descr\": \"<i8\", \"fortran_order\": False}", 1, NULL, 0, 0, 0 },
	{ "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", 0, "big-endian", 0, 0, 0 },
	{ "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", 0, "not numeric", 0, 0, 0 },
	{ "{'descr': '<U5', 'fortran_order': False, 'shape': (3,), }", 0, "not numeric", 0, 0, 0 },
	{ "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", 0, "not supported", 0, 0, 0 },
	{ "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", 0, "structured",
	  0, 0, 0 },
	{ "{'descr': '<f4', 'shape': (3,), }", 0, "lacks 'fortran_order'", 0, 0, 0 },
	{ "{'descr': '<f4', 'fortran_order': 0, 'shape': (3,), }", 0, "True or False", 0, 0, 0 },
	{ "{'descr': '<f4', 'fortran_order': False, 'shape': (3, x), }", 0, "'shape'", 0, 0, 0 },
	{ "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}", 0, "unexpected", 0,
	  0, 0 },
	{ "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 0,
	  "repeated", 0, 0, 0 },
	{ "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 9999999)}",
	  0, "too large", 0, 0, 0 },
	{ "['descr']", 0, "not a dict", 0, 0, 0 },
};

/* npy_bytes - a version @version file prefix with @dict as its header. */
static size_t npy_bytes(unsigned char *out, int version, const char *dict)
{
	size_t n = strlen(dict), start = version == 1 ? 10 : 12;

	memcpy(out, "\x93NUMPY", 6);
	out[6] = (unsigned char)version;
	out[7] = 0;
	out[8] = (unsigned char)(n & 0xff);
	out[9] = (unsigned char)(n >> 8);
	if (version > 1)
		out[10] = out[11] = 0;
	memcpy(out + start, dict, n);
	return start + n;
}

START_TEST(npy_headers)
{
	const struct header_case *c = &header_cases[_i];
	unsigned char bytes[512];
	struct tm_npy_header header;
	struct tm_error err = { 0 };

	for (int version = 1; version <= 3; version++) {
		size_t n = npy_bytes(bytes, version, c->dict);
		int rc = tm_npy_parse_header(bytes, n, &header, &err);

		if (c->ok) {
			ck_assert_msg(rc == 0, "%s: %s", c->dict, err.message);
			ck_assert_uint_eq(header.n_dims, c->n_dims);
			ck_assert_int_eq(header.fortran_order, c->fortran);
			ck_assert_uint_eq(header.data_offset, n);
			if (c->n_dims)
				ck_assert_uint_eq(header.shape[0], c->shape0);
		} else {
			ck_assert_int_eq(rc, TM_ERR_INPUT);
			ck_assert_msg(strstr(err.message, c->message_part), "%s: got '%s'", c->dict,
				      err.message);
		}
	}
}
END_TEST

START_TEST(npy_prefix_refused)
{
	unsigned char bytes[256];
	struct tm_npy_header header;
	struct tm_error err = { 0 };
	size_t n = npy_bytes(bytes, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}");

	ck_assert_int_eq(tm_npy_parse_header((const unsigned char *)"PK\3\4xxxxxx", 10, &header,
					     &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "magic"));
	ck_assert_int_eq(tm_npy_parse_header(bytes, n - 5, &header, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "truncated"));
	bytes[6] = 4;
	ck_assert_int_eq(tm_npy_parse_header(bytes, n, &header, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "version 4.0"));
}
END_TEST

START_TEST(npy_values)
{
	struct tm_npy_header h = { .type = TM_NPY_F32, .item_size = 4 };
	const unsigned char f32[] = { 0x00, 0x00, 0x40, 0x3f, 0x00, 0x00, 0xc0, 0x7f }; /* 0.75, NaN */
	const unsigned char i16[] = { 0xff, 0xff, 0x01, 0x00 };
	double out[2];

	tm_npy_values(&h, f32, 0, 2, out);
	ck_assert_double_eq(out[0], 0.75);
	ck_assert(isnan(out[1]));
	h.type = TM_NPY_I16;
	h.item_size = 2;
	ck_assert_double_eq(tm_npy_value(&h, i16, 0), -1);
	ck_assert_double_eq(tm_npy_value(&h, i16, 1), 1);
}
END_TEST

/* ---- CSV ------------------------------------------------------------------- */

struct fixture {
	char *dir, *db_path, *csv_path;
	struct tm_store *store;
} fx;

static void setup(void)
{
	struct tm_error err = { 0 };

	fx.dir = test_tmpdir();
	fx.db_path = test_path(fx.dir, "t.db");
	fx.csv_path = test_path(fx.dir, "d.csv");
	ck_assert_int_eq(tm_store_open(&fx.store, fx.db_path, 0, &err), 0);
}

static void teardown(void)
{
	tm_store_close(fx.store);
	test_remove_tree(fx.dir);
	free(fx.dir);
	free(fx.db_path);
	free(fx.csv_path);
}

static int import_text(const char *text, int64_t *run_id, struct tm_error *err)
{
	struct tm_import_options o;

	tm_import_defaults(&o);
	o.format = TM_IMPORT_CSV;
	o.path = fx.csv_path;
	o.min_labelled = 1;
	ck_assert_int_eq(test_write_file(fx.csv_path, text), 0);
	return tm_import_run(fx.store, &o, run_id, err);
}

static int count_runs(void *context, const struct tm_run_record *run)
{
	(void)run;
	(*(int *)context)++;
	return 0;
}

struct bad_csv {
	const char *text;
	const char *location; /* ":LINE:" expected in the message */
	const char *part;
};

static const struct bad_csv bad_csvs[] = {
	{ "sample,task,epoch,p\na,x,0,1.5\n", ":2:", "not a probability" },
	{ "sample,task,epoch,p\na,x,0,0.5\na,x,0,0.4\n", ":3:", "a second row" },
	{ "sample,task,epoch,p\na,x,0,0.5\nb,x,0,0.5\na,x,1,0.5\nc,x,1,0.5\n", ":5:",
	  "sample 'c' is not in epoch 0" },
	{ "sample,task,epoch,p\na,x,0,0.5\na,x,2,0.5\n", ":3:", "epoch 2 after epoch 0" },
	{ "sample,task,epoch,p\na,x,1,0.5\na,x,0,0.5\n", ":3:", "epoch 0 after epoch 1" },
	{ "sample,task,epoch,prob\na,x,0,0.5\n", ":1:", "unknown column 'prob'" },
	{ "sample,task,epoch,logit\na,x,0,0.5\n", ":1:", "logit,label" },
	{ "sample,task,epoch,p\na,x,0,0.5,3\n", ":2:", "5 fields, the header has 4" },
	{ "sample,task,epoch,p\na,x,zero,0.5\n", ":2:", "not a whole number" },
	{ "sample,task,epoch,logit,label\na,x,0,0.5,2\n", ":2:", "not 0, 1 or missing" },
	{ "sample,task,epoch,logit,label\na,x,0,0.5,1\na,x,1,0.5,0\n", ":3:", "label of sample" },
	{ "sample,task,epoch,p\n\"a,x,0,0.5\n", ":2:", "quoted field" },
	{ "sample,task,epoch,p\na,x,0,0.5\nb,x,0,0.5\na,x,1,0.5\n", "", "missing here but"
	  " recorded in the first epoch" },
	{ "sample,task,epoch,p\n", "", "no data rows" },
};

START_TEST(csv_refused)
{
	const struct bad_csv *c = &bad_csvs[_i];
	struct tm_error err = { 0 };
	int64_t run_id = -1;
	int runs = 0;

	ck_assert_int_eq(import_text(c->text, &run_id, &err), TM_ERR_INPUT);
	ck_assert_int_eq(run_id, 0);
	ck_assert_msg(strstr(err.message, fx.csv_path) == err.message, "no path: %s", err.message);
	ck_assert_msg(strstr(err.message, c->location) && strstr(err.message, c->part),
		      "case %d: '%s'", _i, err.message);
	ck_assert_int_eq(tm_store_list_runs(fx.store, count_runs, &runs, &err), 0);
	ck_assert_int_eq(runs, 0); /* nothing written */
}
END_TEST

struct task_names {
	char names[4][16];
	int n;
};

static int keep_task(void *context, const struct tm_task_record *task)
{
	struct task_names *t = context;

	snprintf(t->names[t->n++ % 4], 16, "%s", task->name);
	return 0;
}

START_TEST(csv_values_and_order)
{
	/* tasks in first-appearance order (z before a), quoted names, a logit */
	const char *text = "epoch,sample,task,logit,label\n"
		"0,s1,z,0,1\n0,\"s,2\",z,2,0\n0,s1,a,-1,0\n0,\"s,2\",a,,\n"
		"1,\"s,2\",a,nan,-1\n1,s1,a,-1,0\n1,s1,z,0,1\n1,\"s,2\",z,2,0\n";
	struct tm_error err = { 0 };
	struct task_names tasks = { .n = 0 };
	uint16_t q[2];
	int8_t labels[2];
	int64_t run_id = 0;

	ck_assert_msg(import_text(text, &run_id, &err) == 0, "%s", err.message);
	ck_assert_int_eq(tm_store_list_tasks(fx.store, run_id, keep_task, &tasks, &err), 0);
	ck_assert_int_eq(tasks.n, 2);
	ck_assert_str_eq(tasks.names[0], "z");
	ck_assert_str_eq(tasks.names[1], "a");
	ck_assert_int_eq(tm_store_read_dynamics(fx.store, run_id, 0, 1, 2, 2, q, &err), 0);
	ck_assert_double_eq_tol(tm_dynamics_decode(q[0]), 0.5, 1e-5);
	ck_assert_double_eq_tol(tm_dynamics_decode(q[1]), 1 / (1 + exp(2.0)), 1e-5);
	ck_assert_int_eq(tm_store_read_dynamics(fx.store, run_id, 1, 0, 1, 2, q, &err), 0);
	ck_assert_double_eq_tol(tm_dynamics_decode(q[0]), 1 - 1 / (1 + exp(1.0)), 1e-5);
	ck_assert(isnan(tm_dynamics_decode(q[1])));
	ck_assert_int_eq(tm_store_read_labels(fx.store, run_id, 1, 2, labels, &err), 0);
	ck_assert_int_eq(labels[0], 0);
	ck_assert_int_eq(labels[1], TM_STORE_LABEL_MISSING);
}
END_TEST

/* ---- cartography ----------------------------------------------------------- */

START_TEST(cartography_one_vs_rest)
{
	char *dir = test_path(fx.dir, "td"), *file, name[64];
	struct tm_import_options o;
	struct tm_error err = { 0 };
	double z[3] = { 1, 2, 0 }, sum = exp(1) + exp(2) + exp(0);
	uint16_t q[2];
	int64_t run_id = 0;

	ck_assert_int_eq(test_run(NULL, "mkdir -p '%s'", dir), 0);
	for (int e = 0; e < 2; e++) {
		char text[256];

		snprintf(name, sizeof(name), "dynamics_epoch_%d.jsonl", e);
		file = test_path(dir, name);
		snprintf(text, sizeof(text),
			 "{\"guid\": 7, \"logits_epoch_%d\": [1, 2, 0], \"gold\": 1}\n"
			 "{\"guid\": \"b\", \"logits_epoch_%d\": [0, 0, 0], \"gold\": 0}\n", e, e);
		ck_assert_int_eq(test_write_file(file, text), 0);
		free(file);
	}
	tm_import_defaults(&o);
	o.format = TM_IMPORT_CARTOGRAPHY;
	o.path = dir;
	ck_assert_msg(tm_import_run(fx.store, &o, &run_id, &err) == 0, "%s", err.message);
	/* class 0: sample 7 (gold 1) -> 1 - softmax_0; sample b (gold 0) -> 1/3 */
	ck_assert_int_eq(tm_store_read_dynamics(fx.store, run_id, 0, 1, 2, 2, q, &err), 0);
	ck_assert_double_eq_tol(tm_dynamics_decode(q[0]), 1 - exp(z[0]) / sum, 1e-5);
	ck_assert_double_eq_tol(tm_dynamics_decode(q[1]), 1.0 / 3, 1e-5);
	ck_assert_int_eq(tm_store_read_dynamics(fx.store, run_id, 1, 0, 1, 2, q, &err), 0);
	ck_assert_double_eq_tol(tm_dynamics_decode(q[0]), exp(z[1]) / sum, 1e-5);
	/* a missing epoch file is refused */
	snprintf(name, sizeof(name), "dynamics_epoch_3.jsonl");
	file = test_path(dir, name);
	ck_assert_int_eq(test_write_file(file, "{}\n"), 0);
	o.run_name = "second";
	ck_assert_int_eq(tm_import_run(fx.store, &o, &run_id, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "dynamics_epoch_2.jsonl is missing"));
	free(file);
	free(dir);
}
END_TEST

Suite *import_suite(void)
{
	Suite *suite = suite_create("import");
	TCase *npy = tcase_create("npy"), *csv = tcase_create("csv");

	tcase_add_loop_test(npy, npy_headers, 0, (int)(sizeof(header_cases) / sizeof(header_cases[0])));
	tcase_add_test(npy, npy_prefix_refused);
	tcase_add_test(npy, npy_values);
	suite_add_tcase(suite, npy);
	tcase_add_checked_fixture(csv, setup, teardown);
	tcase_add_loop_test(csv, csv_refused, 0, (int)(sizeof(bad_csvs) / sizeof(bad_csvs[0])));
	tcase_add_test(csv, csv_values_and_order);
	tcase_add_test(csv, cartography_one_vs_rest);
	suite_add_tcase(suite, csv);
	return suite;
}

/*
 * test-dataset-shared.c - reading every real benchmark dataset of
 * ../shared/data (see its README) and checking the counts its table gives:
 * samples x features x labels, label cardinality, and the fewest and most
 * positives of a label. The data are found through TASKMAP_SHARED_DATA, else
 * TASKMAP_SOURCE_ROOT/../shared/data; when absent the suite is skipped
 * (dataset_shared_suite_available() returns 0 and the test main exits 77).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "test-helpers.h"

Suite *dataset_shared_suite(void);
int dataset_shared_suite_available(void);

static const char *shared_dir(void)
{
	const char *dir = test_shared_data();

	return dir ? dir : "../shared/data";
}

int dataset_shared_suite_available(void)
{
	char probe[4200];
	struct stat info;

	if (!test_shared_data())
		return 0;
	snprintf(probe, sizeof(probe), "%s/yeast/yeast.xml", shared_dir());
	return stat(probe, &info) == 0;
}

struct expected {
	const char *files[2];  /* one file, or train and test appended */
	const char *xml;       /* NULL: MEKA's -C */
	const char *drop;
	size_t samples, features, labels;
	double cardinality;    /* 0: not checked */
	size_t min_positives, max_positives; /* max 0: not checked */
	int sparse;
};

/* The README's table (union files where they exist, else train + test). */
static const struct expected table[] = {
	{ { "yeast/yeast.arff.xz" }, "yeast/yeast.xml", NULL, 2417, 103, 14, 4.237, 34, 1816, 0 },
	{ { "yeast/yeast-train.arff.xz", "yeast/yeast-test.arff" }, "yeast/yeast.xml", NULL,
	  2417, 103, 14, 4.237, 34, 1816, 0 },
	{ { "yeast/Yeast.arff.bz2" }, NULL, NULL, 2417, 103, 14, 4.237, 34, 1816, 0 },
	{ { "scene/scene-train.arff.xz", "scene/scene-test.arff.xz" }, "scene/scene.xml", NULL,
	  2407, 294, 6, 1.074, 364, 533, 0 },
	{ { "scene/Scene.arff.bz2" }, NULL, NULL, 2407, 294, 6, 1.074, 364, 533, 0 },
	{ { "emotions/emotions.arff" }, "emotions/emotions.xml", NULL, 593, 72, 6, 1.868, 148, 264, 0 },
	{ { "emotions/emotions-train.arff", "emotions/emotions-test.arff" }, "emotions/emotions.xml",
	  NULL, 593, 72, 6, 1.868, 148, 264, 0 },
	{ { "emotions/Music.arff" }, NULL, NULL, 592, 71, 6, 1.870, 148, 264, 0 },
	{ { "enron/enron.arff" }, "enron/enron.xml", NULL, 1702, 1001, 53, 3.378, 1, 913, 1 },
	{ { "enron/enron-train.arff", "enron/enron-test.arff" }, "enron/enron.xml", NULL,
	  1702, 1001, 53, 3.378, 1, 913, 1 },
	{ { "enron/Enron.arff.bz2" }, NULL, NULL, 1702, 1001, 53, 3.378, 1, 913, 1 },
	{ { "medical/medical.arff" }, "medical/medical.xml", NULL, 978, 1449, 45, 1.245, 1, 266, 1 },
	{ { "medical/medical-train.arff", "medical/medical-test.arff" }, "medical/medical.xml", NULL,
	  978, 1449, 45, 1.245, 1, 266, 1 },
	{ { "bibtex/bibtex.arff.xz" }, "bibtex/bibtex.xml", NULL, 7395, 1836, 159, 2.402, 51, 1042, 1 },
	{ { "bibtex/bibtex-train.arff.xz", "bibtex/bibtex-test.arff.xz" }, "bibtex/bibtex.xml", NULL,
	  7395, 1836, 159, 2.402, 51, 1042, 1 },
	{ { "delicious/delicious.arff.xz" }, "delicious/delicious.xml", NULL, 16105, 500, 983, 19.020,
	  21, 6495, 1 },
	{ { "delicious/delicious-train.arff.xz", "delicious/delicious-test.arff" },
	  "delicious/delicious.xml", NULL, 16105, 500, 983, 19.020, 21, 6495, 1 },
	{ { "genbase/genbase.arff.xz" }, "genbase/genbase.xml", "protein", 662, 1185, 27, 1.252, 1,
	  171, 0 },
	{ { "genbase/genbase-train.arff.xz", "genbase/genbase-test.arff" }, "genbase/genbase.xml",
	  "protein", 662, 1185, 27, 0, 0, 0, 0 },
	{ { "birds/birds-train.arff", "birds/birds-test.arff" }, "birds/birds.xml", NULL, 645, 260,
	  19, 0, 0, 0, 0 },
	{ { "flags/flags.arff" }, "flags/flags.xml", NULL, 194, 19, 7, 3.392, 26, 153, 0 },
	{ { "flags/flags-train.arff", "flags/flags-test.arff" }, "flags/flags.xml", NULL, 194, 19, 7,
	  3.392, 26, 153, 0 },
	{ { "foodtruck/foodtruck.arff" }, "foodtruck/foodtruck.xml", NULL, 407, 21, 12, 2.290, 16, 295,
	  0 },
	{ { "imdb/Imdb.arff.bz2" }, NULL, NULL, 120919, 1001, 28, 2.000, 290, 43779, 1 },
};

static struct tm_dataset *read_shared(const char *file, const struct expected *e)
{
	char path[4200], xml[4200];
	const char *drop[1] = { e->drop };
	struct tm_read_options options = { .drop = drop, .n_drop = e->drop ? 1 : 0 };
	struct tm_dataset *dataset = NULL;
	struct tm_error err = { 0 };

	snprintf(path, sizeof(path), "%s/%s", shared_dir(), file);
	if (e->xml) {
		snprintf(xml, sizeof(xml), "%s/%s", shared_dir(), e->xml);
		options.xml_path = xml;
	}
	ck_assert_msg(tm_dataset_read(&dataset, path, &options, &err) == 0, "%s", err.message);
	return dataset;
}

START_TEST(test_shared_dataset)
{
	const struct expected *e = &table[_i];
	struct tm_dataset *d = read_shared(e->files[0], e);
	size_t positives = 0, fewest = SIZE_MAX, most = 0;

	if (e->files[1]) {
		struct tm_dataset *more = read_shared(e->files[1], e);
		struct tm_error err = { 0 };

		ck_assert_msg(tm_dataset_append(d, more, &err) == 0, "%s", err.message);
		tm_dataset_destroy(more);
	}
	ck_assert_msg(d->n_samples == e->samples && d->n_features == e->features &&
			      d->n_tasks == e->labels,
		      "%s: %zu x %zu x %zu, expected %zu x %zu x %zu", e->files[0], d->n_samples,
		      d->n_features, d->n_tasks, e->samples, e->features, e->labels);
	ck_assert_int_eq(d->x.is_sparse, e->sparse);
	ck_assert_uint_eq(d->n_missing_features, 0);
	ck_assert_uint_eq(d->n_missing_labels, 0);
	for (size_t t = 0; t < d->n_tasks; t++) {
		size_t count = 0;

		for (size_t i = 0; i < d->n_samples; i++)
			count += tm_dataset_label(d, i, t) == TM_LABEL_POSITIVE;
		positives += count;
		fewest = count < fewest ? count : fewest;
		most = count > most ? count : most;
	}
	if (e->cardinality > 0)
		ck_assert_double_eq_tol((double)positives / (double)d->n_samples, e->cardinality,
					0.0006);
	if (e->max_positives) {
		ck_assert_uint_eq(fewest, e->min_positives);
		ck_assert_uint_eq(most, e->max_positives);
	}
	tm_dataset_destroy(d);
}
END_TEST

Suite *dataset_shared_suite(void)
{
	Suite *suite = suite_create("dataset-shared");
	TCase *real = tcase_create("real");

	tcase_set_timeout(real, 300);
	tcase_add_loop_test(real, test_shared_dataset, 0, (int)(sizeof(table) / sizeof(table[0])));
	suite_add_tcase(suite, real);
	return suite;
}

/*
 * test-regress.c - inputs that once broke a reader, and hostile input that
 * needs no fuzzer. Every file in tests/data/regress/ is replayed through the
 * libFuzzer harness that found it (tests/fuzz/fuzz-<target>.c, chosen by the
 * file name's "<target>-" prefix and compiled here under another name), so a
 * kept input is checked by the same oracle: a clean error or a consistent
 * dataset (import, grouping), no crash, no leak (the sanitizer and valgrind
 * runs). Then
 * generated files: dimensions whose sizes overflow, a huge or deeply nested
 * label XML, and names with quotes, newlines, backticks, %n, $(...) and HTML
 * that must come back byte for byte.
 */
#define _GNU_SOURCE
#include "fuzz/fuzz-common.h"

#define LLVMFuzzerTestOneInput fuzz_arff_one
#include "fuzz/fuzz-arff.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_libsvm_one
#include "fuzz/fuzz-libsvm.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_csv_one
#include "fuzz/fuzz-csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_xml_one
#include "fuzz/fuzz-xml.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_compressed_one
#include "fuzz/fuzz-compressed.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_npy_one
#include "fuzz/fuzz-npy.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_import_csv_one
#include "fuzz/fuzz-import-csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_cartography_one
#include "fuzz/fuzz-cartography.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_grouping_one
#include "fuzz/fuzz-grouping.c"
#undef LLVMFuzzerTestOneInput

#include <check.h>
#include <dirent.h>
#include <stdarg.h>

#include <zlib.h>

#include "test-helpers.h"

Suite *regress_suite(void);

static const struct {
	const char *prefix;
	int (*one)(const uint8_t *data, size_t size);
} harnesses[] = {
	{ "arff-", fuzz_arff_one },
	{ "libsvm-", fuzz_libsvm_one },
	{ "csv-", fuzz_csv_one },
	{ "xml-", fuzz_xml_one },
	{ "compressed-", fuzz_compressed_one },
	{ "npy-", fuzz_npy_one },
	{ "import-csv-", fuzz_import_csv_one },
	{ "cartography-", fuzz_cartography_one },
	{ "grouping-", fuzz_grouping_one },
};

/* Every kept input goes through its harness; an unknown prefix is a mistake. */
START_TEST(test_kept_inputs)
{
	char dir_path[4096];
	size_t replayed = 0;
	struct dirent *entry;
	DIR *dir;

	snprintf(dir_path, sizeof(dir_path), "%s/tests/data/regress", test_source_root());
	dir = opendir(dir_path);
	ck_assert_msg(dir != NULL, "cannot open %s", dir_path);
	while ((entry = readdir(dir)) != NULL) {
		size_t h, size;
		char *path, *bytes;

		if (entry->d_name[0] == '.' || strcmp(entry->d_name, "README") == 0)
			continue;
		for (h = 0; h < sizeof(harnesses) / sizeof(harnesses[0]); h++)
			if (strncmp(entry->d_name, harnesses[h].prefix,
				    strlen(harnesses[h].prefix)) == 0)
				break;
		ck_assert_msg(h < sizeof(harnesses) / sizeof(harnesses[0]),
			      "tests/data/regress/%s: name does not start with a harness "
			      "prefix (arff-, libsvm-, csv-, xml-, compressed-, npy-, import-csv-,"
			      " cartography-, grouping-)", entry->d_name);
		path = test_path(dir_path, entry->d_name);
		bytes = test_read_file(path, &size);
		ck_assert_msg(bytes != NULL, "cannot read %s", path);
		harnesses[h].one((const uint8_t *)bytes, size);
		free(bytes);
		free(path);
		replayed++;
	}
	closedir(dir);
	ck_assert_uint_gt(replayed, 0);
}
END_TEST

/* ---- generated hostile input ------------------------------------------------ */

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

/* Write @length bytes to a new file @name in the test's directory (owned path). */
static char *write_file(const char *name, const char *bytes, size_t length)
{
	char *path = test_path(tmpdir, name);
	FILE *file = fopen(path, "wb");

	ck_assert_ptr_nonnull(file);
	ck_assert_uint_eq(fwrite(bytes, 1, length, file), length);
	ck_assert_int_eq(fclose(file), 0);
	return path;
}

/* A growing text buffer for generated files. */
struct text {
	char *bytes;
	size_t length, capacity;
};

static void text_add(struct text *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *text, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = text->capacity - text->length;

		va_start(ap, fmt);
		n = vsnprintf(text->bytes ? text->bytes + text->length : NULL, room, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(n, 0);
		if ((size_t)n < room)
			break;
		text->capacity = text->capacity * 2 + (size_t)n + 1;
		text->bytes = realloc(text->bytes, text->capacity);
		ck_assert_ptr_nonnull(text->bytes);
	}
	text->length += (size_t)n;
}

static char *text_write(struct text *text, const char *name)
{
	char *path = write_file(name, text->bytes ? text->bytes : "", text->length);

	free(text->bytes);
	memset(text, 0, sizeof(*text));
	return path;
}

/* Read @path and expect TM_ERR_INPUT with @what in the message. */
static void expect_refused(const char *path, const struct tm_read_options *options,
			   const char *what)
{
	struct tm_dataset *dataset = NULL;
	struct tm_error err = { 0 };
	int rc = tm_dataset_read(&dataset, path, options, &err);

	ck_assert_msg(rc == TM_ERR_INPUT, "%s: expected an input error, got %d (%s)", path, rc,
		      err.message);
	ck_assert_ptr_null(dataset);
	ck_assert_msg(strstr(err.message, what) != NULL, "message '%s' lacks '%s'", err.message,
		      what);
}

static struct tm_dataset *expect_read(const char *path, const struct tm_read_options *options)
{
	struct tm_dataset *dataset = NULL;
	struct tm_error err = { 0 };
	int rc = tm_dataset_read(&dataset, path, options, &err);

	ck_assert_msg(rc == 0, "%s: %s", path, err.message);
	ck_assert_ptr_nonnull(dataset);
	return dataset;
}

/* Sizes in a header that overflow or exceed memory: refused up front. */
static const struct {
	const char *name, *text, *what;
} oversized[] = {
	/* 4 billion tasks: 4 GB of labels, and 4 billion names */
	{ "labels.svm", "1 1 4000000000\n0 0:1\n", "too large" },
	{ "features.svm", "1 4294967296 1\n0 0:1\n", "too large" },
	{ "samples.svm", "1000000000000 2 2\n0 0:1\n", "too large" },
	{ "product.svm", "4294967296 4294967295 4294967295\n0 0:1\n", "too large" },
	/* above SIZE_MAX / 16: not a header, then not a label list */
	{ "wrap.svm", "18446744073709551615 18446744073709551615 1\n0 0:1\n", "expected labels" },
	/* no header: the largest label and index decide the size */
	{ "max-label.svm", "4294967294 0:1\n", "too large" },
	{ "max-index.svm", "0 4294967294:1\n", "too large" },
	{ "label-2-32-1.svm", "4294967295 0:1\n", "at most 4294967294" },
	{ "index-2-32.svm", "0 4294967296:1\n", "expected index:value" },
	{ "label-2-32.svm", "4294967296 0:1\n", "expected labels" },
	/* MEKA -C at the ends of long; labs(LONG_MIN) was undefined */
	{ "c-min.arff", "@relation 'r: -C -9223372036854775808'\n@attribute a {0,1}\n@data\n1\n",
	  "only 1 attributes" },
	{ "c-max.arff", "@relation 'r: -C 99999999999999999999999'\n@attribute a {0,1}\n@data\n1\n",
	  "only 1 attributes" },
	{ "sparse-index.arff", "@relation 'r: -C 1'\n@attribute a {0,1}\n@attribute b numeric\n"
	  "@data\n{1099511627776 1}\n", "out of range" },
	{ "sparse-digits.arff", "@relation 'r: -C 1'\n@attribute a {0,1}\n@attribute b numeric\n"
	  "@data\n{184467440737095516160000000000 1}\n", "out of range" },
};

START_TEST(test_oversized_header)
{
	char *path = write_file(oversized[_i].name, oversized[_i].text,
				strlen(oversized[_i].text));

	expect_refused(path, NULL, oversized[_i].what);
	free(path);
}
END_TEST

/* Wide files are refused by the header estimate before any row is stored. */
START_TEST(test_wide_files)
{
	struct tm_read_options small = { .memory_limit = (size_t)1 << 20,
					 .label_prefix = "y" };
	struct text text = { 0 };
	struct tm_dataset *dataset;
	char *path;

	text_add(&text, "@relation 'wide: -C 1'\n");
	for (size_t i = 0; i < 200000; i++)
		text_add(&text, "@attribute a%zu numeric\n", i);
	text_add(&text, "@data\n{0 1}\n");
	path = text_write(&text, "wide.arff");
	expect_refused(path, &small, "too large");
	free(path);

	for (size_t i = 0; i < 200000; i++)
		text_add(&text, "x%zu,", i);
	text_add(&text, "y\n");
	for (size_t i = 0; i < 200000; i++)
		text_add(&text, "1,");
	text_add(&text, "0\n");
	path = text_write(&text, "wide.csv");
	expect_refused(path, &small, "too large");
	/* within the default limit, one wide row is read (and not 256 of them reserved) */
	small.memory_limit = 0;
	dataset = expect_read(path, &small);
	ck_assert_uint_eq(dataset->n_features, 200000);
	ck_assert_uint_eq(dataset->n_samples, 1);
	ck_assert_float_eq(dataset->x.dense[199999], 1.0f);
	ck_assert_uint_lt(tm_dataset_memory_bytes(dataset), (size_t)16 << 20);
	tm_dataset_destroy(dataset);
	free(path);
}
END_TEST

static char *label_arff(size_t n_labels, const char *name)
{
	struct text text = { 0 };

	text_add(&text, "@relation many\n@attribute f numeric\n");
	for (size_t i = 0; i < n_labels; i++)
		text_add(&text, "@attribute l%zu {0,1}\n", i);
	text_add(&text, "@data\n{0 1,%zu 1}\n", n_labels);
	return text_write(&text, name);
}

/* Many labels, deep nesting: linear-ish time, no recursion, clear errors. */
START_TEST(test_big_xml)
{
	struct tm_read_options options = { 0 };
	struct text text = { 0 };
	struct tm_dataset *dataset;
	char *arff = label_arff(30000, "many.arff"), *xml;

	/* every label, in reverse order (tasks keep attribute order) */
	text_add(&text, "<labels>");
	for (size_t i = 30000; i-- > 0;)
		text_add(&text, "<label name=\"l%zu\"/>", i);
	text_add(&text, "</labels>\n");
	options.xml_path = xml = text_write(&text, "many.xml");
	dataset = expect_read(arff, &options);
	ck_assert_uint_eq(dataset->n_tasks, 30000);
	ck_assert_str_eq(dataset->task_names[0], "l0");
	ck_assert_str_eq(dataset->task_names[29999], "l29999");
	ck_assert_int_eq(tm_dataset_label(dataset, 0, 29999), TM_LABEL_POSITIVE);
	ck_assert_int_eq(tm_dataset_label(dataset, 0, 0), TM_LABEL_NEGATIVE);
	tm_dataset_destroy(dataset);
	free(xml);

	/* 200000 labels, the first one again at the end: found by sorting, not 2e10 comparisons */
	for (size_t i = 0; i < 200000; i++)
		text_add(&text, "<label name=\"m%zu\"/>\n", i);
	text_add(&text, "<label name=\"m0\"/>\n");
	options.xml_path = xml = text_write(&text, "twice.xml");
	expect_refused(arff, &options, "listed twice");
	free(xml);

	/* 300000 nested elements around one label */
	for (size_t i = 0; i < 300000; i++)
		text_add(&text, "<a:x>");
	text_add(&text, "<a:label name='l7'/>");
	for (size_t i = 0; i < 300000; i++)
		text_add(&text, "</a:x>");
	options.xml_path = xml = text_write(&text, "deep.xml");
	dataset = expect_read(arff, &options);
	ck_assert_uint_eq(dataset->n_tasks, 1);
	ck_assert_str_eq(dataset->task_names[0], "l7");
	tm_dataset_destroy(dataset);
	free(xml);

	/* unterminated at depth: an error, not a read past the end */
	for (size_t i = 0; i < 100000; i++)
		text_add(&text, "<x><!-- ");
	options.xml_path = xml = text_write(&text, "open.xml");
	expect_refused(arff, &options, "unterminated");
	free(xml);
	free(arff);
}
END_TEST

/* crc32_le - zlib's CRC-32 of @n bytes, little-endian into @out (xz's checksums). */
static void crc32_le(unsigned char *out, const unsigned char *bytes, size_t n)
{
	uLong crc = crc32(0L, bytes, (uInt)n);

	for (int i = 0; i < 4; i++)
		out[i] = (unsigned char)(crc >> (8 * i));
}

/*
 * xz_file - a valid single-block .xz stream (no check) holding @text (at
 * most 99 bytes) in one uncompressed LZMA2 chunk, with dictionary size
 * byte @dictionary (xz file format 1.0.4, 5.3.1; 40: 4 GiB - 1): the
 * decoder allocates the dictionary the header asks for, whatever the data.
 */
static char *xz_file(const char *name, unsigned char dictionary, const char *text)
{
	unsigned char bytes[256], *p = bytes;
	size_t length = strlen(text), index_start, block_start;

	ck_assert_uint_lt(length, 100); /* sizes in the index fit one byte */
	memcpy(p, "\xfd" "7zXZ\0\0\0", 8); /* magic, stream flags: no check */
	crc32_le(p + 8, p + 6, 2);
	p += 12;
	block_start = (size_t)(p - bytes);
	memcpy(p, (unsigned char[]){ 2, 0, 0x21, 1, dictionary, 0, 0, 0 }, 8); /* LZMA2 */
	crc32_le(p + 8, p, 8);
	p += 12;
	*p++ = 1; /* uncompressed chunk, dictionary reset */
	*p++ = 0;
	*p++ = (unsigned char)(length - 1);
	memcpy(p, text, length);
	p += length;
	*p++ = 0; /* end of LZMA2 data */
	index_start = (size_t)(p - bytes);
	while ((p - bytes) % 4)
		*p++ = 0;
	/* index: one record (unpadded size, uncompressed size), padding, CRC */
	*p++ = 0;
	*p++ = 1;
	*p++ = (unsigned char)(index_start - block_start);
	*p++ = (unsigned char)length;
	crc32_le(p, p - 4, 4);
	p += 4;
	/* footer: CRC, backward size (index 8 bytes: 8 / 4 - 1), flags, magic */
	memcpy(p + 4, (unsigned char[]){ 1, 0, 0, 0, 0, 0, 'Y', 'Z' }, 8);
	crc32_le(p, p + 4, 6);
	p += 12;
	return write_file(name, (const char *)bytes, (size_t)(p - bytes));
}

/* An xz header's dictionary size is bounded: 1 GiB, or the reader's memory limit. */
START_TEST(test_xz_dictionary)
{
	struct tm_read_options small = { .memory_limit = (size_t)16 << 20 };
	const char *text = "0 0:1\n1 0:2\n";
	char *huge = xz_file("huge.svm.xz", 40, text), *medium = xz_file("medium.svm.xz", 28, text);
	struct tm_dataset *dataset;
	struct ds_lines *lines = NULL;
	struct tm_error err = { 0 };
	size_t length;
	char *line;

	/* 4 GiB: refused by the line reader itself, before any allocation */
	ck_assert_int_eq(ds_lines_open(&lines, huge, &err), 0);
	ck_assert_int_eq(ds_lines_next(lines, &line, &length, &err), TM_ERR_INPUT);
	ck_assert_msg(strstr(err.message, "needs 4097 MiB to decode, more than the limit of 1024"
			     " MiB") != NULL, "%s", err.message);
	ds_lines_close(lines);
	expect_refused(huge, NULL, "to decode");
	/* 64 MiB (as xz -9): read by default, refused under a 16 MiB limit */
	dataset = expect_read(medium, NULL);
	ck_assert_uint_eq(dataset->n_samples, 2);
	tm_dataset_destroy(dataset);
	expect_refused(medium, &small, "the limit of 16 MiB");
	free(medium);
	free(huge);
}
END_TEST

/* A grouping file nested 100 000 deep, or with 100 000 groups: an error, or read in linear time. */
START_TEST(test_grouping_json)
{
	const struct eval_tasks tasks = { GROUPING_N_TASKS, grouping_task_names, NULL };
	struct eval_grouping hard, soft;
	struct tm_error err = { 0 };
	struct text text = { 0 };
	char *path;

	text_add(&text, "{\"groups\": ");
	for (size_t i = 0; i < 100000; i++)
		text_add(&text, "[");
	path = text_write(&text, "deep.json");
	ck_assert_int_eq(eval_grouping_from_file(path, &tasks, &hard, &soft, &err), TM_ERR_INPUT);
	ck_assert_msg(strstr(err.message, "depth") != NULL, "%s", err.message);
	ck_assert_ptr_null(hard.start);
	free(path);

	text_add(&text, "{\"groups\": [");
	for (size_t i = 0; i < 100000; i++)
		text_add(&text, "%s{\"tasks\": [\"a\", \"task d\"]}", i ? ", " : "");
	text_add(&text, "], \"memberships\": {\"b\": [");
	for (size_t i = 0; i < 100000; i++)
		text_add(&text, "%s%g", i ? ", " : "", i % 2 ? 0.5 : 0.0);
	text_add(&text, "]}}");
	path = text_write(&text, "wide.json");
	ck_assert_int_eq(eval_grouping_from_file(path, &tasks, &hard, &soft, &err), 0);
	ck_assert_uint_eq(hard.n_groups, 100000);
	ck_assert_uint_eq(hard.n_members, 200000);
	ck_assert_uint_eq(soft.n_groups, 100000);
	ck_assert_uint_eq(soft.n_members, 50000);
	eval_grouping_release(&hard);
	eval_grouping_release(&soft);
	free(path);
}
END_TEST

/* Names a shell, printf, a browser or gnuplot would interpret, preserved byte for byte. */
static const char *const hostile_names[] = {
	"q'uote\"d",
	"new\nline\ttab",
	"`id` $(rm -rf ~) ${HOME}",
	"%n%n%s%x%99999999d",
	"<script>alert(1)</script>&amp;",
	"set output '/tmp/x'; system 'ls'",
	"\\back\\slash",
	"caf\xc3\xa9 \xe2\x9c\x93",
};
#define N_HOSTILE (sizeof(hostile_names) / sizeof(hostile_names[0]))

/* ARFF-quote @name (single quotes, backslash escapes). */
static void arff_quoted(struct text *text, const char *name)
{
	text_add(text, "'");
	for (const char *p = name; *p; p++) {
		if (*p == '\n')
			text_add(text, "\\n");
		else if (*p == '\t')
			text_add(text, "\\t");
		else if (*p == '\'' || *p == '\\')
			text_add(text, "\\%c", *p);
		else
			text_add(text, "%c", *p);
	}
	text_add(text, "'");
}

START_TEST(test_hostile_names)
{
	struct tm_read_options options = { .label_prefix = "y" };
	struct text text = { 0 };
	struct tm_dataset *dataset;
	char *path, *xml;

	/* ARFF: features, then labels (MEKA -C -N: the last N), with these names */
	text_add(&text, "@relation '$(reboot) <b>rel</b>: -C -%zu'\n", N_HOSTILE);
	for (size_t i = 0; i < 2 * N_HOSTILE; i++) {
		text_add(&text, "@attribute ");
		arff_quoted(&text, hostile_names[i % N_HOSTILE]);
		text_add(&text, i < N_HOSTILE ? " numeric\n" : " {0,1}\n");
	}
	text_add(&text, "@data\n{%zu 1,%zu 1}\n", N_HOSTILE - 1, N_HOSTILE);
	path = text_write(&text, "names.arff");
	dataset = expect_read(path, NULL);
	ck_assert_str_eq(dataset->name, "$(reboot) <b>rel</b>");
	ck_assert_uint_eq(dataset->n_tasks, N_HOSTILE);
	ck_assert_uint_eq(dataset->n_features, N_HOSTILE);
	for (size_t i = 0; i < N_HOSTILE; i++) {
		ck_assert_str_eq(dataset->feature_names[i], hostile_names[i]);
		ck_assert_str_eq(dataset->task_names[i], hostile_names[i]);
	}
	ck_assert_int_eq(tm_dataset_label(dataset, 0, 0), TM_LABEL_POSITIVE);
	tm_dataset_destroy(dataset);
	free(path);

	/* labels named by an XML with entities and character references */
	text_add(&text, "@relation names\n");
	for (size_t i = 0; i < N_HOSTILE; i++) {
		text_add(&text, "@attribute ");
		arff_quoted(&text, hostile_names[i]);
		text_add(&text, " {0,1}\n");
	}
	text_add(&text, "@attribute plain numeric\n@data\n{1 1}\n");
	path = text_write(&text, "names2.arff");
	text_add(&text, "<labels>\n");
	for (size_t i = 0; i < N_HOSTILE; i++) {
		text_add(&text, "<label name=\"");
		for (const char *p = hostile_names[i]; *p; p++) {
			switch (*p) {
			case '<': text_add(&text, "&lt;"); break;
			case '>': text_add(&text, "&gt;"); break;
			case '&': text_add(&text, "&amp;"); break;
			case '"': text_add(&text, "&quot;"); break;
			case '\'': text_add(&text, "&apos;"); break;
			case '\n': text_add(&text, "&#10;"); break;
			case '\t': text_add(&text, "&#x9;"); break;
			default: text_add(&text, "%c", *p);
			}
		}
		text_add(&text, "\"/>\n");
	}
	text_add(&text, "</labels>\n");
	options.xml_path = xml = text_write(&text, "names.xml");
	dataset = expect_read(path, &options);
	ck_assert_uint_eq(dataset->n_tasks, N_HOSTILE);
	for (size_t i = 0; i < N_HOSTILE; i++)
		ck_assert_str_eq(dataset->task_names[i], hostile_names[i]);
	ck_assert_str_eq(dataset->feature_names[0], "plain");
	ck_assert_int_eq(tm_dataset_label(dataset, 0, 1), TM_LABEL_POSITIVE);
	tm_dataset_destroy(dataset);
	free(xml);
	free(path);

	/* CSV: quoted header fields ("" for a quote); no newline or tab inside a field */
	options.xml_path = NULL;
	for (size_t i = 0; i < N_HOSTILE; i++) {
		if (strpbrk(hostile_names[i], "\n\t"))
			continue;
		text_add(&text, "\"");
		for (const char *p = hostile_names[i]; *p; p++)
			text_add(&text, *p == '"' ? "\"\"" : "%c", *p);
		text_add(&text, "\",");
	}
	text_add(&text, "\"y `x` $(y)\"\n");
	for (size_t i = 0; i < N_HOSTILE; i++)
		if (!strpbrk(hostile_names[i], "\n\t"))
			text_add(&text, "%zu,", i);
	text_add(&text, "1\n");
	path = text_write(&text, "names.csv");
	dataset = expect_read(path, &options);
	ck_assert_str_eq(dataset->task_names[0], "y `x` $(y)");
	for (size_t i = 0, f = 0; i < N_HOSTILE; i++) {
		if (strpbrk(hostile_names[i], "\n\t"))
			continue;
		ck_assert_str_eq(dataset->feature_names[f], hostile_names[i]);
		ck_assert_float_eq(dataset->x.dense[f], (float)i);
		f++;
	}
	tm_dataset_destroy(dataset);
	free(path);
}
END_TEST

Suite *regress_suite(void)
{
	Suite *suite = suite_create("regress");
	TCase *kept = tcase_create("kept");

	TCase *hostile = tcase_create("hostile");

	tcase_add_test(kept, test_kept_inputs);
	suite_add_tcase(suite, kept);
	tcase_add_unchecked_fixture(hostile, make_tmpdir, remove_tmpdir);
	tcase_set_timeout(hostile, 60);
	tcase_add_loop_test(hostile, test_oversized_header, 0,
			    sizeof(oversized) / sizeof(oversized[0]));
	tcase_add_test(hostile, test_wide_files);
	tcase_add_test(hostile, test_big_xml);
	tcase_add_test(hostile, test_xz_dictionary);
	tcase_add_test(hostile, test_grouping_json);
	tcase_add_test(hostile, test_hostile_names);
	suite_add_tcase(suite, hostile);
	return suite;
}

/*
 * fuzz-npy.c - libFuzzer harness of `import --format npy`. The first byte
 * of an input picks what the rest is:
 *
 *   0  the --probabilities file (epochs, samples, tasks)
 *   1  the --logits file, with a fixed valid --labels of shape (2, 2)
 *   2  the --labels file, with fixed valid --probabilities (1, 2, 2)
 *   3  the --task-names and --sample-names files (two names each expected),
 *      with the fixed probabilities
 *
 * Every input's rest also goes to the pure header parser, whose result must
 * describe the bytes it was given (data offset inside them, the element
 * count the product of the shape); when the bytes hold all the elements,
 * each is decoded (ASan sees a read past the end).
 */
#include "fuzz-import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* npy_fuzz_file - a version 1.0 .npy file of @descr, @shape and @n_bytes of data into @out. */
static size_t npy_fuzz_file(unsigned char *out, size_t room, const char *descr,
			    const char *shape, const void *values, size_t n_bytes)
{
	char header[128];
	int length = snprintf(header, sizeof(header), "{'descr': '%s', 'fortran_order': False,"
			      " 'shape': %s, }", descr, shape);
	size_t total;

	FUZZ_REQUIRE(length > 0 && (size_t)length < sizeof(header) - 64);
	while ((10 + (size_t)length + 1) % 64)
		header[length++] = ' ';
	header[length++] = '\n';
	total = 10 + (size_t)length + n_bytes;
	FUZZ_REQUIRE(total <= room);
	memcpy(out, "\x93NUMPY\x01\x00", 8);
	out[8] = (unsigned char)(length & 0xff);
	out[9] = (unsigned char)(length >> 8);
	memcpy(out + 10, header, (size_t)length);
	memcpy(out + 10 + length, values, n_bytes);
	return total;
}

/* npy_fuzz_check_header - the pure parser on @bytes: refused, or a header that fits them. */
static void npy_fuzz_check_header(const unsigned char *bytes, size_t n)
{
	struct tm_npy_header header;
	struct tm_error err = { 0 };
	size_t product = 1;
	double values[64];

	if (tm_npy_parse_header(bytes, n, &header, &err) < 0) {
		FUZZ_REQUIRE(err.code == TM_ERR_INPUT && err.message[0] != '\0');
		return;
	}
	FUZZ_REQUIRE(header.data_offset <= n && header.n_dims <= TM_NPY_MAX_DIMS);
	FUZZ_REQUIRE(header.item_size == 1 || header.item_size == 2 || header.item_size == 4 ||
		     header.item_size == 8);
	for (size_t d = 0; d < header.n_dims; d++)
		product *= header.shape[d];
	FUZZ_REQUIRE(product == header.n_elements);
	if (header.n_elements > (n - header.data_offset) / header.item_size)
		return;
	for (size_t start = 0; start < header.n_elements; start += 64) {
		size_t count = header.n_elements - start < 64 ? header.n_elements - start : 64;

		tm_npy_values(&header, bytes + header.data_offset, start, count, values);
		(void)tm_npy_value(&header, bytes + header.data_offset, start + count - 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char input[300], probabilities[300], labels[300];
	struct tm_import_options options;

	if (size < 1)
		return 0;
	npy_fuzz_check_header(data + 1, size - 1);
	if (!input[0]) {
		static const float p[4] = { 0.25f, 0.5f, 1.0f, 0.0f };
		static const int8_t y[4] = { 0, 1, 1, -1 };
		unsigned char file[256];

		fuzz_dir_file(input, sizeof(input), "input.npy");
		fuzz_dir_file(probabilities, sizeof(probabilities), "probabilities.npy");
		fuzz_dir_file(labels, sizeof(labels), "labels.npy");
		fuzz_write(probabilities, file, npy_fuzz_file(file, sizeof(file), "<f4", "(1, 2, 2)",
							      p, sizeof(p)));
		fuzz_write(labels, file, npy_fuzz_file(file, sizeof(file), "|i1", "(2, 2)", y,
						       sizeof(y)));
	}
	fuzz_write(input, data + 1, size - 1);
	tm_import_defaults(&options);
	options.format = TM_IMPORT_NPY;
	switch (data[0] % 4) {
	case 0:
		options.probabilities_path = input;
		break;
	case 1:
		options.logits_path = input;
		options.labels_path = labels;
		break;
	case 2:
		options.probabilities_path = probabilities;
		options.labels_path = input;
		break;
	default:
		options.probabilities_path = probabilities;
		options.task_names_path = input;
		options.sample_names_path = input;
		break;
	}
	fuzz_import(&options);
	return 0;
}

/*
 * fuzz-cartography.c - libFuzzer harness of `import --format cartography`
 * (dataset cartography's DIR/dynamics_epoch_E.jsonl). The first byte of an
 * input picks the layout; the rest, split at its first NUL byte (never
 * valid in a text line), is epoch 0's file and, after the NUL, epoch 1's:
 *
 *   bit 0 clear  DIR holds the epoch files (one source)
 *   bit 0 set    DIR/a and DIR/b hold the same epoch files (one binary
 *                task per subdirectory)
 *   bit 1 set    a third epoch file, dynamics_epoch_3.jsonl, that leaves a
 *                gap (epoch 2 missing)
 */
#include "fuzz-import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* carto_fuzz_layout - @dir/epoch files from @epoch0 and @epoch1 (NULL: none), @gap. */
static void carto_fuzz_layout(const char *dir, const uint8_t *epoch0, size_t size0,
			      const uint8_t *epoch1, size_t size1, int gap)
{
	char path[400];

	FUZZ_REQUIRE(mkdir(dir, 0700) == 0);
	snprintf(path, sizeof(path), "%s/dynamics_epoch_0.jsonl", dir);
	fuzz_write(path, epoch0, size0);
	if (epoch1) {
		snprintf(path, sizeof(path), "%s/dynamics_epoch_1.jsonl", dir);
		fuzz_write(path, epoch1, size1);
	}
	if (gap) {
		snprintf(path, sizeof(path), "%s/dynamics_epoch_3.jsonl", dir);
		fuzz_write(path, epoch0, size0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[300];
	const uint8_t *epoch1 = NULL, *nul;
	struct tm_import_options options;
	size_t size0, size1 = 0;
	char sub[320];

	if (size < 1)
		return 0;
	if (!dir[0])
		fuzz_dir_file(dir, sizeof(dir), "dynamics");
	nftw(dir, fuzz_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	size0 = size - 1;
	if ((nul = memchr(data + 1, '\0', size0)) != NULL) {
		size0 = (size_t)(nul - (data + 1));
		epoch1 = nul + 1;
		size1 = size - 1 - size0 - 1;
	}
	if (data[0] & 1) {
		FUZZ_REQUIRE(mkdir(dir, 0700) == 0);
		snprintf(sub, sizeof(sub), "%s/a", dir);
		carto_fuzz_layout(sub, data + 1, size0, epoch1, size1, data[0] & 2);
		snprintf(sub, sizeof(sub), "%s/b", dir);
		carto_fuzz_layout(sub, data + 1, size0, epoch1, size1, data[0] & 2);
	} else {
		carto_fuzz_layout(dir, data + 1, size0, epoch1, size1, data[0] & 2);
	}
	tm_import_defaults(&options);
	options.format = TM_IMPORT_CARTOGRAPHY;
	options.path = dir;
	options.min_labelled = 1;
	fuzz_import(&options);
	return 0;
}

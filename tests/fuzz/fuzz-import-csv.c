/*
 * fuzz-import-csv.c - libFuzzer harness of `import --format csv`: the input
 * is the long-format file (sample,task,epoch,p[,label] or ...,logit,label),
 * imported into the harnesses' store; read twice by the importer (names,
 * then the epochs), so a file is written, not a pipe.
 */
#include "fuzz-import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[300];
	struct tm_import_options options;

	if (!path[0])
		fuzz_dir_file(path, sizeof(path), "dynamics.csv");
	fuzz_write(path, data, size);
	tm_import_defaults(&options);
	options.format = TM_IMPORT_CSV;
	options.path = path;
	options.min_labelled = 1;
	fuzz_import(&options);
	return 0;
}

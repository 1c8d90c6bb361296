/*
 * fuzz-import.h - what the harnesses of the importers (fuzz-npy.c,
 * fuzz-import-csv.c, fuzz-cartography.c) share: a private directory on a
 * tmpfs (/dev/shm, else $TMPDIR or /tmp) removed at exit, one store in it
 * opened once per process (an import is one transaction: a refused input
 * leaves nothing; accepted ones accumulate until the store is replaced),
 * and the oracle of an import: a refused input gives TM_ERR_INPUT with a
 * message and no run (inputs are small: even out of memory is a finding);
 * an accepted one gives a run with an id. Included by tests/fuzz
 * harnesses and tests/test-regress.c only; static functions, no library.
 */
#ifndef TM_FUZZ_IMPORT_H
#define TM_FUZZ_IMPORT_H

#include "fuzz-common.h"

#include <ftw.h>
#include <sys/stat.h>

#include "import.h"
#include "store.h"

/* Accepted imports kept in one store before it is replaced by a fresh one. */
#define FUZZ_STORE_RUNS 256

static char fuzz_dir_path[256];
static struct tm_store *fuzz_store_handle;
static size_t fuzz_store_runs;

static int fuzz_remove_entry(const char *path, const struct stat *info, int flag,
			     struct FTW *ftw)
{
	(void)info;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fuzz_remove_dir(void)
{
	tm_store_close(fuzz_store_handle);
	fuzz_store_handle = NULL;
	if (fuzz_dir_path[0])
		nftw(fuzz_dir_path, fuzz_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	fuzz_dir_path[0] = '\0';
}

/* fuzz_dir - the process's private directory (created on the first call). */
static inline const char *fuzz_dir(void)
{
	if (fuzz_dir_path[0] == '\0') {
		struct stat info;
		const char *base = stat("/dev/shm", &info) == 0 && S_ISDIR(info.st_mode) &&
			access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

		snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/taskmap-fuzz-XXXXXX",
			 base && base[0] ? base : "/tmp");
		FUZZ_REQUIRE(mkdtemp(fuzz_dir_path) != NULL);
		atexit(fuzz_remove_dir);
	}
	return fuzz_dir_path;
}

/* fuzz_dir_file - @name under fuzz_dir() into @out (size @size). */
static inline const char *fuzz_dir_file(char *out, size_t size, const char *name)
{
	FUZZ_REQUIRE((size_t)snprintf(out, size, "%s/%s", fuzz_dir(), name) < size);
	return out;
}

/* fuzz_write - @path holds exactly the @size bytes at @data. */
static inline void fuzz_write(const char *path, const void *data, size_t size)
{
	FILE *file = fopen(path, "wb");

	FUZZ_REQUIRE(file != NULL);
	FUZZ_REQUIRE(size == 0 || fwrite(data, 1, size, file) == size);
	FUZZ_REQUIRE(fclose(file) == 0);
}

/* fuzz_store - the process's store (a fresh one every FUZZ_STORE_RUNS imports). */
static inline struct tm_store *fuzz_store(void)
{
	static const char *const suffixes[] = { "", "-journal", "-wal", "-shm", ".trainers" };
	char path[320];
	struct tm_error err = { 0 };

	if (fuzz_store_handle && fuzz_store_runs < FUZZ_STORE_RUNS)
		return fuzz_store_handle;
	tm_store_close(fuzz_store_handle);
	fuzz_store_handle = NULL;
	fuzz_dir_file(path, sizeof(path), "fuzz.db");
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char file[340];

		snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
		(void)unlink(file);
	}
	FUZZ_REQUIRE(tm_store_open(&fuzz_store_handle, path, 0, &err) == 0);
	fuzz_store_runs = 0;
	return fuzz_store_handle;
}

/* fuzz_import - run the importer @options name and check the outcome either way. */
static inline void fuzz_import(const struct tm_import_options *options)
{
	struct tm_error err = { 0 };
	int64_t run_id = -1;
	int rc = tm_import_run(fuzz_store(), options, &run_id, &err);

	if (getenv("FUZZ_VERBOSE")) /* to see what the seeds reach */
		fprintf(stderr, "import: %d %s\n", rc, rc < 0 ? err.message : "accepted");
	if (rc < 0) {
		if (rc != TM_ERR_INPUT)
			fprintf(stderr, "import: unexpected code %d: %s\n", rc, err.message);
		FUZZ_REQUIRE(rc == TM_ERR_INPUT);
		FUZZ_REQUIRE(err.code == rc && err.message[0] != '\0');
		FUZZ_REQUIRE(memchr(err.message, '\0', sizeof(err.message)) != NULL);
		FUZZ_REQUIRE(run_id == 0);
	} else {
		FUZZ_REQUIRE(rc == 0 && run_id > 0);
		fuzz_store_runs++;
	}
}

#endif

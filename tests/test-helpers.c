#define _GNU_SOURCE /* asprintf, vasprintf */
/*
 * test-helpers.c - temporary files and running commands for the test suites.
 */
#include "test-helpers.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = NULL;

	if (!base)
		base = "/tmp";
	if (asprintf(&path, "%s/taskmap-test-XXXXXX", base) < 0)
		return NULL;
	if (!mkdtemp(path)) {
		free(path);
		return NULL;
	}
	return path;
}

char *test_path(const char *dir, const char *name)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	return path;
}

void test_remove_tree(const char *dir)
{
	char *command = NULL;

	if (!dir || asprintf(&command, "rm -rf '%s'", dir) < 0)
		return;
	if (system(command) != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
	free(command);
}

char *test_read_file(const char *path, size_t *size)
{
	FILE *file = fopen(path, "rb");
	char *buffer = NULL;
	long length;

	if (!file)
		return NULL;
	if (fseek(file, 0, SEEK_END) == 0 && (length = ftell(file)) >= 0 &&
	    fseek(file, 0, SEEK_SET) == 0 && (buffer = malloc((size_t)length + 1))) {
		size_t got = fread(buffer, 1, (size_t)length, file);

		buffer[got] = '\0';
		if (size)
			*size = got;
	}
	fclose(file);
	return buffer;
}

int test_write_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "wb");
	int rc;

	if (!file)
		return -1;
	rc = fputs(text, file) < 0 ? -1 : 0;
	if (fclose(file) != 0)
		rc = -1;
	return rc;
}

int test_run(char **output, const char *fmt, ...)
{
	char *command = NULL, *full = NULL, chunk[4096];
	size_t length = 0, got;
	FILE *pipe;
	va_list ap;
	int status;

	va_start(ap, fmt);
	if (vasprintf(&command, fmt, ap) < 0)
		command = NULL;
	va_end(ap);
	if (!command || asprintf(&full, "( %s ) 2>&1", command) < 0) {
		free(command);
		return -1;
	}
	free(command);
	if (output)
		*output = calloc(1, 1);
	if (!(pipe = popen(full, "r"))) {
		free(full);
		return -1;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), pipe)) > 0) {
		if (output && *output) {
			char *grown = realloc(*output, length + got + 1);

			if (grown) {
				memcpy(grown + length, chunk, got);
				length += got;
				grown[length] = '\0';
				*output = grown;
			}
		}
	}
	status = pclose(pipe);
	free(full);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *test_source_root(void)
{
	const char *root = getenv("TASKMAP_SOURCE_ROOT");

	return root ? root : ".";
}

const char *test_shared_data(void)
{
	static char path[PATH_MAX];
	const char *explicit_path = getenv("TASKMAP_SHARED_DATA");
	struct stat info;

	if (explicit_path)
		snprintf(path, sizeof(path), "%s", explicit_path);
	else
		snprintf(path, sizeof(path), "%s/../shared/data", test_source_root());
	if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode))
		return NULL;
	return path;
}

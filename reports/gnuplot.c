/*
 * gnuplot.c - finding gnuplot at run time and running it on one script:
 * fork and execv in the report directory (no shell ever sees a name), the
 * picture drawn under a temporary name and renamed only when gnuplot
 * succeeded and left a non-empty file (gnuplot 5.4 leaves an empty file
 * behind on error).
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

static int is_executable_file(const char *path)
{
	struct stat info;

	return stat(path, &info) == 0 && S_ISREG(info.st_mode) && access(path, X_OK) == 0;
}

/* search_path - the first executable @name in the colon-separated @path_list. */
static char *search_path(const char *name, const char *path_list)
{
	const char *start = path_list;

	while (start) {
		const char *end = strchr(start, ':');
		int length = end ? (int)(end - start) : (int)strlen(start);
		char *candidate = NULL;

		if (asprintf(&candidate, "%.*s/%s", length, length ? start : ".", name) < 0)
			return NULL;
		if (is_executable_file(candidate))
			return candidate;
		free(candidate);
		start = end ? end + 1 : NULL;
	}
	return NULL;
}

int tm_report_find_gnuplot(const char *program, char **path, struct tm_error *err)
{
	const char *path_list = getenv("PATH");
	char *found = NULL;

	*path = NULL;
	if (!program || !*program)
		program = "gnuplot";
	if (strchr(program, '/')) {
		if (!is_executable_file(program))
			return tm_error_set(err, TM_ERR_NOT_FOUND,
					    "gnuplot not found: '%s' is not an executable file", program);
		if (!(*path = realpath(program, NULL)))
			return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		return 0;
	}
	if (path_list && (found = search_path(program, path_list))) {
		/* absolute, because gnuplot runs in the report directory */
		*path = realpath(found, NULL);
		free(found);
		return *path ? 0 : tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	return tm_error_set(err, TM_ERR_NOT_FOUND, "gnuplot not found: no '%s' on PATH", program);
}

/*
 * spawn_in - run @argv[0] with @argv in directory @dir, stdin from
 * /dev/null, stdout discarded, stderr to @log_path; *@status is its wait
 * status. Only async-signal-safe calls happen between fork and exec.
 */
static int spawn_in(const char *dir, char *const argv[], const char *log_path, int *status,
		    struct tm_error *err)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	pid_t pid = -1;
	int rc = 0;

	if (null_fd < 0 || log_fd < 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", log_path, strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot start gnuplot: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (chdir(dir) != 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 ||
		    dup2(log_fd, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			rc = tm_error_set(err, TM_ERR_IO, "cannot wait for gnuplot: %s", strerror(errno));
			goto out;
		}
	}
out:
	if (null_fd >= 0)
		close(null_fd);
	if (log_fd >= 0)
		close(log_fd);
	return rc;
}

/* first_error_line - the first line of gnuplot's log that says something, into @line. */
static void first_error_line(const char *log_path, char *line, size_t size)
{
	FILE *log = fopen(log_path, "r");
	char buffer[512];

	snprintf(line, size, "no message");
	if (!log)
		return;
	while (fgets(buffer, sizeof(buffer), log)) {
		buffer[strcspn(buffer, "\n")] = '\0';
		if (strspn(buffer, " \t^") < strlen(buffer)) {
			snprintf(line, size, "%s", buffer + strspn(buffer, " \t"));
			if (strstr(buffer, "rror") || strstr(buffer, "line "))
				break;
		}
	}
	fclose(log);
}

/* describe_failure - @err from gnuplot's wait status and its log. */
static int describe_failure(int status, const char *script, const char *log_path,
			    struct tm_error *err)
{
	char line[160];

	first_error_line(log_path, line, sizeof(line));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return tm_error_set(err, TM_ERR_IO, "gnuplot could not be started");
	if (WIFSIGNALED(status))
		return tm_error_set(err, TM_ERR_IO, "gnuplot was killed by signal %d on %s",
				    WTERMSIG(status), script);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return tm_error_set(err, TM_ERR_IO, "gnuplot failed on %s: %s", script, line);
	return tm_error_set(err, TM_ERR_IO, "gnuplot drew nothing for %s: %s", script, line);
}

static off_t file_size_at(const char *path)
{
	struct stat info;

	return stat(path, &info) == 0 && S_ISREG(info.st_mode) ? info.st_size : -1;
}

int tm_report_run_gnuplot(const char *gnuplot, const char *dir, const char *script,
			  const char *format, const char *output, struct tm_error *err)
{
	char *settings = NULL, *temporary = NULL, *final = NULL, *log_path = NULL;
	int status = 0, rc;

	if (asprintf(&settings, "format='%s'; output='%s.part'", format, output) < 0 ||
	    asprintf(&temporary, "%s/%s.part", dir, output) < 0 ||
	    asprintf(&final, "%s/%s", dir, output) < 0 ||
	    asprintf(&log_path, "%s/%s.log", dir, output) < 0) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	{
		char *argv[] = { (char *)gnuplot, "-d", "-e", settings, (char *)script, NULL };

		if ((rc = spawn_in(dir, argv, log_path, &status, err)) < 0)
			goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || file_size_at(temporary) <= 0) {
		rc = describe_failure(status, script, log_path, err);
		unlink(temporary);
		goto out;
	}
	if (rename(temporary, final) != 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot rename '%s': %s", temporary, strerror(errno));
		unlink(temporary);
		goto out;
	}
	unlink(log_path);
out:
	free(settings);
	free(temporary);
	free(final);
	free(log_path);
	return rc;
}

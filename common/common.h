/*
 * common.h - the small pieces every taskmap module shares: the error type and
 * return codes, a progress callback, checked size arithmetic, the GSL
 * random-number helpers and a check before replacing a file.
 *
 * Nothing here prints, exits or keeps global state; callers own everything.
 */
#ifndef TM_COMMON_H
#define TM_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Return codes: 0 is success, every failure is negative. */
enum tm_err {
	TM_OK = 0,
	TM_ERR_NOMEM = -1,       /* an allocation failed */
	TM_ERR_IO = -2,          /* a file or the database could not be read or written */
	TM_ERR_INPUT = -3,       /* the input data is invalid (the CLI exits 3) */
	TM_ERR_USAGE = -4,       /* the caller asked for something impossible (exit 2) */
	TM_ERR_DB = -5,          /* SQLite reported an error */
	TM_ERR_NOT_FOUND = -6,   /* a named run, task or analysis does not exist */
	TM_ERR_INTERRUPTED = -7, /* stopped on request (Ctrl-C) */
	TM_ERR_NUMERIC = -8,     /* a numerical routine failed (GSL, NaN) */
	TM_ERR_DENIED = -9,      /* refused on purpose, e.g. a write in a read-only query */
};

#define TM_ERROR_MAX 256

/* An error message filled by the function that failed; callers may pass NULL. */
struct tm_error {
	int code;                 /* the enum tm_err value returned */
	char message[TM_ERROR_MAX]; /* lowercase, no full stop: "what failed: why" */
};

/*
 * tm_error_set - record an error and return its code.
 * @err may be NULL, in which case only @code is returned. The message is
 * formatted with printf rules and truncated to TM_ERROR_MAX - 1 bytes.
 */
int tm_error_set(struct tm_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * tm_error_prefix - put "prefix: " in front of an existing message (for
 * adding context such as a file name on the way up). Returns err->code, or
 * TM_ERR_IO when @err is NULL.
 */
int tm_error_prefix(struct tm_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* tm_err_name - a short constant name of a code, for logs and tests. */
const char *tm_err_name(int code);

/*
 * Progress reporting. Long-running functions take an optional
 * struct tm_progress and call it; the CLI decides how (or whether) to draw it.
 * Stage "note" is a one-off line worth keeping in a log (total 0).
 * @done and @total count work units (total 0 when unknown); @message is a
 * short borrowed line valid only during the call. A non-zero return asks the
 * caller to stop (the function then returns TM_ERR_INTERRUPTED).
 */
struct tm_progress {
	int (*report)(void *context, const char *stage, double done, double total,
		      const char *message);
	void *context;
};

/* tm_progress_report - call @progress if present; returns its answer or 0. */
int tm_progress_report(const struct tm_progress *progress, const char *stage,
		       double done, double total, const char *message);

/*
 * Checked size arithmetic: return 0 and store the result, or -1 on overflow
 * (so the caller can refuse absurd dimensions before allocating).
 */
int tm_size_mul(size_t a, size_t b, size_t *out);
int tm_size_add(size_t a, size_t b, size_t *out);

/*
 * tm_rng_create - a GSL Mersenne Twister (gsl_rng_mt19937) seeded with @seed.
 * Returns NULL when out of memory. Free with gsl_rng_free().
 */
gsl_rng *tm_rng_create(uint64_t seed);

/*
 * tm_rng_shuffle_indices - fill @index with 0..n-1 in a random order drawn
 * from @rng (GSL's gsl_ran_shuffle).
 */
void tm_rng_shuffle_indices(gsl_rng *rng, size_t *index, size_t n);

/*
 * tm_sha256_file - the SHA-256 (nettle) of the bytes of file @path as 64
 * lowercase hex digits plus NUL in @hex. Returns 0, or TM_ERR_IO with @err
 * filled when the file cannot be read.
 */
int tm_sha256_file(const char *path, char hex[65], struct tm_error *err);

/*
 * tm_check_replaceable - may a file be written at @path by writing a
 * temporary file beside it and renaming it over @path? Yes (returns 0) when
 * nothing exists there or it is a regular file (a symbolic link is followed).
 * A directory, device, FIFO or socket is refused with TM_ERR_IO and a
 * message naming @path: renaming over /dev/null as root would replace the
 * device with a plain file. @err is filled on failure.
 */
int tm_check_replaceable(const char *path, struct tm_error *err);

/* The taskmap version string, e.g. "0.1.0". */
const char *tm_version(void);

#endif

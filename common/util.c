/*
 * util.c - checked size arithmetic, seeded GSL random numbers, file hashing,
 * the check before replacing a file and the version string.
 */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_randist.h>
#include <nettle/sha2.h>

int tm_size_mul(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

int tm_size_add(size_t a, size_t b, size_t *out)
{
	if (b > SIZE_MAX - a)
		return -1;
	*out = a + b;
	return 0;
}

gsl_rng *tm_rng_create(uint64_t seed)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	if (rng)
		gsl_rng_set(rng, (unsigned long)seed);
	return rng;
}

void tm_rng_shuffle_indices(gsl_rng *rng, size_t *index, size_t n)
{
	for (size_t i = 0; i < n; i++)
		index[i] = i;
	if (n > 1)
		gsl_ran_shuffle(rng, index, n, sizeof(*index));
}

int tm_sha256_file(const char *path, char hex[65], struct tm_error *err)
{
	static const char digits[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	unsigned char buffer[1 << 16];
	size_t got;
	FILE *file = fopen(path, "rb");

	if (!file)
		return tm_error_set(err, TM_ERR_IO, "cannot open '%s': %s", path,
				    strerror(errno));
	sha256_init(&ctx);
	while ((got = fread(buffer, 1, sizeof(buffer), file)) > 0)
		sha256_update(&ctx, got, buffer);
	if (ferror(file)) {
		fclose(file);
		return tm_error_set(err, TM_ERR_IO, "cannot read '%s'", path);
	}
	fclose(file);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[64] = '\0';
	return 0;
}

int tm_check_replaceable(const char *path, struct tm_error *err)
{
	struct stat info;

	if (stat(path, &info) != 0) {
		if (errno == ENOENT)
			return 0;
		return tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	}
	if (S_ISREG(info.st_mode))
		return 0;
	return tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", path,
			    S_ISDIR(info.st_mode) ? "it is a directory"
			    : "not a regular file (the file is written whole, then renamed into place)");
}

const char *tm_version(void)
{
	return TM_VERSION;
}

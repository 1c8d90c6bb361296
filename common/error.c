/*
 * error.c - filling struct tm_error and naming return codes.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

int tm_error_set(struct tm_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

int tm_error_prefix(struct tm_error *err, const char *fmt, ...)
{
	char joined[TM_ERROR_MAX];
	size_t used;
	va_list ap;

	if (!err)
		return TM_ERR_IO;
	va_start(ap, fmt);
	vsnprintf(joined, sizeof(joined), fmt, ap);
	va_end(ap);
	used = strlen(joined);
	if (used + 2 < sizeof(joined)) {
		memcpy(joined + used, ": ", 2);
		used += 2;
		size_t room = sizeof(joined) - used - 1;
		size_t length = strnlen(err->message, sizeof(err->message));

		/* truncating the original message is acceptable: it is the tail */
		memcpy(joined + used, err->message, length < room ? length : room);
		joined[used + (length < room ? length : room)] = '\0';
	}
	memcpy(err->message, joined, sizeof(joined));
	return err->code;
}

const char *tm_err_name(int code)
{
	switch (code) {
	case TM_OK: return "ok";
	case TM_ERR_NOMEM: return "out of memory";
	case TM_ERR_IO: return "i/o error";
	case TM_ERR_INPUT: return "invalid input";
	case TM_ERR_USAGE: return "usage error";
	case TM_ERR_DB: return "database error";
	case TM_ERR_NOT_FOUND: return "not found";
	case TM_ERR_INTERRUPTED: return "interrupted";
	case TM_ERR_NUMERIC: return "numerical error";
	case TM_ERR_DENIED: return "denied";
	}
	return "unknown error";
}

int tm_progress_report(const struct tm_progress *progress, const char *stage,
		       double done, double total, const char *message)
{
	if (!progress || !progress->report)
		return 0;
	return progress->report(progress->context, stage, done, total, message);
}

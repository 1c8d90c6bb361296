/*
 * npy.c - a small, strict reader of NumPy .npy headers (format versions
 * 1.0, 2.0 and 3.0, numpy.lib.format): the magic, the version, the header
 * length, and the header itself, a Python dict literal with exactly the
 * keys 'descr' (a dtype string), 'fortran_order' (True or False) and
 * 'shape' (a tuple of integers). Only little-endian numeric and bool dtypes
 * are accepted; everything else is refused with a message saying how to
 * save the array instead. Elements are decoded byte by byte, so the result
 * does not depend on the host's byte order.
 */
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LENGTH 6

struct cursor {
	const char *p, *end;
};

static void skip_blanks(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* expect - consume @ch after blanks; 0 or -1. */
static int expect(struct cursor *c, char ch)
{
	skip_blanks(c);
	if (c->p >= c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* quoted - a '...' or "..." literal without escapes into @out (size @size). */
static int quoted(struct cursor *c, char *out, size_t size)
{
	const char *start;
	char quote;
	size_t n;

	skip_blanks(c);
	if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
		return -1;
	quote = *c->p++;
	for (start = c->p; c->p < c->end && *c->p != quote; c->p++)
		if (*c->p == '\\')
			return -1;
	if (c->p >= c->end || (n = (size_t)(c->p - start)) >= size)
		return -1;
	memcpy(out, start, n);
	out[n] = '\0';
	c->p++;
	return 0;
}

static int parse_bool(struct cursor *c, int *value)
{
	skip_blanks(c);
	if ((size_t)(c->end - c->p) >= 4 && memcmp(c->p, "True", 4) == 0) {
		c->p += 4;
		*value = 1;
		return 0;
	}
	if ((size_t)(c->end - c->p) >= 5 && memcmp(c->p, "False", 5) == 0) {
		c->p += 5;
		*value = 0;
		return 0;
	}
	return -1;
}

static int parse_size(struct cursor *c, size_t *value)
{
	size_t v = 0;

	skip_blanks(c);
	if (c->p >= c->end || !isdigit((unsigned char)*c->p))
		return -1;
	for (; c->p < c->end && isdigit((unsigned char)*c->p); c->p++) {
		if (v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*c->p - '0');
	}
	if (c->p < c->end && (*c->p == 'L' || *c->p == 'l'))
		c->p++; /* Python 2 longs in old files */
	*value = v;
	return 0;
}

/* parse_shape - "(a, b, c)", "(a,)" or "()". */
static int parse_shape(struct cursor *c, struct tm_npy_header *h)
{
	if (expect(c, '(') < 0)
		return -1;
	h->n_dims = 0;
	skip_blanks(c);
	while (c->p < c->end && *c->p != ')') {
		if (h->n_dims == TM_NPY_MAX_DIMS || parse_size(c, &h->shape[h->n_dims]) < 0)
			return -1;
		h->n_dims++;
		skip_blanks(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			skip_blanks(c);
		} else if (c->p < c->end && *c->p != ')') {
			return -1;
		}
	}
	return expect(c, ')');
}

struct dtype_entry {
	char kind;
	size_t size;
	enum tm_npy_type type;
};

static const struct dtype_entry dtypes[] = {
	{ 'b', 1, TM_NPY_BOOL }, { 'i', 1, TM_NPY_I8 }, { 'u', 1, TM_NPY_U8 },
	{ 'i', 2, TM_NPY_I16 }, { 'u', 2, TM_NPY_U16 }, { 'i', 4, TM_NPY_I32 },
	{ 'u', 4, TM_NPY_U32 }, { 'i', 8, TM_NPY_I64 }, { 'u', 8, TM_NPY_U64 },
	{ 'f', 4, TM_NPY_F32 }, { 'f', 8, TM_NPY_F64 },
};

static int parse_descr(const char *descr, struct tm_npy_header *h, struct tm_error *err)
{
	char order = descr[0], kind, *end;
	long size;

	if (order == '>')
		return tm_error_set(err, TM_ERR_INPUT, "big-endian dtype '%s' is not supported"
				    " (save with arr.astype(arr.dtype.newbyteorder('<')))", descr);
	kind = order ? descr[order == '<' || order == '|' || order == '=' ? 1 : 0] : '\0';
	if (kind && strchr("OUSaVMmc", kind))
		return tm_error_set(err, TM_ERR_INPUT, "dtype '%s' is not numeric (object, string,"
				    " complex or date arrays cannot be imported; save float32)", descr);
	if (order != '<' && order != '|')
		return tm_error_set(err, TM_ERR_INPUT, "dtype '%s' has no explicit byte order", descr);
	if (strlen(descr) < 3 || !isdigit((unsigned char)descr[2])) /* strtol takes " +4" */
		return tm_error_set(err, TM_ERR_INPUT, "dtype '%s' is not supported", descr);
	errno = 0;
	size = strtol(descr + 2, &end, 10);
	for (size_t i = 0; !*end && !errno && i < sizeof(dtypes) / sizeof(dtypes[0]); i++)
		if (dtypes[i].kind == descr[1] && (long)dtypes[i].size == size &&
		    (size == 1 || order == '<')) {
			h->type = dtypes[i].type;
			h->item_size = dtypes[i].size;
			return 0;
		}
	return tm_error_set(err, TM_ERR_INPUT, "dtype '%s' is not supported (use float32, float64,"
			    " bool or a little-endian integer type)", descr);
}

/* parse_dict - the header dict; each of the three keys exactly once. */
static int parse_dict(struct cursor *c, struct tm_npy_header *h, char *descr, size_t descr_size,
		      struct tm_error *err)
{
	int seen_descr = 0, seen_order = 0, seen_shape = 0;
	char key[32];

	if (expect(c, '{') < 0)
		return tm_error_set(err, TM_ERR_INPUT, "the header is not a dict");
	for (;;) {
		skip_blanks(c);
		if (c->p < c->end && *c->p == '}')
			break;
		if (quoted(c, key, sizeof(key)) < 0 || expect(c, ':') < 0)
			return tm_error_set(err, TM_ERR_INPUT, "the header dict has a malformed key");
		if (strcmp(key, "descr") == 0 && !seen_descr++) {
			skip_blanks(c);
			if (c->p < c->end && *c->p == '[')
				return tm_error_set(err, TM_ERR_INPUT, "structured dtypes are not"
						    " supported (save a plain float32 array)");
			if (quoted(c, descr, descr_size) < 0)
				return tm_error_set(err, TM_ERR_INPUT, "'descr' is not a dtype string");
		} else if (strcmp(key, "fortran_order") == 0 && !seen_order++) {
			if (parse_bool(c, &h->fortran_order) < 0)
				return tm_error_set(err, TM_ERR_INPUT, "'fortran_order' is not True or False");
		} else if (strcmp(key, "shape") == 0 && !seen_shape++) {
			if (parse_shape(c, h) < 0)
				return tm_error_set(err, TM_ERR_INPUT, "'shape' is not a tuple of"
						    " at most %d sizes", TM_NPY_MAX_DIMS);
		} else {
			return tm_error_set(err, TM_ERR_INPUT, "unexpected or repeated key '%s' in the"
					    " header", key);
		}
		skip_blanks(c);
		if (c->p < c->end && *c->p == ',')
			c->p++;
		else if (c->p >= c->end || *c->p != '}')
			return tm_error_set(err, TM_ERR_INPUT, "the header dict is malformed");
	}
	c->p++;
	if (!seen_descr || !seen_order || !seen_shape)
		return tm_error_set(err, TM_ERR_INPUT, "the header lacks '%s'",
				    !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
	skip_blanks(c);
	if (c->p != c->end)
		return tm_error_set(err, TM_ERR_INPUT, "text after the header dict");
	return 0;
}

/* prefix - the version and header length; *@start is where the dict begins. */
static int prefix(const unsigned char *bytes, size_t n, size_t *start, size_t *length,
		  struct tm_error *err)
{
	if (n < 10 || memcmp(bytes, NPY_MAGIC, NPY_MAGIC_LENGTH) != 0)
		return tm_error_set(err, TM_ERR_INPUT, "not a .npy file (no \\x93NUMPY magic)");
	if (bytes[6] == 1) {
		*start = 10;
		*length = (size_t)bytes[8] | (size_t)bytes[9] << 8;
	} else if ((bytes[6] == 2 || bytes[6] == 3) && n >= 12) {
		*start = 12;
		*length = (size_t)bytes[8] | (size_t)bytes[9] << 8 | (size_t)bytes[10] << 16 |
			  (size_t)bytes[11] << 24;
	} else {
		return tm_error_set(err, TM_ERR_INPUT, "unsupported .npy format version %d.%d",
				    bytes[6], bytes[7]);
	}
	if (*length > n - *start)
		return tm_error_set(err, TM_ERR_INPUT, "the header is truncated");
	return 0;
}

int tm_npy_parse_header(const unsigned char *bytes, size_t n, struct tm_npy_header *h,
			struct tm_error *err)
{
	struct cursor c;
	size_t start = 0, length = 0, bytes_total;
	char descr[32];
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = prefix(bytes, n, &start, &length, err)) < 0)
		return rc;
	c.p = (const char *)bytes + start;
	c.end = c.p + length;
	if (memchr(c.p, '\0', length))
		return tm_error_set(err, TM_ERR_INPUT, "the header holds a NUL byte");
	if ((rc = parse_dict(&c, h, descr, sizeof(descr), err)) < 0 ||
	    (rc = parse_descr(descr, h, err)) < 0)
		return rc;
	h->n_elements = 1;
	for (size_t d = 0; d < h->n_dims; d++)
		if (tm_size_mul(h->n_elements, h->shape[d], &h->n_elements) < 0)
			return tm_error_set(err, TM_ERR_INPUT, "the shape is too large");
	if (tm_size_mul(h->n_elements, h->item_size, &bytes_total) < 0 ||
	    tm_size_add(bytes_total, start + length, &bytes_total) < 0)
		return tm_error_set(err, TM_ERR_INPUT, "the shape is too large");
	h->data_offset = start + length;
	return 0;
}

/* little_endian - the @n (1, 2, 4 or 8) bytes at @p as a little-endian integer. */
static uint64_t little_endian(const unsigned char *p, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v = 0;

	memcpy(&v, p, n); /* one load on little-endian hosts */
	return v;
#else
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
#endif
}

double tm_npy_value(const struct tm_npy_header *h, const unsigned char *data, size_t index)
{
	const unsigned char *p = data + index * h->item_size;
	uint64_t bits = little_endian(p, h->item_size);
	float f;
	double d;

	switch (h->type) {
	case TM_NPY_BOOL: return bits != 0;
	case TM_NPY_I8: return (int8_t)bits;
	case TM_NPY_U8: return (uint8_t)bits;
	case TM_NPY_I16: return (int16_t)bits;
	case TM_NPY_U16: return (uint16_t)bits;
	case TM_NPY_I32: return (int32_t)bits;
	case TM_NPY_U32: return (uint32_t)bits;
	case TM_NPY_I64: return (double)(int64_t)bits;
	case TM_NPY_U64: return (double)bits;
	case TM_NPY_F32: {
		uint32_t b32 = (uint32_t)bits;

		memcpy(&f, &b32, sizeof(f));
		return f;
	}
	case TM_NPY_F64:
		memcpy(&d, &bits, sizeof(d));
		return d;
	}
	return NAN;
}

#define DECODE_RANGE(type_, bits_)                                      \
	for (size_t i = 0; i < n; i++) {                                 \
		uint##bits_##_t raw = (uint##bits_##_t)little_endian(    \
			p + i * sizeof(raw), sizeof(raw));               \
		type_ value;                                             \
		memcpy(&value, &raw, sizeof(value));                     \
		out[i] = (double)value;                                  \
	}

void tm_npy_values(const struct tm_npy_header *h, const unsigned char *data, size_t start,
		   size_t n, double *out)
{
	const unsigned char *p = data + start * h->item_size;

	switch (h->type) {
	case TM_NPY_F32: DECODE_RANGE(float, 32) return;
	case TM_NPY_F64: DECODE_RANGE(double, 64) return;
	default:
		for (size_t i = 0; i < n; i++)
			out[i] = tm_npy_value(h, data, start + i);
	}
}

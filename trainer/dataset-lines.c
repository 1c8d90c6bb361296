/*
 * dataset-lines.c - the one place files are read: a buffered line reader
 * over plain, gzip (zlib), xz (liblzma) and bzip2 (libbz2) files. The
 * compression is recognised by magic bytes, not by the file name. Lines may
 * be as long as DS_MAX_LINE (the buffer grows); CRLF endings and a UTF-8 BOM
 * are removed; a truncated or corrupt compressed stream, a NUL byte (binary
 * data) or an over-long line is an error naming FILE:LINE, never a crash.
 */
#include "dataset-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>

/* Both start small (a label XML or a test file is a few KiB; each open of
 * a 1 MiB buffer cost page faults that dominated reading small files) and
 * 64 KiB reads are already far cheaper than parsing what they return. */
#define INPUT_CHUNK ((size_t)1 << 16)
#define FIRST_BUFFER ((size_t)1 << 16)

enum compression { PLAIN, GZIP, XZ, BZIP2 };

struct ds_lines {
	char *path;
	int fd;
	enum compression kind;
	z_stream gz;
	lzma_stream xz;
	bz_stream bz;
	int decoder_ready;
	int stream_ended;       /* the compressed stream reached its end marker */
	unsigned char *input;   /* compressed bytes (not PLAIN) */
	size_t input_length;    /* bytes valid in input */
	int input_eof;
	char *buffer;           /* decompressed text; [start, end) not yet returned */
	size_t capacity, start, end, scanned;
	int source_eof;         /* no more decompressed bytes will come */
	size_t line_number;
};

static const char *kind_name(enum compression kind)
{
	switch (kind) {
	case GZIP: return "gzip";
	case XZ: return "xz";
	case BZIP2: return "bzip2";
	default: return "plain";
	}
}

/* Read raw bytes from the file; 0 at its end. */
static int read_raw(struct ds_lines *lines, unsigned char *to, size_t room, size_t *got,
		    struct tm_error *err)
{
	ssize_t n;

	do
		n = read(lines->fd, to, room);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return tm_error_set(err, TM_ERR_IO, "cannot read '%s': %s", lines->path,
				    strerror(errno));
	*got = (size_t)n;
	return 0;
}

/* Top up the compressed input buffer (keeps unconsumed bytes at its front). */
static int refill_input(struct ds_lines *lines, const unsigned char *next, size_t avail,
			struct tm_error *err)
{
	size_t got;
	int rc;

	if (avail && next != lines->input)
		memmove(lines->input, next, avail);
	lines->input_length = avail;
	if (lines->input_eof || avail == INPUT_CHUNK)
		return 0;
	if ((rc = read_raw(lines, lines->input + avail, INPUT_CHUNK - avail, &got, err)) < 0)
		return rc;
	if (got == 0)
		lines->input_eof = 1;
	lines->input_length += got;
	return 0;
}

static int truncated(struct ds_lines *lines, struct tm_error *err)
{
	return tm_error_set(err, TM_ERR_INPUT,
			    "%s:%zu: truncated %s stream: the file ends before the compressed data does",
			    lines->path, lines->line_number + 1, kind_name(lines->kind));
}

static int corrupt(struct ds_lines *lines, const char *why, struct tm_error *err)
{
	return tm_error_set(err, TM_ERR_INPUT, "%s:%zu: corrupt %s data: %s", lines->path,
			    lines->line_number + 1, kind_name(lines->kind), why);
}

/*
 * Decompress into [to, to + room): *got bytes (0 only at the clean end of
 * the stream). Concatenated streams (pigz, pbzip2, xz --multi) continue.
 */
static int decompress(struct ds_lines *lines, char *to, size_t room, size_t *got,
		      struct tm_error *err)
{
	int rc;

	*got = 0;
	while (*got == 0) {
		if (lines->stream_ended)
			return 0;
		switch (lines->kind) {
		case GZIP: {
			z_stream *z = &lines->gz;
			int zrc;

			if (z->avail_in == 0 && !lines->input_eof) {
				if ((rc = refill_input(lines, z->next_in, 0, err)) < 0)
					return rc;
				z->next_in = lines->input;
				z->avail_in = (uInt)lines->input_length;
			}
			z->next_out = (Bytef *)to;
			z->avail_out = (uInt)room;
			zrc = inflate(z, Z_NO_FLUSH);
			*got = room - z->avail_out;
			if (zrc == Z_STREAM_END) {
				/* another gzip member may follow */
				if (z->avail_in == 0) {
					if ((rc = refill_input(lines, z->next_in, 0, err)) < 0)
						return rc;
					z->next_in = lines->input;
					z->avail_in = (uInt)lines->input_length;
				}
				if (z->avail_in == 0)
					lines->stream_ended = 1;
				else if (inflateReset(z) != Z_OK)
					return corrupt(lines, "cannot restart the decoder", err);
			} else if (zrc == Z_MEM_ERROR) {
				return tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory in zlib",
						    lines->path);
			} else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
				return corrupt(lines, z->msg ? z->msg : "inflate failed", err);
			} else if (*got == 0 && lines->input_eof && z->avail_in == 0) {
				return truncated(lines, err);
			}
			break;
		}
		case XZ: {
			lzma_stream *x = &lines->xz;
			lzma_ret xrc;

			if (x->avail_in == 0 && !lines->input_eof) {
				if ((rc = refill_input(lines, x->next_in, 0, err)) < 0)
					return rc;
				x->next_in = lines->input;
				x->avail_in = lines->input_length;
			}
			x->next_out = (uint8_t *)to;
			x->avail_out = room;
			xrc = lzma_code(x, lines->input_eof && x->avail_in == 0 ? LZMA_FINISH
										 : LZMA_RUN);
			*got = room - x->avail_out;
			if (xrc == LZMA_STREAM_END)
				lines->stream_ended = 1;
			else if (xrc == LZMA_BUF_ERROR)
				return truncated(lines, err);
			else if (xrc == LZMA_MEM_ERROR)
				return tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory in liblzma",
						    lines->path);
			else if (xrc == LZMA_MEMLIMIT_ERROR)
				return tm_error_set(err, TM_ERR_INPUT, "%s: the xz stream needs %llu MiB"
						    " to decode, more than the limit of %llu MiB",
						    lines->path, (unsigned long long)
						    ((lzma_memusage(x) + (1u << 20) - 1) >> 20),
						    (unsigned long long)(lzma_memlimit_get(x) >> 20));
			else if (xrc != LZMA_OK)
				return corrupt(lines, xrc == LZMA_FORMAT_ERROR ? "not an xz stream"
							: "the stream does not decode", err);
			else if (*got == 0 && lines->input_eof && x->avail_in == 0)
				return truncated(lines, err);
			break;
		}
		case BZIP2: {
			bz_stream *b = &lines->bz;
			int brc;

			if (b->avail_in == 0 && !lines->input_eof) {
				if ((rc = refill_input(lines, (unsigned char *)b->next_in, 0, err)) < 0)
					return rc;
				b->next_in = (char *)lines->input;
				b->avail_in = (unsigned)lines->input_length;
			}
			b->next_out = to;
			b->avail_out = (unsigned)room;
			brc = BZ2_bzDecompress(b);
			*got = room - b->avail_out;
			if (brc == BZ_STREAM_END) {
				unsigned char *rest = (unsigned char *)b->next_in;
				size_t left = b->avail_in;

				if (left == 0) {
					if ((rc = refill_input(lines, rest, 0, err)) < 0)
						return rc;
					rest = lines->input;
					left = lines->input_length;
				}
				BZ2_bzDecompressEnd(b);
				lines->decoder_ready = 0;
				if (left == 0) {
					lines->stream_ended = 1;
				} else {
					memset(b, 0, sizeof(*b));
					if (BZ2_bzDecompressInit(b, 0, 0) != BZ_OK)
						return corrupt(lines, "cannot restart the decoder", err);
					lines->decoder_ready = 1;
					b->next_in = (char *)rest;
					b->avail_in = (unsigned)left;
				}
			} else if (brc == BZ_MEM_ERROR) {
				return tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory in libbz2",
						    lines->path);
			} else if (brc != BZ_OK) {
				return corrupt(lines, "the stream does not decode", err);
			} else if (*got == 0 && lines->input_eof && b->avail_in == 0) {
				return truncated(lines, err);
			}
			break;
		}
		default: {
			size_t n;

			if ((rc = read_raw(lines, (unsigned char *)to, room, &n, err)) < 0)
				return rc;
			*got = n;
			if (n == 0)
				lines->stream_ended = 1;
			break;
		}
		}
	}
	return 0;
}

int ds_lines_open(struct ds_lines **out, const char *path, struct tm_error *err)
{
	struct ds_lines *lines = NULL;
	unsigned char magic[6];
	size_t have = 0;
	int rc = 0;

	*out = NULL;
	lines = calloc(1, sizeof(*lines));
	if (!lines)
		return tm_error_set(err, TM_ERR_NOMEM, "cannot read '%s': out of memory", path);
	lines->fd = -1;
	lines->path = strdup(path);
	lines->capacity = FIRST_BUFFER;
	lines->buffer = malloc(lines->capacity);
	if (!lines->path || !lines->buffer) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "cannot read '%s': out of memory", path);
		goto out;
	}
	lines->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (lines->fd < 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	/* sniff the magic bytes; keep them as the start of the input */
	while (have < sizeof(magic)) {
		size_t got;

		if ((rc = read_raw(lines, magic + have, sizeof(magic) - have, &got, err)) < 0)
			goto out;
		if (got == 0)
			break;
		have += got;
	}
	if (have >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		lines->kind = GZIP;
	else if (have >= 6 && memcmp(magic, "\xfd" "7zXZ\0", 6) == 0)
		lines->kind = XZ;
	else if (have >= 3 && memcmp(magic, "BZh", 3) == 0)
		lines->kind = BZIP2;
	if (lines->kind == PLAIN) {
		memcpy(lines->buffer, magic, have);
		lines->end = have;
		if (have < sizeof(magic))
			lines->stream_ended = 1;
		*out = lines;
		return 0;
	}
	lines->input = malloc(INPUT_CHUNK);
	if (!lines->input) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "cannot read '%s': out of memory", path);
		goto out;
	}
	memcpy(lines->input, magic, have);
	lines->input_length = have;
	if ((rc = refill_input(lines, lines->input, have, err)) < 0)
		goto out;
	if (lines->kind == GZIP) {
		if (inflateInit2(&lines->gz, 15 + 32) != Z_OK) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "cannot read '%s': zlib init failed", path);
			goto out;
		}
		lines->gz.next_in = lines->input;
		lines->gz.avail_in = (uInt)lines->input_length;
	} else if (lines->kind == XZ) {
		lzma_stream init = LZMA_STREAM_INIT;

		lines->xz = init;
		if (lzma_stream_decoder(&lines->xz, DS_XZ_MEMORY_LIMIT, LZMA_CONCATENATED) !=
		    LZMA_OK) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "cannot read '%s': liblzma init failed",
					  path);
			goto out;
		}
		lines->xz.next_in = lines->input;
		lines->xz.avail_in = lines->input_length;
	} else {
		if (BZ2_bzDecompressInit(&lines->bz, 0, 0) != BZ_OK) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "cannot read '%s': libbz2 init failed",
					  path);
			goto out;
		}
		lines->bz.next_in = (char *)lines->input;
		lines->bz.avail_in = (unsigned)lines->input_length;
	}
	lines->decoder_ready = 1;
	*out = lines;
	return 0;
out:
	ds_lines_close(lines);
	return rc;
}

/* Make room after end and read more text; sets source_eof at the end. */
static int fill(struct ds_lines *lines, struct tm_error *err)
{
	size_t got;
	int rc;

	if (lines->start > 0) {
		size_t keep = lines->end - lines->start;

		memmove(lines->buffer, lines->buffer + lines->start, keep);
		lines->scanned -= lines->start;
		lines->start = 0;
		lines->end = keep;
	}
	if (lines->capacity - lines->end < lines->capacity / 4) {
		size_t bigger = lines->capacity * 2;
		char *grown;

		if (lines->end > DS_MAX_LINE)
			return tm_error_set(err, TM_ERR_INPUT,
					    "%s:%zu: line longer than %zu bytes: not a text data file?",
					    lines->path, lines->line_number + 1, DS_MAX_LINE);
		grown = realloc(lines->buffer, bigger);
		if (!grown)
			return tm_error_set(err, TM_ERR_NOMEM, "%s:%zu: out of memory for a long line",
					    lines->path, lines->line_number + 1);
		lines->buffer = grown;
		lines->capacity = bigger;
	}
	/* keep one byte free for the terminating NUL */
	if ((rc = decompress(lines, lines->buffer + lines->end,
			     lines->capacity - lines->end - 1, &got, err)) < 0)
		return rc;
	if (got == 0)
		lines->source_eof = 1;
	lines->end += got;
	return 0;
}

int ds_lines_next(struct ds_lines *lines, char **line, size_t *length, struct tm_error *err)
{
	char *text, *newline;
	size_t len;
	int rc;

	for (;;) {
		newline = memchr(lines->buffer + lines->scanned, '\n', lines->end - lines->scanned);
		if (newline)
			break;
		lines->scanned = lines->end;
		if (lines->source_eof) {
			if (lines->start == lines->end)
				return 0;
			newline = lines->buffer + lines->end; /* last line without "\n" */
			break;
		}
		if ((rc = fill(lines, err)) < 0)
			return rc;
	}
	text = lines->buffer + lines->start;
	len = (size_t)(newline - text);
	lines->start = lines->scanned = len + lines->start + (newline < lines->buffer + lines->end);
	*newline = '\0';
	lines->line_number++;
	if (len > 0 && text[len - 1] == '\r')
		text[--len] = '\0';
	if (lines->line_number == 1 && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (memchr(text, '\0', len))
		return tm_error_set(err, TM_ERR_INPUT,
				    "%s:%zu: NUL byte in the text: binary data, not a text data file",
				    lines->path, lines->line_number);
	*line = text;
	*length = len;
	return 1;
}

void ds_lines_limit_memory(struct ds_lines *lines, size_t limit)
{
	/* refused (and the limit kept) only below what the decoder already uses */
	if (lines->kind == XZ && lines->decoder_ready && limit && limit < DS_XZ_MEMORY_LIMIT)
		(void)lzma_memlimit_set(&lines->xz, limit);
}

size_t ds_lines_number(const struct ds_lines *lines)
{
	return lines->line_number;
}

const char *ds_lines_path(const struct ds_lines *lines)
{
	return lines->path;
}

void ds_lines_close(struct ds_lines *lines)
{
	if (!lines)
		return;
	if (lines->decoder_ready) {
		if (lines->kind == GZIP)
			inflateEnd(&lines->gz);
		else if (lines->kind == XZ)
			lzma_end(&lines->xz);
		else if (lines->kind == BZIP2)
			BZ2_bzDecompressEnd(&lines->bz);
	}
	if (lines->fd >= 0)
		close(lines->fd);
	free(lines->input);
	free(lines->buffer);
	free(lines->path);
	free(lines);
}

/*
 * escape.c - making names that come from data harmless where they are
 * written: HTML text and attributes, Markdown, single-quoted gnuplot strings
 * and fields of gnuplot data files. Each escaper writes to a FILE (what the
 * writers use); the tm_report_escape_* wrappers return new strings.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* is_control - C0 controls and DEL; UTF-8 continuation bytes are not. */
static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int is_ascii_punctuation(unsigned char c)
{
	return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) ||
	       (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

int report_put_html(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
		const char *entity = NULL;

		switch (*p) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		case '\'': entity = "&#39;"; break;
		}
		if (entity ? fputs(entity, out) < 0 : putc(is_control(*p) && *p != '\n' ? ' ' : *p, out) == EOF)
			return TM_ERR_IO;
	}
	return 0;
}

int report_put_markdown(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
		if (is_ascii_punctuation(*p) && putc('\\', out) == EOF)
			return TM_ERR_IO;
		if (putc(is_control(*p) ? ' ' : *p, out) == EOF)
			return TM_ERR_IO;
	}
	return 0;
}

int report_put_gnuplot(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
		if (*p == '\'' && putc('\'', out) == EOF)
			return TM_ERR_IO;
		if (putc(is_control(*p) ? ' ' : *p, out) == EOF)
			return TM_ERR_IO;
	}
	return 0;
}

int report_put_datafield(FILE *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	int blank = 1;

	for (const unsigned char *q = p; *q; q++)
		blank &= *q == ' ' || is_control(*q);
	if (blank)
		return fputs("?", out) < 0 ? TM_ERR_IO : 0;
	for (; *p; p++) {
		if (*p == '"' ? fputs("''", out) < 0
			      : putc(is_control(*p) ? ' ' : *p, out) == EOF)
			return TM_ERR_IO;
	}
	return 0;
}

/* escape_to_string - run @put on @text into a new string; NULL when out of memory. */
static char *escape_to_string(int (*put)(FILE *, const char *), const char *text)
{
	char *buffer = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buffer, &size);
	int rc;

	if (!out)
		return NULL;
	rc = put(out, text);
	if (fclose(out) != 0 || rc < 0) {
		free(buffer);
		return NULL;
	}
	return buffer;
}

char *tm_report_escape_html(const char *text)
{
	return escape_to_string(report_put_html, text);
}

char *tm_report_escape_markdown(const char *text)
{
	return escape_to_string(report_put_markdown, text);
}

char *tm_report_escape_gnuplot(const char *text)
{
	return escape_to_string(report_put_gnuplot, text);
}

char *tm_report_escape_datafield(const char *text)
{
	return escape_to_string(report_put_datafield, text);
}

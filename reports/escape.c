/*
 * escape.c - making names that come from data harmless where they are
 * written: HTML text and attributes, Markdown, single-quoted gnuplot strings
 * and fields of gnuplot data files. Each escaper writes to a FILE (what the
 * writers use); the tm_report_escape_* wrappers return new strings.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* is_control - C0 controls and DEL; UTF-8 continuation bytes are not. */
static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * markdown_special - whether the character at @p of a fragment starting at
 * @start could be read as CommonMark/GFM markup: emphasis, code, links and
 * images, raw HTML, entities, table cells, strikethrough, GitHub's $ math;
 * and, at the fragment's start (which may start a line), headings, list and
 * block-quote markers and setext underlines, and the '.' or ')' of "1." /
 * "1)" when a space or the end follows. Other punctuation (":", "-", "(", "/", ...) is left alone so that
 * report.md stays readable in a terminal; "(" cannot open a link without
 * an unescaped "]".
 */
static int markdown_special(const unsigned char *start, const unsigned char *p)
{
	const unsigned char *q = start;

	if (*p == '_' && p > start && isalnum(p[-1]) && isalnum(p[1]))
		return 0; /* intraword: neither opens nor closes emphasis (task_03) */
	if (strchr("\\`*_{}[]<>!|~&$", *p))
		return 1;
	if (strchr("#-+=", *p))
		return p == start;
	if (*p != '.' && *p != ')')
		return 0;
	while (q < p && *q >= '0' && *q <= '9')
		q++;
	return q == p && p > start && (p[1] == ' ' || p[1] == '\0');
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
	const unsigned char *start = (const unsigned char *)(text ? text : "");

	for (const unsigned char *p = start; *p; p++) {
		if (markdown_special(start, p) && putc('\\', out) == EOF)
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

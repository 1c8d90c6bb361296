/*
 * markdown.c - the Markdown look of the report (report.md) for terminals and
 * pull requests: CommonMark with GitHub tables, pictures linked by relative
 * path. Text from data is backslash-escaped (report_put_markdown) so it is
 * never markup or raw HTML; code blocks use a fence longer than any run of
 * backticks inside them.
 */
#include <string.h>

#include "internal.h"

/* longest_backtick_run - so a fence or code span can be chosen longer. */
static size_t longest_backtick_run(const char *text)
{
	size_t longest = 0, run = 0;

	for (; *text; text++) {
		run = *text == '`' ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	return longest;
}

static void put_repeated(FILE *out, char c, size_t n)
{
	while (n--)
		putc(c, out);
}

static void begin(struct report_writer *w, const char *title)
{
	fputs("# ", w->out);
	report_put_markdown(w->out, title);
	fputs("\n\n", w->out);
}

static void end(struct report_writer *w, const char *footer)
{
	fputs("---\n\n", w->out);
	report_put_markdown(w->out, footer);
	fputs("\n", w->out);
}

static void heading(struct report_writer *w, int level, const char *text)
{
	put_repeated(w->out, '#', (size_t)level);
	putc(' ', w->out);
	report_put_markdown(w->out, text);
	fputs("\n\n", w->out);
}

static void paragraph(struct report_writer *w, int open, const char *kind)
{
	if (open)
		fputs(kind ? "> " : "", w->out);
	else
		fputs("\n\n", w->out);
}

static void text(struct report_writer *w, const char *text)
{
	report_put_markdown(w->out, text);
}

static void strong(struct report_writer *w, const char *text)
{
	fputs("**", w->out);
	report_put_markdown(w->out, text);
	fputs("**", w->out);
}

static void code(struct report_writer *w, const char *text)
{
	size_t ticks = longest_backtick_run(text) + 1;
	/* CommonMark strips one space each side; needed only beside a backtick */
	const char *pad = text[0] == '`' || (text[0] && text[strlen(text) - 1] == '`') ? " " : "";

	put_repeated(w->out, '`', ticks);
	fprintf(w->out, "%s%s%s", pad, text, pad);
	put_repeated(w->out, '`', ticks);
}

static void swatch(struct report_writer *w, unsigned color)
{
	(void)w;
	(void)color;
}

static void table_begin(struct report_writer *w, size_t n, const char *const *headers,
			const int *numeric)
{
	fputs("|", w->out);
	for (size_t c = 0; c < n; c++) {
		putc(' ', w->out);
		report_put_markdown(w->out, headers[c]);
		fputs(" |", w->out);
	}
	fputs("\n|", w->out);
	for (size_t c = 0; c < n; c++)
		fputs(numeric[c] ? " ---: |" : " --- |", w->out);
	fputs("\n", w->out);
}

static void row(struct report_writer *w, int open)
{
	fputs(open ? "|" : "\n", w->out);
}

static void cell(struct report_writer *w, int open, int numeric)
{
	(void)numeric;
	fputs(open ? " " : " |", w->out);
}

static void table_end(struct report_writer *w)
{
	fputs("\n", w->out);
}

static void list(struct report_writer *w, int open)
{
	if (!open)
		fputs("\n", w->out);
}

static void item(struct report_writer *w, int open)
{
	fputs(open ? "- " : "\n", w->out);
}

static void figure(struct report_writer *w, const char *stem, const char *title,
		   const char *caption)
{
	fputs("![", w->out);
	report_put_markdown(w->out, title);
	fprintf(w->out, "](%s.%s)\n\n**", stem, w->png ? "png" : "svg");
	report_put_markdown(w->out, title);
	fputs(".** ", w->out);
	report_put_markdown(w->out, caption);
	fputs("\n\n", w->out);
}

static void block(struct report_writer *w, const char *text)
{
	size_t fence = longest_backtick_run(text) + 1;

	fence = fence < 3 ? 3 : fence;
	put_repeated(w->out, '`', fence);
	fprintf(w->out, "json\n%s%s", text, text[0] && text[strlen(text) - 1] != '\n' ? "\n" : "");
	put_repeated(w->out, '`', fence);
	fputs("\n\n", w->out);
}

void report_writer_markdown(struct report_writer *w)
{
	w->begin = begin;
	w->end = end;
	w->heading = heading;
	w->paragraph = paragraph;
	w->text = text;
	w->strong = strong;
	w->code = code;
	w->swatch = swatch;
	w->table_begin = table_begin;
	w->row = row;
	w->cell = cell;
	w->table_end = table_end;
	w->list = list;
	w->item = item;
	w->figure = figure;
	w->block = block;
}

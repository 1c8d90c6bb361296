/*
 * html.c - the HTML look of the report (index.html): one self-contained page
 * with its stylesheet inline, pictures referenced as files beside it, no
 * script and a Content-Security-Policy that forbids scripts and any network
 * load. Every text from data goes through report_put_html.
 */
#include "internal.h"

static const char style[] =
	"body{margin:0;background:#f4f4f2;color:#1f1f1f;"
	"font:15px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}"
	"main{max-width:1060px;margin:0 auto;padding:36px 48px 56px;background:#fff;"
	"box-shadow:0 0 0 1px #e6e6e3}"
	"h1{font-size:26px;font-weight:600;margin:0 0 6px;letter-spacing:-.01em}"
	"h2{font-size:19px;font-weight:600;margin:38px 0 10px;padding-bottom:4px;"
	"border-bottom:1px solid #e4e4e4}"
	"h3{font-size:15px;font-weight:600;margin:18px 0 6px}"
	"p{margin:8px 0;max-width:880px}"
	"table{border-collapse:collapse;font-size:13.5px;margin:10px 0}"
	"th,td{padding:4px 12px 4px 0;border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
	"th{font-weight:600;border-bottom:1.5px solid #bbb;white-space:nowrap}"
	".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	"td:first-child,th:first-child{padding-left:2px}"
	".notice{background:#fff5dc;border-left:4px solid #d99a00;padding:8px 14px}"
	".note{background:#f4f4f4;border-left:4px solid #c3c3c3;padding:6px 14px;color:#444}"
	"figure{margin:28px 0 34px}"
	"figure img{display:block;max-width:100%;height:auto;margin:0 auto}"
	"figcaption{font-size:13.5px;color:#3c3c3c;max-width:820px;margin:8px auto 0}"
	".swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}"
	"ul{padding-left:22px;margin:6px 0}li{margin:2px 0}"
	"pre{background:#f6f7f8;padding:10px 14px;overflow-x:auto;font-size:12.5px;line-height:1.45}"
	"code,pre{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace}"
	"code{font-size:90%;background:#f2f2f2;padding:1px 4px;border-radius:3px}"
	"footer{color:#777;font-size:12.5px;margin-top:44px;border-top:1px solid #eee;padding-top:10px}";

static void begin(struct report_writer *w, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "img-src 'self' file: data:; style-src 'unsafe-inline'\">\n<title>", w->out);
	report_put_html(w->out, title);
	fprintf(w->out, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<h1>", style);
	report_put_html(w->out, title);
	fputs("</h1>\n", w->out);
}

static void end(struct report_writer *w, const char *footer)
{
	fputs("<footer>", w->out);
	report_put_html(w->out, footer);
	fputs("</footer>\n</main>\n</body>\n</html>\n", w->out);
}

static void heading(struct report_writer *w, int level, const char *text)
{
	fprintf(w->out, "<h%d>", level);
	report_put_html(w->out, text);
	fprintf(w->out, "</h%d>\n", level);
}

static void paragraph(struct report_writer *w, int open, const char *kind)
{
	if (!open)
		fputs("</p>\n", w->out);
	else if (kind)
		fprintf(w->out, "<p class=\"%s\">", kind);
	else
		fputs("<p>", w->out);
}

static void text(struct report_writer *w, const char *text)
{
	report_put_html(w->out, text);
}

static void strong(struct report_writer *w, const char *text)
{
	fputs("<strong>", w->out);
	report_put_html(w->out, text);
	fputs("</strong>", w->out);
}

static void code(struct report_writer *w, const char *text)
{
	fputs("<code>", w->out);
	report_put_html(w->out, text);
	fputs("</code>", w->out);
}

static void swatch(struct report_writer *w, unsigned color)
{
	fprintf(w->out, "<span class=\"swatch\" style=\"background:#%06x\"></span>", color);
}

static void table_begin(struct report_writer *w, size_t n, const char *const *headers,
			const int *numeric)
{
	int any = 0;

	for (size_t c = 0; c < n; c++)
		any |= headers[c][0] != '\0';
	fputs("<table>\n", w->out);
	if (!any)
		return;
	fputs("<thead><tr>", w->out);
	for (size_t c = 0; c < n; c++) {
		fputs(numeric[c] ? "<th class=\"num\">" : "<th>", w->out);
		report_put_html(w->out, headers[c]);
		fputs("</th>", w->out);
	}
	fputs("</tr></thead>\n", w->out);
}

static void row(struct report_writer *w, int open)
{
	fputs(open ? "<tr>" : "</tr>\n", w->out);
}

static void cell(struct report_writer *w, int open, int numeric)
{
	fputs(!open ? "</td>" : numeric ? "<td class=\"num\">" : "<td>", w->out);
}

static void table_end(struct report_writer *w)
{
	fputs("</table>\n", w->out);
}

static void list(struct report_writer *w, int open)
{
	fputs(open ? "<ul>\n" : "</ul>\n", w->out);
}

static void item(struct report_writer *w, int open)
{
	fputs(open ? "<li>" : "</li>\n", w->out);
}

static void figure(struct report_writer *w, const char *stem, const char *title,
		   const char *caption)
{
	fprintf(w->out, "<figure id=\"%s\">\n<img src=\"%s.svg\" alt=\"", stem, stem);
	report_put_html(w->out, title);
	fputs("\">\n<figcaption><strong>", w->out);
	report_put_html(w->out, title);
	fputs(".</strong> ", w->out);
	report_put_html(w->out, caption);
	fputs("</figcaption>\n</figure>\n", w->out);
}

static void block(struct report_writer *w, const char *text)
{
	fputs("<pre>", w->out);
	report_put_html(w->out, text);
	fputs("</pre>\n", w->out);
}

void report_writer_html(struct report_writer *w)
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

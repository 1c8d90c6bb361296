/*
 * read-xml.c - the label names of a Mulan label file: every element whose
 * local name is "label" (any namespace prefix, at any depth, e.g. nested in
 * <labels> or in a hierarchy of <label>s) contributes its "name" attribute.
 * A small scanner, not a general XML parser: comments, processing
 * instructions, CDATA and DOCTYPE are skipped; the five predefined entities
 * and numeric character references are decoded.
 */
#include "dataset-internal.h"

#include <stdlib.h>
#include <string.h>

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Decode entities of [from, to) into a new string. */
static char *decode(const char *from, const char *to)
{
	char *text = malloc((size_t)(to - from) + 1), *w = text;

	if (!text)
		return NULL;
	while (from < to) {
		static const struct { const char *name; char c; } entities[] = {
			{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
			{ "&apos;", '\'' },
		};
		int done = 0;

		if (*from == '&') {
			for (size_t i = 0; i < 5 && !done; i++) {
				size_t n = strlen(entities[i].name);

				if ((size_t)(to - from) >= n && memcmp(from, entities[i].name, n) == 0) {
					*w++ = entities[i].c;
					from += n;
					done = 1;
				}
			}
			if (!done && from + 2 < to && from[1] == '#') {
				const char *semi = memchr(from, ';', (size_t)(to - from));
				char *end;
				unsigned long code = from[2] == 'x' ? strtoul(from + 3, &end, 16)
								    : strtoul(from + 2, &end, 10);

				if (semi && end == semi && code > 0 && code < 0x110000) {
					/* UTF-8 encode */
					if (code < 0x80) {
						*w++ = (char)code;
					} else if (code < 0x800) {
						*w++ = (char)(0xc0 | (code >> 6));
						*w++ = (char)(0x80 | (code & 0x3f));
					} else if (code < 0x10000) {
						*w++ = (char)(0xe0 | (code >> 12));
						*w++ = (char)(0x80 | ((code >> 6) & 0x3f));
						*w++ = (char)(0x80 | (code & 0x3f));
					} else { /* a reference is never shorter than its UTF-8 */
						*w++ = (char)(0xf0 | (code >> 18));
						*w++ = (char)(0x80 | ((code >> 12) & 0x3f));
						*w++ = (char)(0x80 | ((code >> 6) & 0x3f));
						*w++ = (char)(0x80 | (code & 0x3f));
					}
					from = semi + 1;
					done = 1;
				}
			}
		}
		if (!done)
			*w++ = *from++;
	}
	*w = '\0';
	return text;
}

static int add_name(char ***names, size_t *n_names, char *name)
{
	if (ds_reserve_one((void **)names, *n_names, sizeof(**names)) < 0) {
		free(name);
		return TM_ERR_NOMEM;
	}
	(*names)[(*n_names)++] = name;
	return 0;
}

/*
 * The first @needle at or after @p, or NULL. Not strstr: sanitizers'
 * strstr measures the whole rest of the text on every call, quadratic over
 * a file of a million closing tags.
 */
static char *find_text(char *p, const char *needle)
{
	size_t length = strlen(needle);

	while ((p = strchr(p, needle[0])) != NULL && strncmp(p, needle, length) != 0)
		p++;
	return p;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Refuse a name listed twice; sorted, not pairwise (a file may list millions). */
static int check_unique(char **names, size_t n_names, const char *path, struct tm_error *err)
{
	char **sorted = malloc(n_names * sizeof(*sorted));
	int rc = 0;

	if (!sorted)
		return tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory", path);
	memcpy(sorted, names, n_names * sizeof(*sorted));
	qsort(sorted, n_names, sizeof(*sorted), compare_names);
	for (size_t i = 1; i < n_names; i++)
		if (strcmp(sorted[i], sorted[i - 1]) == 0) {
			rc = tm_error_set(err, TM_ERR_INPUT, "%s: label '" DS_QUOTE "' listed twice",
					  path, sorted[i]);
			break;
		}
	free(sorted);
	return rc;
}

/* Read the whole file through the line reader (so .gz/.xz work too). */
static int slurp(char **text, const char *path, struct tm_error *err)
{
	struct ds_lines *lines = NULL;
	char *buffer = NULL, *line;
	size_t used = 0, capacity = 0, length;
	int rc;

	if ((rc = ds_lines_open(&lines, path, err)) < 0)
		return rc;
	while ((rc = ds_lines_next(lines, &line, &length, err)) == 1) {
		if (used + length + 2 > capacity) {
			size_t bigger = (used + length + 2) * 2;
			char *grown = bigger > DS_MAX_LINE ? NULL : realloc(buffer, bigger);

			if (!grown) {
				rc = tm_error_set(err, TM_ERR_INPUT, "%s: label file too large", path);
				break;
			}
			buffer = grown;
			capacity = bigger;
		}
		memcpy(buffer + used, line, length);
		used += length;
		buffer[used++] = '\n';
	}
	ds_lines_close(lines);
	if (rc < 0) {
		free(buffer);
		return rc;
	}
	if (!buffer && !(buffer = malloc(1)))
		return tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory", path);
	buffer[used] = '\0';
	*text = buffer;
	return 0;
}

int ds_read_label_xml(char ***names_out, size_t *n_out, const char *path,
		      struct tm_error *err)
{
	char *text = NULL, **names = NULL, *p;
	size_t n_names = 0;
	int rc;

	*names_out = NULL;
	*n_out = 0;
	if ((rc = slurp(&text, path, err)) < 0)
		return rc;
	for (p = text; (p = strchr(p, '<')) != NULL;) {
		const char *close = NULL, *name, *local;
		size_t name_length;

		if (strncmp(p, "<!--", 4) == 0)
			close = "-->";
		else if (strncmp(p, "<![CDATA[", 9) == 0)
			close = "]]>";
		else if (p[1] == '?')
			close = "?>";
		else if (p[1] == '!' || p[1] == '/')
			close = ">";
		if (close) {
			char *end = find_text(p + 1, close);

			if (!end) {
				rc = tm_error_set(err, TM_ERR_INPUT, "%s: malformed XML: unterminated markup",
						  path);
				goto out;
			}
			p = end + strlen(close);
			continue;
		}
		/* a start tag: its name, then attributes until '>' */
		name = ++p;
		while (*p && !is_space((unsigned char)*p) && *p != '>' && *p != '/')
			p++;
		name_length = (size_t)(p - name);
		local = memchr(name, ':', name_length);
		local = local ? local + 1 : name;
		name_length -= (size_t)(local - name);
		for (;;) {
			const char *attribute, *attribute_local, *value;
			size_t attribute_length;
			char quote;

			while (is_space((unsigned char)*p))
				p++;
			if (*p == '\0') {
				rc = tm_error_set(err, TM_ERR_INPUT, "%s: malformed XML: unterminated tag",
						  path);
				goto out;
			}
			if (*p == '>' || *p == '/') {
				p++;
				break;
			}
			attribute = p;
			while (*p && *p != '=' && !is_space((unsigned char)*p) && *p != '>')
				p++;
			attribute_length = (size_t)(p - attribute);
			while (is_space((unsigned char)*p))
				p++;
			if (*p != '=') {
				rc = tm_error_set(err, TM_ERR_INPUT,
						  "%s: malformed XML: attribute without a value", path);
				goto out;
			}
			p++;
			while (is_space((unsigned char)*p))
				p++;
			quote = *p;
			if (quote != '"' && quote != '\'') {
				rc = tm_error_set(err, TM_ERR_INPUT,
						  "%s: malformed XML: attribute value not quoted", path);
				goto out;
			}
			value = ++p;
			p = strchr(p, quote);
			if (!p) {
				rc = tm_error_set(err, TM_ERR_INPUT,
						  "%s: malformed XML: unterminated attribute value", path);
				goto out;
			}
			attribute_local = memchr(attribute, ':', attribute_length);
			attribute_local = attribute_local ? attribute_local + 1 : attribute;
			attribute_length -= (size_t)(attribute_local - attribute);
			if (name_length == 5 && memcmp(local, "label", 5) == 0 &&
			    attribute_length == 4 && memcmp(attribute_local, "name", 4) == 0) {
				char *label = decode(value, p);

				if (!label || add_name(&names, &n_names, label) < 0) {
					rc = tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory", path);
					goto out;
				}
			}
			p++;
		}
	}
	if (n_names == 0) {
		rc = tm_error_set(err, TM_ERR_INPUT, "%s: no <label name=\"...\"> element found", path);
		goto out;
	}
	if ((rc = check_unique(names, n_names, path, err)) < 0)
		goto out;
	*names_out = names;
	*n_out = n_names;
	names = NULL;
	n_names = 0;
out:
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(text);
	return rc;
}

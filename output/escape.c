/*
 * escape.c - XML text and JSON strings from arbitrary bytes (see escape.h).
 */
#include "escape.h"

size_t escape_utf8_at(const char *text, size_t len, unsigned *code)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n, i;
	unsigned c, min;

	if (s[0] < 0x80) {
		*code = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond Unicode are not UTF-8. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*code = c;
	return n;
}

void escape_xml(FILE *out, const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned code;
		size_t n = escape_utf8_at(text + i, len - i, &code);

		if (n == 0 || (code < 0x20 && code != '\t') || code == 0x7f ||
		    code == 0xfffe || code == 0xffff) {
			fputs("\xef\xbf\xbd", out);     /* U+FFFD */
			i += n ? n : 1;
			continue;
		}
		switch (code) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fwrite(text + i, 1, n, out);
		}
		i += n;
	}
}

void escape_json(FILE *out, const char *text, size_t len)
{
	size_t i = 0;

	putc('"', out);
	while (i < len) {
		unsigned code;
		size_t n = escape_utf8_at(text + i, len - i, &code);

		if (n == 0) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		if (code == '"' || code == '\\')
			fprintf(out, "\\%c", (char)code);
		else if (code < 0x20 || code == '<' || code == '>' || code == '&' ||
			 code == 0x7f || code == 0x2028 || code == 0x2029)
			fprintf(out, "\\u%04x", code);
		else
			fwrite(text + i, 1, n, out);
		i += n;
	}
	putc('"', out);
}

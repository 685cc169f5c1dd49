/*
 * version.c - detecting the exact CPython version (see version.h).
 */
#include "version.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "mem.h"

void version_from_hex(uint32_t hex, struct py_version *out)
{
	memset(out, 0, sizeof(*out));
	out->source = "Py_Version";
	out->major = (int)(hex >> 24) & 0xff;
	out->minor = (int)(hex >> 16) & 0xff;
	out->micro = (int)(hex >> 8) & 0xff;
	out->level = (int)(hex >> 4) & 0xf;
	out->serial = (int)hex & 0xf;
}

static int parse_number(const char *s, size_t len, size_t *at, int max_digits)
{
	int value = 0, digits = 0;

	while (*at < len && isdigit((unsigned char)s[*at]) && digits < max_digits + 1) {
		value = value * 10 + (s[*at] - '0');
		(*at)++;
		digits++;
	}
	return digits == 0 || digits > max_digits ? -1 : value;
}

static bool starts_with(const char *s, size_t len, size_t at, const char *word)
{
	size_t wlen = strlen(word);

	return at + wlen <= len && memcmp(s + at, word, wlen) == 0;
}

/* Match at s[start]: MAJOR.MINOR.MICRO[(a|b|rc|c)N][+][ experimental][ free-threading build] ( */
static bool match_at(const char *s, size_t len, size_t start, struct py_version *out)
{
	size_t at = start;
	struct py_version v = { .level = 0xF };

	if (start > 0 && (isalnum((unsigned char)s[start - 1]) || s[start - 1] == '.'))
		return false;
	if (s[at] != '2' && s[at] != '3')
		return false;
	v.major = s[at++] - '0';
	if (at >= len || s[at++] != '.')
		return false;
	if ((v.minor = parse_number(s, len, &at, 2)) < 0 || at >= len || s[at++] != '.')
		return false;
	if ((v.micro = parse_number(s, len, &at, 2)) < 0)
		return false;
	if (starts_with(s, len, at, "rc") || (at < len && strchr("abc", s[at]) && s[at])) {
		v.level = s[at] == 'a' ? 0xA : s[at] == 'b' ? 0xB : 0xC;
		at += s[at] == 'r' ? 2 : 1;
		if ((v.serial = parse_number(s, len, &at, 2)) < 0)
			return false;
	}
	if (at < len && s[at] == '+')
		at++;
	if (starts_with(s, len, at, " experimental"))
		at += strlen(" experimental");
	if (starts_with(s, len, at, " free-threading build")) {
		at += strlen(" free-threading build");
		v.free_threaded = true;
	}
	if (!starts_with(s, len, at, " ("))
		return false;
	v.source = "version string";
	*out = v;
	return true;
}

bool version_scan(const char *buf, size_t len, struct py_version *out)
{
	size_t i;

	for (i = 0; i + 6 < len; i++) {
		if ((buf[i] == '2' || buf[i] == '3') && buf[i + 1] == '.' &&
		    match_at(buf, len, i, out))
			return true;
	}
	return false;
}

bool version_from_filename(const char *basename, struct py_version *out)
{
	const char *p = strstr(basename, "python");
	char *end;
	long major, minor;

	if (!p)
		return false;
	p += strlen("python");
	major = strtol(p, &end, 10);
	if (end == p || *end != '.' || (major != 2 && major != 3))
		return false;
	p = end + 1;
	minor = strtol(p, &end, 10);
	if (end == p || minor < 0 || minor > 99)
		return false;
	memset(out, 0, sizeof(*out));
	out->major = (int)major;
	out->minor = (int)minor;
	out->micro = -1;
	out->level = 0xF;
	/* The "t" ABI flag marks a free-threaded build (python3.13t). */
	out->free_threaded = *end == 't';
	out->source = "file name";
	return true;
}

static bool scan_memory(pid_t pid, uint64_t start, uint64_t end, struct py_version *out)
{
	enum { CHUNK = 256 * 1024, OVERLAP = 128 };
	char *buf;
	uint64_t at;
	bool found = false;

	if (end <= start || end - start > 64u * 1024 * 1024)
		return false;
	buf = xmalloc(CHUNK + OVERLAP);
	for (at = start; at < end && !found; at += CHUNK) {
		size_t want = end - at < CHUNK + OVERLAP ? (size_t)(end - at) : CHUNK + OVERLAP;
		ssize_t got = mem_read_upto(pid, at, buf, want);

		if (got <= 0)
			break;
		found = version_scan(buf, (size_t)got, out);
	}
	free(buf);
	return found;
}

void version_format(const struct py_version *v, char *buf, size_t size)
{
	char micro[32] = "", level[16] = "";

	if (v->micro >= 0)
		snprintf(micro, sizeof(micro), ".%d", v->micro);
	if (v->micro >= 0 && v->level != 0xF)
		snprintf(level, sizeof(level), "%s%d",
			 v->level == 0xA ? "a" : v->level == 0xB ? "b" : "rc", v->serial);
	snprintf(buf, size, "%d.%d%s%s%s", v->major, v->minor, micro, level,
		 v->free_threaded ? "t" : "");
}

int version_detect(pid_t pid, const struct py_binary *bin, struct py_version *out)
{
	struct py_version from_name;
	const char *base = strrchr(bin->path, '/');
	bool have_name = version_from_filename(base ? base + 1 : bin->path, &from_name);

	memset(out, 0, sizeof(*out));
	if (bin->version_hex)
		version_from_hex(bin->version_hex, out);
	else if (!scan_memory(pid, bin->data_start, bin->data_end, out)) {
		if (!have_name)
			return PP_ENOTREADY;
		*out = from_name;
	}
	/* A scanned string that disagrees with the file name is someone
	 * else's string: trust the name for major.minor. */
	if (have_name && (out->major != from_name.major || out->minor != from_name.minor))
		*out = from_name;
	out->free_threaded = out->free_threaded || bin->free_threaded_symbols ||
			     (have_name && from_name.free_threaded);
	return 0;
}

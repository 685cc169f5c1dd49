/*
 * version.h - which CPython a process runs, exactly.
 *
 * Sources, best first: the Py_Version constant (3.11+, read from the file),
 * the string Py_GetVersion() formats into a static buffer at start-up (every
 * version; found by scanning the interpreter's writable data), and the file
 * name (libpython3.9.so: major and minor only).  For 3.13+ the layout step
 * cross-checks against the _Py_DebugOffsets block.  Must not pick layouts.
 */
#ifndef PEEKPY_VERSION_H
#define PEEKPY_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "binary.h"

struct py_version {
	int major, minor, micro;   /* micro -1 when unknown */
	int level;                 /* 0xA alpha, 0xB beta, 0xC candidate, 0xF final */
	int serial;
	bool free_threaded;
	const char *source;        /* how it was found, for --verbose output */
};

int version_detect(pid_t pid, const struct py_binary *bin, struct py_version *out);

/* Decode a PY_VERSION_HEX value (a default build; set free_threaded after). */
void version_from_hex(uint32_t hex, struct py_version *out);

/*
 * Find a Py_GetVersion()-style string ("3.9.18 (main, ...", "3.13.15
 * experimental free-threading build (main, ...") in buf.  Returns true and
 * fills out on the first match.
 */
bool version_scan(const char *buf, size_t len, struct py_version *out);

/* Major and minor from a file name like libpython3.7m.so.1.0 or python3.13t. */
bool version_from_filename(const char *basename, struct py_version *out);

/* "3.12.1", "3.13.0rc2", "3.13.15t", "3.9" into buf. */
void version_format(const struct py_version *v, char *buf, size_t size);

#endif

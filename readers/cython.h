/*
 * cython.h - Cython's generated C, read back to its .pyx lines.
 *
 * Cython writes, before the C code of each line of the .pyx source, a
 * comment naming that line ('/ * "pkg/mod.pyx":12' followed by the source
 * around it).  A C line of the generated file belongs to the last such
 * comment above it.  DWARF gives the C file and line; this gives the .pyx
 * file and line back, reading each generated file once (a file that is
 * not Cython's is remembered as such).  It also turns Cython's C names
 * (__pyx_pf_3pkg_3mod_7Spinner_spin) into Python ones (pkg.mod.Spinner.spin).
 * Reads source files only: must not touch a process.
 */
#ifndef PEEKPY_CYTHON_H
#define PEEKPY_CYTHON_H

#include <stdbool.h>
#include <stddef.h>

struct cython_mark {
	int c_line;             /* the comment's line in the C file */
	int pyx_line;
	size_t pyx_file;        /* index into the source's pyx_files */
};

struct cython_source {
	char *c_path;
	bool generated;         /* by Cython (else nothing to map) */
	struct cython_mark *marks;
	size_t n_marks;
	char **pyx_files;
	size_t n_pyx_files;
};

struct cython_map {
	struct cython_source *sources;
	size_t n_sources, cap_sources;
};

void cython_map_release(struct cython_map *map);

/*
 * The .pyx file and line of line c_line of the C file c_path: true with
 * *pyx_file and *pyx_line set (valid until the map is released) when
 * c_path is Cython's and a comment precedes the line.
 */
bool cython_line(struct cython_map *map, const char *c_path, int c_line, const char **pyx_file,
		 int *pyx_line);

/* A Cython C function name as Python names it, into out (size bytes):
 * false when name is not one of Cython's. */
bool cython_name(const char *name, char *out, size_t size);

#endif

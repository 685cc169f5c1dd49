/*
 * codekind.h - what kind of code a frame runs, and the module it belongs to.
 *
 * Flame graphs colour frames by kind (the profiled program's own code, an
 * installed library, the standard library, native code, an idle thread) and,
 * within a kind, by module, so that one module has one colour in every file.
 * Both are told from the frame's file name alone.  Pure string work: knows
 * nothing of processes or of any output format.
 */
#ifndef PEEKPY_CODEKIND_H
#define PEEKPY_CODEKIND_H

#include <stddef.h>
#include <stdint.h>

enum code_kind {
	CODE_YOURS = 0,     /* the program's own code */
	CODE_LIBRARY,       /* site-packages, dist-packages */
	CODE_STDLIB,        /* the interpreter's lib/pythonX.Y, frozen modules */
	CODE_NATIVE,        /* C/C++ frames (files such as .so, .c) */
	CODE_IDLE,          /* threads waiting, not running */
	CODE_ROOT,          /* thread and process frames */
	CODE_KINDS
};

/* The kind of the code in the file named path (a full or shortened name). */
enum code_kind codekind_of(const char *path, size_t len);

/* The legend's word for a kind. */
const char *codekind_name(enum code_kind kind);

/*
 * A hash of the module path names, the same in every file: the part after
 * site-packages or lib/pythonX.Y when there is one, else the last two
 * components, extension dropped ("/usr/lib/python3.11/json/decoder.py"
 * and ".../site-packages/json/decoder.py" agree; so do the full and the
 * shortened name of one of the program's own modules in a package).
 */
uint32_t codekind_module_hash(const char *path, size_t len);

#endif

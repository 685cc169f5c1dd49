/*
 * binary.h - which file in a process holds the CPython interpreter, and where
 * its symbols are at run time.
 *
 * The interpreter lives either in the executable (static builds: Debian's
 * /usr/bin/python3.X) or in a libpython shared library (pyenv, embedders).
 * The file is opened through /proc/PID/map_files (right even in a chroot and
 * after the file on disk was replaced), else /proc/PID/root, and its symbols
 * are shifted by the load bias.  Must not walk interpreter structures.
 */
#ifndef PEEKPY_BINARY_H
#define PEEKPY_BINARY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "maps.h"

struct py_binary {
	char path[512];            /* the file, as /proc/PID/maps names it */
	uint64_t bias;             /* run-time address = bias + ELF address */
	bool is_library;           /* a libpython shared object */

	/* Run-time addresses, 0 when the symbol is absent. */
	uint64_t runtime;          /* _PyRuntime (3.7+) */
	uint64_t runtime_size;     /* its st_size = sizeof(_PyRuntimeState) */
	uint64_t interp_head;      /* static interp_head (2.7, 3.6) */
	uint64_t tstate_current;   /* _PyThreadState_Current (2.7, 3.6) */
	uint64_t code_type;        /* PyCode_Type */
	uint64_t unicode_type;     /* PyUnicode_Type */
	uint64_t string_type;      /* PyString_Type (2.7) / PyBytes_Type */
	uint64_t none;             /* _Py_NoneStruct */
	/* 2.7 and 3.6 statics, 0 when stripped (or on later versions). */
	uint64_t gc_collecting;    /* int collecting, nonzero while the GC runs */
	uint64_t gil_mutex;        /* 3.6: the GIL's pthread mutex */
	uint64_t gil_cond;         /* 3.6: its condition variable */
	uint64_t interpreter_lock; /* 2.7: the pointer to the GIL's lock */

	/* Read from the file, not the process. */
	uint32_t version_hex;      /* Py_Version (3.11+), 0 when absent */
	bool free_threaded_symbols;/* exports symbols only --disable-gil has */
	bool unicode_ucs2;         /* 2.7 narrow build (PyUnicodeUCS2_*) */

	/* Writable data of this ELF in the process, and the anonymous mapping
	 * that follows it (the end of .bss), for the version-string scan. */
	uint64_t data_start, data_end;
};

/*
 * Find the interpreter's ELF in pid.  PP_ENOTPYTHON when no mapped file
 * defines the interpreter's symbols; -ESRCH when the process is gone.
 */
int binary_find(pid_t pid, const struct maps *maps, struct py_binary *out);

struct elf_file;

/* Open the file behind a mapping: map_files first (works across chroots
 * and after the file was replaced), then the target's root, then the path.
 * 0 or -errno. */
int binary_open_mapped(pid_t pid, const struct map_entry *entry, struct elf_file *ef);

/* Decode the address PyInterpreterState_Head loads ("mov rax,[rip+X]; ret",
 * optionally after endbr64) from its first bytes at fn_addr; 0 if the code
 * has another shape. */
uint64_t binary_decode_rip_load(const uint8_t *code, size_t len, uint64_t fn_addr);

#endif

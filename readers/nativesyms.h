/*
 * nativesyms.h - names, files and lines of native code addresses.
 *
 * An address is named from the best source the machine has, through
 * libdw: DWARF (the function and each function inlined at the address as
 * frames of their own, with file and line), found in the file itself or in
 * a separate debug file (.gnu_debuglink, or a build id under
 * /usr/lib/debug); else the ELF symbol tables (.symtab, then .dynsym); else
 * "lib.so+0xOFFSET".  C++ names are demangled, and Cython's generated C is
 * shown as the .pyx line it came from (cython.h).  Each address is looked
 * up once: the result is cached until the process's modules are reported
 * again.
 *
 * Each address also gets what the merge with Python frames needs: whether
 * it is in the interpreter, whether it is the evaluation loop, whether it
 * is call machinery (hidden between Python frames by default) and whether
 * it is where a thread starts.  Must not unwind or print.
 */
#ifndef PEEKPY_NATIVESYMS_H
#define PEEKPY_NATIVESYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/index.h"
#include "../base/sample.h"
#include "../base/strtab.h"
#include "cython.h"
#include "mixedstack.h"
#include "unwind.h"

/* What one address resolved to: frames[first .. first + count), the
 * innermost inlined function first, the function holding it last. */
struct native_symbol {
	uint32_t first;
	uint32_t count;
	uint32_t flags;
};

struct native_syms {
	struct strtab *strings;
	struct unwinder *unwinder;     /* its Dwfl: modules and debug files */
	char *interpreter;             /* the file holding the interpreter */
	uint64_t generation;           /* the unwinder's, when the cache was filled */
	struct index by_pc;            /* pc -> symbols[] */
	struct native_symbol *symbols;
	size_t n_symbols, cap_symbols;
	struct sample_frame *frames;
	size_t n_frames, cap_frames;
	uint64_t lookups, misses;
	/* C++ names: libstdc++'s __cxa_demangle, found at run time (NULL
	 * without libstdc++), and the library holding it. */
	char *(*demangle)(const char *name, char *buf, size_t *len, int *status);
	void *cxx_library;
	struct cython_map cython;      /* generated C files read back to .pyx */
};

void native_syms_init(struct native_syms *syms, struct strtab *strings,
		      struct unwinder *unwinder, const char *interpreter);
void native_syms_release(struct native_syms *syms);

/* The place of pc's symbol in syms->symbols.  A lookup that reports the
 * modules again (unwind.h: a new library) empties the cache first, so
 * places found before it are stale once the unwinder's generation moved. */
uint32_t native_syms_find(struct native_syms *syms, uint64_t pc);

static inline const struct sample_frame *
native_symbol_frames(const struct native_syms *syms, const struct native_symbol *symbol)
{
	return syms->frames + symbol->first;
}

/* Whether a function of that name (outermost, as the symbol table has it)
 * is the evaluation loop, or call machinery (exposed for tests). */
bool native_name_is_eval(const char *name);
bool native_name_is_machinery(const char *name);

#endif

/*
 * nativesyms.c - native addresses to named frames, cached (nativesyms.h).
 * All DWARF and symbol-table reading goes through libdw's Dwfl.
 */
#include "nativesyms.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

void native_syms_init(struct native_syms *syms, struct strtab *strings,
		      struct unwinder *unwinder, const char *interpreter)
{
	memset(syms, 0, sizeof(*syms));
	syms->strings = strings;
	syms->unwinder = unwinder;
	syms->interpreter = xstrdup(interpreter ? interpreter : "");
	syms->generation = unwinder->generation;
	index_init(&syms->by_pc);
	/* libstdc++ is on every Debian system (apt needs it); peekpy does not
	 * link it, being C: its demangler is looked up instead. */
	syms->cxx_library = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
	if (syms->cxx_library)
		*(void **)&syms->demangle = dlsym(syms->cxx_library, "__cxa_demangle");
}

void native_syms_release(struct native_syms *syms)
{
	index_release(&syms->by_pc);
	free(syms->symbols);
	free(syms->frames);
	free(syms->interpreter);
	cython_map_release(&syms->cython);
	if (syms->cxx_library)
		dlclose(syms->cxx_library);
	memset(syms, 0, sizeof(*syms));
}

static bool has_prefix(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

bool native_name_is_eval(const char *name)
{
	static const char *const loops[] = { "_PyEval_EvalFrameDefault", "PyEval_EvalFrameEx" };

	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		size_t len = strlen(loops[i]);

		/* GCC's split-off parts: "_PyEval_EvalFrameDefault.cold". */
		if (strncmp(name, loops[i], len) == 0 && (name[len] == 0 || name[len] == '.'))
			return true;
	}
	return false;
}

/* The interpreter's own ways of calling a function: between two Python
 * frames they say nothing a user can act on. */
bool native_name_is_machinery(const char *name)
{
	static const char *const prefixes[] = {
		"_PyEval_", "PyEval_", "_PyFunction_", "PyFunction_", "_PyObject_Call",
		"PyObject_Call", "_PyObject_Vectorcall", "PyObject_Vectorcall",
		"_PyObject_FastCall", "_PyObject_MakeTpCall", "PyVectorcall_", "_PyVectorcall_",
		"method_vectorcall", "function_code_fastcall", "call_function", "fast_function",
		"do_call_core", "cfunction_vectorcall", "cfunction_call", "_PyCFunction_FastCall",
		"PyCFunction_Call", "_PyMethodDef_RawFastCall", "_PyMethodDescr_FastCall",
		"vectorcall_method", "object_vacall", "gen_send_ex", "gen_iternext", "_PyGen_Send",
		"slot_tp_call", "method_call", "instancemethod_call", "function_call",
		"_PyEval_Vector", "_Py_call",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (has_prefix(name, prefixes[i]))
			return true;
	return false;
}

static bool name_is_thread_root(const char *name)
{
	static const char *const roots[] = {
		"clone", "clone3", "__clone", "__clone3", "_start", "start_thread",
		"__libc_start_main", "__libc_start_call_main",
	};

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (strcmp(name, roots[i]) == 0)
			return true;
	return false;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void push_frame(struct native_syms *syms, const char *name, const char *file, int line)
{
	struct sample_frame *frame;
	char *readable = NULL, python_name[256];
	const char *pyx_file;
	int status = -1, pyx_line;

	if (syms->demangle && name[0] == '_' && name[1] == 'Z')
		readable = syms->demangle(name, NULL, NULL, &status);
	if (readable && status == 0)
		name = readable;
	/* Cython's C: its .pyx line, and the function's Python name. */
	if (cython_line(&syms->cython, file, line, &pyx_file, &pyx_line)) {
		file = pyx_file;
		line = pyx_line;
		if (cython_name(name, python_name, sizeof(python_name)))
			name = python_name;
	}

	XGROW(syms->frames, syms->cap_frames, syms->n_frames + 1);
	frame = &syms->frames[syms->n_frames++];
	*frame = (struct sample_frame){
		.name = strtab_intern_cstr(syms->strings, name),
		.file = strtab_intern_cstr(syms->strings, file),
		.short_file = strtab_intern_cstr(syms->strings, base_name(file)),
		.line = line > 0 ? line : 0,
		.flags = SAMPLE_FRAME_NATIVE,
	};
	free(readable);
}

/* The file a DW_AT_call_file attribute of an inlined call names. */
static const char *call_file(Dwarf_Die *cu, Dwarf_Die *inlined)
{
	Dwarf_Attribute attr;
	Dwarf_Word index;
	Dwarf_Files *files;
	size_t n_files;
	const char *name;

	if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &index) != 0 ||
	    dwarf_getsrcfiles(cu, &files, &n_files) != 0 || index >= n_files)
		return NULL;
	name = dwarf_filesrc(files, index, NULL, NULL);
	return name;
}

/* A function's name as DWARF gives it: C++ functions by their mangled
 * linkage name (push_frame() demangles it: namespace, class and
 * arguments), others by their plain name. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));

	if (linkage && linkage[0] == '_' && linkage[1] == 'Z')
		return linkage;
	return dwarf_diename(die);
}

/* The innermost function-like scope around pc (an inlined call or the
 * function itself), into *inner; false when DWARF has none. */
static bool innermost_function(Dwarf_Die *cu, uint64_t pc, Dwarf_Die *inner)
{
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes(cu, pc, &scopes);
	bool found = false;

	for (int i = 0; i < n && !found; i++) {
		int tag = dwarf_tag(&scopes[i]);

		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram) {
			*inner = scopes[i];
			found = true;
		}
	}
	free(scopes);
	return found;
}

/*
 * The frames DWARF gives for pc: one per inlined call around it, innermost
 * first, then the function itself.  Returns how many were pushed (0 when
 * the module has no DWARF for pc).  The scopes are walked as the code
 * nests them (dwarf_getscopes_die), not through the inlined function's
 * own definition, so that each inlined call leads to its caller.
 */
static size_t dwarf_frames(struct native_syms *syms, Dwfl_Module *module, uint64_t pc,
			   const char *symbol)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(module, pc, &bias), *scopes = NULL, inner;
	Dwfl_Line *src_line;
	const char *file = NULL;
	int line = 0, n_scopes, i;
	size_t pushed = 0;

	if (!cu || !innermost_function(cu, pc - bias, &inner))
		return 0;
	src_line = dwfl_module_getsrc(module, pc);
	if (src_line)
		file = dwfl_lineinfo(src_line, NULL, &line, NULL, NULL, NULL);
	n_scopes = dwarf_getscopes_die(&inner, &scopes);
	for (i = 0; i < n_scopes; i++) {
		Dwarf_Die *scope = &scopes[i];
		int tag = dwarf_tag(scope);
		const char *name = die_name(scope);

		if (tag == DW_TAG_inlined_subroutine) {
			Dwarf_Attribute attr;
			Dwarf_Word call_line = 0;

			push_frame(syms, name ? name : "[inlined]", file ? file : "", line);
			pushed++;
			file = call_file(cu, scope);
			if (dwarf_formudata(dwarf_attr(scope, DW_AT_call_line, &attr), &call_line) != 0)
				call_line = 0;
			line = (int)call_line;
		} else if (tag == DW_TAG_subprogram) {
			push_frame(syms, name ? name : symbol ? symbol : "[unknown]", file ? file : "",
				   line);
			pushed++;
			break;
		}
	}
	free(scopes);
	return pushed;
}

/*
 * Where the function holding pc starts, for an address no symbol names:
 * the start of its unwind table entry (one per function, or per part of
 * one), so that the addresses of one function make one frame.  pc itself
 * when there is no entry.
 */
static uint64_t function_start(Dwfl_Module *module, uint64_t pc)
{
	Dwarf_Addr bias, start, end;
	Dwarf_CFI *cfi = dwfl_module_eh_cfi(module, &bias);
	Dwarf_Frame *frame = NULL;
	uint64_t found = pc;

	if (!cfi)
		cfi = dwfl_module_dwarf_cfi(module, &bias);
	if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &frame) == 0 &&
	    dwarf_frame_info(frame, &start, &end, NULL) >= 0)
		found = start + bias;
	free(frame);
	return found;
}

static void resolve(struct native_syms *syms, uint64_t pc, struct native_symbol *symbol)
{
	Dwfl *dwfl = syms->unwinder->dwfl;
	Dwfl_Module *module = dwfl ? dwfl_addrmodule(dwfl, pc) : NULL;
	const char *symbol_name = NULL, *main_file = NULL, *module_name;
	Dwarf_Addr start = 0;
	GElf_Off offset = 0;
	GElf_Sym elf_symbol;
	char text[600];

	symbol->first = (uint32_t)syms->n_frames;
	symbol->flags = 0;
	if (!module) {
		snprintf(text, sizeof(text), "0x%" PRIx64, pc);
		push_frame(syms, text, "", 0);
		symbol->count = 1;
		return;
	}
	module_name = dwfl_module_info(module, NULL, &start, NULL, NULL, NULL, &main_file, NULL);
	if (!main_file)
		main_file = module_name ? module_name : "";
	main_file = unwind_file_name(syms->unwinder, main_file);
	symbol_name = dwfl_module_addrinfo(module, pc, &offset, &elf_symbol, NULL, NULL, NULL);
	if (syms->interpreter[0] &&
	    (strcmp(main_file, syms->interpreter) == 0 ||
	     strcmp(base_name(main_file), base_name(syms->interpreter)) == 0))
		symbol->flags |= NATIVE_INTERPRETER;
	if (dwarf_frames(syms, module, pc, symbol_name) == 0) {
		if (symbol_name) {
			push_frame(syms, symbol_name, main_file, 0);
		} else {
			snprintf(text, sizeof(text), "%s+0x%" PRIx64, base_name(main_file),
				 function_start(module, pc) - start);
			push_frame(syms, text, main_file, 0);
		}
	}
	symbol->count = (uint32_t)(syms->n_frames - symbol->first);
	if (!symbol_name)
		symbol_name = strtab_str(syms->strings, syms->frames[syms->n_frames - 1].name);
	if ((symbol->flags & NATIVE_INTERPRETER) && native_name_is_eval(symbol_name))
		symbol->flags |= NATIVE_EVAL;
	else if ((symbol->flags & NATIVE_INTERPRETER) && native_name_is_machinery(symbol_name))
		symbol->flags |= NATIVE_MACHINERY;
	if (name_is_thread_root(symbol_name))
		symbol->flags |= NATIVE_THREAD_ROOT;
}

uint32_t native_syms_find(struct native_syms *syms, uint64_t pc)
{
	uint32_t *slot, found;
	bool added;

	syms->lookups++;
	if (index_get(&syms->by_pc, pc, &found))
		return found;
	/* A library loaded since: report the modules again (rate-limited);
	 * then any address may hold other code, and the cache starts over. */
	unwinder_knows(syms->unwinder, pc);
	if (syms->generation != syms->unwinder->generation) {
		index_clear(&syms->by_pc);
		syms->n_symbols = 0;
		syms->n_frames = 0;
		syms->generation = syms->unwinder->generation;
	}
	syms->misses++;
	slot = index_put(&syms->by_pc, pc, &added);
	XGROW(syms->symbols, syms->cap_symbols, syms->n_symbols + 1);
	*slot = (uint32_t)syms->n_symbols;
	resolve(syms, pc, &syms->symbols[syms->n_symbols]);
	return (uint32_t)syms->n_symbols++;
}

/*
 * binary.c - locating the interpreter's ELF in a process (see binary.h).
 */
#include "binary.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/errors.h"
#include "elffile.h"
#include "procfs.h"

enum {
	SYM_RUNTIME,
	SYM_INTERP_HEAD,
	SYM_INTERP_HEAD_FN,
	SYM_TSTATE_CURRENT,
	SYM_CODE_TYPE,
	SYM_UNICODE_TYPE,
	SYM_STRING_TYPE,
	SYM_BYTES_TYPE,
	SYM_NONE,
	SYM_PY_VERSION,
	SYM_FT_ONLY,
	SYM_UCS2,
	SYM_GC_COLLECTING,
	SYM_GIL_MUTEX,
	SYM_GIL_COND,
	SYM_INTERPRETER_LOCK,
	SYM_COUNT
};

static void wanted_symbols(struct elf_symbol *syms)
{
	static const char *const names[SYM_COUNT] = {
		[SYM_RUNTIME] = "_PyRuntime",
		[SYM_INTERP_HEAD] = "interp_head",
		[SYM_INTERP_HEAD_FN] = "PyInterpreterState_Head",
		[SYM_TSTATE_CURRENT] = "_PyThreadState_Current",
		[SYM_CODE_TYPE] = "PyCode_Type",
		[SYM_UNICODE_TYPE] = "PyUnicode_Type",
		[SYM_STRING_TYPE] = "PyString_Type",
		[SYM_BYTES_TYPE] = "PyBytes_Type",
		[SYM_NONE] = "_Py_NoneStruct",
		[SYM_PY_VERSION] = "Py_Version",
		/* Only --disable-gil builds define it (3.13t+). */
		[SYM_FT_ONLY] = "_Py_MergeZeroLocalRefcount",
		[SYM_UCS2] = "PyUnicodeUCS2_FromString",
		/* Statics of 2.7 and 3.6, in the symbol table when not stripped:
		 * gcmodule.c's flag and the GIL's futexes (3.6: a mutex and a
		 * condition; 2.7: a pointer to a lock). */
		[SYM_GC_COLLECTING] = "collecting",
		[SYM_GIL_MUTEX] = "gil_mutex",
		[SYM_GIL_COND] = "gil_cond",
		[SYM_INTERPRETER_LOCK] = "interpreter_lock",
	};
	int i;

	memset(syms, 0, sizeof(*syms) * SYM_COUNT);
	for (i = 0; i < SYM_COUNT; i++)
		syms[i].name = names[i];
}

uint64_t binary_decode_rip_load(const uint8_t *code, size_t len, uint64_t fn_addr)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	size_t at = 0;
	int32_t disp;

	if (len >= sizeof(endbr64) && memcmp(code, endbr64, sizeof(endbr64)) == 0)
		at = sizeof(endbr64);
	/* mov rax, qword ptr [rip + disp32] = 48 8b 05 <disp32> */
	if (len < at + 7 || code[at] != 0x48 || code[at + 1] != 0x8b || code[at + 2] != 0x05)
		return 0;
	memcpy(&disp, code + at + 3, sizeof(disp));
	return fn_addr + at + 7 + (int64_t)disp;
}

int binary_open_mapped(pid_t pid, const struct map_entry *entry, struct elf_file *ef)
{
	char path[1024];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", (int)pid,
		 (unsigned long)entry->start, (unsigned long)entry->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, entry->path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		fd = open(entry->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The fallbacks go by name: make sure it is still the mapped file. */
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_ino != entry->inode) {
		close(fd);
		return -ENOENT;
	}
	return elf_file_open_fd(ef, fd);
}

/* Load bias from the mapping of file offset 0 and the segment it holds. */
static int compute_bias(const struct maps *maps, const struct map_entry *file,
			const struct elf_file *ef, uint64_t *bias)
{
	size_t i, s;

	if (ef->type == ET_EXEC) {
		*bias = 0;
		return 0;
	}
	for (i = 0; i < maps->count; i++) {
		const struct map_entry *entry = &maps->entries[i];

		if (entry->inode != file->inode || strcmp(entry->path, file->path) != 0)
			continue;
		for (s = 0; s < ef->n_loads; s++) {
			const struct elf_segment *seg = &ef->loads[s];
			uint64_t page_off = seg->offset & ~(uint64_t)0xfff;

			if (page_off == entry->offset) {
				*bias = entry->start - (seg->vaddr & ~(uint64_t)0xfff);
				return 0;
			}
		}
	}
	return PP_EELF;
}

/*
 * Where the writable segments (.data, .bss) lie, from the ELF program
 * headers: the maps cannot say where .bss ends, as the kernel merges its
 * anonymous tail with whatever anonymous mapping comes next.
 */
static void find_data_range(const struct elf_file *ef, uint64_t bias, struct py_binary *out)
{
	size_t s;

	out->data_start = out->data_end = 0;
	for (s = 0; s < ef->n_loads; s++) {
		const struct elf_segment *seg = &ef->loads[s];

		if (!(seg->flags & PF_W))
			continue;
		if (!out->data_start || bias + seg->vaddr < out->data_start)
			out->data_start = bias + seg->vaddr;
		if (bias + seg->vaddr + seg->memsz > out->data_end)
			out->data_end = bias + seg->vaddr + seg->memsz;
	}
}

static int try_candidate(pid_t pid, const struct maps *maps,
			 const struct map_entry *entry, struct py_binary *out)
{
	struct elf_symbol syms[SYM_COUNT];
	struct elf_file ef;
	uint64_t bias;
	int err;

	err = binary_open_mapped(pid, entry, &ef);
	if (err)
		return err;
	wanted_symbols(syms);
	elf_file_symbols(&ef, syms, SYM_COUNT);
	if (!syms[SYM_CODE_TYPE].found ||
	    !(syms[SYM_RUNTIME].found || syms[SYM_INTERP_HEAD].found ||
	      syms[SYM_INTERP_HEAD_FN].found)) {
		elf_file_close(&ef);
		return PP_ENOTPYTHON;
	}
	err = compute_bias(maps, entry, &ef, &bias);
	if (err) {
		elf_file_close(&ef);
		return err;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", entry->path);
	out->bias = bias;
	out->is_library = strstr(maps_basename(entry), "libpython") != NULL;
#define ADDR(sym) (syms[sym].found ? bias + syms[sym].value : 0)
	out->runtime = ADDR(SYM_RUNTIME);
	out->runtime_size = syms[SYM_RUNTIME].found ? syms[SYM_RUNTIME].size : 0;
	out->interp_head = ADDR(SYM_INTERP_HEAD);
	out->tstate_current = ADDR(SYM_TSTATE_CURRENT);
	out->code_type = ADDR(SYM_CODE_TYPE);
	out->unicode_type = ADDR(SYM_UNICODE_TYPE);
	out->string_type = syms[SYM_STRING_TYPE].found ? ADDR(SYM_STRING_TYPE)
						       : ADDR(SYM_BYTES_TYPE);
	out->none = ADDR(SYM_NONE);
	/* Only where the interpreter keeps no runtime state: a later
	 * libpython's statics of these names are something else. */
	if (!out->runtime) {
		out->gc_collecting = ADDR(SYM_GC_COLLECTING);
		out->gil_mutex = ADDR(SYM_GIL_MUTEX);
		out->gil_cond = ADDR(SYM_GIL_COND);
		out->interpreter_lock = ADDR(SYM_INTERPRETER_LOCK);
	}
#undef ADDR
	out->free_threaded_symbols = syms[SYM_FT_ONLY].found;
	out->unicode_ucs2 = syms[SYM_UCS2].found;
	if (syms[SYM_PY_VERSION].found) {
		uint32_t hex = 0;

		if (elf_file_read_vaddr(&ef, syms[SYM_PY_VERSION].value, &hex, sizeof(hex)) == 0)
			out->version_hex = hex;
	}
	/* 3.10+ keep _PyRuntime alone in a section of that name: usable when
	 * the symbol tables were stripped. */
	if (!out->runtime) {
		uint64_t addr, size, offset;

		if (elf_file_section(&ef, ".PyRuntime", &addr, &size, &offset)) {
			out->runtime = bias + addr;
			out->runtime_size = size;
		}
	}
	/* Stripped 2.7/3.6: interp_head is local; find it through the code of
	 * the exported function that returns it. */
	if (!out->interp_head && !out->runtime && syms[SYM_INTERP_HEAD_FN].found) {
		uint8_t code[16];

		if (elf_file_read_vaddr(&ef, syms[SYM_INTERP_HEAD_FN].value, code, sizeof(code)) == 0) {
			uint64_t head = binary_decode_rip_load(code, sizeof(code),
							       syms[SYM_INTERP_HEAD_FN].value);
			out->interp_head = head ? bias + head : 0;
		}
	}
	find_data_range(&ef, bias, out);
	elf_file_close(&ef);
	return 0;
}

int binary_find(pid_t pid, const struct maps *maps, struct py_binary *out)
{
	char exe[512];
	const struct map_entry *candidates[64];
	size_t n = 0, i;
	int err = PP_ENOTPYTHON;

	if (procfs_exe(pid, exe, sizeof(exe)) != 0)
		exe[0] = '\0';
	/* The executable first (static builds), then any libpython, each file
	 * once, by its mapping at file offset 0. */
	for (i = 0; i < maps->count && n < 64; i++) {
		const struct map_entry *entry = &maps->entries[i];

		if (entry->offset == 0 && entry->path[0] == '/' && strcmp(entry->path, exe) == 0)
			candidates[n++] = entry;
	}
	for (i = 0; i < maps->count && n < 64; i++) {
		const struct map_entry *entry = &maps->entries[i];

		if (entry->offset == 0 && entry->path[0] == '/' &&
		    strstr(maps_basename(entry), "libpython") && strcmp(entry->path, exe) != 0)
			candidates[n++] = entry;
	}
	for (i = 0; i < n; i++) {
		int result = try_candidate(pid, maps, candidates[i], out);

		if (result == 0)
			return 0;
		/* Remember the most telling failure: a file we could not open
		 * says more than "not Python". */
		if (result != PP_ENOTPYTHON)
			err = result;
	}
	if (!procfs_exists(pid))
		return -ESRCH;
	return err;
}

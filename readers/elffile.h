/*
 * elffile.h - the facts peekpy needs from an ELF file on disk.
 *
 * Opens an executable or shared library with libelf and answers: its type,
 * its loadable segments, the value and size of named symbols (exported or
 * local, defined ones only), named sections, and the bytes at a virtual
 * address.  Works on the file alone: it knows nothing of processes or load
 * addresses (see binary.h for that).
 */
#ifndef PEEKPY_ELFFILE_H
#define PEEKPY_ELFFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_segment {
	uint64_t vaddr, memsz;
	uint64_t offset, filesz;
	uint32_t flags;        /* PF_R | PF_W | PF_X */
};

struct elf_file {
	int fd;
	void *elf;             /* Elf * */
	uint16_t type;         /* ET_EXEC, ET_DYN, ... */
	struct elf_segment *loads;
	size_t n_loads;
	uint64_t tls_memsz;    /* size of the PT_TLS block, 0 if none */
};

struct elf_symbol {
	const char *name;      /* in: what to look for */
	uint64_t value, size;  /* out */
	bool found;            /* out */
	bool is_tls;           /* out: an STT_TLS symbol (value is a TLS offset) */
};

/* Open path (or an already open fd, which the elf_file then owns). */
int elf_file_open(struct elf_file *ef, const char *path);
int elf_file_open_fd(struct elf_file *ef, int fd);
void elf_file_close(struct elf_file *ef);

/* Fill in every wanted symbol found in .dynsym or .symtab; returns how many
 * were found.  Undefined (imported) symbols are ignored. */
size_t elf_file_symbols(struct elf_file *ef, struct elf_symbol *wanted, size_t n);

/* Address, size and file offset of a section by name. */
bool elf_file_section(struct elf_file *ef, const char *name,
		      uint64_t *addr, uint64_t *size, uint64_t *offset);

/* Read len bytes of file-backed data at a virtual address. */
int elf_file_read_vaddr(struct elf_file *ef, uint64_t vaddr, void *buf, size_t len);

/* The PT_LOAD segment containing vaddr, or NULL. */
const struct elf_segment *elf_file_segment_at(const struct elf_file *ef, uint64_t vaddr);

#endif

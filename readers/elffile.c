/*
 * elffile.c - ELF symbols, sections and segments through libelf (see elffile.h).
 */
#include "elffile.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/errors.h"
#include "../base/xalloc.h"

static int read_segments(struct elf_file *ef)
{
	Elf *elf = ef->elf;
	size_t count, i, cap = 0;

	if (elf_getphdrnum(elf, &count) != 0)
		return PP_EELF;
	for (i = 0; i < count; i++) {
		GElf_Phdr phdr;

		if (!gelf_getphdr(elf, (int)i, &phdr))
			return PP_EELF;
		if (phdr.p_type == PT_TLS)
			ef->tls_memsz = phdr.p_memsz;
		if (phdr.p_type != PT_LOAD)
			continue;
		XGROW(ef->loads, cap, ef->n_loads + 1);
		ef->loads[ef->n_loads++] = (struct elf_segment){
			.vaddr = phdr.p_vaddr, .memsz = phdr.p_memsz,
			.offset = phdr.p_offset, .filesz = phdr.p_filesz,
			.flags = phdr.p_flags,
		};
	}
	return ef->n_loads ? 0 : PP_EELF;
}

int elf_file_open_fd(struct elf_file *ef, int fd)
{
	GElf_Ehdr ehdr;
	int err;

	memset(ef, 0, sizeof(*ef));
	ef->fd = fd;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		elf_file_close(ef);
		return PP_EELF;
	}
	ef->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF || !gelf_getehdr(ef->elf, &ehdr) ||
	    gelf_getclass(ef->elf) != ELFCLASS64) {
		elf_file_close(ef);
		return PP_EELF;
	}
	ef->type = ehdr.e_type;
	err = read_segments(ef);
	if (err)
		elf_file_close(ef);
	return err;
}

int elf_file_open(struct elf_file *ef, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		memset(ef, 0, sizeof(*ef));
		ef->fd = -1;
		return -errno;
	}
	return elf_file_open_fd(ef, fd);
}

void elf_file_close(struct elf_file *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	free(ef->loads);
	memset(ef, 0, sizeof(*ef));
	ef->fd = -1;
}

static void scan_symtab(Elf *elf, Elf_Scn *scn, GElf_Shdr *shdr,
			struct elf_symbol *wanted, size_t n, size_t *found)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count, i, w;

	if (!data || shdr->sh_entsize == 0)
		return;
	count = shdr->sh_size / shdr->sh_entsize;
	for (i = 0; i < count && *found < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
		    sym.st_name == 0)
			continue;
		name = elf_strptr(elf, shdr->sh_link, sym.st_name);
		if (!name)
			continue;
		for (w = 0; w < n; w++) {
			if (wanted[w].found || name[0] != wanted[w].name[0] ||
			    strcmp(name, wanted[w].name) != 0)
				continue;
			wanted[w].found = true;
			wanted[w].value = sym.st_value;
			wanted[w].size = sym.st_size;
			wanted[w].is_tls = GELF_ST_TYPE(sym.st_info) == STT_TLS;
			(*found)++;
			break;
		}
	}
}

size_t elf_file_symbols(struct elf_file *ef, struct elf_symbol *wanted, size_t n)
{
	static const unsigned tables[] = { SHT_DYNSYM, SHT_SYMTAB };
	size_t found = 0, t;

	for (t = 0; t < 2; t++) {
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
			GElf_Shdr shdr;

			if (gelf_getshdr(scn, &shdr) && shdr.sh_type == tables[t])
				scan_symtab(ef->elf, scn, &shdr, wanted, n, &found);
		}
	}
	return found;
}

bool elf_file_section(struct elf_file *ef, const char *name,
		      uint64_t *addr, uint64_t *size, uint64_t *offset)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	/* A truncated file may lack the section-name table: check first. */
	if (elf_getshdrstrndx(ef->elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
		GElf_Shdr shdr;
		const char *scn_name;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		scn_name = elf_strptr(ef->elf, shstrndx, shdr.sh_name);
		if (!scn_name || strcmp(scn_name, name) != 0)
			continue;
		*addr = shdr.sh_addr;
		*size = shdr.sh_size;
		*offset = shdr.sh_offset;
		return true;
	}
	return false;
}

const struct elf_segment *elf_file_segment_at(const struct elf_file *ef, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < ef->n_loads; i++) {
		const struct elf_segment *seg = &ef->loads[i];

		if (vaddr >= seg->vaddr && vaddr < seg->vaddr + seg->memsz)
			return seg;
	}
	return NULL;
}

int elf_file_read_vaddr(struct elf_file *ef, uint64_t vaddr, void *buf, size_t len)
{
	const struct elf_segment *seg = elf_file_segment_at(ef, vaddr);
	uint64_t into;
	ssize_t got;

	if (!seg)
		return -EFAULT;
	into = vaddr - seg->vaddr;
	/* Only the file-backed part of a segment has bytes on disk. */
	if (into + len > seg->filesz)
		return -EFAULT;
	got = pread(ef->fd, buf, len, (off_t)(seg->offset + into));
	if (got < 0)
		return -errno;
	return (size_t)got == len ? 0 : PP_ESHORTREAD;
}

/*
 * pyrepr.h - a short repr of a value in a target, for dump's locals.
 *
 * Built on pyobj's readers; bounded in length, items and depth so that a
 * walk through garbage stays short.  Must not allocate, and must not fail:
 * what cannot be read is shown as "<TYPE at 0xADDR>".
 */
#ifndef PEEKPY_PYREPR_H
#define PEEKPY_PYREPR_H

#include <stddef.h>
#include <stdint.h>

#include "pyobj.h"

/*
 * A short repr of the object at addr into out (size >= 32), always
 * terminated and valid UTF-8: None, bools, ints, floats, str and bytes
 * (cut between characters, "..." after), the first items of tuples, lists
 * and dicts, and "<TYPE at 0xADDR>" for anything else or anything that
 * cannot be read.
 */
void pyrepr_format(struct pyobj_reader *r, uint64_t addr, char *out, size_t size);

#endif

/*
 * unit.h - what every CMocka unit test includes.
 *
 * Tests run from the repository root (make unit does), so fixtures are
 * found under tests/data/.
 */
#ifndef PEEKPY_UNIT_H
#define PEEKPY_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define TEST_DATA "tests/data"

#endif

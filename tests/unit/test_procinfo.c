/*
 * test_procinfo.c - /proc/PID/maps parsing, stat lines, short file names,
 * and the thread-descriptor offset search.
 */
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../readers/maps.h"
#include "../../readers/pathname.h"
#include "../../readers/procfs.h"
#include "../../readers/tidmap.h"

static const char maps_text[] =
	"00400000-00423000 r--p 00000000 fe:00 1310 /usr/bin/python3.11\n"
	"00423000-00700000 r-xp 00023000 fe:00 1310 /usr/bin/python3.11\n"
	"00a00000-00a60000 rw-p 00600000 fe:00 1310 /usr/bin/python3.11\n"
	"00a60000-00a80000 rw-p 00000000 00:00 0 \n"
	"7f0000000000-7f0000021000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f1000000000-7f1000001000 r--p 00000000 fe:00 42 /srv/my app/lib (deleted)\n"
	"not a maps line\n";

static void test_maps_parse_and_find(void **state)
{
	struct maps maps;
	const struct map_entry *entry;

	(void)state;
	assert_int_equal(maps_parse(&maps, maps_text), 0);
	assert_int_equal(maps.count, 6);
	entry = maps_find(&maps, 0x424000);
	assert_non_null(entry);
	assert_int_equal(entry->offset, 0x23000);
	assert_true(entry->perms & MAP_EXEC);
	assert_string_equal(maps_basename(entry), "python3.11");
	assert_null(maps_find(&maps, 0x3fffff));
	assert_null(maps_find(&maps, 0x700000));
	assert_string_equal(maps_find(&maps, 0x7f0000000010)->path, "[heap]");
	assert_string_equal(maps_find(&maps, 0x7f1000000000)->path, "/srv/my app/lib (deleted)");
	assert_true(maps_readable(&maps, 0xa5fff0, 16));
	assert_false(maps_readable(&maps, 0xa5fff0, 0x20000));   /* crosses into the next */
	maps_release(&maps);
}

static void test_maps_of_this_process(void **state)
{
	struct maps maps;
	static int here;

	(void)state;
	assert_int_equal(maps_load(&maps, getpid()), 0);
	assert_true(maps_readable(&maps, (uintptr_t)&here, sizeof(here)));
	maps_release(&maps);
	assert_int_equal(maps_load(&maps, 0x7ffffff0), -ESRCH);
}

static void test_stat_state_after_last_paren(void **state)
{
	static const char odd[] = "123 (a) b) S (c) R 1 1 1";

	(void)state;
	assert_int_equal(procfs_parse_stat_state(odd, sizeof(odd) - 1), 'R');
	assert_int_equal(procfs_parse_stat_state("1 (x) S 0", 9), 'S');
	assert_int_equal(procfs_parse_stat_state("garbage", 7), 0);
	assert_int_equal(procfs_process_state(getpid()), 'R');
}

static void *sleep_on_pipe(void *arg)
{
	char byte;

	return (void *)(intptr_t)read(*(int *)arg, &byte, 1);
}

static void test_syscall_of_a_blocked_thread(void **state)
{
	long number = 0;
	uint64_t arg = 0;
	int fds[2];
	pthread_t reader;
	struct procfs_threads threads;
	uint32_t reader_tid = 0;

	(void)state;
	procfs_threads_init(&threads, getpid());
	assert_int_equal(procfs_parse_syscall("202 0x7f12345678 0x80 0x0 0x0 0x0 0x0 0x7ffd 0x7f", &number, &arg), 0);
	assert_int_equal(number, 202);
	assert_int_equal(arg, 0x7f12345678ull);
	assert_int_equal(procfs_parse_syscall("running\n", &number, &arg), -EAGAIN);
	assert_int_equal(procfs_parse_syscall("-1 0x7ffd 0x7f\n", &number, &arg), -EAGAIN);
	/* A thread of ours blocked in read(fds[0]): the call and its fd. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(pthread_create(&reader, NULL, sleep_on_pipe, &fds[0]), 0);
	for (int tries = 0; tries < 2000; tries++) {
		uint32_t tids[64];
		size_t n = 0;
		uint32_t *all = NULL;
		size_t count = 0;

		number = -1;
		if (procfs_tasks(getpid(), &all, &count) == 0) {
			for (size_t i = 0; i < count && n < 64; i++)
				if (all[i] != (uint32_t)getpid())
					tids[n++] = all[i];
			free(all);
		}
		/* One kept file, read again each try. */
		if (n == 1 && procfs_threads_syscall(&threads, tids[0], &number, &arg) == 0 &&
		    number == SYS_read) {
			reader_tid = tids[0];
			break;
		}
		usleep(1000);
	}
	assert_int_equal(number, SYS_read);
	assert_int_equal(arg, (uint64_t)fds[0]);
	assert_int_equal(write(fds[1], "x", 1), 1);
	pthread_join(reader, NULL);
	/* The kept file of a thread gone says nothing stale. */
	number = -1;
	assert_true(procfs_threads_syscall(&threads, reader_tid, &number, &arg) != 0 ||
		    number != SYS_read);
	procfs_threads_release(&threads);
	close(fds[0]);
	close(fds[1]);
}

/* Directories that hold an __init__.py in a pretend file system. */
static bool fake_has_init(void *ctx, const char *dir)
{
	const char *const *packages = ctx;

	for (; *packages; packages++)
		if (strcmp(*packages, dir) == 0)
			return true;
	return false;
}

static void test_pathname_relative_to_package_root(void **state)
{
	const char *const packages[] = {
		"/venv/lib/python3.12/site-packages/requests",
		"/venv/lib/python3.12/site-packages/requests/adapters",
		"pkg",
		NULL,
	};
	char out[256];

	(void)state;
	pathname_shorten("/venv/lib/python3.12/site-packages/requests/adapters/http.py", out,
			 sizeof(out), fake_has_init, (void *)packages);
	assert_string_equal(out, "requests/adapters/http.py");
	pathname_shorten("/usr/lib/python3.11/threading.py", out, sizeof(out), fake_has_init,
			 (void *)packages);
	assert_string_equal(out, "threading.py");
	pathname_shorten("<frozen importlib._bootstrap>", out, sizeof(out), fake_has_init,
			 (void *)packages);
	assert_string_equal(out, "<frozen importlib._bootstrap>");
	pathname_shorten("app.py", out, sizeof(out), fake_has_init, (void *)packages);
	assert_string_equal(out, "app.py");
	pathname_shorten("pkg/mod.py", out, sizeof(out), fake_has_init, (void *)packages);
	assert_string_equal(out, "pkg/mod.py");
}

static void test_tidmap_finds_the_descriptor_offset(void **state)
{
	static uint8_t d1[1024], d2[1024], d3[1024];
	const uint8_t *descriptors[] = { d1, d2, d3 };
	const uint32_t tids[] = { 500, 501, 502, 999 };
	uint32_t value;

	(void)state;
	/* glibc puts the kernel id at 720. */
	value = 500;
	memcpy(d1 + 720, &value, 4);
	value = 501;
	memcpy(d2 + 720, &value, 4);
	value = 502;
	memcpy(d3 + 720, &value, 4);
	/* A decoy at 100 that matches one thread only. */
	value = 501;
	memcpy(d1 + 100, &value, 4);
	assert_int_equal(tidmap_find_offset(descriptors, 3, 1024, tids, 4), 720);
	/* Another layout: ids at 48 (musl). */
	memset(d1, 0, sizeof(d1));
	memset(d2, 0, sizeof(d2));
	memset(d3, 0, sizeof(d3));
	value = 999;
	memcpy(d1 + 48, &value, 4);
	assert_int_equal(tidmap_find_offset(descriptors, 1, 1024, tids, 4), 48);
	/* Two threads with the same id at an offset: not a thread id. */
	memcpy(d2 + 48, &value, 4);
	assert_int_equal(tidmap_find_offset(descriptors, 2, 1024, tids, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_parse_and_find),
		cmocka_unit_test(test_maps_of_this_process),
		cmocka_unit_test(test_stat_state_after_last_paren),
		cmocka_unit_test(test_syscall_of_a_blocked_thread),
		cmocka_unit_test(test_pathname_relative_to_package_root),
		cmocka_unit_test(test_tidmap_finds_the_descriptor_offset),
	};
	return cmocka_run_group_tests_name("procinfo", tests, NULL, NULL);
}

/*
 * test_idlethreads.c - idle threads: the kernel's answer, and the notes
 * kept between samples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../base/monotonic.h"
#include "../../readers/idlethreads.h"

struct sleeper {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	uint32_t tid;
	int stop;
};

static void *sleep_until_told(void *arg)
{
	struct sleeper *s = arg;

	pthread_mutex_lock(&s->lock);
	s->tid = (uint32_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&s->wake);
	while (!s->stop)
		pthread_cond_wait(&s->wake, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void test_sleeping_thread_is_idle_and_running_one_is_not(void **state)
{
	struct sleeper s = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	struct idle_threads idle;
	uint8_t tstate[40] = { 1, 2, 3 };
	uint32_t self = (uint32_t)syscall(SYS_gettid);
	pthread_t thread;
	int tries;

	(void)state;
	assert_int_equal(pthread_create(&thread, NULL, sleep_until_told, &s), 0);
	pthread_mutex_lock(&s.lock);
	while (!s.tid)
		pthread_cond_wait(&s.wake, &s.lock);
	pthread_mutex_unlock(&s.lock);

	idle_threads_init(&idle, getpid());
	/* The sleeper may still be on its way into the wait: ask until it is
	 * there (it gets there, so this ends). */
	for (tries = 0;; tries++) {
		bool sleeper_idle, self_idle;

		idle_threads_begin(&idle, 2);
		self_idle = idle_threads_ask(&idle, self, tstate, sizeof(tstate), monotonic_ns());
		sleeper_idle = idle_threads_ask(&idle, s.tid, tstate, sizeof(tstate), monotonic_ns());
		idle_threads_end(&idle, monotonic_ns());
		assert_false(self_idle);   /* this thread is on a CPU, asking */
		if (sleeper_idle)
			break;
		assert_true(tries < 1000);
		usleep(1000);
	}
	/* The note is kept: an unchanged thread state is still idle. */
	idle_threads_begin(&idle, 1);
	assert_true(idle_threads_ask(&idle, s.tid, tstate, sizeof(tstate), monotonic_ns()));
	idle_threads_end(&idle, monotonic_ns());
	idle_threads_release(&idle);

	pthread_mutex_lock(&s.lock);
	s.stop = 1;
	pthread_cond_broadcast(&s.wake);
	pthread_mutex_unlock(&s.lock);
	pthread_join(thread, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sleeping_thread_is_idle_and_running_one_is_not),
	};
	return cmocka_run_group_tests_name("idlethreads", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * lprs-threads N: start N threads that sleep until the process is killed;
 * prints "ready N" once all exist. For tests that need many tasks.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t tid;
	int n, i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	n = atoi(argv[1]);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < n; i++) {
		if (pthread_create(&tid, &attr, sleeper, NULL)) {
			fprintf(stderr, "thread %d: cannot create\n", i);
			return 1;
		}
	}
	printf("ready %d\n", n);
	fflush(stdout);
	for (;;)
		pause();
}
